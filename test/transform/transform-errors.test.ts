/**
 * Transform checks and row errors (issue 17): config errors at load name the route and the
 * expression; a name the file lacks rejects the file; a failed CAST follows on_error with the
 * expression and the value in the report. Also the metadata columns and the casts DuckDB has no
 * spelling for in this test's harness (uuid, binary, fixed, nanosecond timestamps).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTransform, TransformError } from '../../lib/formats/transform/index.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { ConfigError, parseIngestConfig } from '../../lib/ingest/config.js';
import { runLocalIngest } from '../support/local-ingest.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { META, runTransform, tableFiles } from './harness.js';

const INPUT: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'int' },
    { id: 2, name: 's', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamp' },
  ],
};
const CSV = 'id,s,ts\n1,12,2024-01-15 10:30:45.123456\n2,,\n3,x7,2023-12-31 23:59:59\n';

function configWith(route: Record<string, unknown>) {
  return () => parseIngestConfig({ routes: [{ prefix: 'orders/', table: 'bronze.orders', ...route }] });
}

describe('config errors at load name the route and the expression', () => {
  it.each([
    [
      { select: 'id, frobnicate(s) AS f' },
      /routes\[0\] \(table bronze\.orders\).*unknown function frobnicate.*frobnicate\(s\)/,
    ],
    [{ select: 'id, CAST(s AS INT' }, /routes\[0\].*not valid SQL/],
    [{ select: 'id, lower(1) AS l' }, /lower needs a string, got int.*lower\(1\)/],
    [{ select: "id, 'abc' + 1 AS n" }, /routes\[0\].*operator \+ needs numbers, got string and int in "'abc' \+ 1"/],
    [{ where: "CAST('2024-13-45' AS DATE) > ts" }, /is not a date/],
    [{ select: 'id, s + 1' }, /needs a name: add AS/],
    [{ select: "id, to_date(s, '%Q') AS d" }, /unsupported format code %Q/],
    [{ where: "'a' || 'b'" }, /where must be a condition, got string/],
    [{ select: 'id FROM other' }, /not valid SQL|plain projection/],
    [{ select: 'count(*) AS n' }, /aggregate COUNT is not supported/],
  ])('%j', (route, message) => {
    expect(configWith(route)).toThrow(ConfigError);
    expect(configWith(route)).toThrow(message);
  });

  it('a valid transform loads, and checkTransform accepts every function of the docs', () => {
    expect(
      configWith({ select: 'id, CAST(s AS DECIMAL(12,2)) AS amount, _source_key AS k', where: 'id > 0' }),
    ).not.toThrow();
    expect(() =>
      checkTransform({
        select:
          "coalesce(a, b) AS c, nullif(a, 1) AS n, regexp_extract(s, 'a(b)', 1) AS r, date_trunc('day', ts) AS d, current_timestamp AS t, year(ts) AS y, to_timestamp(s, '%Y-%m-%d %H:%M:%S') AS p",
      }),
    ).not.toThrow();
    expect(() => checkTransform({ select: 'x AS y', where: 'nope(x)' })).toThrow(TransformError);
  });
});

describe('row errors and metadata', () => {
  it('a failed CAST names the expression, the value and the line; TRY_CAST gives NULL', async () => {
    await expect(runTransform(CSV, INPUT, { select: 'id, CAST(s AS INT) AS n' })).rejects.toThrow(
      /in\.csv, line 4, column n: CAST\(s AS INT\): "x7" is not a number \(value "x7"\)/,
    );
    const kept = await runTransform(CSV, INPUT, { select: 'id, CAST(s AS INT) AS n' }, 'continue');
    expect(kept.rows).toEqual([
      { id: '1', n: '12' },
      { id: '2', n: null },
    ]);
    expect(kept.rejected).toMatchObject([
      {
        line: 4,
        column: 'n',
        value: 'x7',
        reason: 'CAST(s AS INT): "x7" is not a number',
        raw: expect.stringContaining('"s":"x7"'),
      },
    ]);
    const tried = await runTransform(CSV, INPUT, { select: 'id, TRY_CAST(s AS INT) AS n' });
    expect(tried.rows.map((r) => r.n)).toEqual(['12', null, null]);
  });

  it('a CASE arm or a later COALESCE argument a row does not reach never fails it', async () => {
    const r = await runTransform(CSV, INPUT, {
      select:
        "id, CASE WHEN regexp_matches(s, '^[0-9]+$') THEN CAST(s AS INT) ELSE -1 END AS n, COALESCE(TRY_CAST(s AS INT), CAST(id AS INT)) AS m",
    });
    expect(r.rows.map((x) => [x.n, x.m])).toEqual([
      ['12', '12'],
      ['-1', '2'],
      ['-1', '3'],
    ]);
  });

  it('a failing cast in a row the WHERE drops is not an error', async () => {
    const r = await runTransform(CSV, INPUT, { select: 'id, CAST(s AS INT) AS n', where: "s <> 'x7'" });
    expect(r.rows).toEqual([{ id: '1', n: '12' }]);
  });

  it('metadata columns and current_timestamp', async () => {
    const r = await runTransform(CSV, INPUT, {
      select: 'id, _source_key, _source_version, _ingest_id, _ingested_at, _source_line, current_timestamp AS now',
    });
    expect(r.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:int',
      '_source_key:string',
      '_source_version:string',
      '_ingest_id:string',
      '_ingested_at:timestamptz',
      '_source_line:long',
      'now:timestamptz',
    ]);
    expect(r.rows[2]).toEqual({
      id: '3',
      _source_key: META.sourceKey,
      _source_version: META.sourceVersion,
      _ingest_id: META.ingestId,
      _ingested_at: '2024-01-15 12:00:00+00',
      _source_line: '4',
      now: '2024-01-15 12:00:00+00',
    });
  });

  it('casts to every Iceberg primitive, NULL staying NULL', async () => {
    const csv = 'id,u,t\n1,f81d4fae-7dec-11d0-a765-00a0c91e6bf6,abcd\n2,,\n';
    const input: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: false, type: 'int' },
        { id: 2, name: 'u', required: false, type: 'string' },
        { id: 3, name: 't', required: false, type: 'string' },
      ],
    };
    const r = await runTransform(csv, input, {
      select: [
        'CAST(u AS UUID) AS uuid',
        'CAST(t AS BINARY) AS bin',
        'CAST(t AS fixed[4]) AS fix',
        "CAST(CASE WHEN t IS NULL THEN NULL ELSE '2024-01-15 10:30:45.123456789' END AS timestamp_ns) AS tns",
        "CAST(CASE WHEN t IS NULL THEN NULL ELSE '2024-01-15 10:30:45+02:00' END AS timestamptz) AS tz",
        "CAST(CASE WHEN t IS NULL THEN NULL ELSE '2024-01-15 10:30:45' END AS timestamptz_ns) AS tzns",
        "CAST(CASE WHEN t IS NULL THEN NULL ELSE '10:30:45.5' END AS TIME) AS tm",
        'CAST(id AS REAL) AS f',
        'CAST(id AS BIGINT) AS l',
        'CAST(id AS DECIMAL(38,10)) AS dec',
        'CAST(id AS BOOLEAN) AS b',
        'CAST(id AS DOUBLE) AS d',
        'CAST(id AS VARCHAR) AS str',
        "CAST(CASE WHEN t IS NULL THEN NULL ELSE '2024-02-29' END AS DATE) AS dt",
        'CAST(t AS string) AS s2',
        'CAST(id AS long) AS l2',
      ].join(', '),
    });
    expect(r.schema.fields.map((f) => f.type)).toEqual([
      'uuid',
      'binary',
      'fixed[4]',
      'timestamp_ns',
      'timestamptz',
      'timestamptz_ns',
      'time',
      'float',
      'long',
      'decimal(38,10)',
      'boolean',
      'double',
      'string',
      'date',
      'string',
      'long',
    ]);
    expect(r.rows[0]).toEqual({
      uuid: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
      bin: 'abcd',
      fix: 'abcd',
      tns: '2024-01-15 10:30:45.123456',
      tz: '2024-01-15 08:30:45+00',
      tzns: '2024-01-15 10:30:45+00',
      tm: '10:30:45.5',
      f: '1',
      l: '1',
      dec: '1.0000000000',
      b: 'true',
      d: '1',
      str: '1',
      dt: '2024-02-29',
      s2: 'abcd',
      l2: '1',
    });
    expect(
      Object.entries(r.rows[1]!)
        .filter(([k]) => !['f', 'l', 'dec', 'b', 'd', 'str', 'l2'].includes(k))
        .every(([, v]) => v === null),
    ).toBe(true);
  });
});

describe('through the convert path', () => {
  let env: TestCatalog;
  let dir: string;
  beforeAll(async () => {
    env = await startTestCatalog();
    dir = await mkdtemp(join(tmpdir(), 'floe-transform-errors-'));
  });
  afterAll(async () => {
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a column the file lacks rejects the file with a report naming the expression', async () => {
    const path = join(dir, 'a.csv');
    await writeFile(path, 'id,s\n1,a\n');
    const config = parseIngestConfig({ routes: [{ match: '*.csv', table: 'db.t1', select: 'id, upper(nope) AS u' }] });
    const result = await runLocalIngest({ files: [path], config, catalog: env.catalog, root: dir });
    expect(result.files[0]).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/unknown column nope in "nope"/),
    });
    expect(await env.catalog.tableExists({ namespace: ['db'], name: 't1' })).toBe(false);
  });

  it('hive key=value columns of the object key can be used in the select', async () => {
    await mkdir(join(dir, 'region=eu'), { recursive: true });
    const path = join(dir, 'region=eu', 'h.csv');
    await writeFile(path, 'id\n1\n');
    const config = parseIngestConfig({
      routes: [{ match: '**/*.csv', table: 'db.t3', hive_partitions: true, select: 'id, upper(region) AS region_up' }],
    });
    const result = await runLocalIngest({ files: [path], config, catalog: env.catalog, root: dir });
    expect(result.files[0]).toMatchObject({ status: 'enqueued', rows: 1 });
    const files = await tableFiles(env.catalog, 'db.t3');
    const db = await openDuckDb();
    try {
      expect(await db.query(`SELECT id, region_up FROM read_parquet(${sqlString(files[0]!)})`)).toEqual([
        { id: 1, region_up: 'EU' },
      ]);
    } finally {
      db.close();
    }
  });

  it('on_error continue keeps the good rows and reports the failed cast with expression and value', async () => {
    const path = join(dir, 'b.csv');
    await writeFile(path, 'id,amount\n1,1.50\n2,lots\n3,2\n');
    const config = parseIngestConfig({
      routes: [
        { match: '*.csv', table: 'db.t2', select: 'id, CAST(amount AS DECIMAL(6,2)) AS amount', on_error: 'continue' },
      ],
    });
    const result = await runLocalIngest({ files: [path], config, catalog: env.catalog, root: dir });
    expect(result.files[0]).toMatchObject({ status: 'enqueued', rows: 2, rejectedRows: 1 });
    const reportPath = (result.files[0] as { reportPath: string }).reportPath;
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    expect(report).toMatchObject({
      outcome: 'partial',
      line: 3,
      column: 'amount',
      value: 'lots',
      reason: expect.stringContaining('CAST(amount AS DECIMAL(6,2)): "lots" is not a decimal'),
      rejectedRows: [
        { line: 3, column: 'amount', value: 'lots', reason: 'CAST(amount AS DECIMAL(6,2)): "lots" is not a decimal' },
      ],
    });
  });
});
