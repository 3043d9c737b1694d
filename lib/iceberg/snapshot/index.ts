/**
 * Snapshot producers: pure functions from table metadata and new data files to the manifests to
 * write and the REST change to commit (ARCHITECTURE: "A snapshot producer is pure").
 *
 * @example
 * const snapshotId = newSnapshotId(); // keep across retries
 * const { files, change } = await fastAppend({ metadata, io, dataFiles, snapshotId, attemptId: randomUUID() });
 * for (const f of files) await io.write(f.path, f.bytes);
 * await catalog.commitTable(id, change);
 */

export {
  DEFAULT_EXPIRY,
  type ExpiryPlan,
  type ExpirySettings,
  expirySettings,
  planExpiry,
} from './expire-snapshots.js';
export { fastAppend } from './fast-append.js';
export { DEFAULT_MIN_COUNT_TO_MERGE, DEFAULT_TARGET_SIZE_BYTES, mergeAppend, packEnd } from './merge-append.js';
export type { SnapshotProducerInput, SnapshotProduct } from './producer.js';
export { SnapshotProducerError } from './producer.js';
export { ManifestPathCache, reachableFiles, statisticsFiles, unreachableAfterExpiry } from './reachable-files.js';
export { replacePartitions } from './replace-partitions.js';
export { RewriteConflictError, type RewriteFilesInput, rewriteFiles } from './rewrite-files.js';
export { DEFAULT_MANIFESTS_MIN_COUNT, rewriteManifests } from './rewrite-manifests.js';
export { newSnapshotId } from './snapshot-id.js';
export { buildSummary, partitionKey } from './summary.js';
