import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { alignToTable } from '../../lib/formats/align.js';
import { inferSchema } from '../../lib/formats/infer.js';
import { bytesOf, roundTrip, schemaOf } from './roundtrip.js';

describe('JSON round trip', () => {
  it('NDJSON with nested objects → struct and list columns, big integers exact, raw JSON kept on request', async () => {
    const ndjson =
      '{"id":1,"big":9007199254740993,"user":{"name":"Zoë","tags":["a","b"]},"items":[{"sku":"x","qty":2}],"at":"2024-01-01T00:00:00+01:00"}\n' +
      '\n{"id":2,"user":{"name":null,"tags":[]},"items":[],"big":null,"at":null}\n';
    const r = await roundTrip('t.ndjson', ndjson, { options: { json: { rawColumn: '_raw' } }, orderBy: 'id' });
    expect(r.schema.fields.map((f) => [f.name, typeof f.type === 'string' ? f.type : f.type.type])).toEqual([
      ['id', 'int'],
      ['big', 'long'],
      ['user', 'struct'],
      ['items', 'list'],
      ['at', 'timestamptz'],
      ['_raw', 'string'],
    ]);
    expect(r.read[0]).toMatchObject({
      id: 1,
      big: 9007199254740993n,
      user: { name: 'Zoë', tags: ['a', 'b'] },
      items: [{ sku: 'x', qty: 2 }],
    });
    expect(String(r.json[0]!.at)).toMatch(/^2023-12-31 23:00:00/);
    expect(JSON.parse(String(r.read[0]!._raw))).toMatchObject({ id: 1 });
    expect(r.read[1]).toMatchObject({ id: 2, big: null, user: { name: null, tags: [] }, items: [] });
  });

  it('reads a top-level JSON array and a gzipped copy of it', async () => {
    const text = '[\n {"a": 1.5, "b": "x"},\n {"a": 2, "b": null}\n]';
    const plain = await roundTrip('t.json', text, { orderBy: 'a' });
    expect(plain.read).toEqual([
      { a: 1.5, b: 'x' },
      { a: 2, b: null },
    ]);
    const gz = await roundTrip('t.json.gz', gzipSync(text), { orderBy: 'a' });
    expect(gz.read).toEqual(plain.read);
  });
});

describe('inference', () => {
  it('validates the whole file: a column int in the sample but "x" later becomes string', async () => {
    const lines = ['n,m'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},${i}`);
    lines.push('x,1');
    const schema = await inferSchema(() => bytesOf(lines.join('\n'), 4096), 't.csv');
    expect(schema.fields.map((f) => [f.id, f.name, f.type, f.required])).toEqual([
      [1, 'n', 'string', false],
      [2, 'm', 'int', false],
    ]);
  });

  it('infers boolean, long, double, decimal (when asked), date, timestamp, timestamptz and keeps leading-zero codes as strings', async () => {
    const csv =
      'b,l,d,dec,day,ts,tstz,zip,Empty Col\n' +
      'true,3000000000,1.5e3,12.50,2024-01-01,2024-01-01 10:00:00,2024-01-01T10:00:00Z,02134,\n' +
      'FALSE,1,2,3.125,2024-12-31,2024-01-01T10:00:00.5,2024-01-01T10:00:00-05:00,10001,\n';
    const plain = await inferSchema(() => bytesOf(csv), 't.csv');
    expect(plain.fields.map((f) => f.type)).toEqual([
      'boolean',
      'long',
      'double',
      'double',
      'date',
      'timestamp',
      'timestamptz',
      'string',
      'string',
    ]);
    const dec = await inferSchema(() => bytesOf(csv), 't.csv', { inferDecimals: true, normalizeColumnNames: true });
    expect(dec.fields[3]!.type).toBe('decimal(5,3)');
    expect(dec.fields[8]!.name).toBe('empty_col');
  });
});

describe('alignToTable', () => {
  const table = schemaOf([
    ['id', 'int', true],
    ['name', 'string'],
    ['price', 'float'],
  ]);

  it('evolve adds optional columns with fresh ids and widens int→long and float→double', () => {
    const file = schemaOf([
      ['ID', 'long'],
      ['price', 'double'],
      ['new_col', 'date'],
    ]);
    const a = alignToTable(table, file, 'evolve', { caseInsensitive: true });
    expect(a.evolved).toBe(true);
    expect(a.schema['schema-id']).toBe(1);
    expect(a.newColumns).toEqual([{ id: 4, name: 'new_col', required: false, type: 'date' }]);
    expect(a.promotions.map((p) => [p.column, p.from, p.to])).toEqual([
      ['id', 'int', 'long'],
      ['price', 'float', 'double'],
    ]);
    expect(a.schema.fields.map((f) => f.type)).toEqual(['long', 'string', 'double', 'date']);
  });

  it('evolve widens decimal precision at the same scale, and never narrows it or changes the scale', () => {
    const money = schemaOf([['amount', 'decimal(9,2)']]);
    const wider = alignToTable(money, schemaOf([['amount', 'decimal(18,2)']]), 'evolve');
    expect(wider.promotions.map((p) => [p.from, p.to])).toEqual([['decimal(9,2)', 'decimal(18,2)']]);
    expect(wider.schema.fields[0]!.type).toBe('decimal(18,2)');
    for (const other of ['decimal(5,2)', 'decimal(18,4)'] as const) {
      const kept = alignToTable(money, schemaOf([['amount', other]]), 'evolve');
      expect(kept.promotions).toEqual([]);
      expect(kept.schema.fields[0]!.type).toBe('decimal(9,2)');
    }
  });

  it('strict rejects a new column, ignore-extra drops it, a missing required column rejects the file', () => {
    const file = schemaOf([
      ['id', 'int'],
      ['other', 'string'],
    ]);
    expect(() => alignToTable(table, file, 'strict', { fileName: 'f.csv' })).toThrow(
      /column "other" is not in the table/,
    );
    const ignored = alignToTable(table, file, 'ignore-extra');
    expect(ignored.evolved).toBe(false);
    expect(ignored.schema).toBe(table);
    expect(() => alignToTable(table, schemaOf([['name', 'string']]), 'evolve', { fileName: 'f.csv' })).toThrow(
      /missing required column "id"/,
    );
  });

  it('does not narrow or change types outside the allowed widenings (values then become row errors)', () => {
    const a = alignToTable(
      table,
      schemaOf([['id', 'string']]).fields.concat(
        schemaOf([['x', 'int']]).fields.map((f) => ({ ...f, id: 9, name: 'price', type: 'string' })),
      ),
      'evolve',
    );
    expect(a.promotions).toEqual([]);
    expect(a.schema.fields.map((f) => f.type)).toEqual(['int', 'string', 'float']);
  });
});
