/**
 * The environment-variable contract between the stack and the handlers (read once at cold
 * start). Values are settings and resource names only: the secret is passed by ARN, never by
 * value (ARCHITECTURE.md invariant 7).
 */
import type { FloeConfig } from '../config.js';
import { FloeConfigError } from '../config.js';

/** Resource identifiers (often CloudFormation tokens) the environment refers to. */
export interface HandlerResources {
  readonly secretArn: string;
  readonly commitQueueUrl: string;
  readonly landingBucketName: string;
  /** Routes config as JSON text, or undefined when no routes file is configured. */
  readonly routesJson?: string;
}

/**
 * Lambda limits all variables of a function to 4 KB together. Tokens (ARNs, URLs) are not
 * resolved at synth, so they are budgeted at this many bytes each.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
const TOKEN_BUDGET_BYTES = 200;

/** Builds the variables every floe handler receives. */
export function handlerEnvironment(config: FloeConfig, resources: HandlerResources): Record<string, string> {
  const environment: Record<string, string> = {
    FLOE_CATALOG_URI: config.catalogUri,
    FLOE_WAREHOUSE: config.warehouse,
    FLOE_AUTH_TYPE: config.authType,
    FLOE_TOKEN_ENDPOINT: config.tokenEndpoint,
    FLOE_SCOPE: config.scope,
    FLOE_CLIENT_ID: config.clientId,
    FLOE_SECRET_ID: resources.secretArn,
    FLOE_COMMIT_QUEUE_URL: resources.commitQueueUrl,
    FLOE_LANDING_BUCKET: resources.landingBucketName,
    FLOE_LANDING_PREFIX: config.landingPrefix,
    FLOE_ERRORS_PREFIX: config.errorsPrefix,
    FLOE_SPILL_PREFIX: config.spillPrefix,
    FLOE_BACKFILL_PREFIX: config.backfillPrefix,
    FLOE_ARCHIVE_PREFIX: config.archivePrefix,
    FLOE_LEDGER_PREFIX: config.ledgerPrefix,
    FLOE_MAX_FILE_BYTES: String(config.maxFileBytes),
    FLOE_EVENT_BUS: config.eventBusName,
    FLOE_HISTORY_TABLE: config.historyTable,
    POWERTOOLS_SERVICE_NAME: config.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: config.metricsNamespace,
  };
  if (config.tracing) environment.FLOE_TRACING = 'true';
  if (resources.routesJson !== undefined) environment.FLOE_CONFIG = resources.routesJson;
  assertEnvironmentFits(environment);
  return environment;
}

/** Throws FloeConfigError when the variables cannot fit Lambda's 4 KB limit. */
export function assertEnvironmentFits(environment: Record<string, string>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    const isToken = value.includes('${Token[');
    bytes += Buffer.byteLength(key) + (isToken ? TOKEN_BUDGET_BYTES : Buffer.byteLength(value));
  }
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    const routes = Buffer.byteLength(environment.FLOE_CONFIG ?? '');
    throw new FloeConfigError(
      `invalid floe configuration:\n  - routesFile: the Lambda environment would take ~${bytes} bytes ` +
        `(routes JSON: ${routes}); Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} for all variables together`,
      ['routesFile'],
    );
  }
}
