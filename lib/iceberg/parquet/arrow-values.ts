/**
 * Reading Iceberg values straight out of Arrow buffers, without Arrow's per-row `get()`: that
 * one returns timestamps as milliseconds (apache-arrow 21), which would lose microseconds. Values
 * come back in Iceberg's internal representation (`Literal` in ../types.ts): long and
 * time/timestamp as bigint µs (ns for the `_ns` types), decimal as the unscaled bigint, uuid as
 * its canonical string.
 */
import type * as arrow from 'apache-arrow';
import { bytesToUuid } from '../bounds.js';
import { integerStorage } from '../integer-storage.js';
import type { ParsedPrimitive } from '../schema.js';
import type { Literal } from '../types.js';

const utf8 = new TextDecoder();

/** True when row `i` of `data` (relative to its offset) is valid (not null). */
export function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0) return true;
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0) return data.nullCount === 0;
  const bit = data.offset + i;
  return ((bitmap[bit >> 3] as number) & (1 << (bit & 7))) !== 0;
}

/** A reader of one primitive column's values at row `i` (relative to the data's offset), nulls ignored. */
export type ValueReader = (i: number) => Literal;

/** Builds a fast reader of the non-null values of a primitive Arrow column, as Iceberg literals. */
export function valueReader(data: arrow.Data, type: ParsedPrimitive): ValueReader {
  // Arrow JS slices value and offset buffers when it slices Data; only bit-packed buffers
  // (validity, booleans) are indexed through `data.offset`.
  const offset = data.offset;
  const values = data.values as ArrayLike<number | bigint> & ArrayBufferView;
  const integer = integerStorage(type.kind);
  if (integer === 'int32') return (i) => values[i] as number;
  if (integer === 'int64') return (i) => values[i] as bigint;
  switch (type.kind) {
    case 'boolean': {
      const bits = data.values as Uint8Array;
      return (i) => {
        const bit = offset + i;
        return ((bits[bit >> 3] as number) & (1 << (bit & 7))) !== 0;
      };
    }
    case 'float':
    case 'double':
      return (i) => values[i] as number;
    case 'decimal': {
      const words = decimalWords(data);
      return (i) => decimalAt(words, i);
    }
    case 'string': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => utf8.decode(bytes.subarray(offsets[i], offsets[i + 1]));
    }
    case 'binary': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => bytes.slice(offsets[i], offsets[i + 1]);
    }
    case 'uuid':
    case 'fixed': {
      const width = type.kind === 'fixed' ? type.length : 16;
      const bytes = data.values as Uint8Array;
      if (type.kind === 'uuid') return (i) => bytesToUuid(bytes.subarray(i * 16, (i + 1) * 16));
      return (i) => bytes.slice(i * width, (i + 1) * width);
    }
    default:
      throw new TypeError(`no Arrow reader for Iceberg type ${type.kind}`);
  }
}

/** The 128-bit decimal column as pairs of 64-bit words (low unsigned, high signed). */
export interface DecimalWords {
  low: BigUint64Array;
  high: BigInt64Array;
}

/** Views a Decimal128 column's buffer as 64-bit words. */
export function decimalWords(data: arrow.Data): DecimalWords {
  const words = data.values as Uint32Array;
  return {
    low: new BigUint64Array(words.buffer, words.byteOffset, words.length / 2),
    high: new BigInt64Array(words.buffer, words.byteOffset, words.length / 2),
  };
}

/** The unscaled value of a Decimal128 at index `i` of its (already sliced) buffer. */
export function decimalAt(words: DecimalWords, i: number): bigint {
  const low = words.low[2 * i] as bigint;
  const high = words.high[2 * i + 1] as bigint;
  // Most decimals fit 64 bits: skip the 128-bit arithmetic when the high word is the sign extension.
  if ((high === 0n && low < 0x8000000000000000n) || (high === -1n && low >= 0x8000000000000000n))
    return BigInt.asIntN(64, low);
  return (high << 64n) | low;
}
