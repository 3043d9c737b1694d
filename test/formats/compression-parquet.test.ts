import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../lib/formats/detect.js';
import { inferSchema } from '../../lib/formats/infer.js';
import type { Schema, StructType } from '../../lib/iceberg/types.js';
import { convertFile } from '../../lib/ingest/convert-file.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { bytesOf, roundTrip, schemaOf } from './roundtrip.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
// 'a,b\n1,x\n2,y\n' compressed by the zstd and bzip2 command-line tools.
const ZSTD = hex('28b52ffd0458610000612c620a312c780a322c790a2e9f2146');
const BZIP2 = hex(
  '425a6839314159265359bcc728450000045980001000043000300000602000310c0823419a8e0422178bb9229c28485e63942280',
);
const expected = [
  { a: 1, b: 'x' },
  { a: 2, b: 'y' },
];

describe('compression', () => {
  it('detects format by extension and compression by extension and magic bytes', () => {
    expect(detectFormat('x/y/file.csv.gz', gzipSync('a'))).toEqual({ format: 'csv', compression: 'gzip' });
    expect(detectFormat('file.csv', gzipSync('a'))).toEqual({ format: 'csv', compression: 'gzip' }); // mislabeled
    expect(detectFormat('file.csv.gz', new TextEncoder().encode('a,b'))).toEqual({
      format: 'csv',
      compression: 'none',
    });
    expect(detectFormat('f.jsonl.zst', ZSTD)).toEqual({ format: 'json', compression: 'zstd' });
    expect(detectFormat('f.TSV.bz2', BZIP2)).toEqual({ format: 'tsv', compression: 'bzip2' });
    expect(() => detectFormat('f.gz', new Uint8Array())).toThrow(/unsupported file extension ".gz"/);
  });

  it.each([
    ['t.csv.zst', ZSTD],
    ['t.csv.bz2', BZIP2],
    ['t.csv.gz', gzipSync('a,b\n1,x\n2,y\n')],
    ['no-extension-hint.csv', ZSTD],
  ])('%s round-trips', async (name, bytes) => {
    const r = await roundTrip(name, bytes, { orderBy: 'a' });
    expect(r.read).toEqual(expected);
  });
});

describe('Parquet input', () => {
  it('maps columns by name when the file has no field ids (DuckDB writer), widening int→long on the way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-pq-'));
    try {
      const db = await openDuckDb();
      const path = join(dir, 'in.parquet');
      await db.query(
        `COPY (SELECT i::INTEGER AS n, 'v' || i AS s, (i / 4)::DECIMAL(9,2) AS d, TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (i) SECOND AS t FROM range(3) r(i)) TO ${sqlString(path)} (FORMAT parquet)`,
      );
      db.close();
      const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(path));
      const inferred = await inferSchema(() => createReadStream(path), 'in.parquet');
      expect(inferred.fields.map((f) => f.type)).toEqual(['int', 'string', 'decimal(9,2)', 'timestamptz']);
      const target = schemaOf([
        ['s', 'string'],
        ['n', 'long'],
        ['d', 'decimal(9,2)'],
        ['t', 'timestamptz'],
      ]);
      const r = await roundTrip('in.parquet', bytes, { schema: target, orderBy: 'n' });
      expect(r.json.map((x) => [x.s, x.n, x.d])).toEqual([
        ['v0', '0', '0.00'],
        ['v1', '1', '0.25'],
        ['v2', '2', '0.50'],
      ]);
      expect(String(r.json[2]!.t)).toMatch(/^2024-01-01 00:00:02/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps columns by field id when present (a renamed column still lines up)', async () => {
    // floe's own output carries field ids: convert a CSV, then read that Parquet with a renamed target.
    const first = await roundTrip('t.csv', 'a,b\n1,x\n2,y\n', {
      schema: schemaOf([
        ['a', 'int'],
        ['b', 'string'],
      ]),
    });
    expect(first.dataFiles).toHaveLength(1);
    const dir = await mkdtemp(join(tmpdir(), 'floe-pq-'));
    try {
      const db = await openDuckDb();
      const path = join(dir, 'floe.parquet');
      // Rewrite keeping field ids: DuckDB's FIELD_IDS option names the ids explicitly.
      await db.query(
        `COPY (SELECT 1::INTEGER AS a, 'x' AS b) TO ${sqlString(path)} (FORMAT parquet, FIELD_IDS {a: 1, b: 2})`,
      );
      db.close();
      const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(path));
      const renamed = schemaOf([
        ['renamed_a', 'int'],
        ['renamed_b', 'string'],
      ]);
      const r = await roundTrip('floe.parquet', bytes, { schema: renamed });
      expect(r.read).toEqual([{ renamed_a: 1, renamed_b: 'x' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Parquet input with nested structs', () => {
  const nested: Schema = {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: false, type: 'long' },
      {
        id: 2,
        name: 'addr',
        required: false,
        type: {
          type: 'struct',
          fields: [
            { id: 3, name: 'zip-code', required: false, type: 'string' },
            { id: 4, name: 'City Name', required: false, type: 'string' },
            { id: 5, name: 'price', required: false, type: 'decimal(9,2)' },
          ],
        },
      },
    ],
  };

  it('maps struct children by field id: floe output with sanitized child names reads back, even renamed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-pq-'));
    try {
      const ndjson = '{"id":1,"addr":{"zip-code":"12345","City Name":"Zürich","price":"1.25"}}\n{"id":2,"addr":null}\n';
      const { dataFiles } = await convertFile({
        source: bytesOf(ndjson),
        fileName: 'in.ndjson',
        schema: nested,
        spec: { 'spec-id': 0, fields: [] },
        formatVersion: 2,
        io: new LocalFileIO(),
        dataLocation: dir,
        namePrefix: 'nested',
      });
      const bytes = new Uint8Array(await readFile(dataFiles[0]!.file_path));
      // Java-compatible names on disk: the child `zip-code` is stored as `zip_x2Dcode`.
      const onDisk = await roundTrip('floe.parquet', bytes, { schema: nested, orderBy: 'id' });
      expect(onDisk.json).toEqual([
        { id: '1', addr: { zip_x2Dcode: '12345', City_x20Name: 'Zürich', price: '1.25' } },
        { id: '2', addr: null },
      ]);
      // Same ids, new names: only an id match finds the children.
      const renamed = structuredClone(nested);
      const addr = renamed.fields[1]!.type as StructType;
      addr.fields = addr.fields.map((f) => ({ ...f, name: `new_${f.id}` }));
      const byId = await roundTrip('floe.parquet', bytes, { schema: renamed, orderBy: 'id' });
      expect(byId.json[0]).toEqual({ id: '1', addr: { new_3: '12345', new_4: 'Zürich', new_5: '1.25' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps struct children by name, or by their sanitized form, when the file has no field ids', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-pq-'));
    try {
      const db = await openDuckDb();
      const path = join(dir, 'plain.parquet');
      await db.query(
        `COPY (SELECT 7::BIGINT AS id, {'zip_x2Dcode': '99999', 'City Name': 'Oslo', 'price': 3.5::DECIMAL(9,2)} AS addr) TO ${sqlString(path)} (FORMAT parquet)`,
      );
      db.close();
      const r = await roundTrip('plain.parquet', new Uint8Array(await readFile(path)), { schema: nested });
      expect(r.json).toEqual([{ id: '7', addr: { zip_x2Dcode: '99999', City_x20Name: 'Oslo', price: '3.50' } }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
