/**
 * Every transform function and operator, on rows with NULLs, compared cell by cell with DuckDB
 * running the same expression on the same CSV file (issue 17).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../lib/iceberg/types.js';
import { type DuckDb, openDuckDb } from '../support/duckdb.js';
import { csvFile, duckRows, duckSource, runTransform, sameCell } from './harness.js';

const CSV = [
  'id,s,n,x,amt,d,ts,b,dt',
  '1,"  Hello World ",5,2.5,12.345,2024-01-15,2024-01-15 10:30:45.123456,true,15/01/2024',
  '2,,,,,,,,',
  '3,abc,-7,-1.5,0.005,2023-12-31,2023-12-31 23:59:59,false,31/12/2023',
  '4,Zürich-42,0,1e3,-99.999,2000-02-29,2000-02-29 00:00:00,true,29/02/2000',
  '',
].join('\n');

const INPUT: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'int' },
    { id: 2, name: 's', required: false, type: 'string' },
    { id: 3, name: 'n', required: false, type: 'int' },
    { id: 4, name: 'x', required: false, type: 'double' },
    { id: 5, name: 'amt', required: false, type: 'string' },
    { id: 6, name: 'd', required: false, type: 'date' },
    { id: 7, name: 'ts', required: false, type: 'timestamp' },
    { id: 8, name: 'b', required: false, type: 'boolean' },
    { id: 9, name: 'dt', required: false, type: 'string' },
  ],
};

/** [floe expression, DuckDB expression when it is spelled differently]. */
const CASES: [string, string?][] = [
  // CAST / TRY_CAST
  ['CAST(amt AS DECIMAL(12,2))'],
  ['CAST(amt AS DOUBLE)'],
  ['CAST(n AS BIGINT)'],
  ['CAST(x AS INT)'],
  ['CAST(x AS VARCHAR)'],
  ['CAST(n AS BOOLEAN)'],
  ['CAST(b AS INT)'],
  ['CAST(n AS DOUBLE)'],
  ['CAST(d AS TIMESTAMP)'],
  ['CAST(ts AS DATE)'],
  ['CAST(ts AS VARCHAR)'],
  ['CAST(d AS VARCHAR)'],
  ['CAST(ts AS TIME)'],
  ['CAST(CAST(amt AS DECIMAL(12,3)) AS INT)'],
  ['CAST(CAST(amt AS DECIMAL(12,3)) AS DECIMAL(6,1))'],
  ['CAST(x AS DECIMAL(10,2))'],
  ['CAST(x * -3000000000.5 AS DECIMAL(20,1))'],
  ['CAST(CAST(n AS BIGINT) * -3000000000 AS DECIMAL(38,0))'],
  ['TRY_CAST(s AS INT)'],
  ['TRY_CAST(dt AS DATE)'],
  ['TRY_CAST(amt AS DECIMAL(4,1))'],
  // arithmetic
  ['n + 1'],
  ['n - x'],
  ['n * 2'],
  ['x / 2'],
  ['x / 0'],
  ['n % 3'],
  ['-n'],
  ['CAST(amt AS DECIMAL(12,2)) + 1'],
  ['CAST(amt AS DECIMAL(12,3)) * 2'],
  ['CAST(amt AS DECIMAL(12,3)) - n'],
  ['d + 1'],
  // comparison and logic
  ['n > 0'],
  ["s = 'abc'"],
  ['x <= 2.5'],
  ['n <> 5'],
  ["d >= DATE '2024-01-01'"],
  ["ts < TIMESTAMP '2024-01-01 00:00:00'"],
  ["d = '2024-01-15'"],
  ['n > 0 AND b'],
  ['n > 0 OR b'],
  ['NOT b'],
  ['s IS NULL'],
  ['s IS NOT NULL'],
  ['n BETWEEN 0 AND 5'],
  ['n IN (5, -7)'],
  ['n NOT IN (5, -7)'],
  ["s LIKE 'a%'"],
  // CASE, COALESCE, NULLIF
  ["CASE WHEN n > 0 THEN 'pos' WHEN n < 0 THEN 'neg' ELSE 'zero' END"],
  ["CASE n WHEN 5 THEN 'five' END"],
  ['CASE WHEN b THEN CAST(amt AS DECIMAL(12,2)) ELSE 0 END'],
  ["COALESCE(s, 'none')"],
  ['COALESCE(n, x, 0)'],
  ['NULLIF(n, 0)'],
  // strings
  ['lower(s)'],
  ['upper(s)'],
  ['trim(s)'],
  ['substr(s, 2, 3)'],
  ['substr(s, 3)'],
  ["concat(s, '-', n)"],
  ["replace(s, 'l', 'L')"],
  ["regexp_extract(s, '([0-9]+)', 1)"],
  ['length(s)'],
  ["s || '!'"],
  // dates and times
  ["date_trunc('month', ts)"],
  ["date_trunc('day', ts)"],
  ["date_trunc('hour', ts)"],
  ['extract(year FROM ts)'],
  ['extract(minute FROM ts)'],
  ['year(d)'],
  ['month(ts)'],
  ['day(ts)'],
  ['hour(ts)'],
  ["to_date(dt, '%d/%m/%Y')", "CAST(strptime(dt, '%d/%m/%Y') AS DATE)"],
  ["to_timestamp(dt || ' 10:05', '%d/%m/%Y %H:%M')", "strptime(dt || ' 10:05', '%d/%m/%Y %H:%M')"],
];

let db: DuckDb;
let path: string;
beforeAll(async () => {
  db = await openDuckDb();
  path = csvFile(CSV);
});
afterAll(() => db?.close());

describe('functions match DuckDB cell by cell (NULL rows included)', () => {
  it.each(CASES)('%s', async (expr, duck) => {
    const floe = await runTransform(CSV, INPUT, { select: `id, ${expr} AS v` });
    const expected = await duckRows(
      db,
      `SELECT id, CAST(${duck ?? expr} AS VARCHAR) AS v FROM ${duckSource(path, INPUT)} ORDER BY id`,
    );
    expect(floe.rows.length).toBe(4);
    floe.rows.forEach((row, i) => {
      expect(row.id).toBe(expected[i]!.id);
      expect(
        sameCell(row.v ?? null, expected[i]!.v ?? null),
        `${expr} row ${row.id}: floe ${row.v}, duckdb ${expected[i]!.v}`,
      ).toBe(true);
    });
  });
});

describe('columns selected as they are under a filter keep their exact values (NULLs included)', () => {
  it('SELECT * WHERE id <> 3 matches DuckDB', async () => {
    const floe = await runTransform(CSV, INPUT, { select: '*', where: 'id <> 3' });
    const expected = await duckRows(
      db,
      `SELECT ${INPUT.fields.map((f) => `CAST(${f.name} AS VARCHAR) AS ${f.name}`).join(', ')} FROM ${duckSource(path, INPUT)} WHERE id <> 3 ORDER BY id`,
    );
    expect(floe.rows.map((r) => r.id)).toEqual(['1', '2', '4']);
    floe.rows.forEach((row, i) => {
      for (const f of INPUT.fields)
        expect(sameCell(row[f.name] ?? null, expected[i]![f.name] ?? null), `${f.name} row ${row.id}`).toBe(true);
    });
  });
});
