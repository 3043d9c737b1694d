/**
 * Test helper: builds an Arrow record batch for an Iceberg schema from rows of Iceberg literals
 * (bigint µs for timestamps, unscaled bigint for decimals, canonical strings for uuids), straight
 * into buffers so no value passes through Arrow's millisecond conversions.
 */
import * as arrow from 'apache-arrow';
import { toArrowSchema } from '../../lib/iceberg/arrow-schema.js';
import { uuidToBytes } from '../../lib/iceberg/bounds.js';
import type { Schema } from '../../lib/iceberg/types.js';

export type TestRow = Record<string, unknown>;

/** One batch of `rows` for `schema` (top-level primitive, struct, list and map columns). */
export function makeBatch(schema: Schema, rows: TestRow[]): arrow.RecordBatch {
  const arrowSchema = toArrowSchema(schema);
  const children = arrowSchema.fields.map((f) =>
    columnData(
      f.type,
      rows.map((r) => r[f.name] ?? null),
    ),
  );
  return new arrow.RecordBatch(
    arrowSchema,
    arrow.makeData({ type: new arrow.Struct(arrowSchema.fields), length: rows.length, children }),
  );
}

function validity(values: unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else nullBitmap[i >> 3] = (nullBitmap[i >> 3] as number) | (1 << (i & 7));
  });
  return { nullBitmap, nullCount };
}

/** Arrow data of one column from Iceberg literals. */
export function columnData(type: arrow.DataType, values: unknown[]): arrow.Data {
  const length = values.length;
  const base = { length, ...validity(values) };
  if (
    arrow.DataType.isInt(type) ||
    arrow.DataType.isDate(type) ||
    arrow.DataType.isFloat(type) ||
    arrow.DataType.isTime(type) ||
    arrow.DataType.isTimestamp(type)
  ) {
    const Ctor = (type as arrow.Int).ArrayType as unknown as {
      new (n: number): ArrayLike<unknown> & Record<number, unknown>;
    };
    const out = new Ctor(length);
    const big = out instanceof BigInt64Array;
    values.forEach((v, i) => {
      if (v !== null && v !== undefined) out[i] = big ? BigInt(v as bigint) : Number(v);
    });
    return arrow.makeData({ ...base, type: type as arrow.Int, data: out as Int32Array });
  }
  if (arrow.DataType.isDecimal(type)) {
    const words = new BigInt64Array(length * 2);
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const n = BigInt(v as bigint);
      words[2 * i] = BigInt.asIntN(64, n);
      words[2 * i + 1] = BigInt.asIntN(64, n >> 64n);
    });
    return arrow.makeData({ ...base, type, data: new Uint32Array(words.buffer) });
  }
  if (arrow.DataType.isFixedSizeBinary(type)) {
    const width = type.byteWidth;
    const out = new Uint8Array(length * width);
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      out.set(typeof v === 'string' ? uuidToBytes(v) : (v as Uint8Array), i * width);
    });
    return arrow.makeData({ ...base, type, data: out });
  }
  if (arrow.DataType.isBool(type)) {
    const out = new Uint8Array((length + 7) >> 3);
    values.forEach((v, i) => {
      if (v === true) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
    });
    return arrow.makeData({ ...base, type, data: out });
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const encoded = values.map((v) =>
      v === null || v === undefined
        ? new Uint8Array(0)
        : typeof v === 'string'
          ? new TextEncoder().encode(v)
          : (v as Uint8Array),
    );
    const valueOffsets = new Int32Array(length + 1);
    encoded.forEach((b, i) => {
      valueOffsets[i + 1] = (valueOffsets[i] as number) + b.length;
    });
    const data = new Uint8Array(valueOffsets[length] as number);
    encoded.forEach((b, i) => {
      data.set(b, valueOffsets[i]);
    });
    return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets, data });
  }
  if (arrow.DataType.isStruct(type)) {
    const children = type.children.map((f) =>
      columnData(
        f.type,
        values.map((v) => (v as Record<string, unknown> | null)?.[f.name] ?? null),
      ),
    );
    return arrow.makeData({ ...base, type, children });
  }
  if (arrow.DataType.isList(type) || arrow.DataType.isMap(type)) {
    const items: unknown[] = [];
    const valueOffsets = new Int32Array(length + 1);
    values.forEach((v, i) => {
      const list =
        v === null || v === undefined
          ? []
          : arrow.DataType.isMap(type)
            ? [...(v as Map<unknown, unknown>)].map(([key, value]) => ({ key, value }))
            : (v as unknown[]);
      items.push(...list);
      valueOffsets[i + 1] = (valueOffsets[i] as number) + list.length;
    });
    const child = columnData((type.children[0] as arrow.Field).type, items);
    return arrow.makeData({ ...base, type: type as arrow.List, valueOffsets, child } as never);
  }
  throw new TypeError(`no test builder for ${type}`);
}
