import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToUuid, deserializeValue } from '../../lib/iceberg/bounds.js';
import { DataFileWriter, type DataFileWriterOptions } from '../../lib/iceberg/parquet/data-file-writer.js';
import { WritePropertyError } from '../../lib/iceberg/parquet/write-properties.js';
import type { DataFile, Literal, PartitionSpec, PrimitiveType, Schema } from '../../lib/iceberg/types.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { type DuckDb, openDuckDb, sqlString } from '../support/duckdb.js';
import { makeBatch, type TestRow } from './parquet-batch.js';

const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };

const primitives: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'b', required: false, type: 'boolean' },
    { id: 3, name: 'i', required: false, type: 'int' },
    { id: 4, name: 'l', required: false, type: 'long' },
    { id: 5, name: 'f', required: false, type: 'float' },
    { id: 6, name: 'd', required: false, type: 'double' },
    { id: 7, name: 'd9', required: false, type: 'decimal(9,2)' },
    { id: 8, name: 'd18', required: false, type: 'decimal(18,4)' },
    { id: 9, name: 'd38', required: false, type: 'decimal(38,10)' },
    { id: 10, name: 'dt', required: false, type: 'date' },
    { id: 11, name: 't', required: false, type: 'time' },
    { id: 12, name: 'ts', required: false, type: 'timestamp' },
    { id: 13, name: 'tz', required: false, type: 'timestamptz' },
    { id: 14, name: 's', required: false, type: 'string' },
    { id: 15, name: 'u', required: false, type: 'uuid' },
    { id: 16, name: 'fx', required: false, type: 'fixed[3]' },
    { id: 17, name: 'bin', required: false, type: 'binary' },
  ],
};

const nested: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'int' },
    {
      id: 2,
      name: 'st',
      required: false,
      type: {
        type: 'struct',
        fields: [
          { id: 3, name: 'x', required: false, type: 'int' },
          { id: 4, name: 'name', required: false, type: 'string' },
        ],
      },
    },
    {
      id: 5,
      name: 'li',
      required: false,
      type: { type: 'list', 'element-id': 6, 'element-required': false, element: 'double' },
    },
    {
      id: 7,
      name: 'm',
      required: false,
      type: { type: 'map', 'key-id': 8, key: 'string', 'value-id': 9, 'value-required': false, value: 'long' },
    },
  ],
};

let db: DuckDb;
let root: string;
const io = new LocalFileIO();
let runs = 0;

beforeAll(async () => {
  db = await openDuckDb();
  await db.query(`SET TimeZone = 'UTC'`);
  root = mkdtempSync(join(tmpdir(), 'floe-parquet-'));
});
afterAll(() => db.close());

async function writeAll(
  schema: Schema,
  batches: TestRow[][],
  options: Partial<DataFileWriterOptions> = {},
): Promise<DataFile[]> {
  const writer = new DataFileWriter({
    io,
    schema,
    spec: unpartitioned,
    formatVersion: 2,
    dataLocation: join(root, `run-${runs++}`, 'data'),
    namePrefix: 'ingest-1',
    ...options,
  });
  for (const rows of batches) await writer.write(makeBatch(schema, rows));
  return writer.close();
}

const uuids = [
  '00000000-0000-0000-0000-000000000001',
  'ffffffff-0000-4000-8000-000000000000',
  '7fffffff-ffff-4fff-bfff-ffffffffffff',
];

/** Deterministic rows covering each type's edges: negatives, pre-1970 dates, big longs, unicode, nulls, NaN. */
function primitiveRows(n: number): TestRow[] {
  const words = ['apple', 'Äpfel', 'zebra', '日本語', '😀 emoji', '\uFFFD replacement', '', 'a'];
  return Array.from({ length: n }, (_, k) => {
    const nul = k % 7 === 3;
    return {
      id: BigInt(k),
      b: nul ? null : k % 2 === 0,
      i: nul ? null : ((k * 7919) % 2001) - 1000,
      l: nul ? null : (k % 5 === 0 ? -1n : 1n) * (2n ** 62n + BigInt(k)),
      f: nul ? null : k % 11 === 0 ? Number.NaN : Math.fround((k - 50) / 8),
      d: nul ? null : k % 13 === 0 ? Number.NaN : (k - 20) * 1.25e10,
      d9: nul ? null : BigInt((k * 104729) % 999999999) - 500000000n,
      d18: nul ? null : (BigInt(k) - 10n) * 123456789012345n,
      d38: nul ? null : (BigInt(k) - 30n) * 10n ** 36n + 7n,
      dt: nul ? null : (k - 40) * 400,
      t: nul ? null : BigInt(k) * 1_000_003_007n,
      ts: nul ? null : (BigInt(k) - 50n) * 86_400_000_123n,
      tz: nul ? null : 1_700_000_000_000_000n + BigInt(k) * 3_600_000_001n,
      s: nul ? null : `${words[k % words.length]}${k % 3}`,
      u: nul ? null : uuids[k % uuids.length],
      fx: nul ? null : new Uint8Array([k % 256, 255 - (k % 256), 7]),
      bin: nul ? null : new Uint8Array(Array.from({ length: k % 5 }, (_, j) => (k * 31 + j) % 256)),
    };
  });
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

/** SQL giving a column's value (or aggregate) as a string comparable with `literalText`. */
function sqlText(type: PrimitiveType, expr: string): string {
  if (type.startsWith('decimal') || type === 'string') return `(${expr})::VARCHAR`;
  if (type === 'date') return `date_diff('day', DATE '1970-01-01', ${expr})::VARCHAR`;
  if (type === 'time') return `(epoch_us(DATE '1970-01-01' + ${expr}))::VARCHAR`;
  if (type === 'timestamp' || type === 'timestamptz') return `epoch_us(${expr})::VARCHAR`;
  // uuid columns carry the Parquet UUID logical type, so DuckDB reads them as UUID (issue #18).
  if (type === 'uuid') return `upper(replace((${expr})::VARCHAR, '-', ''))`;
  if (type.startsWith('fixed') || type === 'binary') return `hex(${expr})`;
  if (type === 'float' || type === 'double' || type === 'boolean') return `(${expr})::VARCHAR`;
  return `(${expr})::VARCHAR`;
}

function literalText(type: PrimitiveType, value: Literal): string | null {
  if (value === null) return null;
  const decimal = /^decimal\(\d+,\s*(\d+)\)$/.exec(type);
  if (decimal) return decimalText(value as bigint, Number(decimal[1]));
  if (type === 'uuid') return (value as string).replaceAll('-', '').toUpperCase();
  if (value instanceof Uint8Array) return hex(value);
  if (type === 'float' || type === 'double') {
    const n = value as number;
    if (Number.isNaN(n)) return 'nan';
    if (Object.is(n, -0)) return '-0.0';
    return Number.isInteger(n) && Math.abs(n) < 1e15 ? `${n}.0` : String(n);
  }
  return String(value);
}

/** Checks, column by column, that DuckDB reads back `rows` (ordered by id) from `source`. */
async function expectPrimitiveRows(source: string, rows: TestRow[]): Promise<void> {
  for (const field of primitives.fields) {
    const type = field.type as PrimitiveType;
    const c = field.name;
    if (type === 'float' || type === 'double') {
      // Compare numerically: DuckDB's float text differs from JS's.
      const got = await db.query(`SELECT ${c}::DOUBLE AS v FROM read_parquet(${source}) ORDER BY id`);
      got.forEach((g, k) => {
        const v = rows[k]?.[c] as number | null;
        if (v === null) expect(g.v, `${c} row ${k}`).toBeNull();
        else expect(g.v, `${c} row ${k}`).toBe(type === 'float' ? Math.fround(v) : v);
      });
      continue;
    }
    const got = await db.queryJson(`SELECT ${sqlText(type, c)} AS v FROM read_parquet(${source}) ORDER BY id`);
    expect(
      got.map((g) => g.v),
      c,
    ).toEqual(rows.map((r) => literalText(type, (r[c] ?? null) as Literal)));
  }
}

describe('DataFileWriter: Parquet data files read back by DuckDB', () => {
  it('round-trips every primitive type', async () => {
    const rows = primitiveRows(60);
    const [file] = await writeAll(primitives, [rows.slice(0, 25), rows.slice(25)]);
    expect(file?.record_count).toBe(60);
    const path = sqlString(file?.file_path as string);
    await expectPrimitiveRows(path, rows);
    // timestamptz is UTC-adjusted: DuckDB reads it as TIMESTAMP WITH TIME ZONE.
    const types = await db.query(`DESCRIBE SELECT tz, ts, t, dt FROM read_parquet(${path})`);
    expect(types.map((t) => t.column_type)).toEqual(['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'TIME', 'DATE']);
  });

  it('fans every column type out to partitions intact (bucket[3] on id)', async () => {
    const rows = primitiveRows(120);
    const spec: PartitionSpec = {
      'spec-id': 2,
      fields: [{ 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[3]' }],
    };
    const files = await writeAll(primitives, [rows.slice(0, 50), rows.slice(50)], { spec });
    expect(files.map((f) => f.partition[0]).sort()).toEqual([0, 1, 2]);
    expect(files.every((f) => f.file_path.includes(`/id_bucket=${f.partition[0]}/`))).toBe(true);
    await expectPrimitiveRows(
      `[${files.map((f) => sqlString(f.file_path)).join(', ')}], hive_partitioning = false`,
      rows,
    );
  });

  it('fans nested columns out to partitions intact', async () => {
    const rows: TestRow[] = Array.from({ length: 40 }, (_, k) => ({
      id: k,
      st: k % 5 === 0 ? null : { x: k % 3 === 0 ? null : k, name: `n${k}` },
      li: k % 4 === 0 ? null : Array.from({ length: k % 3 }, (_, j) => j + k / 2),
      m: k % 6 === 0 ? null : new Map(Array.from({ length: k % 4 }, (_, j) => [`k${j}`, BigInt(j * k)])),
    }));
    const spec: PartitionSpec = {
      'spec-id': 3,
      fields: [{ 'source-id': 1, 'field-id': 1000, name: 'b', transform: 'bucket[2]' }],
    };
    const partitioned = await writeAll(nested, [rows.slice(0, 15), rows.slice(15)], { spec });
    const plain = await writeAll(nested, [rows]);
    expect(partitioned.length).toBe(2);
    const query = (files: DataFile[]) =>
      db.queryJson(
        `SELECT id, st, li, map_entries(m) AS m FROM read_parquet([${files.map((f) => sqlString(f.file_path)).join(', ')}], hive_partitioning = false) ORDER BY id`,
      );
    const back = await query(partitioned);
    expect(back).toEqual(await query(plain));
    expect(back[7]).toEqual({
      id: 7,
      st: { x: 7, name: 'n7' },
      li: [3.5],
      m: [
        { key: 'k0', value: '0' },
        { key: 'k1', value: '7' },
        { key: 'k2', value: '14' },
      ],
    });
  });

  it('writes lower/upper bounds equal to DuckDB min/max, and null/NaN/value counts', async () => {
    const rows = primitiveRows(200);
    const [file] = await writeAll(primitives, [rows.slice(0, 70), rows.slice(70)]);
    if (!file) throw new Error('no file');
    const path = sqlString(file.file_path);
    for (const field of primitives.fields) {
      const type = field.type as PrimitiveType;
      const c = field.name;
      const filter = type === 'float' || type === 'double' ? ` FILTER (WHERE NOT isnan(${c}))` : '';
      const [row] = await db.queryJson(
        `SELECT ${sqlText(type, `min(${c})${filter}`)} AS lo, ${sqlText(type, `max(${c})${filter}`)} AS hi,
                count(*) - count(${c}) AS nulls, count(*) AS n
                ${type === 'float' || type === 'double' ? `, count(*) FILTER (WHERE isnan(${c})) AS nans` : ''}
         FROM read_parquet(${path})`,
      );
      const lower = file.lower_bounds?.get(field.id);
      const upper = file.upper_bounds?.get(field.id);
      expect(lower, `${c} lower`).toBeDefined();
      const lo = deserializeValue(type, lower as Uint8Array);
      const hi = deserializeValue(type, upper as Uint8Array);
      if (type === 'float' || type === 'double') {
        expect(lo).toBe(Number(row?.lo));
        expect(hi).toBe(Number(row?.hi));
        expect(file.nan_value_counts?.get(field.id)).toBe(Number(row?.nans));
      } else {
        expect(literalText(type, lo), `${c} lower`).toBe(row?.lo);
        expect(literalText(type, hi), `${c} upper`).toBe(row?.hi);
        expect(file.nan_value_counts?.has(field.id)).toBe(false);
      }
      expect(file.null_value_counts?.get(field.id), `${c} nulls`).toBe(Number(row?.nulls));
      expect(file.value_counts?.get(field.id)).toBe(200);
    }
    // Column sizes and split offsets agree with DuckDB's view of the footer.
    const meta = await db.query(
      `SELECT row_group_id, column_id, total_compressed_size, data_page_offset, dictionary_page_offset FROM parquet_metadata(${path})`,
    );
    const total = meta.reduce((sum, m) => sum + Number(m.total_compressed_size), 0);
    const sizes = [...(file.column_sizes?.values() ?? [])].reduce((a, b) => a + b, 0);
    expect(sizes).toBe(total);
    expect(file.column_sizes?.size).toBe(primitives.fields.length);
    expect(file.split_offsets?.[0]).toBe(4);
    expect(file.file_size_in_bytes).toBe(readFileSync(file.file_path).length);
  });

  it('puts a field id on every column of nested data and keeps nested values', async () => {
    const rows: TestRow[] = [
      {
        id: 1,
        st: { x: 1, name: 'a' },
        li: [1.5, Number.NaN, null],
        m: new Map<string, bigint | null>([
          ['k', 10n],
          ['z', null],
        ]),
      },
      { id: 2, st: null, li: null, m: null },
      { id: 3, st: { x: null, name: 'zz' }, li: [], m: new Map([['a', -5n]]) },
    ];
    const [file] = await writeAll(nested, [rows]);
    if (!file) throw new Error('no file');
    const path = sqlString(file.file_path);
    const schemaRows = await db.query(`SELECT name, field_id, num_children FROM parquet_schema(${path})`);
    const ids = Object.fromEntries(schemaRows.map((r) => [r.name as string, r.field_id]));
    expect(ids).toMatchObject({ id: 1n, st: 2n, x: 3n, name: 4n, li: 5n, element: 6n, m: 7n, key: 8n, value: 9n });
    // Every leaf (no children) has an id.
    for (const r of schemaRows.slice(1)) if (!r.num_children) expect(r.field_id, String(r.name)).not.toBeNull();
    const back = await db.queryJson(`SELECT id, st, li, map_entries(m) AS m FROM read_parquet(${path}) ORDER BY id`);
    expect(back).toEqual([
      {
        id: 1,
        st: { x: 1, name: 'a' },
        li: [1.5, 'NaN', null],
        m: [
          { key: 'k', value: '10' },
          { key: 'z', value: null },
        ],
      },
      { id: 2, st: null, li: null, m: null },
      { id: 3, st: { x: null, name: 'zz' }, li: [], m: [{ key: 'a', value: '-5' }] },
    ]);
    // Struct leaves get bounds; list and map leaves don't (as Java), but keep counts.
    expect(deserializeValue('int', file.lower_bounds?.get(3) as Uint8Array)).toBe(1);
    expect(deserializeValue('string', file.upper_bounds?.get(4) as Uint8Array)).toBe('zz');
    expect(file.null_value_counts?.get(3)).toBe(2); // a null struct and a null x
    for (const id of [6, 8, 9]) expect(file.lower_bounds?.has(id)).toBe(false);
    expect(file.nan_value_counts?.get(6)).toBe(1);
    expect(file.value_counts?.get(8)).toBe(file.value_counts?.get(9));
  });

  it('honours write.metadata.metrics.* modes', async () => {
    const schema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'a', required: false, type: 'string' },
        { id: 2, name: 'b', required: false, type: 'string' },
        { id: 3, name: 'c', required: false, type: 'string' },
        { id: 4, name: 'd', required: false, type: 'string' },
      ],
    };
    const long = 'abcdefghijklmnopqrstuvwxyz';
    const [file] = await writeAll(
      schema,
      [
        [
          { a: long, b: long, c: long, d: long },
          { a: `${long}!`, b: 'b', c: 'c', d: 'd' },
        ],
      ],
      {
        properties: {
          'write.metadata.metrics.default': 'truncate(4)',
          'write.metadata.metrics.column.b': 'full',
          'write.metadata.metrics.column.c': 'counts',
          'write.metadata.metrics.column.d': 'none',
        },
      },
    );
    if (!file) throw new Error('no file');
    const text = (m: Map<number, Uint8Array> | null | undefined, id: number) => new TextDecoder().decode(m?.get(id));
    expect(text(file.lower_bounds, 1)).toBe('abcd');
    expect(text(file.upper_bounds, 1)).toBe('abce');
    expect(text(file.upper_bounds, 2)).toBe('b');
    expect(text(file.lower_bounds, 2)).toBe(long);
    expect(file.lower_bounds?.has(3)).toBe(false);
    expect(file.value_counts?.get(3)).toBe(2);
    expect(file.value_counts?.has(4)).toBe(false);
    expect(file.column_sizes?.has(4)).toBe(false);
  });

  it('rolls to new files at a small target size; record counts add up', async () => {
    const rows = primitiveRows(3000);
    const batches = [rows.slice(0, 1000), rows.slice(1000, 2000), rows.slice(2000)];
    const files = await writeAll(primitives, batches, {
      properties: {
        'write.target-file-size-bytes': String(40_000),
        'write.parquet.row-group-size-bytes': String(20_000),
      },
    });
    expect(files.length).toBeGreaterThan(2);
    expect(files.reduce((n, f) => n + f.record_count, 0)).toBe(3000);
    expect(files.map((f) => f.file_path.slice(-13))).toEqual(
      files.map((_, k) => `${String(k).padStart(5, '0')}.parquet`),
    );
    const list = `[${files.map((f) => sqlString(f.file_path)).join(', ')}]`;
    const [agg] = await db.query(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM read_parquet(${list})`);
    expect(agg).toEqual({ n: 3000n, ids: 3000n });
    let groups = 0;
    for (const f of files) {
      const [one] = await db.queryJson(
        `SELECT count(*) AS n, min(s) AS lo_s, max(s) AS hi_s, min(d38)::VARCHAR AS lo_d, max(l)::VARCHAR AS hi_l FROM read_parquet(${sqlString(f.file_path)})`,
      );
      expect(Number(one?.n)).toBe(f.record_count);
      // One split offset per row group: where its first page starts (footer read by hyparquet).
      const bytes = readFileSync(f.file_path);
      const footer = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const starts = footer.row_groups.map((g) => {
        const first = g.columns[0]?.meta_data;
        return Number(first?.dictionary_page_offset ?? first?.data_page_offset);
      });
      expect(f.split_offsets).toEqual(starts);
      groups += starts.length;
      // Bounds of each file (built from row-group slices of the batches) match that file's data.
      expect(deserializeValue('string', f.lower_bounds?.get(14) as Uint8Array)).toBe(one?.lo_s);
      expect(deserializeValue('string', f.upper_bounds?.get(14) as Uint8Array)).toBe(one?.hi_s);
      expect(decimalText(deserializeValue('decimal(38,10)', f.lower_bounds?.get(9) as Uint8Array) as bigint, 10)).toBe(
        one?.lo_d,
      );
      expect(String(deserializeValue('long', f.upper_bounds?.get(4) as Uint8Array))).toBe(one?.hi_l);
    }
    // write.parquet.row-group-size-bytes (20 kB) cuts each ~40 kB file into more than one row group.
    expect(groups).toBeGreaterThan(files.length);
  });

  it('truncates string bounds to 16 characters by default (write.metadata.metrics.default)', async () => {
    const schema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [{ id: 1, name: 's', required: false, type: 'string' }],
    };
    const [file] = await writeAll(schema, [[{ s: 'abcdefghijklmnopqrstuvwxyz' }, { s: 'abcdefghijklmnopzzzzzz' }]]);
    expect(new TextDecoder().decode(file?.lower_bounds?.get(1))).toBe('abcdefghijklmnop');
    expect(new TextDecoder().decode(file?.upper_bounds?.get(1))).toBe('abcdefghijklmnoq');
  });

  it('fans rows out to one file per partition (identity and day)', async () => {
    const schema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'region', required: false, type: 'string' },
        { id: 3, name: 'at', required: false, type: 'timestamptz' },
      ],
    };
    const spec: PartitionSpec = {
      'spec-id': 1,
      fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' },
        { 'source-id': 3, 'field-id': 1001, name: 'at_day', transform: 'day' },
      ],
    };
    const day = 86_400_000_000n;
    const rows: TestRow[] = Array.from({ length: 90 }, (_, k) => ({
      id: BigInt(k),
      region: k % 10 === 9 ? null : ['eu west', 'us'][k % 2],
      at: BigInt(k % 3) * day - 1n, // 1969-12-31, 1970-01-01, 1970-01-02 (last µs of each previous day)
    }));
    const files = await writeAll(schema, [rows.slice(0, 45), rows.slice(45)], { spec });
    const byPartition = new Map(files.map((f) => [JSON.stringify(f.partition), f]));
    // (eu west|us|null) × 3 days, but nulls only fall on k%10 = 9 → rows with k%3 in {0,1,2}: all combinations exist.
    expect(files.length).toBe(byPartition.size);
    expect(files.length).toBe(9);
    const f = byPartition.get(JSON.stringify(['eu west', -1]));
    expect(f?.file_path).toContain('/data/region=eu+west/at_day=1969-12-31/ingest-1-');
    expect(f?.spec_id).toBe(1);
    expect(byPartition.get(JSON.stringify([null, 0]))?.file_path).toContain('/region=null/at_day=1970-01-01/');
    expect(files.reduce((n, x) => n + x.record_count, 0)).toBe(90);
    for (const file of files) {
      const [region, dayValue] = file.partition as [string | null, number];
      const [check] = await db.query(
        `SELECT count(*) AS n, count(*) FILTER (WHERE region IS NOT DISTINCT FROM ${region === null ? 'NULL' : sqlString(region)}
           AND date_diff('day', DATE '1970-01-01', "at"::DATE) = ${dayValue}) AS matching
         FROM read_parquet(${sqlString(file.file_path)}, hive_partitioning = false)`,
      );
      expect(Number(check?.n)).toBe(file.record_count);
      expect(check?.matching).toBe(check?.n);
    }
  });

  it('writes the same paths and bytes when run twice with the same name prefix, and abort deletes them', async () => {
    const rows = primitiveRows(500);
    const location = join(root, 'same', 'data');
    const props = {
      'write.target-file-size-bytes': String(30_000),
      'write.parquet.row-group-size-bytes': String(15_000),
    };
    const first = await writeAll(primitives, [rows.slice(0, 300), rows.slice(300)], {
      dataLocation: location,
      properties: props,
    });
    const bytes = first.map((f) => readFileSync(f.file_path));
    const second = await writeAll(primitives, [rows.slice(0, 300), rows.slice(300)], {
      dataLocation: location,
      properties: props,
    });
    expect(second.map((f) => f.file_path)).toEqual(first.map((f) => f.file_path));
    expect(second.map((f) => readFileSync(f.file_path))).toEqual(bytes);
    expect(first.length).toBeGreaterThan(1);

    const writer = new DataFileWriter({
      io,
      schema: primitives,
      spec: unpartitioned,
      formatVersion: 3,
      dataLocation: join(root, 'aborted'),
      namePrefix: 'x',
      properties: props,
    });
    await writer.write(makeBatch(primitives, rows));
    await writer.abort();
    const left: string[] = [];
    for await (const info of io.list(join(root, 'aborted'))) left.push(info.path);
    expect(left).toEqual([]);
  });

  it('fails (does not hang) when storage fails mid-file, and abort cleans up', async () => {
    class FailingIO extends LocalFileIO {
      override async writeStream(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
        for await (const _ of chunks) throw new Error(`disk full writing ${path}`);
        return 0;
      }
    }
    const writer = new DataFileWriter({
      io: new FailingIO(),
      schema: primitives,
      spec: unpartitioned,
      formatVersion: 2,
      dataLocation: join(root, 'failing'),
      namePrefix: 'f',
      properties: { 'write.parquet.row-group-size-bytes': '5000' },
    });
    const rows = primitiveRows(2000);
    const run = async () => {
      for (let i = 0; i < rows.length; i += 200) await writer.write(makeBatch(primitives, rows.slice(i, i + 200)));
      return writer.close();
    };
    await expect(run()).rejects.toThrow(/writing failed|disk full/);
    await writer.abort();
  });

  it.each(['snappy', 'gzip', 'lz4', 'brotli', 'uncompressed', 'zstd'])(
    'writes %s files DuckDB reads',
    async (codec) => {
      const rows = primitiveRows(50);
      const [file] = await writeAll(primitives, [rows], { properties: { 'write.parquet.compression-codec': codec } });
      const path = sqlString(file?.file_path as string);
      const meta = await db.query(`SELECT DISTINCT compression FROM parquet_metadata(${path})`);
      expect(meta.map((m) => String(m.compression).toLowerCase())).toEqual([codec === 'lz4' ? 'lz4_raw' : codec]);
      const [agg] = await db.query(`SELECT count(*) AS n, max(s) AS s FROM read_parquet(${path})`);
      expect(agg?.n).toBe(50n);
    },
  );

  it('rejects an unknown codec', () => {
    expect(
      () =>
        new DataFileWriter({
          io,
          schema: primitives,
          spec: unpartitioned,
          formatVersion: 2,
          dataLocation: root,
          namePrefix: 'x',
          properties: { 'write.parquet.compression-codec': 'lzo' },
        }),
    ).toThrow(WritePropertyError);
  });

  it('keeps uuid bounds as uuids', async () => {
    const [file] = await writeAll(primitives, [primitiveRows(10)]);
    expect(bytesToUuid(file?.lower_bounds?.get(15) as Uint8Array)).toBe(uuids[0]);
    expect(bytesToUuid(file?.upper_bounds?.get(15) as Uint8Array)).toBe(uuids[1]);
  });
});
