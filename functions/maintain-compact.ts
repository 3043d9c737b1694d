/**
 * λ maintain-compact (state machine step CompactGroup): rewrites one compaction group of one
 * table and commits it as a `replace` snapshot (lib/ingest/maintain/maintain-steps.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { GroupOutcome } from '../lib/ingest/maintain/compact.js';
import { compactGroupStep } from '../lib/ingest/maintain/maintain-steps.js';
import { maintenanceContextFromEnvironment } from './maintain-context.js';
import { logger } from './observability.js';

const { context } = maintenanceContextFromEnvironment();

export const handler = middy(async (input: unknown): Promise<GroupOutcome> => {
  const outcome = await compactGroupStep(context, input);
  logger.info('compaction group', { ...outcome });
  return outcome;
}).use(injectLambdaContext(logger));
