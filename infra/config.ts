/**
 * Deployment configuration of the floe CDK app: one zod schema, read from CDK context
 * (`cdk.json` → `"floe": {...}`, overridden by `cdk deploy -c key=value`) or passed as props,
 * and validated at synth time so a bad value fails `cdk synth` with the name of the setting.
 *
 * The defaults target Dremio Cloud (its Polaris-based Iceberg REST catalog and its OAuth2
 * token-exchange endpoint, RFC 8693), so `-c warehouse=<project>` is the only required value.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, parseIngestConfig } from '../lib/ingest/config.js';

/** Defaults that reach Dremio Cloud. */
export const DREMIO_CLOUD = {
  catalogUri: 'https://catalog.dremio.cloud/api/iceberg',
  tokenEndpoint: 'https://login.dremio.cloud/oauth/token',
  scope: 'dremio.all',
  clientId: 'dremio',
  authType: 'token-exchange',
} as const;

/** How the handlers obtain a catalog access token from the secret's value. */
export const AUTH_TYPES = ['token-exchange', 'client-credentials', 'bearer'] as const;

/** A configuration value failed validation; the message names each offending setting. */
export class FloeConfigError extends Error {
  override readonly name = 'FloeConfigError';
  constructor(
    message: string,
    readonly settings: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** CDK context is stringly typed (`-c maxFileBytes=1024`): coerce, but keep a missing value missing. */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** An S3 key prefix: relative, ending in a slash so `landing/` never matches `landing-old/`. */
const prefix = z
  .string()
  .refine((p) => !p.startsWith('/'), 'must not start with "/"')
  .refine((p) => p === '' || p.endsWith('/'), 'must end with "/"');

const MiB = 1024 * 1024;

/** The validated schema. Every field documents its default; see docs/deploy.md. */
export const floeConfigSchema = z
  .object({
    /** Iceberg REST catalog base URI. @default Dremio Cloud's catalog */
    catalogUri: z.url().default(DREMIO_CLOUD.catalogUri),
    /** The catalog warehouse; on Dremio Cloud, the project name or id. Required. */
    warehouse: z.string({ error: 'is required (the catalog warehouse, e.g. the Dremio project)' }).min(1),
    /** Auth flow used with the secret's value. @default 'token-exchange' */
    authType: z.enum(AUTH_TYPES).default(DREMIO_CLOUD.authType),
    /** OAuth2 token endpoint. @default Dremio Cloud's */
    tokenEndpoint: z.url().default(DREMIO_CLOUD.tokenEndpoint),
    /** OAuth2 scope. @default 'dremio.all' */
    scope: z.string().min(1).default(DREMIO_CLOUD.scope),
    /** OAuth2 client id. @default 'dremio' */
    clientId: z.string().min(1).default(DREMIO_CLOUD.clientId),
    /** Import an existing secret holding the PAT/client secret/token. @default a new, empty secret */
    secretArn: z.string().startsWith('arn:').optional(),
    /** Import an existing secret by name (alternative to secretArn). */
    secretName: z.string().min(1).optional(),
    /** Routes file (YAML or JSON) shipped to the handlers as FLOE_CONFIG. @default none */
    routesFile: z.string().min(1).optional(),
    /** Only objects under this prefix are ingested. @default 'landing/' */
    landingPrefix: prefix.default('landing/'),
    /** Where error reports for rejected files are written. @default '_floe/errors/' */
    errorsPrefix: prefix.default('_floe/errors/'),
    /** Where commit requests too large for an SQS message are spilled. @default '_floe/commit-requests/' */
    spillPrefix: prefix.default('_floe/commit-requests/'),
    /** EventBridge bus for commit events (docs/events.md); `off` sends none. @default 'default' */
    eventBusName: z.string().min(1).default('default'),
    /** The load history Iceberg table (`namespace.table`); `off` records none. @default 'floe.ingest_history' */
    historyTable: z.string().min(1).default('floe.ingest_history'),
    /** Backfill plans, Map Run results and reports. @default '_floe/backfill/' */
    backfillPrefix: prefix.default('_floe/backfill/'),
    /** Where routes with `archive: true` copy converted objects. @default '_floe/archive/' */
    archivePrefix: prefix.default('_floe/archive/'),
    /** Replaced (noncurrent) versions of landed objects expire after (days); 0 keeps them. @default 30 */
    landedVersionRetentionDays: int(0, 3650).default(30),
    /** Powertools Tracer (X-Ray) on every function. @default false */
    tracing: bool.default(false),
    /** Durable ingest-ledger markers (exactly-once across snapshot expiry). @default '_floe/ledger/' */
    ledgerPrefix: prefix.default('_floe/ledger/'),
    /** Ledger markers expire after (days): the longest dedup window of the routes plus a margin. @default 8 */
    ledgerRetentionDays: int(1, 3650).default(8),
    /** Deploy the maintenance state machine and its daily schedule. @default true */
    maintenance: bool.default(true),
    /** EventBridge Scheduler expression for maintenance. @default 'cron(0 3 * * ? *)' (03:00 UTC daily) */
    maintenanceSchedule: z.string().min(1).default('cron(0 3 * * ? *)'),
    /** Largest landed object convert accepts; bigger ones get an error report. @default 512 MiB */
    maxFileBytes: int(1, 10 * 1024 * MiB).default(512 * MiB),
    /** Convert function memory (MiB); more memory is more vCPU. @default 3008 */
    convertMemoryMiB: int(512, 10240).default(3008),
    /** Convert function timeout (s), sized for maxFileBytes at the measured throughput. @default 600 */
    convertTimeoutSeconds: int(30, 900).default(600),
    /** Convert /tmp size (MiB). @default 2048 */
    convertEphemeralMiB: int(512, 10240).default(2048),
    /** Landed messages per convert invocation: 1 keeps the timeout about one file. @default 1 */
    convertBatchSize: int(1, 10).default(1),
    /** Upper bound on concurrent convert invocations (SQS event source maxConcurrency). @default 20 */
    convertMaxConcurrency: int(2, 1000).default(20),
    /** Commit function memory (MiB). @default 1024 */
    commitMemoryMiB: int(256, 10240).default(1024),
    /** Commit function timeout (s); covers optimistic retries. @default 300 */
    commitTimeoutSeconds: int(30, 900).default(300),
    /** Commit requests per commit invocation (FIFO max 10): one snapshot per batch. @default 10 */
    commitBatchSize: int(1, 10).default(10),
    /** Receives before a message moves to its DLQ. @default 5 */
    maxReceiveCount: int(1, 1000).default(5),
    /** Conversion throughput (MiB/s) assumed by the timeout sizing check. @default 5 */
    convertThroughputMiBps: z.coerce.number().positive().default(5),
    /** Deploy the backfill state machine and its four functions. @default true */
    backfill: bool.default(true),
    /** Distributed Map child executions running at once. @default 20 */
    backfillMaxConcurrency: int(1, 10000).default(20),
    /** Percentage of failed backfill chunks tolerated before the Map Run fails. @default 0 */
    backfillToleratedFailurePercentage: int(0, 100).default(0),
    /** Plan chunks converted per child execution and committed as one batch. @default 4 */
    backfillChunksPerCommit: int(1, 1000).default(4),
    /** CloudWatch Logs retention (days). @default 30 */
    logRetentionDays: int(1, 3653).default(30),
    /** Error reports expire after (days). @default 90 */
    errorReportRetentionDays: int(1, 3650).default(90),
    /** Spilled commit requests and backfill artifacts expire after (days). @default 14 */
    workFileRetentionDays: int(1, 3650).default(14),
    /** Landing bucket encryption. @default 's3' (SSE-S3) */
    landingEncryption: z.enum(['s3', 'kms']).default('s3'),
    /** 'create' a warehouse bucket for catalogs that do not vend credentials, or name an existing one. @default none */
    warehouseBucket: z.string().min(3).optional(),
    /** Alarm when the oldest message of a queue is older than this (s). @default 900 */
    oldestMessageAlarmSeconds: int(60, 1209600).default(900),
    /** Alarm when more than this percentage of commits conflicted in 5 minutes. @default 20 */
    commitConflictAlarmPercent: z.coerce.number().min(0).max(100).default(20),
    /** SNS topic ARN receiving alarm notifications. @default none */
    alarmTopicArn: z.string().startsWith('arn:').optional(),
    /** CloudWatch namespace of floe's EMF metrics. @default 'floe' */
    metricsNamespace: z.string().min(1).default('floe'),
    /** POWERTOOLS_SERVICE_NAME, the `service` dimension of every metric. @default 'floe' */
    serviceName: z.string().min(1).default('floe'),
    /** Keep buckets and the secret when the stack is deleted. @default true */
    retainData: bool.default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.secretArn && c.secretName) {
      ctx.addIssue({ code: 'custom', path: ['secretArn'], message: 'set secretArn or secretName, not both' });
    }
    // S3 notifications filter on one prefix: floe's own outputs must not lie under it, or an error
    // report would be ingested as data and produce another error report, forever.
    for (const key of ['errorsPrefix', 'spillPrefix', 'backfillPrefix', 'archivePrefix', 'ledgerPrefix'] as const) {
      if (c[key].startsWith(c.landingPrefix)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${c[key]}" lies under landingPrefix "${c.landingPrefix}"; floe would ingest its own output`,
        });
      }
    }
  });

/** Configuration as written by a user (context or props): everything but `warehouse` optional. */
export type FloeConfigInput = z.input<typeof floeConfigSchema>;
/** Validated configuration with defaults applied. */
export type FloeConfig = z.output<typeof floeConfigSchema>;

/** Every setting name, which is also its CDK context key (`-c <name>=<value>`). */
export const FLOE_SETTINGS = Object.keys(floeConfigSchema.shape) as (keyof FloeConfig)[];

/** Validates `input`, applying the Dremio Cloud defaults; throws FloeConfigError naming each bad setting. */
export function parseFloeConfig(input: Record<string, unknown>): FloeConfig {
  const result = floeConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const settings = [...new Set(result.error.issues.map((i) => i.path.join('.') || '(root)'))];
  const lines = result.error.issues.map((i) => {
    const name = i.path.join('.');
    const hint = name && name in floeConfigSchema.shape ? ` (set -c ${name}=… or "floe": { "${name}": … })` : '';
    return `  - ${name || '(root)'}: ${i.message}${hint}`;
  });
  throw new FloeConfigError(`invalid floe configuration:\n${lines.join('\n')}`, settings);
}

/** Anything with `tryGetContext`, e.g. `app.node`. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/**
 * Reads the config from CDK context: the `floe` object (cdk.json) first, then single keys
 * (`-c warehouse=prod`) on top, then validates it.
 */
export function floeConfigFromContext(node: ContextSource): FloeConfig {
  const base = node.tryGetContext('floe');
  if (base !== undefined && (typeof base !== 'object' || base === null || Array.isArray(base))) {
    throw new FloeConfigError('invalid floe configuration: context "floe" must be an object', ['floe']);
  }
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown> | undefined) };
  for (const key of FLOE_SETTINGS) {
    const value = node.tryGetContext(key);
    if (value !== undefined) merged[key] = value;
  }
  return parseFloeConfig(merged);
}

/**
 * Reads the routes file at synth time and returns it as compact JSON text for FLOE_CONFIG.
 * YAML and JSON are accepted; the handlers parse the JSON once at cold start.
 */
export function readRoutesFile(path: string, cwd = process.cwd()): string {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (cause) {
    throw new FloeConfigError(`invalid floe configuration:\n  - routesFile: cannot read ${full}`, ['routesFile'], {
      cause,
    });
  }
  try {
    const ext = extname(full).toLowerCase();
    const value = ext === '.json' ? JSON.parse(text) : YAML.parse(text);
    return JSON.stringify(value);
  } catch (cause) {
    if (cause instanceof FloeConfigError) throw cause;
    throw new FloeConfigError(
      `invalid floe configuration:\n  - routesFile: ${full} is not valid ${extname(full) === '.json' ? 'JSON' : 'YAML'}`,
      ['routesFile'],
      { cause },
    );
  }
}

/**
 * Validates routes JSON (from {@link readRoutesFile}) at synth with the handlers' own schema, so a
 * typo fails `cdk synth` naming the field instead of every function at cold start; and checks
 * that its `landing_prefix` can match a key the stack's notification filter (`landingPrefix`)
 * delivers at all.
 */
export function checkRoutes(routesJson: string, landingPrefix: string, file = 'routesFile'): void {
  let routesPrefix: string;
  try {
    routesPrefix = parseIngestConfig(JSON.parse(routesJson)).landingPrefix;
  } catch (cause) {
    if (!(cause instanceof ConfigError)) throw cause;
    const lines = cause.issues.length > 0 ? cause.issues : [cause.message];
    throw new FloeConfigError(
      `invalid floe configuration:\n${lines.map((issue) => `  - routesFile (${file}): ${issue}`).join('\n')}`,
      ['routesFile'],
      { cause },
    );
  }
  // A key reaches the handlers only under landingPrefix, and is routed only under landing_prefix.
  if (routesPrefix && !routesPrefix.startsWith(landingPrefix) && !landingPrefix.startsWith(routesPrefix)) {
    throw new FloeConfigError(
      `invalid floe configuration:\n  - routesFile (${file}): landing_prefix "${routesPrefix}" can never match: ` +
        `the stack only delivers keys under landingPrefix "${landingPrefix}" (set -c landingPrefix=${routesPrefix} or change landing_prefix)`,
      ['routesFile', 'landingPrefix'],
    );
  }
}
