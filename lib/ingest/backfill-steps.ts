/**
 * The backfill use case cut into the four steps of the Step Functions state machine (issue 8,
 * infra/constructs/backfill-state-machine.ts): plan → convert one chunk → commit one batch of
 * converted chunks → report. `runBackfill` (backfill.ts) runs the same use case in one process;
 * these steps run it across Lambda invocations, so everything one step hands the next is either
 * a small JSON payload or an object in the landing bucket under the backfill prefix.
 *
 * Exactly once (invariant 1) holds across steps as it does in `runBackfill`:
 * - the plan computes each object's ingest id exactly as live ingestion does (bucket, key,
 *   version id or ETag), and the backfill id is `backfillRunId(table, mode, ingest ids)`, so the
 *   same backfill planned again gets the same id and the same chunk manifest;
 * - convert skips objects the table already holds (append: any snapshot's ingest ids;
 *   replace-partitions: this run's), so a rerun converts nothing;
 * - commit deduplicates again on the base of every attempt (append: the live `commitBatch`;
 *   replace-partitions: one overwrite snapshot tagged with the run id), so a retried or
 *   concurrent child never applies a file twice.
 */
//
// The contract (what the steps hand each other, validated) is backfill-contract.ts; each step is
// its own file (backfill-step-plan, -convert, -commit, -report); this index keeps one import path.

export {
  BackfillInputError,
  type BackfillManifestChunk,
  type BackfillPlanSummary,
  type BackfillRejection,
  type BackfillReport,
  type BackfillRequest,
  type BackfillS3Object,
  type CommittedBatch,
  type ConvertedChunk,
  MAX_LISTED_REJECTIONS,
  parseBackfillRequest,
} from './backfill-contract.js';
export { commitConverted, loadConvertedRequests } from './backfill-step-commit.js';
export { asRetryable, type BackfillStepsContext, landedObjectOf } from './backfill-step-context.js';
export { convertChunk, DEFAULT_INLINE_RESULT_BYTES, inlineOrSpill } from './backfill-step-convert.js';
export { planBackfillStep } from './backfill-step-plan.js';
export { buildReport } from './backfill-step-report.js';
