import type * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { gatherRows } from '../../lib/iceberg/parquet/row-gather.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { makeBatch, type TestRow } from './parquet-batch.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'b', required: false, type: 'boolean' },
    { id: 2, name: 'l', required: false, type: 'long' },
    { id: 3, name: 'dec', required: false, type: 'decimal(38,2)' },
    { id: 4, name: 's', required: false, type: 'string' },
    { id: 5, name: 'u', required: false, type: 'uuid' },
    { id: 6, name: 'tz', required: false, type: 'timestamptz' },
    {
      id: 7,
      name: 'st',
      required: false,
      type: { type: 'struct', fields: [{ id: 8, name: 'x', required: false, type: 'int' }] },
    },
    {
      id: 9,
      name: 'li',
      required: false,
      type: { type: 'list', 'element-id': 10, 'element-required': false, element: 'string' },
    },
    {
      id: 11,
      name: 'm',
      required: false,
      type: { type: 'map', 'key-id': 12, key: 'string', 'value-id': 13, 'value-required': false, value: 'double' },
    },
  ],
};

const rows: TestRow[] = Array.from({ length: 30 }, (_, k) => ({
  b: k % 4 === 0 ? null : k % 3 === 0,
  l: k % 5 === 0 ? null : BigInt(k) * -(2n ** 40n),
  dec: k % 6 === 0 ? null : (BigInt(k) - 15n) * 10n ** 30n,
  s: k % 7 === 0 ? null : `s${k}`.repeat(k % 3),
  u: k % 8 === 0 ? null : `0000000${k % 10}-0000-0000-0000-00000000000${k % 10}`,
  tz: k % 9 === 0 ? null : BigInt(k) * 1_000_001n,
  st: k % 10 === 0 ? null : { x: k % 2 === 0 ? null : k },
  li: k % 11 === 0 ? null : Array.from({ length: k % 4 }, (_, j) => (j === 1 ? null : `e${k}.${j}`)),
  m: k % 12 === 0 ? null : new Map(Array.from({ length: k % 3 }, (_, j) => [`k${j}`, j === 0 ? null : k + j / 10])),
}));

/** Rows as JSON (Arrow's own reading), for comparing two batches. */
const json = (batch: arrow.RecordBatch) =>
  JSON.stringify(
    batch.toArray().map((r) => r?.toJSON()),
    (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v),
  );

describe('gatherRows', () => {
  it('takes rows of every type, nested included, from a sliced batch', () => {
    const sliced = makeBatch(schema, rows).slice(5, 27); // rows 5..26, with a non-zero offset
    const pick = [21, 0, 3, 3, 10, 17, 8];
    const gathered = gatherRows(sliced, Int32Array.from(pick));
    expect(gathered.numRows).toBe(pick.length);
    expect(json(gathered)).toBe(
      json(
        makeBatch(
          schema,
          pick.map((i) => rows[5 + i] as TestRow),
        ),
      ),
    );
  });

  it('returns an empty batch for no rows', () => {
    expect(gatherRows(makeBatch(schema, rows), new Int32Array(0)).numRows).toBe(0);
  });
});
