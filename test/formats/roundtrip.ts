/**
 * Test support for lib/formats: convert bytes with `convertFile` into a temp directory and read
 * the Parquet back with DuckDB (the independent reader).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inferSchema } from '../../lib/formats/infer.js';
import type { FormatOptionsInput, OnError } from '../../lib/formats/options.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { type ConvertFileResult, convertFile } from '../../lib/ingest/convert-file.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { openDuckDb, type Row, sqlString } from '../support/duckdb.js';

export async function* bytesOf(data: string | Uint8Array, chunk = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  // Small chunks exercise records that straddle chunk boundaries.
  for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
}

export function schemaOf(fields: [string, Schema['fields'][number]['type'], boolean?][]): Schema {
  return {
    type: 'struct',
    'schema-id': 0,
    fields: fields.map(([name, type, required], i) => ({ id: i + 1, name, type, required: required ?? false })),
  };
}

export interface RoundTrip extends ConvertFileResult {
  rows: number;
  read: Row[];
  json: Row[];
}

/** Converts `data` as `fileName` (schema inferred when not given) and reads it back with DuckDB. */
export async function roundTrip(
  fileName: string,
  data: string | Uint8Array,
  opts: {
    schema?: Schema;
    options?: FormatOptionsInput;
    onError?: OnError;
    hiveColumns?: Record<string, string>;
    orderBy?: string;
  } = {},
): Promise<RoundTrip & { schema: Schema }> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-formats-'));
  try {
    const schema = opts.schema ?? (await inferSchema(() => bytesOf(data), fileName, opts.options));
    const result = await convertFile({
      source: bytesOf(data, 4096),
      fileName,
      schema,
      spec: { 'spec-id': 0, fields: [] },
      formatVersion: 2,
      io: new LocalFileIO(),
      dataLocation: dir,
      namePrefix: 'test',
      options: opts.options,
      onError: opts.onError,
      hiveColumns: opts.hiveColumns,
    });
    const db = await openDuckDb();
    try {
      if (result.dataFiles.length === 0) return { ...result, schema, read: [], json: [] };
      const files = `[${result.dataFiles.map((f) => sqlString(f.file_path)).join(',')}]`;
      const order = opts.orderBy ? ` ORDER BY ${opts.orderBy}` : '';
      const read = await db.query(`SELECT * FROM read_parquet(${files})${order}`);
      const json = await db.queryJson(`SELECT * FROM read_parquet(${files})${order}`);
      return { ...result, schema, read, json };
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
