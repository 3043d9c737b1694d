/**
 * A route's transform (issue 17) bound to one landed object: the file's columns are inferred
 * (the same inference a plain route uses), the route's `select`/`where` is bound against them,
 * and the result is the projection's schema (what auto-create creates and the dry run shows) plus
 * the per-batch transform `convertFile` applies once the table's schema is known.
 *
 * `current_timestamp` and `_ingested_at` are the object's landing time, not the wall clock: a
 * convert retry must write the same bytes under the same names (data-file-names.ts).
 */
import { BadInputError, inferSchema } from '../formats/index.js';
import type { FormatOptionsInput } from '../formats/options.js';
import {
  bindTransform,
  checkTransform,
  TransformError,
  type TransformMetadata,
  type TransformPlan,
} from '../formats/transform/index.js';
import type { Schema } from '../iceberg/types.js';
import { ConfigError, defaultIngestConfig, type IngestConfig, type RouteSettings } from './config.js';

/** The transform of a route for one object, bound against the object's columns. */
export interface BoundRouteTransform {
  plan: TransformPlan;
  meta: TransformMetadata;
  /** Fits the projection to the table schema the data files are written with. */
  forTable(table: Schema): ReturnType<TransformPlan['forTable']>;
}

/** Binds the route's transform against the object's inferred columns; a name or type error rejects the file. */
export async function bindRouteTransform(
  settings: RouteSettings,
  open: () => AsyncIterable<Uint8Array>,
  key: string,
  meta: TransformMetadata,
  hiveColumns: Record<string, string> = {},
): Promise<BoundRouteTransform | undefined> {
  if (!settings.transform) return undefined;
  const options: FormatOptionsInput = settings.format;
  const inferred = await inferSchema(open, key, options);
  // Hive `key=value` columns of the object key are input columns too (string; the reader fills them).
  const fold = (name: string) => (settings.format.caseInsensitive ? name.toLowerCase() : name);
  const known = new Set(inferred.fields.map((f) => fold(f.name)));
  let nextId = Math.max(0, ...inferred.fields.map((f) => f.id)) + 1;
  const hive = Object.keys(hiveColumns)
    .filter((name) => !known.has(fold(name)))
    .map((name) => ({ id: nextId++, name, required: false, type: 'string' as const }));
  const columns: Schema = hive.length > 0 ? { ...inferred, fields: [...inferred.fields, ...hive] } : inferred;
  let plan: TransformPlan;
  try {
    plan = bindTransform(settings.transform, columns, { caseInsensitive: settings.format.caseInsensitive });
  } catch (error) {
    if (error instanceof TransformError)
      throw new BadInputError(`route transform: ${error.message}`, { file: key }, { cause: error });
    throw error;
  }
  return {
    plan,
    meta,
    forTable: (table) =>
      plan.forTable(table, { fileName: key, meta, caseInsensitive: settings.format.caseInsensitive }),
  };
}

/**
 * The config with `select`/`where` from the command line (`floe ingest|backfill --select …
 * --where …`) set on the defaults and every route; checked like a config file's. Throws
 * `ConfigError`.
 */
export function configWithTransform(
  config: IngestConfig | undefined,
  spec: { select?: string; where?: string },
): IngestConfig | undefined {
  if (spec.select === undefined && spec.where === undefined) return config;
  const base = config ?? defaultIngestConfig();
  const transform = {
    select: spec.select ?? base.defaults.transform?.select,
    where: spec.where ?? base.defaults.transform?.where,
  };
  try {
    checkTransform(transform);
  } catch (error) {
    if (error instanceof TransformError)
      throw new ConfigError(`--select/--where: ${error.message}`, [error.message], { cause: error });
    throw error;
  }
  return {
    ...base,
    defaults: { ...base.defaults, transform },
    routes: base.routes.map((r) => ({ ...r, settings: { ...r.settings, transform } })),
  };
}
