import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseDictionaryColumns } from '../../lib/iceberg/parquet/dictionary-choice.js';
import { type EncoderChoice, stopEncoderWorker, warmEncoderWorker } from '../../lib/ingest/conversion-encoder.js';
import { convertFile } from '../../lib/ingest/convert-file.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { bytesOf, schemaOf } from './roundtrip.js';

const schema = schemaOf([
  ['id', 'long', true],
  ['name', 'string'],
  ['qty', 'int'],
  ['amount', 'double'],
  ['at', 'timestamptz'],
  ['day', 'date'],
]);

// 6,000 rows in batches of 1,200: several batches (so `auto` picks the worker) and several files.
const csv = `id,name,qty,amount,at,day\n${Array.from({ length: 6000 }, (_, k) => {
  const at = new Date(Date.UTC(2024, 0, 1) + k * 1_234_567).toISOString();
  return `${k},${k % 13 === 0 ? '' : `name-${(k * 7919) % 5000}`},${k % 50},${(k * 1.25).toFixed(2)},${at},${at.slice(0, 10)}`;
}).join('\n')}\n`;

const dirs: string[] = [];
afterAll(async () => {
  await stopEncoderWorker();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function convert(encoder: EncoderChoice) {
  const dir = await mkdtemp(join(tmpdir(), 'floe-encoder-'));
  dirs.push(dir);
  return convertFile({
    source: bytesOf(csv, 65536),
    fileName: 'rows.csv',
    schema,
    spec: { 'spec-id': 0, fields: [] },
    formatVersion: 2,
    io: new LocalFileIO(),
    dataLocation: dir,
    namePrefix: 'e',
    properties: { 'write.target-file-size-bytes': '60000', 'write.parquet.row-group-size-bytes': '20000' },
    options: { batchRows: 1200 },
    encoder,
  });
}

describe('conversion encoder', () => {
  it('writes the same files and metrics through the worker thread as inline', async () => {
    const inline = await convert('inline');
    const worker = await convert('worker');
    const auto = await convert('auto');
    expect(inline.dataFiles.length).toBeGreaterThan(1);
    for (const other of [worker, auto]) {
      expect(other.rows).toBe(6000);
      expect(other.dataFiles.map((f) => f.file_path.split('/').pop())).toEqual(
        inline.dataFiles.map((f) => f.file_path.split('/').pop()),
      );
      other.dataFiles.forEach((f, k) => {
        const mine = inline.dataFiles[k]!;
        expect(readFileSync(f.file_path)).toEqual(readFileSync(mine.file_path));
        expect({ ...f, file_path: '' }).toEqual({ ...mine, file_path: '' });
      });
    }
    const db = await openDuckDb();
    try {
      const files = `[${worker.dataFiles.map((f) => sqlString(f.file_path)).join(',')}]`;
      const [agg] = await db.query(
        `SELECT count(*) AS n, sum(id) AS s, count(name) AS names, sum(qty) AS q, CAST(min(day) AS VARCHAR) AS d FROM read_parquet(${files})`,
      );
      expect(agg?.n).toBe(6000n);
      expect(agg?.s).toBe(BigInt((5999 * 6000) / 2));
      expect(agg?.names).toBe(BigInt(6000 - Math.ceil(6000 / 13)));
      expect(Number(agg?.q)).toBe(120 * ((49 * 50) / 2));
      expect(String(agg?.d)).toBe('2024-01-01');
      // Field ids survive both paths (Iceberg reads columns by id).
      const ids = await db.query(
        `SELECT name, field_id FROM parquet_schema(${sqlString(worker.dataFiles[0]!.file_path)}) WHERE field_id IS NOT NULL ORDER BY field_id`,
      );
      expect(ids.map((r) => [r.name, Number(r.field_id)])).toEqual(schema.fields.map((f) => [f.name, f.id]));
      // The dictionary choice reaches the encoder: repeated values are dictionary-encoded, unique ones are not.
      const enc = await db.query(
        `SELECT path_in_schema AS col, any_value(encodings) AS enc FROM parquet_metadata(${sqlString(worker.dataFiles[0]!.file_path)}) GROUP BY 1`,
      );
      const encodings = new Map(enc.map((r) => [String(r.col), String(r.enc)]));
      expect(encodings.get('qty')).toMatch(/DICTIONARY/);
      expect(encodings.get('id')).not.toMatch(/DICTIONARY/);
    } finally {
      db.close();
    }
  }, 20_000);
});

describe('warm encoder worker', () => {
  it('starts the shared worker ahead of a conversion, and auto then writes the same bytes as inline', async () => {
    await stopEncoderWorker();
    expect(warmEncoderWorker()).toBe(availableParallelism() >= 2);
    const inline = await convert('inline');
    const auto = await convert('auto');
    expect(auto.dataFiles.map((f) => readFileSync(f.file_path))).toEqual(
      inline.dataFiles.map((f) => readFileSync(f.file_path)),
    );
  }, 20_000);
});

describe('chooseDictionaryColumns', () => {
  const batch = (n: number) =>
    new arrow.RecordBatch({
      unique: arrow.vectorFromArray(Float64Array.from({ length: n }, (_, i) => i * 0.5)).data[0]!,
      repeated: arrow.vectorFromArray(Int32Array.from({ length: n }, (_, i) => i % 10)).data[0]!,
      text: arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => `v${i % 3}`),
        new arrow.Utf8(),
      ).data[0]!,
      words: arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => `w${i}`),
        new arrow.Utf8(),
      ).data[0]!,
      flag: arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => i % 2 === 0),
        new arrow.Bool(),
      ).data[0]!,
    });

  it('keeps the dictionary where values repeat and drops it where they do not', () => {
    expect(chooseDictionaryColumns(batch(5000))).toEqual({ unique: false, repeated: true, text: true, words: false });
  });

  it('leaves a batch too small to judge to the encoder', () => {
    expect(chooseDictionaryColumns(batch(100))).toEqual({});
  });
});
