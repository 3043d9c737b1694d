/**
 * Plans compaction (Java `RewriteDataFiles` with the bin-pack strategy): per partition of the
 * current snapshot, the data files smaller than 75% of the target size are packed into groups
 * that one worker (a Lambda: bounded memory, 15 minutes) can rewrite. A partition holding delete
 * files (written by another engine) is skipped and reported: floe would have to apply them.
 *
 * Settings come from table properties: `write.target-file-size-bytes` (Iceberg's, default
 * 512 MiB) and floe's `floe.maintenance.compact.min-input-files` (default 5, as Java),
 * `floe.maintenance.compact.max-group-bytes` (default 1 GiB).
 */

import { currentSnapshot } from '../../iceberg/metadata.js';
import { liveEntries, snapshotManifests } from '../../iceberg/scan.js';
import { partitionKey } from '../../iceberg/snapshot/summary.js';
import type { DataFile, ManifestEntry, TableMetadata } from '../../iceberg/types.js';
import type { FileIO } from '../../iceberg/file-io.js';

const MiB = 1024 * 1024;

export interface CompactionSettings {
  targetFileSizeBytes: number;
  /** Files below this size are candidates. Default 75% of the target (Java `min-file-size-bytes`). */
  minFileSizeBytes: number;
  /** A partition is compacted only with at least this many candidates. */
  minInputFiles: number;
  /** Input bytes per group (one worker task). */
  maxGroupBytes: number;
}

export interface CompactionGroup {
  specId: number;
  /** Stable key of the partition (spec id + values). */
  partition: string;
  files: DataFile[];
  bytes: number;
  /** The largest data sequence number among the files (kept by the rewritten ones). */
  dataSequenceNumber: bigint;
}

export interface CompactionPlan {
  settings: CompactionSettings;
  /** Snapshot the plan was made from (undefined for an empty table). */
  snapshotId?: bigint;
  groups: CompactionGroup[];
  /** Partitions left alone because they hold delete files. */
  skippedWithDeletes: string[];
}

/** Reads the compaction settings of a table. */
export function compactionSettings(
  metadata: TableMetadata,
  overrides: Partial<CompactionSettings> = {},
): CompactionSettings {
  const num = (key: string, fallback: number) => {
    const value = Number(metadata.properties?.[key]);
    return metadata.properties?.[key] !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const target = overrides.targetFileSizeBytes ?? num('write.target-file-size-bytes', 512 * MiB);
  return {
    targetFileSizeBytes: target,
    minFileSizeBytes:
      overrides.minFileSizeBytes ?? num('floe.maintenance.compact.min-file-size-bytes', Math.floor(target * 0.75)),
    minInputFiles: overrides.minInputFiles ?? num('floe.maintenance.compact.min-input-files', 5),
    maxGroupBytes: overrides.maxGroupBytes ?? num('floe.maintenance.compact.max-group-bytes', 1024 * MiB),
  };
}

/** Plans the compaction groups of the table's current snapshot. */
export async function planCompaction(
  io: FileIO,
  metadata: TableMetadata,
  settings: CompactionSettings,
): Promise<CompactionPlan> {
  const snapshot = currentSnapshot(metadata);
  const plan: CompactionPlan = { settings, snapshotId: snapshot?.['snapshot-id'], groups: [], skippedWithDeletes: [] };
  if (!snapshot) return plan;
  const manifests = await snapshotManifests(io, snapshot);
  const [data, deletes] = await Promise.all([
    liveEntries(
      io,
      metadata,
      manifests.filter((m) => m.content === 0),
    ),
    liveEntries(
      io,
      metadata,
      manifests.filter((m) => m.content === 1),
    ),
  ]);
  const specOfEntry = (e: ManifestEntry) => e.data_file.spec_id ?? metadata['default-spec-id'];
  const withDeletes = new Set(deletes.map((e) => partitionKey(specOfEntry(e), e.data_file.partition)));
  const globalDeletes = deletes.some(
    (e) => (metadata['partition-specs'].find((s) => s['spec-id'] === specOfEntry(e))?.fields.length ?? 0) === 0,
  );
  const byPartition = new Map<string, ManifestEntry[]>();
  for (const entry of data) {
    if (entry.data_file.file_size_in_bytes >= settings.minFileSizeBytes) continue;
    const key = partitionKey(specOfEntry(entry), entry.data_file.partition);
    const list = byPartition.get(key) ?? [];
    list.push(entry);
    byPartition.set(key, list);
  }
  for (const [key, entries] of [...byPartition].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entries.length < settings.minInputFiles) continue;
    if (globalDeletes || withDeletes.has(key)) {
      plan.skippedWithDeletes.push(key);
      continue;
    }
    // First-fit in file order (oldest first keeps neighbouring rows together).
    let group: CompactionGroup | undefined;
    for (const entry of entries) {
      const size = entry.data_file.file_size_in_bytes;
      if (!group || (group.bytes + size > settings.maxGroupBytes && group.files.length > 0)) {
        group = { specId: specOfEntry(entry), partition: key, files: [], bytes: 0, dataSequenceNumber: 0n };
        plan.groups.push(group);
      }
      group.files.push({ ...entry.data_file, spec_id: specOfEntry(entry) });
      group.bytes += size;
      const seq = entry.sequence_number ?? 0n;
      if (seq > group.dataSequenceNumber) group.dataSequenceNumber = seq;
    }
  }
  // A group of one file gains nothing.
  plan.groups = plan.groups.filter((g) => g.files.length > 1);
  return plan;
}
