/**
 * The ingest configuration (`floe.config.json` or `floe.config.yaml`): routes from landed object
 * keys to Iceberg tables, and how each route reads, evolves, creates and deduplicates.
 *
 * Keys are snake_case, as in Dremio's `COPY INTO`/`CREATE PIPE` options (`on_error`,
 * `dedup_window`). A bad config fails with a `ConfigError` naming the field path
 * (`routes[2].partition_spec[0].transform: …`).
 *
 * @example
 * ```yaml
 * landing_prefix: incoming/
 * defaults: { on_error: skip_file, dedup_window: 7d }
 * routes:
 *   - match: "sales/**\/*.csv"        # picomatch glob on the key below landing_prefix
 *     table: sales.orders
 *     schema_policy: evolve
 *     auto_create: { partition_spec: [{ column: order_ts, transform: day }] }
 *   - prefix: "clicks/"
 *     table: [web, raw, clicks]
 *     format: { json: { maxDepth: 32 } }
 *     hive_partitions: true
 * ```
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TableIdentifier } from '../catalog/catalog.js';
import { FormatOptionsSchema } from '../formats/options.js';
import { checkTransform, TransformError } from '../formats/transform/index.js';
import { parseDurationMs, parseSizeBytes } from './duration.js';

/** A table name or namespace level floe accepts: safe in a URL path and in SQL without quoting. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

const identifierPart = z.string().regex(IDENTIFIER_PATTERN, 'must be letters, digits or _ and not start with a digit');

/** `"ns.table"`, `"a.b.table"` or `["a", "b", "table"]`. */
const TableRefSchema = z
  .union([z.string().min(1), z.array(identifierPart).min(2)])
  .transform((value, ctx): TableIdentifier => {
    const parts = typeof value === 'string' ? value.split('.') : value;
    if (parts.length < 2) {
      ctx.addIssue({ code: 'custom', message: 'expected namespace.table' });
      return z.NEVER;
    }
    for (const part of parts) {
      if (!IDENTIFIER_PATTERN.test(part)) {
        ctx.addIssue({ code: 'custom', message: `invalid identifier part "${part}"` });
        return z.NEVER;
      }
    }
    return { namespace: parts.slice(0, -1), name: parts[parts.length - 1] as string };
  });

/** Iceberg partition transforms (spec: Partition Transforms). */
const TransformSchema = z
  .string()
  .regex(
    /^(identity|year|month|day|hour|void|bucket\[[1-9]\d*\]|truncate\[[1-9]\d*\])$/,
    'expected identity, year, month, day, hour, void, bucket[N] or truncate[W]',
  );

const PartitionFieldSchema = z.object({
  /** Source column name (matched against the table schema). */
  column: z.string().min(1),
  transform: TransformSchema.default('identity'),
  /** Partition field name; default `<column>` for identity, `<column>_<transform>` otherwise. */
  name: z.string().min(1).optional(),
});

const AutoCreateSchema = z.union([
  z.boolean(),
  z.object({
    partition_spec: z.array(PartitionFieldSchema).default([]),
    properties: z.record(z.string(), z.string()).default({}),
    /** Iceberg format version of a created table. */
    format_version: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(2),
    /** Table location; default the catalog's choice. */
    location: z.string().min(1).optional(),
  }),
]);

const durationField = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid duration "${value}" (expected e.g. 7d, 12h, 30m)` });
    return z.NEVER;
  }
  return ms;
});

const sizeField = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSizeBytes(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid size "${value}" (expected e.g. 128MB)` });
    return z.NEVER;
  }
  return bytes;
});

/**
 * A route's (or `defaults`') table maintenance settings (docs/maintenance.md). Each field left out
 * falls back to `defaults.maintenance`, then floe's built-in default; table properties
 * (`floe.maintenance.*`, Iceberg's `history.expire.*`, `write.target-file-size-bytes`) win over both.
 */
const MaintenanceConfigSchema = z
  .object({
    /** false: `floe maintain`, the schedule and the commit trigger leave the table alone. */
    enabled: z.boolean().optional(),
    /** Size compaction writes (binpack target). */
    target_file_size: sizeField.optional(),
    /** Snapshots older than this are expired (but never the last `retain_last`). */
    snapshot_max_age: durationField.optional(),
    retain_last: z.number().int().min(1).optional(),
    /** Unreferenced files younger than this are never removed. */
    orphan_age: durationField.optional(),
    /** Small files in one partition above which a commit triggers compaction. */
    small_file_threshold: z.number().int().min(0).optional(),
  })
  .strict();

/** Settings a route can set, and `defaults` sets for every route. */
const RouteSettingsShape = {
  maintenance: MaintenanceConfigSchema.optional(),
  format: FormatOptionsSchema.optional(),
  /** abort / skip_file: reject the file on the first bad row; continue: keep good rows, report the rest. */
  on_error: z.enum(['abort', 'skip_file', 'continue']).optional(),
  /** evolve: add new columns, widen types; strict: reject any difference; ignore-extra: drop new columns. */
  schema_policy: z.enum(['evolve', 'strict', 'ignore-extra']).optional(),
  auto_create: AutoCreateSchema.optional(),
  target_file_size: sizeField.optional(),
  dedup_window: durationField.optional(),
  /** Copy converted objects under floe's archive prefix (`_floe/archive/`); the landed object itself is never changed or deleted. */
  archive: z.boolean().optional(),
  /** Read `col=value` path segments as columns. */
  hive_partitions: z.boolean().optional(),
  /** A SQL projection applied to every row (docs/transforms.md): `a, CAST(b AS DATE) AS d`. */
  select: z.string().min(1).optional(),
  /** A SQL filter over the file's columns: rows where it is not true are not written. */
  where: z.string().min(1).optional(),
};

const RouteSchema = z
  .object({
    /** picomatch glob on the key below `landing_prefix`. */
    match: z.string().min(1).optional(),
    /** Key prefix below `landing_prefix`. */
    prefix: z.string().min(1).optional(),
    table: TableRefSchema,
    ...RouteSettingsShape,
  })
  .strict()
  .refine((r) => (r.match === undefined) !== (r.prefix === undefined), {
    message: 'a route needs exactly one of match or prefix',
  });

export const IngestConfigSchema = z
  .object({
    /** Keys outside this prefix are ignored. */
    landing_prefix: z.string().default(''),
    defaults: z.object(RouteSettingsShape).strict().default({}),
    /** First match wins. Without routes, the convention `<namespace>/<table>/<anything>` applies. */
    routes: z.array(RouteSchema).default([]),
  })
  .strict();

export type IngestConfigInput = z.input<typeof IngestConfigSchema>;
type ParsedConfig = z.output<typeof IngestConfigSchema>;
type ParsedRoute = ParsedConfig['routes'][number];

/** Partition field of an auto-created table, by source column name. */
export type PartitionFieldConfig = z.output<typeof PartitionFieldSchema>;

/** Everything a route decides, with defaults filled in. */
export interface RouteSettings {
  format: z.output<typeof FormatOptionsSchema>;
  onError: 'abort' | 'skip_file' | 'continue';
  schemaPolicy: 'evolve' | 'strict' | 'ignore-extra';
  /** Undefined: never create; the table must exist. */
  autoCreate?: {
    partitionSpec: PartitionFieldConfig[];
    properties: Record<string, string>;
    formatVersion: 1 | 2 | 3;
    location?: string;
  };
  targetFileSizeBytes: number;
  dedupWindowMs: number;
  archive: boolean;
  hivePartitions: boolean;
  /** The route's `select`/`where` (checked at load; bound per file). */
  transform?: { select?: string; where?: string };
  /** Maintenance settings of the route over `defaults.maintenance` (unset fields: table properties, then built-ins). */
  maintenance: MaintenanceConfig;
}

/** The `maintenance:` block of a route or of `defaults`, durations in ms and sizes in bytes. */
export interface MaintenanceConfig {
  enabled?: boolean;
  targetFileSizeBytes?: number;
  snapshotMaxAgeMs?: number;
  retainLast?: number;
  orphanAgeMs?: number;
  smallFileThreshold?: number;
}

/** A validated config. */
export interface IngestConfig {
  landingPrefix: string;
  defaults: RouteSettings;
  routes: Array<{ match?: string; prefix?: string; table: TableIdentifier; settings: RouteSettings }>;
}

/** Raised for an invalid config; the message names each bad field path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Built-in defaults (Dremio COPY INTO: ON_ERROR abort; Snowpipe's dedup horizon is 14 days, floe keeps 7). */
export const DEFAULT_ROUTE_SETTINGS: RouteSettings = {
  format: FormatOptionsSchema.parse({}),
  onError: 'abort',
  schemaPolicy: 'evolve',
  autoCreate: { partitionSpec: [], properties: {}, formatVersion: 2 },
  targetFileSizeBytes: 128 * 1024 * 1024,
  dedupWindowMs: 7 * 86_400_000,
  archive: false,
  hivePartitions: false,
  maintenance: {},
};

function maintenanceFrom(
  raw: z.output<typeof MaintenanceConfigSchema> | undefined,
  base: MaintenanceConfig,
): MaintenanceConfig {
  const set: MaintenanceConfig = {
    enabled: raw?.enabled,
    targetFileSizeBytes: raw?.target_file_size,
    snapshotMaxAgeMs: raw?.snapshot_max_age,
    retainLast: raw?.retain_last,
    orphanAgeMs: raw?.orphan_age,
    smallFileThreshold: raw?.small_file_threshold,
  };
  const out: MaintenanceConfig = { ...base };
  for (const [key, value] of Object.entries(set)) if (value !== undefined) Object.assign(out, { [key]: value });
  return out;
}

function settingsFrom(
  raw: Partial<Pick<ParsedRoute, keyof typeof RouteSettingsShape>>,
  base: RouteSettings,
): RouteSettings {
  let autoCreate = base.autoCreate;
  if (raw.auto_create === false) autoCreate = undefined;
  else if (raw.auto_create === true) autoCreate = base.autoCreate ?? DEFAULT_ROUTE_SETTINGS.autoCreate;
  else if (raw.auto_create) {
    autoCreate = {
      partitionSpec: raw.auto_create.partition_spec,
      properties: raw.auto_create.properties,
      formatVersion: raw.auto_create.format_version,
      location: raw.auto_create.location,
    };
  }
  return {
    format: raw.format ?? base.format,
    onError: raw.on_error ?? base.onError,
    schemaPolicy: raw.schema_policy ?? base.schemaPolicy,
    autoCreate,
    targetFileSizeBytes: raw.target_file_size ?? base.targetFileSizeBytes,
    dedupWindowMs: raw.dedup_window ?? base.dedupWindowMs,
    archive: raw.archive ?? base.archive,
    hivePartitions: raw.hive_partitions ?? base.hivePartitions,
    transform:
      raw.select !== undefined || raw.where !== undefined
        ? { select: raw.select ?? base.transform?.select, where: raw.where ?? base.transform?.where }
        : base.transform,
    maintenance: maintenanceFrom(raw.maintenance, base.maintenance),
  };
}

/**
 * Checks a route's `select`/`where` when the config is loaded (syntax, functions, literal types),
 * so a typo is a config error naming the route and the expression, not a rejected file later.
 */
function checkRouteTransform(settings: RouteSettings, path: string, table: string): string | undefined {
  if (!settings.transform) return undefined;
  try {
    checkTransform(settings.transform);
    return undefined;
  } catch (error) {
    if (error instanceof TransformError) return `${path} (table ${table}): select/where: ${error.message}`;
    throw error;
  }
}

/** Validates a parsed config object (from JSON, YAML or code). */
export function parseIngestConfig(input: unknown): IngestConfig {
  const result = IngestConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`invalid floe config: ${issues.join('; ')}`, issues, { cause: result.error });
  }
  const parsed = result.data;
  const defaults = settingsFrom(parsed.defaults, DEFAULT_ROUTE_SETTINGS);
  const config: IngestConfig = {
    landingPrefix: parsed.landing_prefix,
    defaults,
    routes: parsed.routes.map((route) => ({
      match: route.match,
      prefix: route.prefix,
      table: route.table,
      settings: settingsFrom(route, defaults),
    })),
  };
  const transformIssues = [
    checkRouteTransform(defaults, 'defaults', '(any)'),
    ...config.routes.map((r, i) =>
      checkRouteTransform(r.settings, `routes[${i}]`, [...r.table.namespace, r.table.name].join('.')),
    ),
  ].filter((issue): issue is string => issue !== undefined);
  if (transformIssues.length > 0)
    throw new ConfigError(`invalid floe config: ${transformIssues.join('; ')}`, transformIssues);
  return config;
}

/** Parses config text: JSON, or YAML (a superset; used when the text is not JSON or the name ends in .yaml/.yml). */
export function parseIngestConfigText(text: string, fileName = 'floe.config.json'): IngestConfig {
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(fileName) ? parseYaml(text) : JSON.parse(text);
  } catch (jsonError) {
    try {
      raw = parseYaml(text);
    } catch (error) {
      throw new ConfigError(`${fileName}: not valid JSON or YAML: ${(error as Error).message}`, [], {
        cause: jsonError,
      });
    }
  }
  try {
    return parseIngestConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(`${fileName}: ${error.message}`, error.issues, { cause: error });
    throw error;
  }
}

/** Reads and validates a config file. */
export async function loadIngestConfig(path: string): Promise<IngestConfig> {
  return parseIngestConfigText(await readFile(path, 'utf8'), path);
}

/** The config used when there is none: defaults only, convention routing. */
export function defaultIngestConfig(): IngestConfig {
  return parseIngestConfig({});
}

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/** The settings of the first route that targets `table` (the commit side knows only the table), else the defaults. */
export function settingsForTable(config: IngestConfig, table: TableIdentifier): RouteSettings {
  const key = [...table.namespace, table.name].join('\u0000');
  const route = config.routes.find((r) => [...r.table.namespace, r.table.name].join('\u0000') === key);
  return route?.settings ?? config.defaults;
}
