import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileWriter } from '../../lib/iceberg/parquet/data-file-writer.js';
import { compressionRatioSample, sampleCompressionRatio } from '../../lib/iceberg/parquet/parquet-encoder.js';
import type { EncoderFactory } from '../../lib/iceberg/parquet/parquet-file-writer.js';
import { bundledWorkerSource, workerEncoder } from '../../lib/iceberg/parquet/worker-encoder.js';
import { parquetWriteOptions } from '../../lib/iceberg/parquet/write-properties.js';
import type { DataFile, Schema } from '../../lib/iceberg/types.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { makeBatch } from './parquet-batch.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'amount', required: false, type: 'decimal(12,2)' },
    { id: 4, name: 'at', required: false, type: 'timestamptz' },
  ],
};

const rows = Array.from({ length: 5000 }, (_, k) => ({
  id: BigInt(k),
  name: k % 17 === 0 ? null : `name-${(k * 7919) % 1000}`,
  amount: BigInt(k * 101 - 250000),
  at: 1_700_000_000_000_000n + BigInt(k) * 1_000_001n,
}));

const root = mkdtempSync(join(tmpdir(), 'floe-parquet-worker-'));
const workers = workerEncoder();
afterAll(() => workers.terminate());

async function write(dir: string, encoder?: EncoderFactory): Promise<DataFile[]> {
  const writer = new DataFileWriter({
    io: new LocalFileIO(),
    schema,
    spec: { 'spec-id': 0, fields: [] },
    formatVersion: 2,
    dataLocation: join(root, dir),
    namePrefix: 'w',
    properties: { 'write.target-file-size-bytes': '30000', 'write.parquet.row-group-size-bytes': '12000' },
    ...(encoder ? { encoder } : {}),
  });
  for (let i = 0; i < rows.length; i += 1000) await writer.write(makeBatch(schema, rows.slice(i, i + 1000)));
  return writer.close();
}

describe('workerEncoder', () => {
  it('writes the same files, byte for byte, as the inline encoder', async () => {
    const inline = await write('inline');
    const threaded = await write('worker', workers);
    expect(threaded.length).toBeGreaterThan(1);
    expect(threaded.map((f) => f.file_path.replace('/worker/', '/inline/'))).toEqual(inline.map((f) => f.file_path));
    threaded.forEach((f, k) => {
      expect(readFileSync(f.file_path)).toEqual(readFileSync(inline[k]?.file_path as string));
      expect({ ...f, file_path: '' }).toEqual({ ...inline[k], file_path: '' });
    });
    const db = await openDuckDb();
    const [agg] = await db.query(
      `SELECT count(*) AS n, sum(id) AS s FROM read_parquet([${threaded.map((f) => sqlString(f.file_path)).join(', ')}])`,
    );
    db.close();
    expect(agg?.n).toBe(5000n);
    expect(agg?.s).toBe(BigInt((4999 * 5000) / 2));
  });

  it('abort removes the worker-written files', async () => {
    const writer = new DataFileWriter({
      io: new LocalFileIO(),
      schema,
      spec: { 'spec-id': 0, fields: [] },
      formatVersion: 2,
      dataLocation: join(root, 'abort'),
      namePrefix: 'a',
      properties: { 'write.target-file-size-bytes': '20000' },
      encoder: workers,
    });
    for (let i = 0; i < rows.length; i += 1000) await writer.write(makeBatch(schema, rows.slice(i, i + 1000)));
    await writer.abort();
    const left: string[] = [];
    for await (const f of new LocalFileIO().list(join(root, 'abort'))) left.push(f.path);
    expect(left).toEqual([]);
  });
});

describe('worker start-up', () => {
  it('runs the worker from a plain-JS bundle of only the wasm-side modules (no tsx, no apache-arrow in the worker)', () => {
    const source = bundledWorkerSource();
    expect(source).toBeTypeOf('string');
    expect(source).toContain('transformParquetStream');
    expect(source).not.toMatch(/apache-arrow|tsx|hyparquet/);
    // parquet-wasm is required by its installed path, so its .wasm loads from its own directory.
    expect(source).toMatch(/require\(".*parquet-wasm[^"]*\.js"\)/);
  });
});

describe('compressionRatioSample', () => {
  const settings = { rowGroupRows: 10_000, options: parquetWriteOptions() };
  it('gives the ratio sampleCompressionRatio gives, from a copy taken when called', () => {
    const batch = makeBatch(schema, rows.slice(0, 3000));
    const expected = sampleCompressionRatio(batch, settings);
    const later = compressionRatioSample(batch, settings);
    // Overwrite the batch's buffers (as a builder reusing them would) before the ratio is computed.
    const ids = batch.getChildAt(0)!.data[0]!.values as BigInt64Array;
    ids.fill(0n);
    const names = batch.getChildAt(1)!.data[0]!.values as Uint8Array;
    names.fill(97);
    expect(expected).toBeGreaterThan(0);
    expect(later()).toBe(expected);
    expect(later()).toBe(expected);
    expect(sampleCompressionRatio(batch, settings)).not.toBe(expected);
  });
  it('is 1 for a batch without bytes', () => {
    const empty = new arrow.RecordBatch({ a: arrow.makeData({ type: new arrow.Int32(), length: 0 }) });
    expect(compressionRatioSample(empty, settings)()).toBe(1);
  });
});
