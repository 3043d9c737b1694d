/**
 * λ backfill-convert (step "ConvertChunk", one per Distributed Map item): `{ chunk, plan }` →
 * the chunk's objects converted with the live convert code, their commit requests returned
 * inline or spilled to S3. Bad files are rejected with error reports, never failing the chunk;
 * transient faults are thrown as `TransientError` so Step Functions retries the chunk.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { type ConvertedChunk, convertChunk } from '../lib/ingest/backfill-steps.js';
import { backfillContextFromEnvironment } from './backfill-context.js';
import { logger, METRIC, MetricUnit, metrics } from './observability.js';
import { tracingMiddlewares } from './tracing.js';

const context = backfillContextFromEnvironment();

async function convert(payload: unknown): Promise<ConvertedChunk> {
  const result = await convertChunk(context, payload);
  metrics.addMetric(METRIC.filesIngested, MetricUnit.Count, result.converted);
  metrics.addMetric(METRIC.filesRejected, MetricUnit.Count, result.rejected);
  metrics.addMetric(METRIC.filesSkipped, MetricUnit.Count, result.skipped);
  metrics.addMetric(METRIC.rows, MetricUnit.Count, result.rows);
  return result;
}

export const handler = middy(convert)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(await tracingMiddlewares());
