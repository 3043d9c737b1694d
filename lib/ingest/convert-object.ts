/**
 * `convertObject`: the convert use case for one landed object (functions/convert, `floe ingest`,
 * `floe dev` and backfill all call it).
 *
 * route → ingest id → load the table (or create it on the first file) → evolve its schema when
 * the route allows → convert the object into Parquet data files in the table's data location,
 * with the table's vended credentials → send a `CommitRequest` to the commit queue.
 *
 * Deterministic bad input (`BadInputError`, `RouteError`, a missing table without auto-create, a
 * schema the policy refuses, an object over the size limit) ends here: an error report is
 * written under the errors prefix and the outcome is `rejected`, so the caller acknowledges the
 * message (invariant 4). Anything else (network, throttling, catalog 5xx) is thrown, so the
 * message is retried and eventually dead-lettered. The landed object is only ever read.
 *
 * Data file names are `<ingest id>-<random>-…`: they derive from the ingest id (so orphans of a
 * crashed attempt are attributable) but a retry never overwrites a file an earlier attempt may
 * already have committed.
 */
import { randomBytes } from 'node:crypto';
import type { Catalog, LoadedTable } from '../catalog/catalog.js';
import { formatIdentifier } from '../catalog/catalog.js';
import { BadInputError } from '../formats/bad-input-error.js';
import { alignToTable, convertFile, inferSchema, rejectedRowsNdjson } from '../formats/index.js';
import { currentSchema, defaultSpec } from '../iceberg/metadata.js';
import type { Schema } from '../iceberg/types.js';
import type { FileIO } from '../storage/file-io.js';
import type { CommitQueue } from './commit-queue.js';
import type { CommitRequest } from './commit-request.js';
import type { IngestConfig } from './config.js';
import { writeErrorReport } from './error-report.js';
import { ingestId as ingestIdOf } from './ingest-id.js';
import type { LandedObject } from './landed-event.js';
import { RouteError, routeObject } from './route.js';
import { commitSchema, createTableForFile, loadTableIfExists, nextSchemaId, TableMissingError } from './table-setup.js';

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
      /** Set when `on_error: continue` rejected rows (report written). */
      reportPath?: string;
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
    ingestId = ingestIdOf(object);
    const settings = routed.settings;
    if (context.maxFileBytes !== undefined && object.size !== undefined && object.size > context.maxFileBytes) {
      throw new BadInputError(`object is ${object.size} bytes, over the limit of ${context.maxFileBytes}`, {
        file: key,
      });
    }
    const uri = context.objectUri(object);
    const open = () => context.landingIo.readStream(uri);
    const options = settings.format;

    let table = await loadTableIfExists(context.catalog, routed.table);
    let fileSchema: Schema | undefined;
    if (!table) {
      fileSchema = await inferSchema(open, key, options);
      table = await createTableForFile(context.catalog, routed.table, fileSchema, settings, key);
      context.log?.('info', 'created table', { table: tableName, key, ingestId });
    }

    // Align the file to the table (every policy: strict must see the differences it refuses);
    // an evolved schema is committed before any data file is written with it.
    fileSchema ??= await inferSchema(open, key, options);
    let schema = currentSchema(table.metadata);
    for (let attempt = 1; ; attempt++) {
      const alignment = alignToTable(currentSchema(table.metadata), fileSchema, settings.schemaPolicy, {
        caseInsensitive: options.caseInsensitive,
        lastColumnId: table.metadata['last-column-id'],
        fileName: key,
        hiveColumns: routed.hiveValues,
      });
      if (!alignment.evolved) {
        schema = alignment.schema;
        break;
      }
      const proposed = { ...alignment.schema, 'schema-id': nextSchemaId(table) };
      const evolved = await commitSchema(context.catalog, table, proposed, alignment.lastColumnId);
      if (evolved) {
        table = evolved;
        schema = currentSchema(table.metadata);
        context.log?.('info', 'evolved schema', {
          table: tableName,
          key,
          ingestId,
          schemaId: schema['schema-id'],
          added: alignment.newColumns.map((c) => c.name),
          widened: alignment.promotions.map((p) => p.column),
        });
        break;
      }
      if (attempt >= SCHEMA_COMMIT_ATTEMPTS)
        throw new SchemaRaceError(`the schema of ${tableName} kept changing during ${attempt} attempts`);
      table = await context.catalog.loadTable(routed.table);
    }

    const spec = defaultSpec(table.metadata);
    const io = context.tableIo(table);
    const properties = table.metadata.properties;
    const dataLocation = properties['write.data.path'] ?? `${table.metadata.location.replace(/\/$/, '')}/data`;
    const result = await convertFile({
      source: open(),
      fileName: key,
      schema,
      spec,
      formatVersion: table.metadata['format-version'],
      io,
      dataLocation,
      namePrefix: `${ingestId}-${randomBytes(4).toString('hex')}`,
      properties: { ...properties, 'write.target-file-size-bytes': String(settings.targetFileSizeBytes) },
      options,
      onError: settings.onError,
      hiveColumns: routed.hiveValues,
    });

    let reportPath: string | undefined;
    const rejectedCount = result.rejected.length + result.rejectedDropped;
    if (rejectedCount > 0) {
      const first = result.rejected[0];
      reportPath = await writeErrorReport(
        context.landingIo,
        context.errorsLocation(object.bucket),
        {
          object: uri,
          key,
          etag: object.etag,
          table: tableName,
          ingestId,
          outcome: 'partial',
          error: 'RejectedRows',
          reason: `${rejectedCount} rows rejected (on_error: continue)${first ? `; first: ${first.reason}` : ''}`,
          line: first?.line,
          column: first?.column,
          value: first?.value,
          rejectedRows: result.rejected,
          rejectedRowCount: rejectedCount,
        },
        rejectedRowsNdjson(result.rejected),
      );
    }

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
    await context.queue.send(request);
    if (settings.archive && context.archiveLocation) {
      // A copy, never a move: the landed object itself is never touched (invariant 4). A retry rewrites the same copy.
      await context.landingIo.writeStream(
        `${context.archiveLocation(object.bucket)}${key}`,
        context.landingIo.readStream(uri),
      );
    }
    return {
      status: 'enqueued',
      key,
      ingestId,
      table: tableName,
      rows: result.rows,
      bytes: result.bytesIn,
      dataFiles: result.dataFiles.length,
      rejectedRows: rejectedCount,
      reportPath,
      request,
    };
  } catch (error) {
    if (!isDeterministic(error)) throw error;
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

/** Errors that retrying the same bytes cannot fix (invariant 4). */
function isDeterministic(error: unknown): boolean {
  if (error instanceof BadInputError || error instanceof RouteError || error instanceof TableMissingError) return true;
  const name = (error as Error)?.name;
  return name === 'SchemaEvolutionError' || name === 'SchemaMismatchError' || name === 'MissingObjectVersionError';
}
