/**
 * What every snapshot producer shares (after PyIceberg `_SnapshotProducer` and Java
 * `SnapshotProducer`): find the base snapshot of the branch, write manifests for the new files,
 * write the manifest list (assigning v3 `first_row_id`s), build the snapshot and its summary,
 * and return the REST change `{ requirements, updates }`. Producers are pure: they read existing
 * manifests through `io` but never write; the caller writes `files` before committing.
 */

import { readManifest, writeManifest } from '../avro/manifest.js';
import { writeManifestList } from '../avro/manifest-list.js';
import type { FileIO } from '../file-io.js';
import { snapshotManifests } from '../scan.js';
import {
  type DataFile,
  type ManifestEntry,
  ManifestEntryStatus,
  type ManifestFile,
  type PartitionSpec,
  type PendingFile,
  type Schema,
  type Snapshot,
  type SnapshotOperation,
  type TableChange,
  type TableMetadata,
} from '../types.js';
import { buildSummary } from './summary.js';

export interface SnapshotProducerInput {
  metadata: TableMetadata;
  /** Reads existing manifest lists and manifests; producers never write through it. */
  io: FileIO;
  /** Data files to add; `spec_id` defaults to the table's default spec. */
  dataFiles: DataFile[];
  /** Stable across retries of one commit (see newSnapshotId). */
  snapshotId: bigint;
  /** Unique per attempt: manifest and manifest-list names derive from it. */
  attemptId: string;
  /** floe's own summary keys, e.g. `floe.ingest-ids`. */
  extraSummary?: Record<string, string>;
  /** Default `main`. */
  branch?: string;
  /** Snapshot timestamp (ms); default `Date.now()`. */
  now?: number;
}

export interface SnapshotProduct {
  snapshot: Snapshot;
  /** `assert-table-uuid` + `assert-ref-snapshot-id(branch, base or null)`; `add-snapshot` + `set-snapshot-ref`. */
  change: TableChange;
  /** Manifests and the manifest list, to write before committing. */
  files: PendingFile[];
}

/** Raised when the input cannot make a valid snapshot (unknown spec, wrong partition arity). */
export class SnapshotProducerError extends Error {
  override name = 'SnapshotProducerError';
}

/** The state a producer works from. */
export interface ProducerContext {
  input: SnapshotProducerInput;
  metadata: TableMetadata;
  formatVersion: 1 | 2 | 3;
  branch: string;
  base: Snapshot | undefined;
  /** The new snapshot's sequence number (0 for v1 tables, which have none). */
  sequenceNumber: bigint;
  schema: Schema;
  /** The base snapshot's manifests. */
  manifests: ManifestFile[];
  metadataDir: string;
  /** Pending files, appended to as manifests are written. */
  files: PendingFile[];
  /** Entries of manifests written in this attempt, by path (so merges need not re-read them). */
  written: Map<string, ManifestEntry[]>;
  nextManifestIndex: number;
}

/** Loads the base snapshot and its manifests. */
export async function loadContext(input: SnapshotProducerInput): Promise<ProducerContext> {
  const { metadata } = input;
  const branch = input.branch ?? 'main';
  const refId =
    metadata.refs?.[branch]?.['snapshot-id'] ?? (branch === 'main' ? metadata['current-snapshot-id'] : undefined);
  const baseId = refId === undefined || refId === null || BigInt(refId) === -1n ? undefined : BigInt(refId);
  const base = baseId === undefined ? undefined : metadata.snapshots.find((s) => s['snapshot-id'] === baseId);
  if (baseId !== undefined && !base)
    throw new SnapshotProducerError(`branch ${branch} points at unknown snapshot ${baseId}`);
  const formatVersion = metadata['format-version'];
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
  if (!schema) throw new SnapshotProducerError(`current schema ${metadata['current-schema-id']} not found`);
  const manifests = base ? await snapshotManifests(input.io, base) : [];
  const location = metadata.location.replace(/\/+$/, '');
  const metadataDir = (metadata.properties?.['write.metadata.path'] ?? `${location}/metadata`).replace(/\/+$/, '');
  return {
    input,
    metadata,
    formatVersion,
    branch,
    base,
    sequenceNumber: formatVersion === 1 ? 0n : BigInt(metadata['last-sequence-number'] ?? 0n) + 1n,
    schema,
    manifests,
    metadataDir,
    files: [],
    written: new Map(),
    nextManifestIndex: 0,
  };
}

/** The spec a file was written with. */
export function specOf(ctx: ProducerContext, specId: number): PartitionSpec {
  const spec = ctx.metadata['partition-specs'].find((s) => s['spec-id'] === specId);
  if (!spec) throw new SnapshotProducerError(`partition spec ${specId} not found`);
  return spec;
}

/** Data files grouped by spec id, checked against their spec's arity. */
export function groupBySpec(ctx: ProducerContext, files: DataFile[]): Map<number, DataFile[]> {
  const groups = new Map<number, DataFile[]>();
  for (const file of files) {
    const specId = file.spec_id ?? ctx.metadata['default-spec-id'];
    const spec = specOf(ctx, specId);
    if (file.partition.length !== spec.fields.length) {
      throw new SnapshotProducerError(
        `${file.file_path}: ${file.partition.length} partition values, spec ${specId} has ${spec.fields.length} fields`,
      );
    }
    const group = groups.get(specId) ?? [];
    group.push({ ...file, spec_id: specId });
    groups.set(specId, group);
  }
  return groups;
}

/** Writes one manifest of this attempt (`{metadata}/{attemptId}-m{i}.avro`) and records it as pending. */
export function emitManifest(
  ctx: ProducerContext,
  specId: number,
  content: 'data' | 'deletes',
  entries: ManifestEntry[],
): ManifestFile {
  const path = `${ctx.metadataDir}/${ctx.input.attemptId}-m${ctx.nextManifestIndex++}.avro`;
  const { bytes, manifest } = writeManifest({
    formatVersion: ctx.formatVersion,
    schema: ctx.schema,
    spec: specOf(ctx, specId),
    snapshotId: ctx.input.snapshotId,
    content,
    entries,
    path,
    sequenceNumber: ctx.sequenceNumber,
  });
  ctx.files.push({ path, bytes });
  ctx.written.set(path, entries);
  return manifest;
}

/** ADDED entries for new data files (sequence numbers null: inherited). */
export function addedEntries(ctx: ProducerContext, files: DataFile[]): ManifestEntry[] {
  return files.map((data_file) => ({
    status: ManifestEntryStatus.Added,
    snapshot_id: ctx.input.snapshotId,
    sequence_number: null,
    file_sequence_number: null,
    data_file,
  }));
}

/** One new manifest per spec for the input's data files. */
export function writeAddedManifests(ctx: ProducerContext): ManifestFile[] {
  return [...groupBySpec(ctx, ctx.input.dataFiles)].map(([specId, files]) =>
    emitManifest(ctx, specId, 'data', addedEntries(ctx, files)),
  );
}

/** Reads a manifest's entries with inheritance applied (from memory when written in this attempt). */
export async function manifestEntries(ctx: ProducerContext, manifest: ManifestFile): Promise<ManifestEntry[]> {
  const own = ctx.written.get(manifest.manifest_path);
  if (own) return own;
  const spec = specOf(ctx, manifest.partition_spec_id);
  return readManifest(await ctx.input.io.read(manifest.manifest_path), { manifest, spec }).entries;
}

/** Drops a pending manifest that a merge replaced, so it is never written. */
export function discardPending(ctx: ProducerContext, path: string): void {
  ctx.files = ctx.files.filter((f) => f.path !== path);
  ctx.written.delete(path);
}

export interface FinishInput {
  operation: SnapshotOperation;
  /** The new snapshot's manifests, in manifest-list order. */
  manifests: ManifestFile[];
  added: DataFile[];
  removed: DataFile[];
  extraSummary?: Record<string, string>;
}

/** Writes the manifest list and builds the snapshot and the REST change. */
export function finish(ctx: ProducerContext, done: FinishInput): SnapshotProduct {
  const { input, metadata, formatVersion, base } = ctx;
  const snapshotId = input.snapshotId;
  let firstRowId: bigint | undefined;
  let manifests = done.manifests;
  let addedRows: bigint | undefined;
  if (formatVersion >= 3) {
    // v3 row lineage: data manifests without first_row_id get consecutive ranges starting at the
    // table's next-row-id; the snapshot records the start and how many ids it used (spec: Row Lineage).
    firstRowId = BigInt(metadata['next-row-id'] ?? 0n);
    let next = firstRowId;
    manifests = manifests.map((m) => {
      if (m.content !== 0 || m.first_row_id != null) return m;
      const assigned = { ...m, first_row_id: next };
      next += BigInt((m.added_rows_count ?? 0) + (m.existing_rows_count ?? 0));
      return assigned;
    });
    addedRows = next - firstRowId;
  }
  const listPath = `${ctx.metadataDir}/snap-${snapshotId}-1-${input.attemptId}.avro`;
  const listBytes = writeManifestList({
    formatVersion,
    snapshotId,
    parentSnapshotId: base?.['snapshot-id'] ?? null,
    sequenceNumber: ctx.sequenceNumber,
    firstRowId,
    manifests,
  });
  const summary = buildSummary({
    operation: done.operation,
    previous: base,
    added: done.added,
    removed: done.removed,
    defaultSpecId: metadata['default-spec-id'],
    extra: { ...done.extraSummary, ...input.extraSummary },
  });
  const snapshot: Snapshot = {
    'snapshot-id': snapshotId,
    ...(base ? { 'parent-snapshot-id': base['snapshot-id'] } : {}),
    ...(formatVersion >= 2 ? { 'sequence-number': ctx.sequenceNumber } : {}),
    'timestamp-ms': input.now ?? Date.now(),
    'manifest-list': listPath,
    summary,
    'schema-id': ctx.schema['schema-id'],
    ...(firstRowId !== undefined ? { 'first-row-id': firstRowId, 'added-rows': addedRows } : {}),
  };
  return {
    snapshot,
    change: {
      requirements: [
        { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: ctx.branch, 'snapshot-id': base?.['snapshot-id'] ?? null },
      ],
      updates: [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', 'ref-name': ctx.branch, type: 'branch', 'snapshot-id': snapshotId },
      ],
    },
    files: [...ctx.files, { path: listPath, bytes: listBytes }],
  };
}
