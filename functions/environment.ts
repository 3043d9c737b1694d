/**
 * Handler settings from the environment (the contract with infra/). Read once at module load;
 * a missing variable fails the cold start with its name, as Powertools handlers do. The PAT is
 * never in the environment, only the Secrets Manager secret id (invariant 7).
 */

export type AuthType = 'token-exchange' | 'client-credentials' | 'bearer';

export interface HandlerEnvironment {
  catalogUri: string;
  warehouse: string;
  authType: AuthType;
  tokenEndpoint?: string;
  scope?: string;
  clientId?: string;
  /** Secrets Manager secret holding the PAT (or client secret). */
  secretId: string;
  /** Convert only. */
  commitQueueUrl?: string;
  landingBucket: string;
  landingPrefix: string;
  errorsPrefix: string;
  spillPrefix: string;
  /** Where routes with `archive: true` copy converted objects. */
  archivePrefix: string;
  /** Durable ingest-ledger markers (issue 13): `<prefix><table uuid>/<ingest id>.json` in the landing bucket. */
  ledgerPrefix: string;
  /** Routes config (JSON text), when set. */
  config?: string;
  maxFileBytes?: number;
}

/** Raised at cold start for a missing or malformed variable. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** Reads and checks the variables `handler` needs. */
export function readEnvironment(
  handler: 'convert' | 'commit',
  env: NodeJS.ProcessEnv = process.env,
): HandlerEnvironment {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') throw new EnvironmentError(`missing environment variable ${name}`);
    return value;
  };
  const authType = required('FLOE_AUTH_TYPE');
  if (authType !== 'token-exchange' && authType !== 'client-credentials' && authType !== 'bearer') {
    throw new EnvironmentError(
      `FLOE_AUTH_TYPE must be token-exchange, client-credentials or bearer, not "${authType}"`,
    );
  }
  const oauth = authType !== 'bearer';
  const maxFileBytes = env.FLOE_MAX_FILE_BYTES ? Number(env.FLOE_MAX_FILE_BYTES) : undefined;
  if (maxFileBytes !== undefined && !(Number.isInteger(maxFileBytes) && maxFileBytes > 0)) {
    throw new EnvironmentError(`FLOE_MAX_FILE_BYTES must be a positive integer, not "${env.FLOE_MAX_FILE_BYTES}"`);
  }
  return {
    catalogUri: required('FLOE_CATALOG_URI'),
    warehouse: required('FLOE_WAREHOUSE'),
    authType,
    tokenEndpoint: oauth ? required('FLOE_TOKEN_ENDPOINT') : env.FLOE_TOKEN_ENDPOINT,
    scope: authType === 'token-exchange' ? required('FLOE_SCOPE') : env.FLOE_SCOPE,
    clientId: oauth ? required('FLOE_CLIENT_ID') : env.FLOE_CLIENT_ID,
    secretId: required('FLOE_SECRET_ID'),
    commitQueueUrl: handler === 'convert' ? required('FLOE_COMMIT_QUEUE_URL') : env.FLOE_COMMIT_QUEUE_URL,
    landingBucket: required('FLOE_LANDING_BUCKET'),
    landingPrefix: env.FLOE_LANDING_PREFIX ?? '',
    errorsPrefix: withSlash(env.FLOE_ERRORS_PREFIX || '_floe/errors/'),
    spillPrefix: withSlash(env.FLOE_SPILL_PREFIX || '_floe/commit-requests/'),
    archivePrefix: withSlash(env.FLOE_ARCHIVE_PREFIX || '_floe/archive/'),
    ledgerPrefix: withSlash(env.FLOE_LEDGER_PREFIX || '_floe/ledger/'),
    config: env.FLOE_CONFIG || undefined,
    maxFileBytes,
  };
}

function withSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}
