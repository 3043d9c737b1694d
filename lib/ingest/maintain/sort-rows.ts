/**
 * Orders the rows of a compaction group by the table's sort order (spec: Sorting): each sort
 * field's transform is applied to its source column, then `asc`/`desc` and `nulls-first`/
 * `nulls-last` decide. Values compare as the spec orders them (numbers, strings, binary as
 * unsigned bytes, false < true, NaN after +Infinity). Rows with equal keys keep their input order.
 * The keys are held in flat arrays; the group's batches stay in memory until they are written.
 */
import type * as arrow from 'apache-arrow';
import { applyTransform } from '../../iceberg/partition.js';
import { isValid, valueReader } from '../../iceberg/parquet/arrow-values.js';
import { gatherRows } from '../../iceberg/parquet/row-gather.js';
import { isPrimitive, parsePrimitive } from '../../iceberg/schema.js';
import type { Literal, NestedField, PrimitiveType, Schema, SortOrder } from '../../iceberg/types.js';

/** Raised when a sort field's source column cannot be found or is not a primitive. */
export class SortOrderError extends Error {
  override name = 'SortOrderError';
}

interface KeyColumn {
  indexes: number[];
  type: PrimitiveType;
  transform: string;
  descending: boolean;
  nullsFirst: boolean;
}

/** Returns `batches`' rows ordered by `order`, as batches (runs of rows from one input batch). */
export function sortBatches(batches: arrow.RecordBatch[], schema: Schema, order: SortOrder): arrow.RecordBatch[] {
  if (order.fields.length === 0 || batches.length === 0) return batches;
  const columns: KeyColumn[] = order.fields.map((f) => {
    const found = findColumn(schema.fields, f['source-id'], []);
    if (!found) throw new SortOrderError(`sort field source ${f['source-id']} is not a primitive column of the schema`);
    return {
      ...found,
      transform: f.transform,
      descending: f.direction === 'desc',
      nullsFirst: f['null-order'] === 'nulls-first',
    };
  });
  // Flat arrays (one per key column, plus batch and row of each position) rather than an object
  // per row: a group holds millions of rows.
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const batchOf = new Int32Array(total);
  const rowOf = new Int32Array(total);
  const keys: Literal[][] = columns.map(() => new Array<Literal>(total));
  let position = 0;
  batches.forEach((batch, b) => {
    const readers = columns.map((c) => keyReader(batch, c));
    for (let row = 0; row < batch.numRows; row++, position++) {
      batchOf[position] = b;
      rowOf[position] = row;
      for (let c = 0; c < columns.length; c++) (keys[c] as Literal[])[position] = (readers[c] as KeyReader)(row);
    }
  });
  const sorted = Int32Array.from({ length: total }, (_, i) => i);
  // TypedArray.prototype.sort is not guaranteed stable; ties fall back to the position (file order).
  sorted.sort((x, y) => {
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as KeyColumn;
      const a = (keys[i] as Literal[])[x] as Literal;
      const b = (keys[i] as Literal[])[y] as Literal;
      if (a === null || b === null) {
        if (a === b) continue;
        return (a === null) === c.nullsFirst ? -1 : 1;
      }
      const cmp = compareLiterals(a, b);
      if (cmp !== 0) return c.descending ? -cmp : cmp;
    }
    return x - y;
  });
  const out: arrow.RecordBatch[] = [];
  let start = 0;
  while (start < total) {
    const batch = batchOf[sorted[start] as number] as number;
    let end = start + 1;
    while (end < total && batchOf[sorted[end] as number] === batch) end++;
    const indices = Int32Array.from(sorted.subarray(start, end), (p) => rowOf[p] as number);
    out.push(gatherRows(batches[batch] as arrow.RecordBatch, indices));
    start = end;
  }
  return out;
}

/** Compares two non-null literals of the same type. */
export function compareLiterals(a: Exclude<Literal, null>, b: Exclude<Literal, null>): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  // bigint, string (UTF-16 order equals code point order outside surrogates)
  return a < b ? -1 : a > b ? 1 : 0;
}

type KeyReader = (row: number) => Literal;

function keyReader(batch: arrow.RecordBatch, column: KeyColumn): KeyReader {
  let data = batch.data as arrow.Data;
  const path: arrow.Data[] = [];
  for (const i of column.indexes) {
    data = data.children[i] as arrow.Data;
    path.push(data);
  }
  const read = valueReader(data, parsePrimitive(column.type));
  const identity = column.transform === 'identity';
  return (row) => {
    if (!path.every((d) => isValid(d, row))) return null;
    const value = read(row);
    return identity ? value : applyTransform(column.transform, column.type, value);
  };
}

function findColumn(
  fields: NestedField[],
  id: number,
  prefix: number[],
): { indexes: number[]; type: PrimitiveType } | undefined {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as NestedField;
    if (field.id === id) return isPrimitive(field.type) ? { indexes: [...prefix, i], type: field.type } : undefined;
    if (!isPrimitive(field.type) && field.type.type === 'struct') {
      const found = findColumn(field.type.fields, id, [...prefix, i]);
      if (found) return found;
    }
  }
  return undefined;
}
