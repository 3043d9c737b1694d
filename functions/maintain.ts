/**
 * λ maintain (state machine steps PlanTables, PlanCompaction, ExpireAndClean): the input's
 * `step` picks the use case in lib/ingest/maintain/maintain-steps.ts; the rest is its input.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import {
  expireAndCleanStep,
  MaintenanceStepInputError,
  planCompactionStep,
  planTriggeredTablesStep,
} from '../lib/ingest/maintain/maintain-steps.js';
import { maintenanceContextFromEnvironment } from './maintain-context.js';
import { logger } from './observability.js';

const { context, settings } = maintenanceContextFromEnvironment();

async function maintain(input: { step?: string } & Record<string, unknown>): Promise<unknown> {
  switch (input?.step) {
    case 'plan-tables':
      return planTriggeredTablesStep(context, input.request ?? input, settings);
    case 'plan-compaction':
      return planCompactionStep(context, input, settings);
    case 'expire-and-clean': {
      const result = await expireAndCleanStep(context, input, settings);
      logger.info('maintained table', {
        table: result.table,
        expire: result.expire,
        orphans: result.orphans.orphans.length,
      });
      return result;
    }
    default:
      throw new MaintenanceStepInputError(`unknown maintenance step ${JSON.stringify(input?.step)}`);
  }
}

export const handler = middy(maintain).use(injectLambdaContext(logger));
