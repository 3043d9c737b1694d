/**
 * The files a set of snapshots reaches: their manifest lists, manifests, and the data and delete
 * files their manifests name. Expiry deletes what expired snapshots reached minus what the
 * retained ones read (live entries: ADDED and EXISTING; Java `ReachableFileCleanup` reads live
 * paths too), so a file a retained snapshot marks DELETED goes once its older snapshots are gone.
 * Orphan removal keeps every file any entry names, DELETED ones included (conservative).
 */
import type { FileIO } from '../file-io.js';
import { readManifest } from '../avro/manifest.js';
import { snapshotManifests } from '../scan.js';
import { ManifestEntryStatus, type ManifestFile, type Snapshot, type TableMetadata } from '../types.js';

export interface ReachableFiles {
  manifestLists: Set<string>;
  manifests: Set<string>;
  /** Data and delete files. */
  contentFiles: Set<string>;
}

/** Reads manifests at most once across calls (they are immutable). */
export class ManifestPathCache {
  private readonly lists = new Map<string, Promise<ManifestFile[]>>();
  private readonly files = new Map<string, Promise<{ live: string[]; all: string[] }>>();
  constructor(
    readonly io: FileIO,
    readonly metadata: TableMetadata,
  ) {}

  /** The manifests of a snapshot. */
  manifestsOf(snapshot: Snapshot): Promise<ManifestFile[]> {
    const key = snapshot['manifest-list'] ?? `inline:${snapshot['snapshot-id']}`;
    let list = this.lists.get(key);
    if (!list) {
      list = snapshotManifests(this.io, snapshot);
      this.lists.set(key, list);
    }
    return list;
  }

  /** File paths the entries of `manifest` name: live ones (ADDED, EXISTING) and all. */
  filesOf(manifest: ManifestFile): Promise<{ live: string[]; all: string[] }> {
    let paths = this.files.get(manifest.manifest_path);
    if (!paths) {
      const spec = this.metadata['partition-specs'].find((s) => s['spec-id'] === manifest.partition_spec_id);
      paths = this.io.read(manifest.manifest_path).then((bytes) => {
        const entries = readManifest(bytes, { manifest, spec }).entries;
        return {
          live: entries.filter((e) => e.status !== ManifestEntryStatus.Deleted).map((e) => e.data_file.file_path),
          all: entries.map((e) => e.data_file.file_path),
        };
      });
      this.files.set(manifest.manifest_path, paths);
    }
    return paths;
  }
}

/** Collects the files `snapshots` reach; `liveOnly` counts only ADDED and EXISTING entries' files. */
export async function reachableFiles(
  cache: ManifestPathCache,
  snapshots: readonly Snapshot[],
  options: { liveOnly?: boolean } = {},
): Promise<ReachableFiles> {
  const out: ReachableFiles = { manifestLists: new Set(), manifests: new Set(), contentFiles: new Set() };
  const manifests = new Map<string, ManifestFile>();
  for (const snapshot of snapshots) {
    if (snapshot['manifest-list']) out.manifestLists.add(snapshot['manifest-list']);
    for (const manifest of await cache.manifestsOf(snapshot)) manifests.set(manifest.manifest_path, manifest);
  }
  for (const manifest of manifests.values()) {
    out.manifests.add(manifest.manifest_path);
    const files = await cache.filesOf(manifest);
    for (const path of options.liveOnly ? files.live : files.all) out.contentFiles.add(path);
  }
  return out;
}

/** Statistics and partition-statistics files the metadata lists. */
export function statisticsFiles(metadata: TableMetadata): Set<string> {
  return new Set([
    ...(metadata.statistics ?? []).map((s) => s['statistics-path']),
    ...(metadata['partition-statistics'] ?? []).map((s) => s['statistics-path']),
  ]);
}

/** Files in `expired` that `retained` does not reach: safe to delete once the expiry is committed. */
export function unreachableAfterExpiry(expired: ReachableFiles, retained: ReachableFiles): string[] {
  const out: string[] = [];
  for (const path of expired.contentFiles) if (!retained.contentFiles.has(path)) out.push(path);
  for (const path of expired.manifests) if (!retained.manifests.has(path)) out.push(path);
  for (const path of expired.manifestLists) if (!retained.manifestLists.has(path)) out.push(path);
  return out;
}
