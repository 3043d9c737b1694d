/**
 * λ backfill-commit (step "CommitBatch", once per child): `{ plan, converted: [...] }` → one
 * snapshot in the plan's mode (append: the live dedup-by-ingest-id commit; replace-partitions:
 * one overwrite of the touched partitions). Conflicts left after the commit path's own retries
 * surface as `CommitConflictError`/`CommitStateUnknownError`, which the state machine retries.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { type CommittedBatch, commitConverted } from '../lib/ingest/backfill-steps.js';
import { backfillContextFromEnvironment } from './backfill-context.js';
import { logger, METRIC, MetricUnit, metrics } from './observability.js';
import { tracingMiddlewares } from './tracing.js';

const context = backfillContextFromEnvironment();

async function commit(payload: unknown): Promise<CommittedBatch> {
  const result = await commitConverted(context, payload);
  if (result.outcome !== 'nothing-to-commit') metrics.addMetric(METRIC.commits, MetricUnit.Count, 1);
  metrics.addMetric(METRIC.duplicatesDropped, MetricUnit.Count, result.duplicates);
  return result;
}

export const handler = middy(commit)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(await tracingMiddlewares());
