/**
 * Merge append (Java `MergeAppend`/`ManifestMergeManager`, PyIceberg `_MergeAppendFiles`): like a
 * fast append, then data manifests of each spec are bin-packed toward
 * `commit.manifest.target-size-bytes` (default 8 MiB) and each bin of several manifests is
 * rewritten as one. The bin holding the new manifest is merged only once it has
 * `commit.manifest.min-count-to-merge` (default 100) manifests, so a table that gets many small
 * appends keeps at most about that many manifests. `commit.manifest-merge.enabled=false` turns
 * this into a fast append.
 */
import { type ManifestEntry, ManifestEntryStatus, type ManifestFile } from '../types.js';
import {
  discardPending,
  emitManifest,
  finish,
  loadContext,
  manifestEntries,
  type ProducerContext,
  type SnapshotProducerInput,
  type SnapshotProduct,
  writeAddedManifests,
} from './producer.js';

export const DEFAULT_MIN_COUNT_TO_MERGE = 100;
export const DEFAULT_TARGET_SIZE_BYTES = 8 * 1024 * 1024;

/** Packs items into bins of at most `target` weight, filling from the end (Java `ListPacker.packEnd`, lookback 1). */
export function packEnd<T>(items: T[], target: number, weight: (item: T) => number): T[][] {
  const bins: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of [...items].reverse()) {
    const w = weight(item);
    if (current.length > 0 && size + w > target) {
      bins.push(current.reverse());
      current = [];
      size = 0;
    }
    current.push(item);
    size += w;
  }
  if (current.length > 0) bins.push(current.reverse());
  return bins.reverse();
}

function intProperty(ctx: ProducerContext, key: string, fallback: number): number {
  const value = Number(ctx.metadata.properties?.[key]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Appends `dataFiles`, merging small data manifests (see module doc). */
export async function mergeAppend(input: SnapshotProducerInput): Promise<SnapshotProduct> {
  const ctx = await loadContext(input);
  const added = writeAddedManifests(ctx);
  const all = [...added, ...ctx.manifests];
  let manifests = all;
  const replaced: string[] = [];
  if (ctx.metadata.properties?.['commit.manifest-merge.enabled'] !== 'false') {
    const minCount = intProperty(ctx, 'commit.manifest.min-count-to-merge', DEFAULT_MIN_COUNT_TO_MERGE);
    const target = intProperty(ctx, 'commit.manifest.target-size-bytes', DEFAULT_TARGET_SIZE_BYTES);
    manifests = await mergeManifests(ctx, all, new Set(added.map((m) => m.manifest_path)), minCount, target, replaced);
  }
  const created = manifests.filter((m) => ctx.files.some((f) => f.path === m.manifest_path)).length;
  return finish(ctx, {
    operation: 'append',
    manifests,
    added: input.dataFiles,
    removed: [],
    extraSummary: {
      'manifests-created': String(created),
      'manifests-kept': String(manifests.length - created),
      'manifests-replaced': String(replaced.length),
    },
  });
}

async function mergeManifests(
  ctx: ProducerContext,
  manifests: ManifestFile[],
  newPaths: Set<string>,
  minCount: number,
  target: number,
  replaced: string[],
): Promise<ManifestFile[]> {
  // Delete manifests are never merged with data manifests; groups are per spec (newest spec first).
  const deletes = manifests.filter((m) => m.content !== 0);
  const groups = new Map<number, ManifestFile[]>();
  for (const m of manifests.filter((x) => x.content === 0)) {
    const group = groups.get(m.partition_spec_id) ?? [];
    group.push(m);
    groups.set(m.partition_spec_id, group);
  }
  const out: ManifestFile[] = [];
  for (const specId of [...groups.keys()].sort((a, b) => b - a)) {
    const group = groups.get(specId) as ManifestFile[];
    for (const bin of packEnd(group, target, (m) => m.manifest_length)) {
      const holdsNew = bin.some((m) => newPaths.has(m.manifest_path));
      if (bin.length === 1 || (holdsNew && bin.length < minCount)) {
        out.push(...bin);
        continue;
      }
      out.push(await mergeBin(ctx, specId, bin));
      for (const m of bin) {
        if (newPaths.has(m.manifest_path)) discardPending(ctx, m.manifest_path);
        else replaced.push(m.manifest_path);
      }
    }
  }
  return [...out, ...deletes];
}

/**
 * Rewrites several manifests as one: this snapshot's entries stay ADDED, older live entries
 * become EXISTING with their sequence numbers made explicit, and DELETED entries of older
 * snapshots are dropped (Java `ManifestMergeManager.createManifest`).
 */
async function mergeBin(ctx: ProducerContext, specId: number, bin: ManifestFile[]): Promise<ManifestFile> {
  const snapshotId = ctx.input.snapshotId;
  const entries: ManifestEntry[] = [];
  for (const manifest of bin) {
    // Read before emitting: the merged manifest may replace a pending one.
    for (const entry of await manifestEntries(ctx, manifest)) {
      const ours = entry.snapshot_id === snapshotId;
      if (entry.status === ManifestEntryStatus.Deleted) {
        if (ours) entries.push(entry);
      } else if (entry.status === ManifestEntryStatus.Added && ours) {
        entries.push(entry);
      } else {
        entries.push({ ...entry, status: ManifestEntryStatus.Existing });
      }
    }
  }
  return emitManifest(ctx, specId, 'data', entries);
}
