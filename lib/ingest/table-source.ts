/**
 * Table-to-table loads (issue 17): `floe backfill --from-table raw.orders --table bronze.orders
 * --select … --where …`, Spark's `INSERT INTO bronze.orders SELECT … FROM raw.orders WHERE …`.
 *
 * The source is any engine's Iceberg table, read through the catalog: the live data files of a
 * snapshot (the current one by default) become the objects of an ordinary backfill plan, and each
 * is converted by the same `convertObject` (route transform included) and committed by the same
 * backfill commit path. A data file's ingest id is derived from (source table, the snapshot that
 * added the file, its path): running the load again, or resuming a killed one, skips files the
 * target already holds, and a later load of a newer snapshot adds only the files added since
 * (invariant 1).
 *
 * Partition pruning: each top-level AND term of `where` that names only identity-partition
 * source columns is evaluated on a file's partition values; a file where it is not true holds no
 * row the filter keeps, so it is not read. Sources with delete files (merge-on-read) are refused:
 * reading their data files alone would bring deleted rows back.
 */
import * as arrow from 'apache-arrow';
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { formatIdentifier } from '../catalog/catalog.js';
import { RowErrorCollector } from '../formats/index.js';
import { buildColumn } from '../formats/transform/arrow-columns.js';
import { bindTransform, TransformError, whereConjuncts } from '../formats/transform/index.js';
import { toArrowSchema } from '../iceberg/arrow-schema.js';
import { currentSchema } from '../iceberg/metadata.js';
import { resolvePartitionFields } from '../iceberg/partition.js';
import { findSnapshot, snapshotFiles } from '../iceberg/scan.js';
import { isPrimitive } from '../iceberg/schema.js';
import type { DataFile, NestedField, PrimitiveType, Schema, TableMetadata } from '../iceberg/types.js';
import type { FileIO } from '../iceberg/file-io.js';
import type { BackfillContext, BackfillMode, ConvertOutcome } from './backfill.js';
import { backfillConvertConfig } from './backfill.js';
import { type BackfillObject, type BackfillPlan, chunkObjects } from './backfill-plan.js';
import type { CommitRequest } from './commit-request.js';
import type { IngestConfig } from './config.js';
import { ingestId } from './ingest-id.js';
import type { LandedObject } from './landed-event.js';

/** Raised when a source table cannot be read as a load source. */
export class TableSourceError extends Error {
  override name = 'TableSourceError';
}

/** A backfill plan over a source table's data files. */
export interface TableSourcePlan extends BackfillPlan {
  sourceTable: TableIdentifier;
  snapshotId: bigint;
  /** The source table's schema at that snapshot's time (current schema). */
  schema: Schema;
  /** Data files skipped by partition pruning. */
  pruned: number;
}

/** Options of `planTableSource`. */
export interface TableSourceOptions {
  /** The load's filter, for partition pruning. */
  where?: string;
  /** Snapshot to read; default the current one. */
  snapshotId?: bigint;
  maxChunkFiles?: number;
  caseInsensitive?: boolean;
}

/** Lists the live data files of the source table's snapshot (pruned by `where`) as a backfill plan. */
export async function planTableSource(
  catalog: Catalog,
  source: TableIdentifier,
  sourceIo: (table: LoadedTable) => FileIO,
  options: TableSourceOptions = {},
): Promise<TableSourcePlan & { loaded: LoadedTable }> {
  const loaded = await catalog.loadTable(source);
  const { metadata } = loaded;
  const snapshot = findSnapshot(metadata, options.snapshotId);
  const name = formatIdentifier(source);
  const schema = currentSchema(metadata);
  if (!snapshot) {
    if (options.snapshotId !== undefined) throw new TableSourceError(`${name} has no snapshot ${options.snapshotId}`);
    return {
      source: name,
      sourceTable: source,
      snapshotId: -1n,
      schema,
      files: 0,
      bytes: 0,
      chunks: [],
      pruned: 0,
      loaded,
    };
  }
  const files = await snapshotFiles(sourceIo(loaded), metadata, { snapshotId: snapshot['snapshot-id'] });
  if ((files?.deleteEntries.length ?? 0) > 0)
    throw new TableSourceError(
      `${name} snapshot ${snapshot['snapshot-id']} has delete files (merge-on-read); rewrite it (compact) before loading from it`,
    );
  const keep = options.where ? partitionPruner(metadata, options.where, options.caseInsensitive) : () => true;
  const objects: BackfillObject[] = [];
  let pruned = 0;
  for (const entry of files?.dataEntries ?? []) {
    const f = entry.data_file;
    if (!keep(f)) {
      pruned++;
      continue;
    }
    objects.push({
      path: f.file_path,
      size: Number(f.file_size_in_bytes),
      // The snapshot that added the file: with the table and the path, the file's ingest id.
      etag: `snapshot-${entry.snapshot_id ?? snapshot['snapshot-id']}`,
      lastModifiedMs: Number(snapshot['timestamp-ms']),
    });
  }
  objects.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    source: `${name}@${snapshot['snapshot-id']}`,
    sourceTable: source,
    snapshotId: snapshot['snapshot-id'],
    schema,
    files: objects.length,
    bytes: objects.reduce((n, o) => n + o.size, 0),
    chunks: chunkObjects(objects, { maxChunkFiles: options.maxChunkFiles ?? 50 }),
    pruned,
    loaded,
  };
}

/** The landed object standing for one source data file (bucket `iceberg:<table>`, key `<table>/<path without scheme>`). */
export function tableSourceObject(source: TableIdentifier, object: BackfillObject): LandedObject {
  const name = formatIdentifier(source);
  return {
    bucket: `iceberg:${name}`,
    // Dot segments (`.floe/warehouse`) are escaped: routes' globs, like picomatch's default, skip dot paths.
    key: `${name}/${object.path
      .replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '')
      .replace(/^\/+/, '')
      .replace(/(^|\/)\./g, '$1%2E')}`,
    versionId: object.etag,
    size: object.size,
    eventTime: object.lastModifiedMs ?? 0,
  };
}

/**
 * Partition pruning from `where` (see the module doc): a predicate that is false for data files
 * whose identity-partition values make an AND term of `where` not true.
 */
export function partitionPruner(
  metadata: TableMetadata,
  where: string,
  caseInsensitive = false,
): (file: DataFile) => boolean {
  const schema = currentSchema(metadata);
  const bySpec = new Map<number, { columns: NestedField[]; positions: number[] }>();
  for (const spec of metadata['partition-specs']) {
    const columns: NestedField[] = [];
    const positions: number[] = [];
    resolvePartitionFields(spec, schema).forEach((p, i) => {
      const t = typeof p.transform === 'string' ? p.transform : p.transform.type;
      if (t === 'identity' && p.source && isPrimitive(p.source.type)) {
        columns.push(p.source);
        positions.push(i);
      }
    });
    bySpec.set(spec['spec-id'], { columns, positions });
  }
  const terms = whereConjuncts(where);
  return (file) => {
    const identity = bySpec.get(file.spec_id ?? metadata['default-spec-id']);
    if (!identity || identity.columns.length === 0) return true;
    const input: Schema = { type: 'struct', 'schema-id': 0, fields: identity.columns };
    for (const term of terms) {
      let plan: ReturnType<typeof bindTransform>;
      try {
        plan = bindTransform({ select: `${term} AS keep` }, input, { caseInsensitive });
      } catch (error) {
        if (error instanceof TransformError) continue; // names a column that is not an identity partition source
        throw error;
      }
      if (plan.columns[0]?.type !== 'boolean') continue;
      const arrowSchema = toArrowSchema(input);
      const children = identity.columns.map((c, k) =>
        buildColumn(
          c.type as PrimitiveType,
          [partitionValue(file.partition[identity.positions[k]!] ?? null)],
          arrowSchema.fields[k]!.type,
        ),
      );
      const batch = new arrow.RecordBatch(
        arrowSchema,
        arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: 1, nullCount: 0, children }),
      );
      const keep = plan.forTable(plan.schema, {
        fileName: file.file_path,
        meta: { sourceKey: file.file_path, sourceVersion: '', ingestId: '', ingestedAt: 0 },
      });
      const out = keep.apply(batch, new RowErrorCollector('continue'));
      const value = out.numRows === 1 ? out.getChildAt(0)?.get(0) : null;
      if (value !== true) return false;
    }
    return true;
  };
}

/** A partition literal in the transform's value representation (longs and timestamps as numbers). */
function partitionValue(value: unknown): unknown {
  return typeof value === 'bigint' &&
    value <= BigInt(Number.MAX_SAFE_INTEGER) &&
    value >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** What a table-to-table backfill needs besides the plan. */
export interface TableBackfillOptions {
  catalog: Catalog;
  /** The target table. */
  table: TableIdentifier;
  source: TableIdentifier;
  /** The route settings (select, where, on_error, auto_create …) as one route to the target. */
  config: IngestConfig;
  /** FileIO of a table (source and target; vended credentials). */
  tableIo(table: LoadedTable): FileIO;
  /** FileIO of the source table's files. */
  sourceIo: FileIO;
  /** Where error reports go (a location `sourceIo` can write, e.g. floe's errors directory). */
  errorsLocation: string;
  /** FileIO for error reports; default `sourceIo`. */
  reportIo?: FileIO;
  mode: BackfillMode | 'overwrite';
}

/** The backfill context of a table-to-table load: convert = `convertObject` on a source data file. */
export function tableBackfillContext(options: TableBackfillOptions): BackfillContext {
  const config = backfillConvertConfig(options.config, options.mode === 'append' ? 'append' : 'replace-partitions');
  const paths = new Map<string, string>();
  const landed = (object: BackfillObject) => {
    const o = tableSourceObject(options.source, object);
    paths.set(o.key, object.path);
    return o;
  };
  const reportIo = options.reportIo ?? options.sourceIo;
  // Reads come from the source table's storage; error reports go to floe's errors location.
  const landingIo: FileIO = new Proxy(options.sourceIo, {
    get(target, prop, receiver) {
      if (prop === 'write') return reportIo.write.bind(reportIo);
      if (prop === 'writeStream') return reportIo.writeStream.bind(reportIo);
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    catalog: options.catalog,
    table: options.table,
    tableIo: options.tableIo,
    ingestIdOf: (object) => ingestId(tableSourceObject(options.source, object)),
    async convert(object): Promise<ConvertOutcome> {
      let captured: CommitRequest | undefined;
      // Loaded on first use: the backfill plan step imports this module and never writes Parquet (issue #11).
      const { convertObject } = await import('./convert-object.js');
      const outcome = await convertObject(landed(object), {
        catalog: options.catalog,
        config,
        landingIo,
        objectUri: (o) => paths.get(o.key) ?? o.key,
        errorsLocation: () => options.errorsLocation,
        reservedPrefixes: [],
        tableIo: options.tableIo,
        queue: {
          send: async (request) => {
            captured = request;
          },
        },
      });
      if (outcome.status === 'rejected')
        return { kind: 'rejected', reason: outcome.reason, reportPath: outcome.reportPath };
      if (outcome.status === 'skipped' || !captured)
        return { kind: 'skipped', reason: outcome.status === 'skipped' ? outcome.reason : 'nothing converted' };
      return { kind: 'converted', request: captured };
    },
  };
}
