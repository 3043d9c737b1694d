/**
 * The wiring both maintenance handlers share: the same environment, catalog client and table
 * storage as the commit handler, and the ingest ledger in the landing bucket (so expiry writes
 * the ids of the snapshots it removes before removing them). Settings from the environment:
 * `FLOE_MAINTAIN_OLDER_THAN_MS` (snapshot age, default 5 days), `FLOE_MAINTAIN_RETAIN_LAST`
 * (default 1), `FLOE_MAINTAIN_ORPHAN_AGE_MS` (default 3 days), `FLOE_MAINTAIN_SMALL_FILE_THRESHOLD`
 * (small files per partition that make a commit trigger compaction, default 50).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { settingsForTable } from '../lib/ingest/config.js';
import { IngestLedger } from '../lib/ingest/ingest-ledger.js';
import type { StepSettings } from '../lib/ingest/maintain/maintain-steps.js';
import type { MaintenanceContext } from '../lib/ingest/maintain/maintenance-context.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { S3FileIO } from '../lib/storage/s3.js';
import { catalogFromEnvironment } from './catalog-client.js';
import { EnvironmentError, readEnvironment } from './environment.js';
import { ingestConfigFromEnvironment } from './ingest-settings.js';
import { logger } from './observability.js';
import { SecretCache } from './secret-cache.js';

/** Builds the maintenance context from the environment (once per cold start). */
export function maintenanceContextFromEnvironment(env: NodeJS.ProcessEnv = process.env): {
  context: MaintenanceContext;
  settings: StepSettings;
} {
  const settings = readEnvironment('commit', env);
  // The routes config (FLOE_CONFIG) gives each table's `maintenance:` block.
  const config = ingestConfigFromEnvironment(settings);
  const secret = new SecretCache(new SecretsManagerClient({}), settings.secretId);
  const catalog = catalogFromEnvironment(settings, secret, ({ level, message, ...rest }) =>
    logger[level === 'warn' ? 'warn' : 'debug'](message, rest),
  );
  return {
    context: {
      catalog,
      tableIo: (table) => fileIOForTable(table, { catalog }),
      ledger: new IngestLedger(new S3FileIO(), `s3://${settings.landingBucket}/${settings.ledgerPrefix}`),
    },
    settings: {
      expiry: {
        maxSnapshotAgeMs: numberFrom(env, 'FLOE_MAINTAIN_OLDER_THAN_MS'),
        minSnapshotsToKeep: numberFrom(env, 'FLOE_MAINTAIN_RETAIN_LAST'),
      },
      orphanAgeMs: numberFrom(env, 'FLOE_MAINTAIN_ORPHAN_AGE_MS'),
      smallFileThreshold: numberFrom(env, 'FLOE_MAINTAIN_SMALL_FILE_THRESHOLD'),
      routeFor: (table) => settingsForTable(config, table).maintenance,
    },
  };
}

function numberFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new EnvironmentError(`${name} must be a non-negative number, not "${raw}"`);
  return value;
}
