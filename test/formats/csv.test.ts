import { describe, expect, it } from 'vitest';
import { readBatches } from '../../lib/formats/read-batches.js';
import { RowErrorCollector } from '../../lib/formats/row-errors.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { bytesOf, roundTrip, schemaOf } from './roundtrip.js';

async function readAll(name: string, text: string, schema: Schema, options = {}) {
  const out: Record<string, unknown>[] = [];
  for await (const b of readBatches(bytesOf(text), name, schema, options, new RowErrorCollector())) {
    for (const r of b.toArray()) out.push(r.toJSON());
  }
  return out;
}

describe('CSV round trip through Parquet, read back with DuckDB', () => {
  it('keeps decimals, offset timestamps (as UTC), unicode, big longs, dates and booleans type by type', async () => {
    const csv =
      'id,amount,at,name,big,day,ok\n' +
      '1,12.30,2024-03-01T10:00:00+02:00,héllo 世界 🎉,9223372036854775807,2024-02-29,true\n' +
      '2,-0.05,2024-03-01 23:59:59.123456Z,"quoted, with ""quotes""",-9223372036854775808,1970-01-01,false\n';
    const schema = schemaOf([
      ['id', 'int', true],
      ['amount', 'decimal(10,2)'],
      ['at', 'timestamptz'],
      ['name', 'string'],
      ['big', 'long'],
      ['day', 'date'],
      ['ok', 'boolean'],
    ]);
    const r = await roundTrip('t.csv', csv, { schema, orderBy: 'id' });
    expect(r.rows).toBe(2);
    expect(r.json[0]).toMatchObject({
      id: 1,
      amount: '12.30',
      name: 'héllo 世界 🎉',
      big: '9223372036854775807',
      day: '2024-02-29',
      ok: true,
    });
    expect(r.read[0]!.at).toEqual(expect.anything());
    expect(String(r.json[0]!.at)).toMatch(/^2024-03-01 08:00:00(\+00)?/);
    expect(String(r.json[1]!.at)).toMatch(/^2024-03-01 23:59:59\.123456/);
    expect(r.json[1]).toMatchObject({
      amount: '-0.05',
      name: 'quoted, with "quotes"',
      big: '-9223372036854775808',
      day: '1970-01-01',
      ok: false,
    });
  });

  it('tells nulls from empty strings: unquoted empty and markers are null, quoted "" is an empty string', async () => {
    const csv = 'a,b,n\nx,"",1\n,NULL,\n';
    const schema = schemaOf([
      ['a', 'string'],
      ['b', 'string'],
      ['n', 'int'],
    ]);
    const r = await roundTrip('t.csv', csv, {
      schema,
      options: { csv: { nullMarkers: ['', 'NULL'] } },
      orderBy: 'a NULLS LAST',
    });
    expect(r.read).toEqual([
      { a: 'x', b: '', n: 1 },
      { a: null, b: null, n: null },
    ]);
  });

  it('reads BOM, CRLF, multi-line quoted fields, comments, skipped title lines and a custom delimiter/escape', async () => {
    const csv = '\ufeffReport title\r\nid;text\r\n# a comment\r\n1;"line one\r\nline two"\r\n2;"say \\"hi\\";"\r\n';
    const rows = await readAll(
      't.csv',
      csv,
      schemaOf([
        ['id', 'int'],
        ['text', 'string'],
      ]),
      {
        csv: { delimiter: ';', escape: '\\', comment: '#', skipLines: 1 },
      },
    );
    expect(rows).toEqual([
      { id: 1, text: 'line one\r\nline two' },
      { id: 2, text: 'say "hi";' },
    ]);
  });

  it('reads TSV and files without a header (columns by position)', async () => {
    const tsv = await readAll(
      't.tsv',
      'a\tb\n1\tx y\n',
      schemaOf([
        ['a', 'int'],
        ['b', 'string'],
      ]),
    );
    expect(tsv).toEqual([{ a: 1, b: 'x y' }]);
    const headerless = await readAll(
      't.csv',
      '7,seven\n8,eight',
      schemaOf([
        ['n', 'int'],
        ['w', 'string'],
      ]),
      { csv: { header: false } },
    );
    expect(headerless).toEqual([
      { n: 7, w: 'seven' },
      { n: 8, w: 'eight' },
    ]);
  });

  it('matches header names case-insensitively when asked, fills missing optional columns with null and hive columns with constants', async () => {
    const schema = schemaOf([
      ['id', 'int'],
      ['extra', 'string'],
      ['dt', 'date'],
    ]);
    const r = await roundTrip('dt=2024-05-01/t.csv', 'ID\n5\n', {
      schema,
      options: { caseInsensitive: true },
      hiveColumns: { dt: '2024-05-01' },
    });
    expect(r.json).toEqual([{ id: 5, extra: null, dt: '2024-05-01' }]);
  });

  it('on_error continue keeps good rows and reports bad ones with line, column, value and reason', async () => {
    const csv = 'id,n\n1,10\n2,abc\n3,99999999999\n4,40\n5\n';
    const r = await roundTrip('t.csv', csv, {
      schema: schemaOf([
        ['id', 'int'],
        ['n', 'int'],
      ]),
      onError: 'continue',
      orderBy: 'id',
    });
    expect(r.read.map((x) => x.id)).toEqual([1, 4]);
    expect(r.rejected.map((x) => [x.line, x.column, x.value])).toEqual([
      [3, 'n', 'abc'],
      [4, 'n', '99999999999'],
      [6, '2', ''],
    ]);
    expect(r.rejected[0]!.reason).toMatch(/not an int/);
    expect(r.rejected[1]!.reason).toMatch(/out of range/);
    expect(r.rejected[2]!.reason).toMatch(/expected 2 fields, found 1/);
    expect(r.rejected[0]!.raw).toBe('2,abc');
  });

  it('on_error abort rejects the file at the first bad value and writes nothing', async () => {
    await expect(roundTrip('t.csv', 'd\n2024-02-30\n', { schema: schemaOf([['d', 'date']]) })).rejects.toMatchObject({
      name: 'BadInputError',
      line: 2,
      column: 'd',
      value: '2024-02-30',
    });
  });
});
