/**
 * The wiring the four backfill handlers share: the same environment, catalog client, route
 * config and storage as the live convert and commit handlers (so backfill derives the same
 * ingest ids and commits through the same optimistic path), plus `FLOE_BACKFILL_PREFIX`, where
 * plans, spilled convert results, Map Run results and reports live in the landing bucket.
 */

import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BackfillStepsContext } from '../lib/ingest/backfill-steps.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { S3FileIO } from '../lib/storage/s3.js';
import { s3ObjectVersions } from '../lib/storage/s3-versions.js';
import { catalogFromEnvironment } from './catalog-client.js';
import { EnvironmentError, readEnvironment } from './environment.js';
import { ingestConfigFromEnvironment } from './ingest-settings.js';
import { logger } from './observability.js';
import { SecretCache } from './secret-cache.js';

/** Builds the steps' context from the environment (once per cold start). */
export function backfillContextFromEnvironment(env: NodeJS.ProcessEnv = process.env): BackfillStepsContext {
  // 'commit' checks everything a backfill step needs (the commit queue URL is not required).
  const settings = readEnvironment('commit', env);
  const secret = new SecretCache(new SecretsManagerClient({}), settings.secretId);
  const catalog = catalogFromEnvironment(settings, secret, ({ level, message, ...rest }) =>
    logger[level === 'warn' ? 'warn' : 'debug'](message, rest),
  );
  const backfillPrefix = (env.FLOE_BACKFILL_PREFIX || '_floe/backfill/').replace(/\/?$/, '/');
  return {
    catalog,
    config: ingestConfigFromEnvironment(settings),
    landingIo: new S3FileIO(),
    tableIo: (table) => fileIOForTable(table, { catalog }),
    backfillLocation: `s3://${settings.landingBucket}/${backfillPrefix}`,
    errorsLocation: (bucket) => `s3://${bucket}/${settings.errorsPrefix}`,
    reservedPrefixes: [settings.errorsPrefix, settings.spillPrefix, backfillPrefix, '_floe/'],
    maxFileBytes: settings.maxFileBytes,
    versions: s3ObjectVersions(new S3Client({})),
    // Set by the stack to a share of Step Functions' 256 KiB input limit (CommitBatch takes chunksPerCommit results).
    inlineResultBytes: inlineResultBytesFrom(env.FLOE_BACKFILL_INLINE_BYTES),
    log: (level, message, fields) => logger[level](message, fields),
  };
}

/** `FLOE_BACKFILL_INLINE_BYTES`: a non-negative integer, else the default (`DEFAULT_INLINE_RESULT_BYTES`). */
export function inlineResultBytesFrom(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const bytes = Number(value);
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new EnvironmentError(
      `FLOE_BACKFILL_INLINE_BYTES must be a non-negative integer, not ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}
