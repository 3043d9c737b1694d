/**
 * `dryRunObject`: what ingesting one object would do, writing nothing (no table, no data files,
 * no report): `floe ingest --dry-run`. The same routing, schema inference, alignment and
 * conversion as `convertObject`, with the Parquet output discarded.
 *
 * @example
 * const outcome = await dryRunObject(object, () => io.readStream(path), config, catalog);
 * outcome.status === 'dry-run' && outcome.rows // rows the file would add
 */
import type { Catalog } from '../catalog/catalog.js';
import { formatIdentifier } from '../catalog/catalog.js';
import { alignToTable, inferSchema } from '../formats/index.js';
import type { FileInfo, FileIO } from '../iceberg/file-io.js';
import { currentSchema, defaultSpec } from '../iceberg/metadata.js';
import type { Schema } from '../iceberg/types.js';
import type { IngestConfig } from './config.js';
import { convertFile } from './convert-file.js';
import { isBadInput } from './error-kind.js';
import type { LandedObject } from './landed-event.js';
import { RouteError, routeObject } from './route.js';
import { bindRouteTransform } from './route-transform.js';
import { loadTableIfExists, partitionSpecFor } from './table-setup.js';

export interface DryRunOutcome {
  status: 'dry-run';
  key: string;
  table: string;
  /** The schema the file would be written with (aligned, or inferred for a new table). */
  schema: Schema;
  tableExists: boolean;
  /** The table's schema would change (new columns or wider types). */
  evolves: boolean;
  rows: number;
  rejectedRows: number;
  error?: { reason: string; line?: number; column?: string | number; value?: string };
}

/** Routes, infers, aligns and converts `object` (bytes from `open`) as an ingest would, writing nothing. */
export async function dryRunObject(
  object: LandedObject,
  open: () => AsyncIterable<Uint8Array>,
  config: IngestConfig,
  catalog: Catalog,
): Promise<DryRunOutcome | { status: 'skipped'; key: string; reason: string }> {
  let routed: ReturnType<typeof routeObject>;
  try {
    routed = routeObject(object.key, object.size, config, { reservedPrefixes: ['_floe/'] });
  } catch (error) {
    // A key that can never be routed is this file's error, not the run's.
    if (!(error instanceof RouteError)) throw error;
    return {
      status: 'dry-run',
      key: object.key,
      table: '',
      schema: { type: 'struct', 'schema-id': 0, fields: [] },
      tableExists: false,
      evolves: false,
      rows: 0,
      rejectedRows: 0,
      error: { reason: error.reason },
    };
  }
  if (routed.kind === 'skip') return { status: 'skipped', key: object.key, reason: routed.reason };
  const table = formatIdentifier(routed.table);
  const options = routed.settings.format;
  const outcome: DryRunOutcome = {
    status: 'dry-run',
    key: object.key,
    table,
    schema: { type: 'struct', 'schema-id': 0, fields: [] },
    tableExists: false,
    evolves: false,
    rows: 0,
    rejectedRows: 0,
  };
  try {
    // With a route transform the schema shown is the projection's (issue 17).
    const transform = await bindRouteTransform(
      routed.settings,
      open,
      object.key,
      {
        sourceKey: object.key,
        sourceVersion: object.etag ?? '',
        ingestId: 'dry-run',
        ingestedAt: object.eventTime * 1000,
      },
      routed.hiveValues,
    );
    const fileSchema = transform?.plan.schema ?? (await inferSchema(open, object.key, options));
    const loaded = await loadTableIfExists(catalog, routed.table);
    outcome.tableExists = loaded !== undefined;
    const spec = loaded ? defaultSpec(loaded.metadata) : partitionSpecFor(fileSchema, routed.settings, object.key);
    outcome.schema = fileSchema;
    if (loaded) {
      const alignment = alignToTable(currentSchema(loaded.metadata), fileSchema, routed.settings.schemaPolicy, {
        caseInsensitive: options.caseInsensitive,
        lastColumnId: loaded.metadata['last-column-id'],
        fileName: object.key,
        hiveColumns: routed.hiveValues,
      });
      outcome.schema = alignment.schema;
      outcome.evolves = alignment.evolved;
    }
    const batchTransform = transform?.forTable(outcome.schema);
    const result = await convertFile({
      transform: batchTransform && {
        input: batchTransform.input,
        apply: (batch, rowErrors) => batchTransform.apply(batch, rowErrors),
      },
      source: open(),
      fileName: object.key,
      schema: outcome.schema,
      spec,
      formatVersion: loaded?.metadata['format-version'] ?? routed.settings.autoCreate?.formatVersion ?? 2,
      io: new DiscardingFileIO(),
      dataLocation: 'file:///dev/null/floe-dry-run',
      namePrefix: 'dry-run',
      options,
      onError: routed.settings.onError,
      hiveColumns: routed.hiveValues,
    });
    outcome.rows = result.rows;
    outcome.rejectedRows = result.rejected.length + result.rejectedDropped;
  } catch (error) {
    if (!isBadInput(error)) throw error;
    const bad = error as Error & { reason?: string; line?: number; column?: string | number; value?: string };
    outcome.error = { reason: bad.reason ?? bad.message, line: bad.line, column: bad.column, value: bad.value };
  }
  return outcome;
}

/** A FileIO that accepts writes and keeps nothing (dry runs). */
class DiscardingFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    throw new Error(`dry run: nothing to read at ${path}`);
  }
  async *readStream(): AsyncIterable<Uint8Array> {}
  async write(): Promise<void> {}
  async writeStream(_path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    let n = 0;
    for await (const chunk of chunks) n += chunk.byteLength;
    return n;
  }
  async exists(): Promise<boolean> {
    return false;
  }
  async stat(path: string): Promise<FileInfo> {
    return { path, size: 0 };
  }
  async delete(): Promise<void> {}
  async *list(): AsyncIterable<FileInfo> {}
}
