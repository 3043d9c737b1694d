/**
 * Table scanning at the file level: which manifests a snapshot has, and which data and delete
 * files are live in it (spec: Scan Planning). Handles manifest lists of every version and the
 * deprecated v1 snapshot `manifests` list.
 *
 * @example
 * const entries = await liveDataFiles(io, metadata); // current snapshot
 * const rows = entries.reduce((n, e) => n + e.data_file.record_count, 0);
 */

import { readManifest } from './avro/manifest.js';
import { readManifestList } from './avro/manifest-list.js';
import type { FileIO } from './file-io.js';
import {
  type Literal,
  type ManifestEntry,
  ManifestEntryStatus,
  type ManifestFile,
  type Snapshot,
  type TableMetadata,
} from './types.js';

/** Raised when the snapshot asked for does not exist or has no manifests. */
export class SnapshotNotFoundError extends Error {
  override name = 'SnapshotNotFoundError';
}

export interface ScanOptions {
  /** The snapshot to read; the current one when omitted. */
  snapshotId?: bigint;
  /** Maps a path written in the metadata to the path `io` should read (fixtures, moved tables). */
  resolvePath?: (path: string) => string;
  /** Keeps only files whose partition passes; `partition` is aligned with the spec's fields. */
  partitionFilter?: (specId: number, partition: Literal[]) => boolean;
}

/** The files of one snapshot. */
export interface SnapshotFiles {
  snapshot: Snapshot;
  manifests: ManifestFile[];
  /** ADDED and EXISTING entries of data manifests. */
  dataEntries: ManifestEntry[];
  /** ADDED and EXISTING entries of delete manifests. */
  deleteEntries: ManifestEntry[];
}

/** The snapshot with `snapshotId`, or the table's current snapshot; undefined when the table is empty. */
export function findSnapshot(metadata: TableMetadata, snapshotId?: bigint): Snapshot | undefined {
  const id = snapshotId ?? metadata['current-snapshot-id'];
  if (id === undefined || id === null || id === -1n) return undefined;
  const snapshot = metadata.snapshots.find((s) => s['snapshot-id'] === BigInt(id));
  if (!snapshot) throw new SnapshotNotFoundError(`snapshot ${id} is not in the table metadata`);
  return snapshot;
}

/**
 * The manifests of a snapshot. A v1 snapshot that lists `manifests` inline has no manifest
 * list, so each manifest is read to rebuild its `manifest_file` record (sequence number 0).
 */
export async function snapshotManifests(
  io: FileIO,
  snapshot: Snapshot,
  resolvePath: (path: string) => string = (p) => p,
): Promise<ManifestFile[]> {
  const list = snapshot['manifest-list'];
  if (list) return readManifestList(await io.read(resolvePath(list)));
  if (!snapshot.manifests)
    throw new SnapshotNotFoundError(`snapshot ${snapshot['snapshot-id']} has neither manifest-list nor manifests`);
  return Promise.all(
    snapshot.manifests.map(async (path) => {
      const bytes = await io.read(resolvePath(path));
      const { header, entries } = readManifest(bytes);
      return manifestFileOf(
        path,
        bytes.byteLength,
        Number(header['partition-spec-id'] ?? 0),
        snapshot['snapshot-id'],
        entries,
      );
    }),
  );
}

/** A v1 `manifest_file` record rebuilt from a manifest's entries. */
function manifestFileOf(
  path: string,
  length: number,
  specId: number,
  snapshotId: bigint,
  entries: ManifestEntry[],
): ManifestFile {
  const count = (status: ManifestEntryStatus) => entries.filter((e) => e.status === status);
  const rows = (list: ManifestEntry[]) => list.reduce((n, e) => n + e.data_file.record_count, 0);
  const [added, existing, deleted] = [
    count(ManifestEntryStatus.Added),
    count(ManifestEntryStatus.Existing),
    count(ManifestEntryStatus.Deleted),
  ];
  return {
    manifest_path: path,
    manifest_length: length,
    partition_spec_id: specId,
    content: 0,
    sequence_number: 0n,
    min_sequence_number: 0n,
    added_snapshot_id: snapshotId,
    added_files_count: added.length,
    existing_files_count: existing.length,
    deleted_files_count: deleted.length,
    added_rows_count: rows(added),
    existing_rows_count: rows(existing),
    deleted_rows_count: rows(deleted),
  };
}

/** Reads the live entries (ADDED and EXISTING) of a list of manifests, with inheritance applied. */
export async function liveEntries(
  io: FileIO,
  metadata: TableMetadata,
  manifests: ManifestFile[],
  options: Pick<ScanOptions, 'resolvePath' | 'partitionFilter'> = {},
): Promise<ManifestEntry[]> {
  const resolve = options.resolvePath ?? ((p: string) => p);
  const perManifest = await Promise.all(
    manifests.map(async (manifest) => {
      const spec = metadata['partition-specs'].find((s) => s['spec-id'] === manifest.partition_spec_id);
      const { entries } = readManifest(await io.read(resolve(manifest.manifest_path)), { manifest, spec });
      return entries.filter(
        (e) =>
          e.status !== ManifestEntryStatus.Deleted &&
          (!options.partitionFilter || options.partitionFilter(manifest.partition_spec_id, e.data_file.partition)),
      );
    }),
  );
  return perManifest.flat();
}

/** The data and delete files of a snapshot (the current one unless `snapshotId` is given). */
export async function snapshotFiles(
  io: FileIO,
  metadata: TableMetadata,
  options: ScanOptions = {},
): Promise<SnapshotFiles | undefined> {
  const snapshot = findSnapshot(metadata, options.snapshotId);
  if (!snapshot) return undefined;
  const manifests = await snapshotManifests(io, snapshot, options.resolvePath);
  const [dataEntries, deleteEntries] = await Promise.all([
    liveEntries(
      io,
      metadata,
      manifests.filter((m) => m.content === 0),
      options,
    ),
    liveEntries(
      io,
      metadata,
      manifests.filter((m) => m.content === 1),
      options,
    ),
  ]);
  return { snapshot, manifests, dataEntries, deleteEntries };
}

/** The live data files of a snapshot: ADDED and EXISTING entries of its data manifests. */
export async function liveDataFiles(
  io: FileIO,
  metadata: TableMetadata,
  options: ScanOptions = {},
): Promise<ManifestEntry[]> {
  return (await snapshotFiles(io, metadata, options))?.dataEntries ?? [];
}
