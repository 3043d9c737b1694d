/**
 * Data fidelity (issue #18): one file per format (CSV, TSV, NDJSON, a JSON array, Parquet from
 * DuckDB and from parquet-wasm; plain and compressed) is ingested into a new table and again into
 * the existing table, and every cell is read back by DuckDB from the table's live data files and
 * compared, as text, with the source: the expected text for the text formats, DuckDB's own
 * reading of the source file for Parquet. Nothing may be rounded, truncated or retyped silently.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../lib/catalog/catalog.js';
import { currentSchema } from '../../lib/iceberg/metadata.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { runLocalIngest } from '../support/local-ingest.js';
import { scanTable } from '../../lib/local/table-scan.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { type DuckDb, openDuckDb, sqlString } from '../support/duckdb.js';

type Cells = Record<string, string | null>;

/** The text rows: every value as DuckDB prints it (`CAST(x AS VARCHAR)`, time zone UTC). */
const COLUMNS = ['k', 'c_int', 'c_long', 'c_dec', 'c_huge', 'c_dbl', 'c_str', 'c_bool', 'c_date', 'c_ts', 'c_tstz'];
const SOURCE = [
  // k, int, long, many-digit decimal, beyond int64, double, string, bool, date, timestamp, timestamptz
  [
    '1',
    '-2147483648',
    '9223372036854775807',
    '123456789.123456789012',
    '99999999999999999999',
    '0.1',
    'he said "hi", ok\nnext ✓',
    'true',
    '2024-02-29',
    '2024-01-02T03:04:05.789012',
    '2024-01-02T03:04:05.789012+02:00',
  ],
  [
    '2',
    '2147483647',
    '-9223372036854775808',
    '-98765432109876543.21',
    '-1',
    '-1.5e-07',
    '',
    'false',
    '1970-01-01',
    '1969-12-31T23:59:59.999999',
    '2024-01-02T00:00:00Z',
  ],
  ['3', null, null, null, null, null, null, null, null, null, null],
];
const EXPECTED: Cells[] = [
  {
    k: '1',
    c_int: '-2147483648',
    c_long: '9223372036854775807',
    c_dec: '123456789.123456789012',
    c_huge: '99999999999999999999',
    c_dbl: '0.1',
    c_str: 'he said "hi", ok\nnext ✓',
    c_bool: 'true',
    c_date: '2024-02-29',
    c_ts: '2024-01-02 03:04:05.789012',
    c_tstz: '2024-01-02 01:04:05.789012+00',
  },
  {
    k: '2',
    c_int: '2147483647',
    c_long: '-9223372036854775808',
    c_dec: '-98765432109876543.210000000000',
    c_huge: '-1',
    c_dbl: '-1.5e-07',
    c_str: '',
    c_bool: 'false',
    c_date: '1970-01-01',
    c_ts: '1969-12-31 23:59:59.999999',
    c_tstz: '2024-01-02 00:00:00+00',
  },
  Object.fromEntries(COLUMNS.map((c) => [c, c === 'k' ? '3' : null])),
];
const EXPECTED_TYPES = {
  c_int: 'int',
  c_long: 'long',
  c_dec: 'decimal(29,12)',
  c_huge: 'decimal(20,0)',
  c_dbl: 'double',
  c_str: 'string',
  c_bool: 'boolean',
  c_date: 'date',
  c_ts: 'timestamp',
  c_tstz: 'timestamptz',
};

function delimited(sep: string, quoteAll: boolean): string {
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const cell = (v: string | null, c: number) =>
    v === null ? '' : v === '' || quoteAll || /[",\n\t]/.test(v) || c === 6 ? quote(v) : v;
  return [COLUMNS.join(sep), ...SOURCE.map((r) => r.map(cell).join(sep))].join('\n') + '\n';
}

function jsonRecord(row: (string | null)[]): string {
  // Numbers go in as raw JSON numbers with every digit; strings, dates and timestamps as strings.
  const numeric = new Set([0, 1, 2, 3, 4, 5]);
  const parts = row.map((v, c) => {
    const key = JSON.stringify(COLUMNS[c]);
    if (v === null) return `${key}:null`;
    if (numeric.has(c)) return `${key}:${v}`;
    if (c === 7) return `${key}:${v}`;
    return `${key}:${JSON.stringify(v)}`;
  });
  return `{${parts.join(',')}}`;
}

/** TSV has no quoting (quotes are data) and no way to write a tab, a newline or an empty string. */
const TSV_STR = ['"quoted" stays, ok ✓', null, null];
function tsv(): string {
  const rows = SOURCE.map((r, i) => r.map((v, c) => (c === 6 ? TSV_STR[i] : v) ?? '').join('\t'));
  return [COLUMNS.join('\t'), ...rows].join('\n') + '\n';
}

const TEXT_FILES: Record<string, () => Uint8Array> = {
  'rows.csv': () => Buffer.from(delimited(',', false)),
  'rows.tsv': () => Buffer.from(tsv()),
  'rows.ndjson': () => Buffer.from(SOURCE.map(jsonRecord).join('\n') + '\n'),
  'rows.json': () => Buffer.from(`[${SOURCE.map(jsonRecord).join(',\n')}]`),
  'rows.csv.gz': () => gzipSync(delimited(',', true)),
  'rows.ndjson.gz': () => gzipSync(SOURCE.map(jsonRecord).join('\n')),
};

describe('fidelity: every cell read back by DuckDB equals the source', () => {
  let env: TestCatalog;
  let dir: string;
  let db: DuckDb;
  beforeAll(async () => {
    env = await startTestCatalog();
    dir = await mkdtemp(join(tmpdir(), 'floe-fidelity-'));
    db = await openDuckDb();
    await db.query(`SET TimeZone = 'UTC'`);
  });
  afterAll(async () => {
    db?.close();
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The table's rows as DuckDB reads its live data files, every value cast to text. */
  async function tableCells(id: TableIdentifier): Promise<Cells[]> {
    const loaded = await env.catalog.loadTable(id);
    const files = (await liveDataFiles(env.io, loaded.metadata)).map((e) => e.data_file.file_path);
    const list = files.map((f) => sqlString(f.replace(/^file:\/\//, ''))).join(',');
    return (await db.query(
      `SELECT COLUMNS(*)::VARCHAR FROM read_parquet([${list}], union_by_name = true) ORDER BY k, 1`,
    )) as Cells[];
  }

  async function ingest(file: string, table: string): Promise<void> {
    const result = await runLocalIngest({ files: [join(dir, file)], table, catalog: env.catalog, root: dir });
    const outcome = result.files[0]!;
    if (outcome.status !== 'enqueued') throw new Error(`${file}: ${JSON.stringify(outcome)}`);
    expect(result.commits[0]?.outcome).toBe('committed');
  }

  for (const [name, bytes] of Object.entries(TEXT_FILES)) {
    it(`${name}: a new table gets exact types, and the existing table takes the file again, cell for cell`, async () => {
      await writeFile(join(dir, name), bytes());
      await writeFile(join(dir, `again-${name}`), bytes());
      const table = `fid.${name.replaceAll('.', '_')}`;
      await ingest(name, table);
      const loaded = await env.catalog.loadTable({ namespace: ['fid'], name: name.replaceAll('.', '_') });
      const types = Object.fromEntries(currentSchema(loaded.metadata).fields.map((f) => [f.name, f.type]));
      expect(types).toMatchObject(EXPECTED_TYPES);
      const expected = name.endsWith('.tsv') ? EXPECTED.map((r, i) => ({ ...r, c_str: TSV_STR[i]! })) : EXPECTED;
      expect(await tableCells(loaded.identifier)).toEqual(expected);
      await ingest(`again-${name}`, table);
      expect(await tableCells(loaded.identifier)).toEqual(expected.flatMap((r) => [r, r]));
    });
  }

  /** DuckDB's reading of a source Parquet file, as text: the oracle for Parquet ingests. */
  async function sourceCells(path: string): Promise<Cells[]> {
    return (await db.query(`SELECT COLUMNS(*)::VARCHAR FROM read_parquet(${sqlString(path)}) ORDER BY k`)) as Cells[];
  }

  const DUCKDB_SELECT = `
    SELECT * FROM (VALUES
      (1, (-128)::TINYINT, (-32768)::SMALLINT, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER,
       123456789012345678.123456789012345678::DECIMAL(38,18), 12.30::DECIMAL(4,2), 0.1::FLOAT, 0.1::DOUBLE,
       'x'::VARCHAR, '\\x00\\xFF'::BLOB, DATE '2024-02-29', TIME '01:02:03.456789',
       TIMESTAMP '2024-01-02 03:04:05.789012', TIMESTAMPTZ '2024-01-02 03:04:05.789012+00',
       TIMESTAMP_NS '2024-01-02 03:04:05.789012', TIMESTAMP_MS '2024-01-02 03:04:05.789', TIMESTAMP_S '2024-01-02 03:04:05',
       '5b4f4d4e-7f5e-4b1e-9d6a-0c0b3e2a1f00'::UUID,
       {'s': 7::SMALLINT, 't': TIMESTAMP '2024-01-02 03:04:05.789012', 'u': '00000000-0000-0000-0000-000000000001'::UUID},
       [TIMESTAMP '2024-01-02 03:04:05.000001', NULL], MAP {'a': 1, 'b': 2}),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL)
    ) v(k, c_tiny, c_small, c_utiny, c_usmall, c_uint, c_dec, c_dec2, c_float, c_dbl, c_str, c_blob, c_date, c_time,
        c_ts, c_tstz, c_tsns, c_tsms, c_tss, c_uuid, c_struct, c_list, c_map)`;

  for (const codec of ['uncompressed', 'snappy', 'zstd', 'gzip']) {
    it(`Parquet by DuckDB (${codec}; every type, small ints with UUID/TIME/nested): new and existing table`, async () => {
      const path = join(dir, `duck-${codec}.parquet`);
      await db.query(`COPY (${DUCKDB_SELECT}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION ${codec})`);
      const again = join(dir, `again-duck-${codec}.parquet`);
      await db.query(`COPY (${DUCKDB_SELECT}) TO ${sqlString(again)} (FORMAT parquet, COMPRESSION ${codec})`);
      const expected = await sourceCells(path);
      const table = `fid.duck_${codec}`;
      await ingest(`duck-${codec}.parquet`, table);
      const id = { namespace: ['fid'], name: `duck_${codec}` };
      expect(await tableCells(id)).toEqual(expected);
      const loaded = await env.catalog.loadTable(id);
      const types = Object.fromEntries(currentSchema(loaded.metadata).fields.map((f) => [f.name, f.type]));
      // v2 table: nanoseconds become microseconds (exact here); UUID stays uuid.
      expect(types).toMatchObject({ c_tsns: 'timestamp', c_uuid: 'uuid', c_dec: 'decimal(38,18)' });
      await ingest(`again-duck-${codec}.parquet`, table);
      expect(await tableCells(id)).toEqual(expected.flatMap((r) => [r, r]));
    });
  }

  it('Parquet by parquet-wasm (Arrow types: int16, µs/ns timestamps, decimal, uuid, nested), new and existing table', async () => {
    const micros = new BigInt64Array([1704164645789012n, -1n]);
    const uuidType = new arrow.FixedSizeBinary(16);
    const uuidBytes = new Uint8Array(32).map((_, i) => i * 7);
    const structType = new arrow.Struct([
      new arrow.Field('t', new arrow.TimestampMicrosecond(), true),
      new arrow.Field('s', new arrow.Int16(), true),
    ]);
    const t = new arrow.Table({
      k: arrow.makeVector(new Int32Array([1, 2])),
      c_small: arrow.makeVector(new Int16Array([-32768, 32767])),
      c_ts: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: 2, data: micros })),
      c_tstz: arrow.makeVector(
        arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: 2, data: micros.slice() }),
      ),
      c_tsns: arrow.makeVector(
        arrow.makeData({
          type: new arrow.TimestampNanosecond(),
          length: 2,
          data: new BigInt64Array([1704164645789012000n, 0n]),
        }),
      ),
      c_dec: arrow.makeVector(
        arrow.makeData({
          type: new arrow.Decimal(6, 38, 128),
          length: 2,
          // 12345678901234567890123 and -1 (unscaled, scale 6): 128-bit little-endian words
          data: new Uint32Array([0x4b3b4ca8 ^ 0, 0x3ec ^ 0, 0x29d, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]),
        }),
      ),
      c_fixed: arrow.makeVector(arrow.makeData({ type: uuidType, length: 2, data: uuidBytes })),
      c_struct: arrow.makeVector(
        arrow.makeData({
          type: structType,
          length: 2,
          children: [
            arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: 2, data: micros.slice() }),
            arrow.makeData({ type: new arrow.Int16(), length: 2, data: new Int16Array([1, -1]) }),
          ],
        }),
      ),
    });
    const props = new WriterPropertiesBuilder().build();
    const bytes = writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(t, 'stream')), props);
    await writeFile(join(dir, 'wasm.parquet'), bytes);
    await writeFile(join(dir, 'again-wasm.parquet'), bytes);
    const expected = await sourceCells(join(dir, 'wasm.parquet'));
    expect(expected[0]?.c_ts).toBe('2024-01-02 03:04:05.789012');
    await ingest('wasm.parquet', 'fid.wasm');
    const id = { namespace: ['fid'], name: 'wasm' };
    expect(await tableCells(id)).toEqual(expected);
    await ingest('again-wasm.parquet', 'fid.wasm');
    expect(await tableCells(id)).toEqual(expected.flatMap((r) => [r, r]));
  });

  it('a value a double column cannot hold exactly is a named rejection; numbers: double accepts the rounding', async () => {
    await writeFile(join(dir, 'd1.csv'), 'k,x\n1,0.5\n');
    await writeFile(join(dir, 'd2.csv'), 'k,x\n2,123456789.123456789012\n');
    await ingest('d1.csv', 'fid.dbl');
    const second = await runLocalIngest({
      files: [join(dir, 'd2.csv')],
      table: 'fid.dbl',
      catalog: env.catalog,
      root: dir,
    });
    expect(second.files[0]).toMatchObject({
      status: 'rejected',
      error: { line: 2, column: 'x', value: '123456789.123456789012' },
    });
    expect((second.files[0] as { reason: string }).reason).toMatch(/more digits than a double holds exactly/);
    const lossy = parseIngestConfig({ defaults: { format: { numbers: 'double' } }, routes: [] });
    const third = await runLocalIngest({
      files: [join(dir, 'd2.csv')],
      table: 'fid.dbl',
      catalog: env.catalog,
      root: dir,
      config: lossy,
    });
    expect(third.files[0]).toMatchObject({ status: 'enqueued', rows: 1 });
  });

  it('TIMESTAMP_NS in a v2 table: whole microseconds are kept, a finer value is rejected by name', async () => {
    const path = join(dir, 'ns.parquet');
    await db.query(
      `COPY (SELECT 1 k, TIMESTAMP_NS '2024-01-02 03:04:05.789012345' t) TO ${sqlString(path)} (FORMAT parquet)`,
    );
    const result = await runLocalIngest({ files: [path], table: 'fid.ns', catalog: env.catalog, root: dir });
    expect(result.files[0]).toMatchObject({ status: 'rejected', error: { column: 't' } });
    expect((result.files[0] as { reason: string }).reason).toMatch(/more precision than the column's unit/);
  });

  it('a rejected first file leaves no table; a rejected file with a new column leaves the schema as it was', async () => {
    await writeFile(join(dir, 'header-only.csv'), 'k,x\n');
    const first = await runLocalIngest({
      files: [join(dir, 'header-only.csv')],
      table: 'fid.never',
      catalog: env.catalog,
      root: dir,
    });
    expect(first.files[0]?.status).toBe('rejected');
    await expect(env.catalog.loadTable({ namespace: ['fid'], name: 'never' })).rejects.toThrow(
      /does not exist|not found/i,
    );

    await writeFile(join(dir, 'base.csv'), 'k,x\n1,0.5\n');
    await ingest('base.csv', 'fid.evolve');
    const before = await env.catalog.loadTable({ namespace: ['fid'], name: 'evolve' });
    // A new column, and a value the double column x cannot hold: rejected, and no new column.
    await writeFile(join(dir, 'evolve-bad.csv'), 'k,x,extra\n2,1.5,a\n3,123456789.123456789012,b\n');
    const bad = await runLocalIngest({
      files: [join(dir, 'evolve-bad.csv')],
      table: 'fid.evolve',
      catalog: env.catalog,
      root: dir,
    });
    expect(bad.files[0]?.status).toBe('rejected');
    const after = await env.catalog.loadTable({ namespace: ['fid'], name: 'evolve' });
    expect(after.metadata['current-schema-id']).toBe(before.metadata['current-schema-id']);
    expect(currentSchema(after.metadata).fields.map((f) => f.name)).toEqual(['k', 'x']);
  });

  it('floe scan prints values as Iceberg single-value JSON: decimals scaled, timestamps exact at any depth', async () => {
    await writeFile(
      join(dir, 'nested.ndjson'),
      '{"k":1,"d":1234.567890123456789,"s":{"t":"2024-01-02T03:04:05.789012","z":"2024-01-02T03:04:05.000001Z"},"l":["2024-01-02T00:00:00.000001"]}\n',
    );
    await ingest('nested.ndjson', 'fid.scan');
    const loaded = await env.catalog.loadTable({ namespace: ['fid'], name: 'scan' });
    const { rows } = await scanTable(env.io, loaded.metadata);
    expect(rows).toEqual([
      {
        k: 1,
        d: '1234.567890123456789',
        s: { t: '2024-01-02T03:04:05.789012', z: '2024-01-02T03:04:05.000001+00:00' },
        l: ['2024-01-02T00:00:00.000001'],
      },
    ]);
  });

  it('time zones follow one rule, with a warning: zoned into timestamp → UTC, naive into timestamptz → UTC', async () => {
    await writeFile(join(dir, 'z1.csv'), 'k,ts,tz\n1,2024-01-02T03:00:00,2024-01-02T03:00:00Z\n');
    await writeFile(join(dir, 'z2.csv'), 'k,ts,tz\n2,2024-01-02T03:00:00+02:00,2024-01-02T03:00:00\n');
    await ingest('z1.csv', 'fid.zones');
    const second = await runLocalIngest({
      files: [join(dir, 'z2.csv')],
      table: 'fid.zones',
      catalog: env.catalog,
      root: dir,
    });
    const outcome = second.files[0] as { status: string; warnings: string[] };
    expect(outcome.status).toBe('enqueued');
    expect(outcome.warnings).toEqual([
      'ts: 1 value(s) with a time zone converted to UTC and the zone dropped (column is timestamp)',
      'tz: 1 value(s) without a time zone taken as UTC (column is timestamptz)',
    ]);
    const cells = await tableCells({ namespace: ['fid'], name: 'zones' });
    expect(cells.map((r) => [r.ts, r.tz])).toEqual([
      ['2024-01-02 03:00:00', '2024-01-02 03:00:00+00'],
      ['2024-01-02 01:00:00', '2024-01-02 03:00:00+00'],
    ]);
  });
});
