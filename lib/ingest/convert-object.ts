/**
 * `convertObject`: the convert use case for one landed object (functions/convert, `floe ingest`,
 * `floe dev` and backfill all call it).
 *
 * route → ingest id → load the table (or stage it on the first file) → convert the object into
 * Parquet data files in the table's data location, with the table's vended credentials → create
 * the staged table / commit the evolved schema, only now that the file converted (a rejected
 * file leaves the catalog as it was) → send a `CommitRequest` to the commit queue.
 *
 * Deterministic bad input (`BadInputError`, `RouteError`, a missing table without auto-create, a
 * schema the policy refuses, an object over the size limit) ends here: an error report is
 * written under the errors prefix and the outcome is `rejected`, so the caller acknowledges the
 * message (invariant 4). Anything else (network, throttling, catalog 5xx) is thrown, so the
 * message is retried and eventually dead-lettered. The landed object is only ever read.
 *
 * Data file names are `<ingest id>-<shape hash>-…` (data-file-names.ts): a retry with the same
 * inputs rewrites the same files with identical bytes; a retry whose bytes would differ (the
 * schema evolved in between) writes new names, never over a file that may be committed. An
 * object whose ingest id the table already holds (a late duplicate delivery) is skipped before
 * any work.
 *
 * One read in the common case: for an existing table, the file's columns are peeked (CSV header,
 * the first JSON records) and, when they all fit the table and the policy needs no evolution, the
 * file is converted in one pass with the table's schema. Inference (a whole-file pass) runs only
 * when the table must be created, new columns may need adding, or a value overflowed a column
 * that `evolve` could widen (int, float, decimal): then the one-pass files are deleted and the
 * file takes the two-pass path.
 */
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { formatIdentifier } from '../catalog/catalog.js';
import { AlreadyExistsError } from '../catalog/errors.js';
import { BadInputError } from '../formats/bad-input-error.js';
import { alignToTable, inferSchema } from '../formats/index.js';
import type { FileIO } from '../iceberg/file-io.js';
import { currentSchema, defaultSpec } from '../iceberg/metadata.js';
import type { NestedField, PartitionSpec, Schema } from '../iceberg/types.js';
import type { CommitQueue } from './commit-queue.js';
import type { CommitRequest } from './commit-request.js';
import type { IngestConfig, RouteSettings } from './config.js';
import { type ConvertFileResult, convertFile } from './convert-file.js';
import { dataFileNamePrefix } from './data-file-names.js';
import { isBadInput } from './error-kind.js';
import { writeErrorReport } from './error-report.js';
import { peekFileColumns } from './file-columns.js';
import { ingestId as ingestIdOf } from './ingest-id.js';
import { committedIngestIds } from './ingest-ledger.js';
import type { LandedObject } from './landed-event.js';
import { readLandedObject } from './landed-read.js';
import { rejectedRowCount, writeRejectedRowsReport } from './rejected-rows-report.js';
import { routeObject } from './route.js';
import { type BoundRouteTransform, bindRouteTransform } from './route-transform.js';
import {
  commitSchema,
  createStagedTable,
  loadTableIfExists,
  nextSchemaId,
  schemaForFormatVersion,
  stageTableForFile,
} from './table-setup.js';

/** Raised when other writers keep changing the schema faster than a file can be aligned (transient: retried). */
export class SchemaRaceError extends Error {
  override name = 'SchemaRaceError';
}

/** How often a schema change is retried after another writer changed the schema first. */
const SCHEMA_COMMIT_ATTEMPTS = 5;

export interface ConvertContext {
  catalog: Catalog;
  config: IngestConfig;
  /** Reads landed objects and writes error reports. */
  landingIo: FileIO;
  /** The URI `landingIo` reads an object by (`s3://bucket/key`, or a local path). */
  objectUri(object: LandedObject): string;
  /** Where error reports of objects in `bucket` go, e.g. `s3://landing/_floe/errors/`. */
  errorsLocation(bucket: string): string;
  /** Key prefixes in the landing bucket that belong to floe (never routed). */
  reservedPrefixes: string[];
  /** FileIO for a table's files (vended credentials). */
  tableIo(table: LoadedTable): FileIO;
  queue: CommitQueue;
  /** Where routes with `archive: true` copy converted objects (`<location><key>`), e.g. `s3://landing/_floe/archive/`. */
  archiveLocation?(bucket: string): string;
  /** Objects larger than this are rejected. */
  maxFileBytes?: number;
  /** Structured log sink (Powertools Logger in Lambda). */
  log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

export type ConvertOutcome =
  | { status: 'skipped'; key: string; reason: string }
  | {
      status: 'enqueued';
      key: string;
      ingestId: string;
      table: string;
      rows: number;
      bytes: number;
      dataFiles: number;
      rejectedRows: number;
      /** Reads of the object: 1 when the table's schema fitted its peeked columns, 2 when it was inferred first. */
      passes: 1 | 2;
      /** Set when `on_error: continue` rejected rows (report written). */
      reportPath?: string;
      /** Values kept by a documented rule rather than as written (a time zone that did not match its column). */
      warnings: string[];
      request: CommitRequest;
    }
  | {
      status: 'rejected';
      key: string;
      ingestId?: string;
      table?: string;
      reason: string;
      reportPath: string;
      error: Error;
    };

/** Converts one landed object and enqueues its commit request. */
export async function convertObject(object: LandedObject, context: ConvertContext): Promise<ConvertOutcome> {
  const { key } = object;
  let ingestId: string | undefined;
  let tableName: string | undefined;
  try {
    const routed = routeObject(key, object.size, context.config, { reservedPrefixes: context.reservedPrefixes });
    if (routed.kind === 'skip') return { status: 'skipped', key, reason: routed.reason };
    tableName = formatIdentifier(routed.table);
    const id = ingestIdOf(object);
    ingestId = id;
    const settings = routed.settings;
    if (context.maxFileBytes !== undefined && object.size !== undefined && object.size > context.maxFileBytes) {
      throw new BadInputError(`object is ${object.size} bytes, over the limit of ${context.maxFileBytes}`, {
        file: key,
      });
    }
    const uri = context.objectUri(object);
    const open = () => readLandedObject(context.landingIo, uri, object);
    const options = settings.format;

    let table = await loadTableIfExists(context.catalog, routed.table);
    if (table && committedIngestIds(table.metadata, settings.dedupWindowMs).has(id)) {
      // A late duplicate delivery (or a redelivery after the commit but before the ack): the rows
      // are in the table already, so no conversion; the commit step would drop it anyway.
      context.log?.('info', 'already committed', { table: tableName, key, ingestId });
      if (settings.archive && context.archiveLocation) await archiveObject(context, object, uri);
      return { status: 'skipped', key, reason: `already committed to ${tableName} (ingest id ${ingestId})` };
    }
    // A route transform (issue 17): the file is read with its own columns, then projected and filtered.
    const transform = await bindRouteTransform(
      settings,
      open,
      key,
      {
        sourceKey: key,
        sourceVersion: object.versionId ?? object.etag?.replace(/"/g, '') ?? '',
        ingestId: id,
        ingestedAt: object.eventTime * 1000,
      },
      routed.hiveValues,
    );

    const write = (target: LoadedTable, schema: Schema, onePass: boolean) =>
      writeDataFiles(context, target, schema, {
        open,
        key,
        ingestId: id,
        settings,
        hiveValues: routed.hiveValues,
        onePass,
        transform,
      });

    let converted: Written | undefined;
    if (table && !transform) {
      // One pass when the table schema already fits the file (the common case, see the header).
      const fitted = await tableSchemaFitting(table, open, key, settings, routed.hiveValues);
      if (fitted) converted = await write(table, fitted, true);
    }
    let fileSchema: Schema | undefined;
    let staged: LoadedTable | undefined;
    if (!converted && !table) {
      // A new table is staged, the file converted against it, and only then is the table created:
      // a rejected first file leaves nothing behind (issue #18).
      fileSchema = transform?.plan.schema ?? (await inferSchema(open, key, options));
      staged = await stageTableForFile(context.catalog, routed.table, fileSchema, settings, key).catch(
        (error: unknown) => {
          if (error instanceof AlreadyExistsError) return undefined; // created since it was loaded
          throw error;
        },
      );
      if (!staged) table = await context.catalog.loadTable(routed.table);
    }
    if (!converted && staged) {
      const written = await write(staged, currentSchema(staged.metadata), false);
      if (!written) throw new Error('unreachable: only a one-pass conversion falls back');
      const { table: created, created: byUs } = await createStagedTable(context.catalog, routed.table, staged);
      table = created;
      const fits =
        byUs ||
        (created.metadata.location === staged.metadata.location &&
          sameColumns(currentSchema(created.metadata), written.schema));
      if (fits) {
        if (byUs) context.log?.('info', 'created table', { table: tableName, key, ingestId });
        converted = { ...written, schema: currentSchema(created.metadata), spec: defaultSpec(created.metadata) };
      } else {
        // Another writer created the table first, elsewhere (each stage picks its own default
        // location) or with other columns: these files were never committed; align to it below,
        // so every data file lies under the table's location, where its vended credentials reach.
        for (const f of written.result.dataFiles)
          await context
            .tableIo(staged)
            .delete(f.file_path)
            .catch(() => {});
      }
    }
    if (!converted) {
      if (!table) throw new Error('unreachable: the table exists or was created above');
      // Align the file to the table (every policy: strict must see the differences it refuses).
      // An evolved schema is committed only after the file converted with it, so a rejected
      // file never changes the table (issue #18).
      fileSchema = schemaForFormatVersion(
        fileSchema ?? transform?.plan.schema ?? (await inferSchema(open, key, options)),
        table.metadata['format-version'],
      );
      converted = await alignAndEvolve(context, table, fileSchema, {
        identifier: routed.table,
        key,
        ingestId: id,
        tableName,
        settings,
        hiveValues: routed.hiveValues,
        write,
      });
    }
    const { result, schema, spec } = converted;

    const rejectedCount = rejectedRowCount(result);
    const reportPath = await writeRejectedRowsReport(
      context.landingIo,
      context.errorsLocation(object.bucket),
      { object: uri, key, etag: object.etag, table: tableName, ingestId },
      result,
    );

    const request: CommitRequest = {
      ingestId,
      table: routed.table,
      sourceBucket: object.bucket,
      sourceKey: key,
      etag: object.etag,
      versionId: object.versionId,
      dataFiles: result.dataFiles,
      rows: result.rows,
      bytes: result.bytesIn,
      landedAt: object.eventTime,
      schemaId: schema['schema-id'],
      specId: spec['spec-id'],
    };
    // Archive first: a failed copy retries the message before any commit request exists; a
    // retry rewrites the same copy, and the commit request is the last thing sent.
    if (settings.archive && context.archiveLocation) await archiveObject(context, object, uri);
    await context.queue.send(request);
    if (result.warnings.length > 0)
      context.log?.('warn', 'values converted by rule', { key, table: tableName, warnings: result.warnings });
    return {
      status: 'enqueued',
      key,
      ingestId,
      table: tableName,
      rows: result.rows,
      bytes: result.bytesIn,
      dataFiles: result.dataFiles.length,
      rejectedRows: rejectedCount,
      passes: converted.passes,
      reportPath,
      warnings: result.warnings,
      request,
    };
  } catch (error) {
    if (!isBadInput(error)) throw error;
    const bad = error as Error & Partial<Pick<BadInputError, 'line' | 'column' | 'value' | 'reason'>>;
    const reportPath = await writeErrorReport(context.landingIo, context.errorsLocation(object.bucket), {
      object: context.objectUri(object),
      key,
      etag: object.etag,
      table: tableName,
      ingestId,
      outcome: 'rejected',
      error: bad.name,
      reason: bad.reason ?? bad.message,
      line: bad.line,
      column: bad.column,
      value: bad.value,
      rejectedRows: [],
      rejectedRowCount: 0,
    });
    context.log?.('warn', 'rejected object', {
      key,
      table: tableName,
      ingestId,
      reason: bad.reason ?? bad.message,
      reportPath,
    });
    return {
      status: 'rejected',
      key,
      ingestId,
      table: tableName,
      reason: bad.reason ?? bad.message,
      reportPath,
      error: bad,
    };
  }
}

/**
 * Aligns the file's schema to the table's under the route's policy and converts the file with
 * it. An evolved schema is committed only after the file converted with it, so a rejected file
 * never changes the table (issue #18); when another writer changed the schema first, the files
 * are deleted and the file is aligned again to the new schema (up to {@link SCHEMA_COMMIT_ATTEMPTS}).
 */
async function alignAndEvolve(
  context: ConvertContext,
  loaded: LoadedTable,
  fileSchema: Schema,
  file: {
    identifier: TableIdentifier;
    key: string;
    ingestId: string;
    tableName: string;
    settings: RouteSettings;
    hiveValues: Record<string, string>;
    write: (target: LoadedTable, schema: Schema, onePass: boolean) => Promise<Written | undefined>;
  },
): Promise<Written> {
  const { identifier, key, ingestId, tableName, settings, hiveValues, write } = file;
  let table = loaded;
  for (let attempt = 1; ; attempt++) {
    const alignment = alignToTable(currentSchema(table.metadata), fileSchema, settings.schemaPolicy, {
      caseInsensitive: settings.format.caseInsensitive,
      lastColumnId: table.metadata['last-column-id'],
      fileName: key,
      hiveColumns: hiveValues,
    });
    if (!alignment.evolved) {
      const converted = await write(table, alignment.schema, false);
      if (!converted) throw new Error('unreachable: only a one-pass conversion falls back');
      return converted;
    }
    const proposed = { ...alignment.schema, 'schema-id': nextSchemaId(table) };
    const written = await write(table, proposed, false);
    if (!written) throw new Error('unreachable: only a one-pass conversion falls back');
    const evolved = await commitSchema(context.catalog, table, proposed, alignment.lastColumnId);
    if (evolved && sameColumns(currentSchema(evolved.metadata), proposed)) {
      table = evolved;
      const converted = { ...written, schema: currentSchema(table.metadata) };
      context.log?.('info', 'evolved schema', {
        table: tableName,
        key,
        ingestId,
        schemaId: converted.schema['schema-id'],
        added: alignment.newColumns.map((c) => c.name),
        widened: alignment.promotions.map((p) => p.column),
      });
      return converted;
    }
    // Someone else changed the schema first: these files were never committed, write again.
    for (const f of written.result.dataFiles)
      await context
        .tableIo(table)
        .delete(f.file_path)
        .catch(() => {});
    if (attempt >= SCHEMA_COMMIT_ATTEMPTS)
      throw new SchemaRaceError(`the schema of ${tableName} kept changing during ${attempt} attempts`);
    table = await context.catalog.loadTable(identifier);
  }
}

/** One conversion's output, with the schema and spec it was written with. */
interface Written {
  passes: 1 | 2;
  result: ConvertFileResult;
  schema: Schema;
  spec: PartitionSpec;
}

/**
 * The table's schema when the file's peeked columns all fit it under the route's policy with no
 * evolution; undefined when the file must be inferred (new columns, a JSON sample that is not the
 * whole file under `evolve`/`strict`, Parquet, a headerless CSV). Strict-policy refusals and
 * missing required columns throw `BadInputError` here, as alignment of the inferred schema would.
 */
async function tableSchemaFitting(
  table: LoadedTable,
  open: () => AsyncIterable<Uint8Array>,
  key: string,
  settings: RouteSettings,
  hiveColumns: Record<string, string>,
): Promise<Schema | undefined> {
  const peeked = await peekFileColumns(open, key, settings.format);
  if (!peeked) return undefined;
  // A JSON key first seen past the sample would be dropped instead of added (evolve) or refused (strict).
  if (!peeked.complete && settings.schemaPolicy !== 'ignore-extra') return undefined;
  const current = currentSchema(table.metadata);
  const fold = (name: string) => (settings.format.caseInsensitive ? name.toLowerCase() : name);
  const byName = new Map(current.fields.map((f) => [fold(f.name), f]));
  // Matched columns take the table's type (so no widening is proposed); unknown ones are new columns.
  const columns: NestedField[] = peeked.names.map((name) => {
    const existing = byName.get(fold(name));
    return existing ? { ...existing, name } : { id: 0, name, required: false, type: 'string' };
  });
  const alignment = alignToTable(current, columns, settings.schemaPolicy, {
    caseInsensitive: settings.format.caseInsensitive,
    lastColumnId: table.metadata['last-column-id'],
    fileName: key,
    hiveColumns,
  });
  return alignment.evolved ? undefined : alignment.schema;
}

/** Columns `evolve` could widen (int→long, float→double, decimal precision up; spec: Schema Evolution). */
function widenableColumns(schema: Schema): Set<string> {
  const names = new Set<string>();
  for (const f of schema.fields) {
    if (typeof f.type !== 'string') continue;
    const decimal = /^decimal\((\d+),/.exec(f.type);
    if (f.type === 'int' || f.type === 'float' || (decimal && Number(decimal[1]) < 38)) names.add(f.name);
  }
  return names;
}

/**
 * Writes the object's data files with `schema`. Under `onePass` (the table's schema, not
 * inferred) with policy `evolve`, a value that overflowed a widenable column means inference
 * might widen it: the files are deleted and undefined is returned, so the caller infers.
 *
 * Deletes are deferred: `convertFile` deletes what it wrote when it fails, but with
 * deterministic names those paths may belong to an earlier attempt that is committed (or about
 * to be). Only after a deterministic failure (bad input: the same inputs could never have been
 * committed) are they deleted; after a transient one they stay for the retry to rewrite.
 */
async function writeDataFiles(
  context: ConvertContext,
  table: LoadedTable,
  schema: Schema,
  source: {
    open: () => AsyncIterable<Uint8Array>;
    key: string;
    ingestId: string;
    settings: RouteSettings;
    hiveValues: Record<string, string>;
    onePass: boolean;
    transform?: BoundRouteTransform;
  },
): Promise<Written | undefined> {
  const { settings } = source;
  const spec = defaultSpec(table.metadata);
  const io = context.tableIo(table);
  const deferred: string[] = [];
  const writerIo = new Proxy(io, {
    get(target, prop, receiver) {
      if (prop === 'delete') return async (path: string) => void deferred.push(path);
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const deleteAll = async (paths: string[]) => {
    for (const path of paths) await io.delete(path).catch(() => {});
  };
  const properties: Record<string, string> = {
    ...table.metadata.properties,
    'write.target-file-size-bytes': String(settings.targetFileSizeBytes),
  };
  const formatVersion = table.metadata['format-version'];
  const widenable = source.onePass && settings.schemaPolicy === 'evolve' ? widenableColumns(schema) : new Set<string>();
  try {
    const batchTransform = source.transform?.forTable(schema);
    const result = await convertFile({
      source: source.open(),
      fileName: source.key,
      schema,
      spec,
      formatVersion,
      io: writerIo,
      dataLocation: properties['write.data.path'] ?? `${table.metadata.location.replace(/\/$/, '')}/data`,
      namePrefix: dataFileNamePrefix(source.ingestId, {
        schema,
        spec,
        formatVersion,
        properties,
        options: settings.format,
        onError: settings.onError,
        hiveColumns: source.hiveValues,
        transform: settings.transform,
      }),
      properties,
      options: settings.format,
      onError: settings.onError,
      hiveColumns: source.hiveValues,
      transform: batchTransform && {
        input: batchTransform.input,
        apply: (batch, rowErrors) => batchTransform.apply(batch, rowErrors),
      },
    });
    const overflowed =
      widenable.size > 0 && (result.rejected.some((r) => widenable.has(r.column)) || result.rejectedDropped > 0);
    if (overflowed) {
      // Same inputs always take this branch, so these names were never committed: safe to delete.
      await deleteAll(result.dataFiles.map((f) => f.file_path));
      return undefined;
    }
    return { result, schema, spec, passes: source.onePass ? 1 : 2 };
  } catch (error) {
    if (!isBadInput(error)) throw error;
    await deleteAll(deferred);
    if (error instanceof BadInputError && error.column !== undefined && widenable.has(String(error.column)))
      return undefined;
    throw error;
  }
}

/** Same columns (ids, names, types, nesting): data files written with one fit the other. */
function sameColumns(a: Schema, b: Schema): boolean {
  return JSON.stringify(a.fields) === JSON.stringify(b.fields);
}

/** Copies the landed object to the archive: a copy, never a move (invariant 4); a retry rewrites the same copy. */
async function archiveObject(context: ConvertContext, object: LandedObject, uri: string): Promise<void> {
  if (!context.archiveLocation) return;
  await context.landingIo.writeStream(
    `${context.archiveLocation(object.bucket)}${object.key}`,
    readLandedObject(context.landingIo, uri, object),
  );
}
