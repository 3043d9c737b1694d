/**
 * Rewrite files (Java `RewriteFiles` as used by `RewriteDataFiles`): a `replace` snapshot that
 * marks the rewritten data files DELETED and adds the compacted ones, so the table's rows do not
 * change (spec: "replace" — data and delete files were added and removed without changing table
 * data). The added files keep the rows' data sequence number (`dataSequenceNumber`, explicit on
 * the ADDED entries; spec: "Sequence Numbers"), so deletes committed before or after the rewrite
 * apply to them exactly as they applied to the originals.
 *
 * Safe against concurrent writers: every file to remove must still be live in the base the
 * snapshot is built on. A file that a concurrent `replace-partitions`, delete or other compaction
 * removed meanwhile raises `RewriteConflictError`, and the caller abandons that group. Appends
 * made meanwhile are simply carried forward.
 */
import {
  type DataFile,
  DataFileContent,
  type ManifestEntry,
  ManifestEntryStatus,
  type ManifestFile,
} from '../types.js';
import {
  emitManifest,
  finish,
  groupBySpec,
  loadContext,
  manifestEntries,
  type SnapshotProducerInput,
  type SnapshotProduct,
} from './producer.js';
import { partitionKey } from './summary.js';

export interface RewriteFilesInput extends SnapshotProducerInput {
  /** Live data files to remove (matched by path). */
  rewritten: DataFile[];
  /** Data sequence number for the added files (v2+): the rows' own, at most the rewritten files' largest. */
  dataSequenceNumber?: bigint;
}

/** Raised when a file to rewrite is no longer live, or its partition gained delete files. */
export class RewriteConflictError extends Error {
  override name = 'RewriteConflictError';
}

/** Replaces `rewritten` with `dataFiles` in one `replace` snapshot. */
export async function rewriteFiles(input: RewriteFilesInput): Promise<SnapshotProduct> {
  const ctx = await loadContext(input);
  const remove = new Set(input.rewritten.map((f) => f.file_path));
  const partitions = new Set(
    input.rewritten.map((f) => partitionKey(f.spec_id ?? ctx.metadata['default-spec-id'], f.partition)),
  );
  const found = new Set<string>();
  const removed: DataFile[] = [];
  const kept: ManifestFile[] = [];
  for (const manifest of ctx.manifests) {
    const entries = await manifestEntries(ctx, manifest);
    if (manifest.content !== 0) {
      // Delete files in a rewritten partition (or global ones) would need applying: refuse.
      const live = entries.filter((e) => e.status !== ManifestEntryStatus.Deleted);
      const spec = ctx.metadata['partition-specs'].find((s) => s['spec-id'] === manifest.partition_spec_id);
      if (
        live.some(
          (e) =>
            spec?.fields.length === 0 ||
            partitions.has(partitionKey(manifest.partition_spec_id, e.data_file.partition)),
        )
      )
        throw new RewriteConflictError('a partition being rewritten has delete files');
      kept.push(manifest);
      continue;
    }
    const hit = (e: ManifestEntry) => e.status !== ManifestEntryStatus.Deleted && remove.has(e.data_file.file_path);
    if (!entries.some(hit)) {
      kept.push(manifest);
      continue;
    }
    const rewritten: ManifestEntry[] = [];
    for (const e of entries) {
      if (e.status === ManifestEntryStatus.Deleted) continue; // deletes of older snapshots are dropped
      if (hit(e)) {
        found.add(e.data_file.file_path);
        removed.push(e.data_file);
        rewritten.push({ ...e, status: ManifestEntryStatus.Deleted, snapshot_id: input.snapshotId });
      } else {
        rewritten.push({ ...e, status: ManifestEntryStatus.Existing });
      }
    }
    kept.push(emitManifest(ctx, manifest.partition_spec_id, 'data', rewritten));
  }
  const missing = [...remove].filter((p) => !found.has(p));
  if (missing.length > 0)
    throw new RewriteConflictError(`${missing.length} file(s) to rewrite are no longer live, e.g. ${missing[0]}`);
  if (input.dataFiles.some((f) => f.content !== DataFileContent.Data))
    throw new RewriteConflictError('only data files can be added by a rewrite');
  const seq = ctx.formatVersion >= 2 ? (input.dataSequenceNumber ?? null) : null;
  const added = [...groupBySpec(ctx, input.dataFiles)].map(([specId, files]) =>
    emitManifest(
      ctx,
      specId,
      'data',
      files.map((data_file) => ({
        status: ManifestEntryStatus.Added,
        snapshot_id: input.snapshotId,
        sequence_number: seq,
        file_sequence_number: null,
        data_file,
      })),
    ),
  );
  return finish(ctx, { operation: 'replace', manifests: [...added, ...kept], added: input.dataFiles, removed });
}
