/**
 * Rewrite manifests (Java `RewriteManifests`): when a branch's data manifests of one spec are
 * many and small, their live entries are packed into manifests of about
 * `commit.manifest.target-size-bytes` (default 8 MiB), as EXISTING entries with their sequence
 * numbers and snapshot ids kept. DELETED entries are dropped. The table's rows do not change, so
 * the snapshot is a `replace`. Delete manifests are carried as they are.
 */
import { type ManifestEntry, ManifestEntryStatus, type ManifestFile } from '../types.js';
import { DEFAULT_TARGET_SIZE_BYTES, packEnd } from './merge-append.js';
import {
  emitManifest,
  finish,
  loadContext,
  manifestEntries,
  type SnapshotProducerInput,
  type SnapshotProduct,
} from './producer.js';

/** Below this many data manifests of one spec nothing is rewritten (`floe.maintenance.manifests.min-count`). */
export const DEFAULT_MANIFESTS_MIN_COUNT = 16;

/** Rewrites the base snapshot's small data manifests, or returns undefined when there is nothing worth doing. */
export async function rewriteManifests(
  input: Omit<SnapshotProducerInput, 'dataFiles'>,
): Promise<SnapshotProduct | undefined> {
  const ctx = await loadContext({ ...input, dataFiles: [] });
  const prop = (key: string, fallback: number) => {
    const value = Number(ctx.metadata.properties?.[key]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const target = prop('commit.manifest.target-size-bytes', DEFAULT_TARGET_SIZE_BYTES);
  const minCount = prop('floe.maintenance.manifests.min-count', DEFAULT_MANIFESTS_MIN_COUNT);
  const bySpec = new Map<number, ManifestFile[]>();
  const kept: ManifestFile[] = [];
  for (const m of ctx.manifests) {
    if (m.content !== 0 || m.manifest_length >= target) kept.push(m);
    else bySpec.set(m.partition_spec_id, [...(bySpec.get(m.partition_spec_id) ?? []), m]);
  }
  const rewritten: ManifestFile[] = [];
  let changed = false;
  for (const [specId, manifests] of bySpec) {
    if (manifests.length < minCount) {
      kept.push(...manifests);
      continue;
    }
    changed = true;
    for (const bin of packEnd(manifests, target, (m) => m.manifest_length)) {
      const entries: ManifestEntry[] = [];
      for (const manifest of bin) {
        for (const e of await manifestEntries(ctx, manifest)) {
          if (e.status !== ManifestEntryStatus.Deleted) entries.push({ ...e, status: ManifestEntryStatus.Existing });
        }
      }
      if (entries.length > 0) rewritten.push(emitManifest(ctx, specId, 'data', entries));
    }
  }
  if (!changed) return undefined;
  return finish(ctx, { operation: 'replace', manifests: [...rewritten, ...kept], added: [], removed: [] });
}
