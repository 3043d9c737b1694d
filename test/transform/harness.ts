/**
 * Test harness: run a transform over CSV text (read by floe's reader with an explicit input
 * schema) and run the same SELECT in DuckDB over the same file, both rendered as text per cell.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { RowErrorCollector, readBatches } from '../../lib/formats/index.js';
import type { OnError } from '../../lib/formats/options.js';
import { readColumn } from '../../lib/formats/transform/arrow-columns.js';
import { valueToText } from '../../lib/formats/transform/cast.js';
import { bindTransform, type TransformSpec } from '../../lib/formats/transform/index.js';
import { snapshotFiles } from '../../lib/iceberg/scan.js';
import type { PrimitiveType, Schema } from '../../lib/iceberg/types.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';
import type { TestCatalog } from '../support/catalog-server.js';
import type { DuckDb } from '../support/duckdb.js';

export const META = {
  sourceKey: 'landing/orders/a.csv',
  sourceVersion: 'etag-1',
  ingestId: 'i0123456789abcdef01234567',
  ingestedAt: Date.UTC(2024, 0, 15, 12, 0, 0) * 1000,
};

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** Renders a batch's rows as text cells (NULL as null). */
export function batchRows(batch: arrow.RecordBatch, schema: Schema): Record<string, string | null>[] {
  const cols = schema.fields.map((f, i) =>
    readColumn(batch.data.children[i]!, f.type as PrimitiveType, undefined, true),
  );
  return Array.from({ length: batch.numRows }, (_, r) => {
    const row: Record<string, string | null> = {};
    schema.fields.forEach((f, i) => {
      const v = cols[i]![r];
      row[f.name] = v === null ? null : valueToText(v, f.type as PrimitiveType);
    });
    return row;
  });
}

/** Runs `spec` over CSV `text` read with `input`; returns the rows as text and the rejected rows. */
export async function runTransform(text: string, input: Schema, spec: TransformSpec, onError: OnError = 'abort') {
  const plan = bindTransform(spec, input);
  const transform = plan.forTable(plan.schema, { fileName: 'in.csv', meta: META });
  const errors = new RowErrorCollector(onError);
  const rows: Record<string, string | null>[] = [];
  for await (const batch of readBatches(bytesOf(text), 'in.csv', input, { csv: { nullMarkers: [''] } }, errors)) {
    rows.push(...batchRows(transform.apply(batch, errors), plan.schema));
  }
  return { rows, rejected: errors.rows, schema: plan.schema };
}

let dir: string | undefined;
/** Writes `text` to a temp CSV file and returns its path. */
export function csvFile(text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'floe-transform-'));
  const path = join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(path, text);
  return path;
}

const DUCK_TYPES: Record<string, string> = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  double: 'DOUBLE',
  float: 'REAL',
  string: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  time: 'TIME',
};

/** DuckDB's `read_csv` of the file with the input schema's column types. */
export function duckSource(path: string, input: Schema): string {
  const columns = input.fields
    .map((f) => `'${f.name}': '${DUCK_TYPES[String(f.type)] ?? String(f.type).toUpperCase()}'`)
    .join(', ');
  return `read_csv('${path}', header = true, nullstr = '', columns = {${columns}})`;
}

/** Runs a DuckDB query and renders every cell as VARCHAR text. */
export async function duckRows(db: DuckDb, sql: string): Promise<Record<string, string | null>[]> {
  const rows = await db.query(sql);
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}

/** Whether two cells are equal as text, or as numbers within rounding of a double. */
export function sameCell(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x));
  return false;
}

/** Paths of the live data files of a table's current snapshot (local warehouse). */
export async function tableFiles(catalog: TestCatalog['catalog'], name: string): Promise<string[]> {
  const [namespace, table] = name.split('.') as [string, string];
  const loaded = await catalog.loadTable({ namespace: [namespace], name: table });
  const io = fileIOForTable(loaded, { catalog });
  const files = await snapshotFiles(io, loaded.metadata);
  return (files?.dataEntries ?? []).map((e) => e.data_file.file_path.replace(/^file:\/\//, ''));
}
