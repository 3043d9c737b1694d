/**
 * Replace partitions (Java `ReplacePartitions`, Spark's dynamic `INSERT OVERWRITE`): every live
 * data file in a partition that the new files touch is marked DELETED and the new files are
 * ADDED, in one `overwrite` snapshot with `replace-partitions=true` in its summary. Partitions
 * are compared per spec (spec id + partition tuple); for an unpartitioned table the whole table
 * is one partition. Manifests without a touched file are carried forward unchanged; delete
 * manifests are carried as they are (their deletes only apply to older data).
 */
import { type DataFile, type ManifestEntry, ManifestEntryStatus, type ManifestFile } from '../types.js';
import {
  emitManifest,
  finish,
  groupBySpec,
  loadContext,
  manifestEntries,
  type SnapshotProducerInput,
  type SnapshotProduct,
  writeAddedManifests,
} from './producer.js';
import { partitionKey } from './summary.js';

/**
 * Replaces the partitions touched by `dataFiles` with those files. `alsoReplace` names more
 * partitions to empty even when no new file lands there (a static `INSERT OVERWRITE … PARTITION
 * (…)` whose query returns fewer rows or none, issue 17).
 */
export async function replacePartitions(
  input: SnapshotProducerInput,
  alsoReplace?: (specId: number, partition: DataFile['partition']) => boolean,
): Promise<SnapshotProduct> {
  const ctx = await loadContext(input);
  const bySpec = groupBySpec(ctx, input.dataFiles);
  const touched = new Set<string>();
  for (const [specId, files] of bySpec) {
    for (const f of files) touched.add(partitionKey(specId, f.partition));
  }
  const touchedSpecs = new Set(bySpec.keys());
  const added = writeAddedManifests(ctx);
  const kept: ManifestFile[] = [];
  const removed: DataFile[] = [];
  for (const manifest of ctx.manifests) {
    if (manifest.content !== 0 || (!alsoReplace && !touchedSpecs.has(manifest.partition_spec_id))) {
      kept.push(manifest);
      continue;
    }
    const entries = await manifestEntries(ctx, manifest);
    const hit = (e: ManifestEntry) =>
      e.status !== ManifestEntryStatus.Deleted &&
      (touched.has(partitionKey(manifest.partition_spec_id, e.data_file.partition)) ||
        (alsoReplace?.(manifest.partition_spec_id, e.data_file.partition) ?? false));
    if (!entries.some(hit)) {
      kept.push(manifest);
      continue;
    }
    const rewritten: ManifestEntry[] = [];
    for (const e of entries) {
      if (e.status === ManifestEntryStatus.Deleted) continue; // deletes of older snapshots are dropped
      if (hit(e)) {
        removed.push(e.data_file);
        rewritten.push({ ...e, status: ManifestEntryStatus.Deleted, snapshot_id: input.snapshotId });
      } else {
        rewritten.push({ ...e, status: ManifestEntryStatus.Existing });
      }
    }
    kept.push(emitManifest(ctx, manifest.partition_spec_id, 'data', rewritten));
  }
  return finish(ctx, {
    operation: 'overwrite',
    manifests: [...added, ...kept],
    added: input.dataFiles,
    removed,
    extraSummary: { 'replace-partitions': 'true' },
  });
}
