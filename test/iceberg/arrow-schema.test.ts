import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_ID_KEY, fromArrowSchema, toArrowSchema, UnsupportedTypeError } from '../../lib/iceberg/arrow-schema.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { type DuckDb, openDuckDb, sqlString } from '../support/duckdb.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'b', required: true, type: 'boolean' },
    { id: 2, name: 'i', required: false, type: 'int' },
    { id: 3, name: 'l', required: false, type: 'long' },
    { id: 4, name: 'f', required: false, type: 'float' },
    { id: 5, name: 'd', required: false, type: 'double' },
    { id: 6, name: 'd9', required: false, type: 'decimal(9,2)' },
    { id: 7, name: 'd18', required: false, type: 'decimal(18, 4)' },
    { id: 8, name: 'd38', required: false, type: 'decimal(38,10)' },
    { id: 9, name: 'dt', required: false, type: 'date' },
    { id: 10, name: 't', required: false, type: 'time' },
    { id: 11, name: 'ts', required: false, type: 'timestamp' },
    { id: 12, name: 'tz', required: false, type: 'timestamptz' },
    { id: 13, name: 'tsn', required: false, type: 'timestamp_ns' },
    { id: 14, name: 'tzn', required: false, type: 'timestamptz_ns' },
    { id: 15, name: 's', required: false, type: 'string' },
    { id: 16, name: 'u', required: false, type: 'uuid' },
    { id: 17, name: 'fx', required: false, type: 'fixed[3]' },
    { id: 18, name: 'bin', required: false, type: 'binary' },
    {
      id: 19,
      name: 'st',
      required: false,
      type: { type: 'struct', fields: [{ id: 20, name: 'x', required: false, type: 'int' }] },
    },
    {
      id: 21,
      name: 'li',
      required: false,
      type: { type: 'list', 'element-id': 22, 'element-required': false, element: 'string' },
    },
    {
      id: 23,
      name: 'm',
      required: false,
      type: { type: 'map', 'key-id': 24, key: 'string', 'value-id': 25, 'value-required': true, value: 'long' },
    },
  ],
};

let db: DuckDb;
let dir: string;
beforeAll(async () => {
  db = await openDuckDb();
  dir = mkdtempSync(join(tmpdir(), 'floe-arrow-schema-'));
});
afterAll(() => db.close());

/** Writes one row (nulls in the optional columns) straight through parquet-wasm. */
function writeOneRow(arrowSchema: arrow.Schema): string {
  const children = arrowSchema.fields.map(
    (f) => arrow.vectorFromArray([f.nullable ? null : true], f.type).data[0] as arrow.Data,
  );
  const batch = new arrow.RecordBatch(
    arrowSchema,
    arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: 1, children }),
  );
  const bytes = writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(new arrow.Table([batch]), 'stream')));
  const path = join(dir, 'schema.parquet');
  writeFileSync(path, bytes);
  return path;
}

describe('toArrowSchema', () => {
  it('puts a field id on every field, nested children included', () => {
    const arrowSchema = toArrowSchema(schema);
    const ids: string[] = [];
    const visit = (fields: readonly arrow.Field[]) => {
      for (const f of fields) {
        const id = f.metadata.get(FIELD_ID_KEY);
        if (id !== undefined) ids.push(id);
        visit(f.type.children ?? []);
      }
    };
    visit(arrowSchema.fields);
    expect(ids.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(arrowSchema.fields[0]?.nullable).toBe(false);
    expect(arrowSchema.fields[1]?.nullable).toBe(true);
  });

  it('becomes the Parquet types of spec Appendix A with field ids (read by DuckDB)', async () => {
    const path = writeOneRow(toArrowSchema(schema));
    const rows = await db.query(
      `SELECT name, type, type_length, scale, precision, field_id, logical_type, repetition_type FROM parquet_schema(${sqlString(path)})`,
    );
    const byName = new Map(rows.map((r) => [r.name as string, r]));
    // Every leaf and every group that stands for an Iceberg field has its id.
    for (const name of [
      'b',
      'i',
      'l',
      'f',
      'd',
      'd9',
      'd18',
      'd38',
      'dt',
      't',
      'ts',
      'tz',
      'tsn',
      'tzn',
      's',
      'u',
      'fx',
      'bin',
      'st',
      'x',
      'li',
      'element',
      'm',
      'key',
      'value',
    ]) {
      expect(byName.get(name)?.field_id, name).toBeTypeOf('bigint');
    }
    expect(byName.get('element')?.field_id).toBe(22n);
    expect(byName.get('key')?.field_id).toBe(24n);
    expect(byName.get('value')?.field_id).toBe(25n);
    expect(byName.get('b')?.repetition_type).toBe('REQUIRED');
    // Decimal physical type by precision: INT32 (≤ 9), INT64 (≤ 18), FIXED (> 18, 16 bytes for 38).
    expect(byName.get('d9')?.type).toBe('INT32');
    expect(byName.get('d18')?.type).toBe('INT64');
    expect(byName.get('d38')?.type).toBe('FIXED_LEN_BYTE_ARRAY');
    expect(byName.get('d38')?.precision).toBe(38n);
    expect(byName.get('d38')?.scale).toBe(10n);
    expect(byName.get('tz')?.logical_type).toMatch(/isAdjustedToUTC=1.*MICROS=MicroSeconds/);
    expect(byName.get('ts')?.logical_type).toMatch(/isAdjustedToUTC=0.*MICROS=MicroSeconds/);
    expect(byName.get('tzn')?.logical_type).toMatch(/isAdjustedToUTC=1.*NANOS=NanoSeconds/);
    expect(byName.get('t')?.logical_type).toMatch(/TimeType.*MICROS=MicroSeconds/);
    expect(byName.get('u')?.type).toBe('FIXED_LEN_BYTE_ARRAY');
    expect(byName.get('u')?.type_length).toBe('16');
    expect(byName.get('fx')?.type_length).toBe('3');
    expect(byName.get('li')?.logical_type).toBe('ListType()');
    // 3-level list: li (LIST) → list (repeated) → element.
    expect(byName.get('list')?.repetition_type).toBe('REPEATED');
  });

  it('rejects types Parquet output cannot carry', () => {
    expect(() =>
      toArrowSchema({
        type: 'struct',
        'schema-id': 0,
        fields: [{ id: 1, name: 'v', required: false, type: 'variant' }],
      }),
    ).toThrow(UnsupportedTypeError);
  });
});

describe('fromArrowSchema', () => {
  it('inverts toArrowSchema', () => {
    const back = fromArrowSchema(toArrowSchema(schema));
    const normalize = (s: Schema) => JSON.parse(JSON.stringify(s).replaceAll(', ', ','));
    expect(normalize(back)).toEqual(normalize(schema));
  });

  it('assigns ids after the largest one to fields without PARQUET:field_id', () => {
    const s = new arrow.Schema([
      new arrow.Field('a', new arrow.Int16(), true),
      new arrow.Field('b', new arrow.TimestampMillisecond('+01:00'), false, new Map([[FIELD_ID_KEY, '7']])),
      new arrow.Field('c', new arrow.List(new arrow.Field('item', new arrow.LargeUtf8(), true)), true),
    ]);
    const back = fromArrowSchema(s);
    expect(back.fields).toEqual([
      { id: 8, name: 'a', required: false, type: 'int' },
      { id: 7, name: 'b', required: true, type: 'timestamptz' },
      {
        id: 9,
        name: 'c',
        required: false,
        type: { type: 'list', 'element-id': 10, 'element-required': false, element: 'string' },
      },
    ]);
  });
});
