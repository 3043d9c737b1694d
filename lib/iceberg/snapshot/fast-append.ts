/**
 * Fast append (Java `FastAppend`, PyIceberg `_FastAppendFiles`): one new manifest per spec for
 * the added files, and every existing manifest carried forward unchanged.
 */
import {
  finish,
  loadContext,
  type SnapshotProducerInput,
  type SnapshotProduct,
  writeAddedManifests,
} from './producer.js';

/** Appends `dataFiles` as a new snapshot, carrying every existing manifest forward unchanged. */
export async function fastAppend(input: SnapshotProducerInput): Promise<SnapshotProduct> {
  const ctx = await loadContext(input);
  const added = writeAddedManifests(ctx);
  return finish(ctx, {
    operation: 'append',
    manifests: [...added, ...ctx.manifests],
    added: input.dataFiles,
    removed: [],
  });
}
