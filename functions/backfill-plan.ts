/**
 * λ backfill-plan (state machine step "Plan"): the execution input
 * `{ table, source | manifest, mode?, maxChunkFiles?, maxChunkBytes? }` → lists the source,
 * writes the chunk manifest for the Distributed Map's S3JsonItemReader, and returns the plan
 * summary (`{ backfillId, manifestKey, ... }`, at `$.plan`). See lib/ingest/backfill-steps.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type BackfillPlanSummary, planBackfillStep } from '../lib/ingest/backfill-steps.js';
import { backfillContextFromEnvironment } from './backfill-context.js';
import { logger } from './observability.js';
import { tracingMiddlewares } from './tracing.js';

const context = backfillContextFromEnvironment();

export const handler = middy((input: unknown): Promise<BackfillPlanSummary> => planBackfillStep(context, input))
  .use(injectLambdaContext(logger))
  .use(await tracingMiddlewares());
