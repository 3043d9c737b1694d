/**
 * λ backfill-report (steps "Report" and "ReportFailure"):
 * `{ status, plan, mapRun: { ResultWriterDetails: { Bucket, Key } } }` or `{ status: 'FAILED', plan, error }`
 * → adds up the Map Run's results, lists failed chunks and rejected files, writes
 * `<backfill prefix><backfillId>/report.json` and returns the report.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type BackfillReport, buildReport } from '../lib/ingest/backfill-steps.js';
import { backfillContextFromEnvironment } from './backfill-context.js';
import { logger } from './observability.js';
import { tracingMiddlewares } from './tracing.js';

const context = backfillContextFromEnvironment();

export const handler = middy((payload: unknown): Promise<BackfillReport> => buildReport(context, payload))
  .use(injectLambdaContext(logger))
  .use(await tracingMiddlewares());
