/**
 * `npm run bench:parquet`: floe's Parquet data file encoding (DataFileWriter: parquet-wasm + metrics
 * + footer) on 1,000,000 rows × 8 mixed columns, inline and on a worker thread, next to DuckDB
 * writing the same rows to Parquet (zstd) from an in-memory table and from a CSV, at 1 thread.
 *
 *   npm run bench:parquet
 *   npm run bench:parquet -- --rows 200000
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { toArrowSchema } from '../lib/iceberg/arrow-schema.js';
import { DataFileWriter } from '../lib/iceberg/parquet/data-file-writer.js';
import type { EncoderFactory } from '../lib/iceberg/parquet/parquet-file-writer.js';
import { workerEncoder } from '../lib/iceberg/parquet/worker-encoder.js';
import type { Schema } from '../lib/iceberg/types.js';
import { LocalFileIO } from '../lib/storage/local.js';

const rowsArg = process.argv.indexOf('--rows');
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;
const BATCH = 65_536;
const dir = join(tmpdir(), 'floe-bench-parquet');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'user_name', required: false, type: 'string' },
    { id: 3, name: 'amount', required: false, type: 'decimal(12,2)' },
    { id: 4, name: 'qty', required: false, type: 'int' },
    { id: 5, name: 'ratio', required: false, type: 'double' },
    { id: 6, name: 'created_at', required: false, type: 'timestamptz' },
    { id: 7, name: 'day', required: false, type: 'date' },
    { id: 8, name: 'active', required: false, type: 'boolean' },
  ],
};
const arrowSchema = toArrowSchema(schema);

/** Deterministic columns for rows [start, start + n). */
function makeBatch(start: number, n: number): { batch: arrow.RecordBatch; csv: string } {
  let seed = 42 + start;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett'];
  const id = new BigInt64Array(n);
  const names: string[] = [];
  const amount = new BigInt64Array(n * 2);
  const qty = new Int32Array(n);
  const ratio = new Float64Array(n);
  const created = new BigInt64Array(n);
  const day = new Int32Array(n);
  const active = new Uint8Array((n + 7) >> 3);
  const lines: string[] = [];
  const base = Date.UTC(2024, 0, 1) * 1000;
  for (let i = 0; i < n; i++) {
    id[i] = BigInt(start + i + 1);
    names.push(`${words[(start + i) % 10]}_${Math.floor(rnd() * 100000)}`);
    const cents = Math.floor(rnd() * 1_000_000);
    amount[2 * i] = BigInt(cents);
    qty[i] = Math.floor(rnd() * 1000);
    ratio[i] = Math.round(rnd() * 1e6) / 1e6;
    const micros = base + Math.floor(rnd() * 365 * 86400) * 1_000_000;
    created[i] = BigInt(micros);
    day[i] = Math.floor(micros / 86_400_000_000);
    const on = rnd() < 0.5;
    if (on) active[i >> 3] = (active[i >> 3] as number) | (1 << (i & 7));
    const iso = new Date(micros / 1000).toISOString();
    lines.push(
      `${start + i + 1},${names[i]},${(cents / 100).toFixed(2)},${qty[i]},${ratio[i]},${iso},${iso.slice(0, 10)},${on}`,
    );
  }
  const f = arrowSchema.fields.map((x) => x.type);
  const children = [
    arrow.makeData({ type: f[0], length: n, data: id }),
    arrow.vectorFromArray(names, new arrow.Utf8()).data[0],
    arrow.makeData({ type: f[2], length: n, data: new Uint32Array(amount.buffer) }),
    arrow.makeData({ type: f[3], length: n, data: qty }),
    arrow.makeData({ type: f[4], length: n, data: ratio }),
    arrow.makeData({ type: f[5], length: n, data: created }),
    arrow.makeData({ type: f[6], length: n, data: day }),
    arrow.makeData({ type: f[7], length: n, data: active }),
  ] as arrow.Data[];
  const batch = new arrow.RecordBatch(
    arrowSchema,
    arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: n, children }),
  );
  return { batch, csv: `${lines.join('\n')}\n` };
}

const batches: arrow.RecordBatch[] = [];
const csvParts: string[] = ['id,user_name,amount,qty,ratio,created_at,day,active\n'];
for (let start = 0; start < ROWS; start += BATCH) {
  const { batch, csv } = makeBatch(start, Math.min(BATCH, ROWS - start));
  batches.push(batch);
  csvParts.push(csv);
}
const csvPath = join(dir, 'input.csv');
writeFileSync(csvPath, csvParts.join(''));

async function floe(label: string, encoder?: EncoderFactory): Promise<number> {
  const t0 = performance.now();
  const writer = new DataFileWriter({
    io: new LocalFileIO(),
    schema,
    spec: { 'spec-id': 0, fields: [] },
    formatVersion: 2,
    dataLocation: join(dir, label),
    namePrefix: 'bench',
    ...(encoder ? { encoder } : {}),
  });
  // One write in flight while the next batch is handed over, as convertFile does.
  for (const batch of batches) await writer.write(batch);
  const files = await writer.close();
  const ms = performance.now() - t0;
  const bytes = files.reduce((n, f) => n + f.file_size_in_bytes, 0);
  console.log(
    `floe ${label.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms  ${((ROWS / ms) * 1000).toFixed(0).padStart(9)} rows/s  ${(bytes / 1e6).toFixed(1)} MB`,
  );
  return ms;
}

async function duck(label: string, sql: string, setup?: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await instance.connect();
  if (setup) await c.run(setup);
  const t0 = performance.now();
  await c.run(sql);
  const ms = performance.now() - t0;
  console.log(
    `duckdb ${label.padEnd(20)} ${ms.toFixed(0).padStart(6)} ms  ${((ROWS / ms) * 1000).toFixed(0).padStart(9)} rows/s`,
  );
  c.closeSync();
  instance.closeSync();
  return ms;
}

console.log(`${ROWS} rows × 8 columns, zstd, one file\n`);
await floe('warm-up');
const inline = await floe('inline');
const workers = workerEncoder();
await floe('worker-warm-up', workers);
const threaded = await floe('worker thread', workers);
await workers.terminate();
const readCsv = `read_csv('${csvPath}', header = true, columns = {'id': 'BIGINT', 'user_name': 'VARCHAR', 'amount': 'DECIMAL(12,2)', 'qty': 'INTEGER', 'ratio': 'DOUBLE', 'created_at': 'TIMESTAMPTZ', 'day': 'DATE', 'active': 'BOOLEAN'})`;
const duckTable = await duck(
  'table → parquet',
  `COPY t TO '${join(dir, 'duck-table.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
  `CREATE TABLE t AS SELECT * FROM ${readCsv}`,
);
const duckCsv = await duck(
  'csv → parquet',
  `COPY (SELECT * FROM ${readCsv}) TO '${join(dir, 'duck-csv.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
);
console.log(
  `\nfloe inline / duckdb table→parquet: ${(duckTable / inline).toFixed(2)}×   worker: ${(duckTable / threaded).toFixed(2)}×`,
);
console.log(`(duckdb csv→parquet, parse included: ${duckCsv.toFixed(0)} ms)`);
rmSync(dir, { recursive: true, force: true });
