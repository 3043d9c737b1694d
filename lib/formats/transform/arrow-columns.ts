/**
 * Arrow column data ↔ the plain JS values the transform evaluator works on, one column at a
 * time (vectorized: one loop per column, no per-row objects).
 *
 * Value representation per Iceberg type (docs/transforms.md): boolean → boolean; int, long,
 * float, double → number; decimal → bigint unscaled (the type carries the scale); date → days;
 * time, timestamp, timestamptz → microseconds (number); timestamp_ns(tz) → nanoseconds (bigint);
 * string → string; binary, fixed, uuid → Uint8Array; null → null. Computed longs are exact up to
 * 2^53; a column selected as it is keeps its Arrow data untouched (exact).
 */
import * as arrow from 'apache-arrow';
import { toArrowType } from '../../iceberg/arrow-schema.js';
import { parsePrimitive } from '../../iceberg/schema.js';
import type { PrimitiveType } from '../../iceberg/types.js';

const utf8 = new TextDecoder();
const SAFE = 2n ** 53n;
const encoder = new TextEncoder();

function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const k = data.offset + i;
  return ((data.nullBitmap[k >> 3]! >> (k & 7)) & 1) === 1;
}

/**
 * Reads rows `rows` (or all) of one column's Arrow data as JS values of `type`; `exact` keeps
 * longs as bigint (a column copied as it is, never computed on).
 */
export function readColumn(data: arrow.Data, type: PrimitiveType, rows?: Int32Array, exact = false): unknown[] {
  const n = rows ? rows.length : data.length;
  const out = new Array<unknown>(n);
  const kind = parsePrimitive(type).kind;
  const off = data.offset;
  const values = data.values as ArrayLike<number | bigint> & { subarray?: unknown };
  for (let j = 0; j < n; j++) {
    const i = rows ? rows[j]! : j;
    if (!isValid(data, i)) {
      out[j] = null;
      continue;
    }
    switch (kind) {
      case 'boolean': {
        const k = off + i;
        out[j] = ((data.values[k >> 3]! >> (k & 7)) & 1) === 1;
        break;
      }
      case 'int':
      case 'date':
      case 'float':
      case 'double':
        out[j] = values[off + i] as number;
        break;
      case 'long':
        out[j] = exact ? (values[off + i] as bigint) : Number(values[off + i] as bigint);
        break;
      case 'time':
      case 'timestamp':
      case 'timestamptz':
        out[j] = Number(values[off + i] as bigint);
        break;
      case 'timestamp_ns':
      case 'timestamptz_ns':
        out[j] = values[off + i] as bigint;
        break;
      case 'decimal': {
        const w = data.values as Uint32Array;
        const b = (off + i) * 4;
        let v = BigInt(w[b]!) | (BigInt(w[b + 1]!) << 32n) | (BigInt(w[b + 2]!) << 64n) | (BigInt(w[b + 3]!) << 96n);
        if (v >= 1n << 127n) v -= 1n << 128n;
        out[j] = v;
        break;
      }
      case 'string':
      case 'binary': {
        const o = data.valueOffsets as Int32Array;
        const bytes = (data.values as Uint8Array).subarray(o[off + i]!, o[off + i + 1]!);
        out[j] = kind === 'string' ? utf8.decode(bytes) : bytes.slice();
        break;
      }
      case 'uuid':
      case 'fixed': {
        const width = (data.type as arrow.FixedSizeBinary).byteWidth;
        out[j] = (data.values as Uint8Array).slice((off + i) * width, (off + i + 1) * width);
        break;
      }
      default:
        throw new Error(`transforms do not read columns of type ${type}`);
    }
  }
  return out;
}

function bitmapOf(values: readonly unknown[]): { bitmap?: Uint8Array; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null) nullCount++;
  if (nullCount === 0) return { nullCount };
  const bitmap = new Uint8Array(((values.length + 63) >> 6) << 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nullCount };
}

/** Builds one column's Arrow data (of `toArrowType(type)`; `arrowType` when given) from JS values. */
export function buildColumn(type: PrimitiveType, values: readonly unknown[], arrowType?: arrow.DataType): arrow.Data {
  const at = arrowType ?? toArrowType(type);
  const length = values.length;
  const { bitmap, nullCount } = bitmapOf(values);
  const kind = parsePrimitive(type).kind;
  const base = { type: at, length, nullCount, nullBitmap: bitmap } as const;
  switch (kind) {
    case 'boolean': {
      const data = new Uint8Array(((length + 63) >> 6) << 3);
      for (let i = 0; i < length; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
      return arrow.makeData({ ...base, type: at as arrow.Bool, data });
    }
    case 'int':
    case 'date': {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) if (values[i] !== null) data[i] = values[i] as number;
      return arrow.makeData({ ...base, type: at as arrow.Int32, data });
    }
    case 'float':
    case 'double': {
      const data = kind === 'float' ? new Float32Array(length) : new Float64Array(length);
      for (let i = 0; i < length; i++) if (values[i] !== null) data[i] = values[i] as number;
      return arrow.makeData({ ...base, type: at as arrow.Float64, data: data as Float64Array });
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const data = new BigInt64Array(length);
      // Safe integers go in as two 32-bit halves (no BigInt per value); bigints as they are.
      const halves = new Int32Array(data.buffer);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        if (typeof v === 'bigint') data[i] = v;
        else {
          const x = v as number;
          const hi = Math.floor(x / 4294967296);
          halves[2 * i] = x - hi * 4294967296;
          halves[2 * i + 1] = hi;
        }
      }
      return arrow.makeData({ ...base, type: at as arrow.Int64, data });
    }
    case 'decimal': {
      const data = new Uint32Array(length * 4);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null) continue;
        if ((v as bigint) < SAFE && (v as bigint) > -SAFE) {
          // Within ±2^53: the four little-endian words from a double, without BigInt shifts.
          const x = Number(v);
          const lo = x % 4294967296;
          const hi = Math.floor(x / 4294967296);
          data[i * 4] = lo < 0 ? lo + 4294967296 : lo;
          data[i * 4 + 1] = hi >>> 0;
          const sign = x < 0 ? 0xffffffff : 0;
          data[i * 4 + 2] = sign;
          data[i * 4 + 3] = sign;
          continue;
        }
        let u = BigInt.asUintN(128, v as bigint);
        for (let w = 0; w < 4; w++) {
          data[i * 4 + w] = Number(u & 0xffffffffn);
          u >>= 32n;
        }
      }
      return arrow.makeData({ ...base, type: at as arrow.Decimal, data });
    }
    case 'string':
    case 'binary': {
      const parts: Uint8Array[] = new Array(length);
      const valueOffsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        const bytes = v === null ? new Uint8Array(0) : typeof v === 'string' ? encoder.encode(v) : (v as Uint8Array);
        parts[i] = bytes;
        total += bytes.length;
        valueOffsets[i + 1] = total;
      }
      const data = new Uint8Array(total);
      for (let i = 0; i < length; i++) data.set(parts[i]!, valueOffsets[i]!);
      return arrow.makeData({ ...base, type: at as arrow.Utf8, data, valueOffsets });
    }
    case 'uuid':
    case 'fixed': {
      const width = (at as arrow.FixedSizeBinary).byteWidth;
      const data = new Uint8Array(length * width);
      for (let i = 0; i < length; i++) if (values[i] !== null) data.set(values[i] as Uint8Array, i * width);
      return arrow.makeData({ ...base, type: at as arrow.FixedSizeBinary, data });
    }
    default:
      throw new Error(`transforms do not write columns of type ${type}`);
  }
}

/**
 * Rows `rows` of one column's Arrow data, copied at the buffer level (no decode to JS values): a
 * column selected as it is under a filter keeps its exact bytes and costs a memcpy per row.
 */
export function takeRows(data: arrow.Data, rows: Int32Array, arrowType: arrow.DataType = data.type): arrow.Data {
  const n = rows.length;
  const off = data.offset;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0) {
    nullBitmap = new Uint8Array(((n + 63) >> 6) << 3);
    for (let j = 0; j < n; j++) {
      const k = off + rows[j]!;
      if ((data.nullBitmap[k >> 3]! >> (k & 7)) & 1) nullBitmap[j >> 3]! |= 1 << (j & 7);
      else nullCount++;
    }
    if (nullCount === 0) nullBitmap = undefined;
  }
  const base = { type: arrowType, length: n, nullCount, nullBitmap } as const;
  const type = data.type;
  if (arrow.DataType.isBool(type)) {
    const bits = new Uint8Array(((n + 63) >> 6) << 3);
    for (let j = 0; j < n; j++) {
      const k = off + rows[j]!;
      if ((data.values[k >> 3]! >> (k & 7)) & 1) bits[j >> 3]! |= 1 << (j & 7);
    }
    return arrow.makeData({ ...base, type: arrowType as arrow.Bool, data: bits });
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const src = data.values as Uint8Array;
    const valueOffsets = new Int32Array(n + 1);
    let total = 0;
    for (let j = 0; j < n; j++) {
      const r = off + rows[j]!;
      total += offsets[r + 1]! - offsets[r]!;
      valueOffsets[j + 1] = total;
    }
    const out = new Uint8Array(total);
    for (let j = 0; j < n; j++) {
      const r = off + rows[j]!;
      out.set(src.subarray(offsets[r]!, offsets[r + 1]!), valueOffsets[j]!);
    }
    return arrow.makeData({ ...base, type: arrowType as arrow.Utf8, data: out, valueOffsets });
  }
  // Fixed width: a typed array with `stride` elements per row.
  const values = data.values as unknown as {
    length: number;
    subarray(a: number, b: number): unknown;
  } & ArrayLike<number>;
  const stride = arrow.DataType.isFixedSizeBinary(type) ? type.byteWidth : arrow.DataType.isDecimal(type) ? 4 : 1;
  const Ctor = (data.values as unknown as { constructor: new (n: number) => Int32Array }).constructor;
  const out = new Ctor(n * stride) as unknown as { [i: number]: number | bigint };
  const src = values as unknown as { [i: number]: number | bigint };
  for (let j = 0; j < n; j++) {
    const s = (off + rows[j]!) * stride;
    for (let w = 0; w < stride; w++) out[j * stride + w] = src[s + w]!;
  }
  return arrow.makeData({ ...base, type: arrowType as arrow.Int32, data: out as unknown as Int32Array });
}
