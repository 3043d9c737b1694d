/**
 * The column builder contract and the helpers every builder shares: values go straight into
 * typed arrays (Int32Array, Float64Array, 64-bit pairs, UTF-8 bytes + offsets, a validity byte
 * per row) and become one `arrow.Data` per batch through `makeData`, with no per-value Arrow
 * objects. Each append returns `null` or the reason the value does not fit, so readers can turn
 * it into a row error naming line and column.
 */
import type * as arrow from 'apache-arrow';
import { JsonNumber } from '../json-value.js';
import { parseFailure } from '../scalar-parse.js';

/** Shared UTF-8 encoder of the builders. */
export const encoder = new TextEncoder();
/** Scratch buffer of `asciiBytes` (grows; read it right after the call). */
export let scratch = new Uint8Array(256);

/** Writes `s` as UTF-8 into `scratch` and returns the byte count (a fast path for ASCII). */
export function asciiBytes(s: string): number {
  if (s.length > scratch.length) scratch = new Uint8Array(s.length * 3 + 16);
  let ascii = true;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 127) {
      ascii = false;
      break;
    }
    scratch[k] = c;
  }
  if (ascii) return s.length;
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3 + 16);
  return encoder.encodeInto(s, scratch).written;
}

/** Takes the failure reason of the last scalar parse (and clears it). */
export function takeFailure(): string | null {
  const r = parseFailure.reason;
  if (r === '') return null;
  parseFailure.reason = '';
  return r;
}

/** `arr`, or a copy at least twice as large when it is shorter than `need`. */
export function grow<T extends Int32Array | Float64Array | Float32Array | Uint8Array>(arr: T, need: number): T {
  if (need <= arr.length) return arr;
  let size = Math.max(arr.length * 2, 16);
  while (size < need) size *= 2;
  const next = new (arr.constructor as new (n: number) => T)(size);
  next.set(arr);
  return next;
}

/** Packs one validity/boolean byte per row into an Arrow bitmap (LSB first, 64-bit padded). */
export function packBits(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(((length + 63) >> 6) << 3);
  for (let i = 0; i < length; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** A typed-array builder for one column of one batch. */
export abstract class ColumnBuilder {
  length = 0;
  nullCount = 0;
  protected valid = new Uint8Array(1024);

  constructor(
    readonly type: arrow.DataType,
    readonly required: boolean,
  ) {}

  /** Parses `buf[start, end)` (text bytes) into the next slot. */
  abstract appendBytes(buf: Uint8Array, start: number, end: number): string | null;
  /** Appends a default (zero) value: the slot under a null parent of a required field. */
  protected abstract appendZero(): void;
  /** Appends a value of another kind than text (JSON number, boolean, nested values). */
  protected appendOther(value: unknown): string | null {
    return `expected ${this.describe()}, got ${describeValue(value)}`;
  }
  protected abstract resize(length: number): void;
  protected abstract buildData(nullBitmap: Uint8Array | undefined): arrow.Data;

  describe(): string {
    return String(this.type).toLowerCase();
  }

  /** Makes room for `n` more rows of validity bytes and returns them (run loops write directly). */
  protected reserveValid(n: number): Uint8Array {
    if (this.length + n > this.valid.length) this.valid = grow(this.valid, this.length + n);
    return this.valid;
  }

  protected markValid(): void {
    if (this.length >= this.valid.length) this.valid = grow(this.valid, this.length + 1);
    this.valid[this.length++] = 1;
  }

  /** Appends null; a required column rejects it unless `underNullParent`. */
  appendNull(underNullParent = false): string | null {
    if (this.required) {
      if (!underNullParent) return 'null in a required column';
      this.appendZero();
      return null;
    }
    this.appendZero();
    this.valid[this.length - 1] = 0;
    this.nullCount++;
    return null;
  }

  /** Appends a string value (JSON string, Parquet/hive text) by parsing its bytes. */
  appendString(s: string): string | null {
    const n = asciiBytes(s);
    return this.appendBytes(scratch, 0, n);
  }

  /** Appends a parsed JSON value (or a JS value from another reader). */
  appendValue(value: unknown): string | null {
    if (value === null || value === undefined) return this.appendNull();
    if (typeof value === 'string') return this.appendString(value);
    return this.appendOther(value);
  }

  /** Drops slots from `length` on (rolls back a partly appended row). */
  truncate(length: number): void {
    for (let i = length; i < this.length; i++) if (this.valid[i] === 0) this.nullCount--;
    this.length = length;
    this.resize(length);
  }

  /** The batch's column as Arrow data; the builder is reset for the next batch. */
  finish(): arrow.Data {
    const bitmap = this.nullCount > 0 ? packBits(this.valid, this.length) : undefined;
    const data = this.buildData(bitmap);
    this.length = 0;
    this.nullCount = 0;
    return data;
  }

  /** Timestamps appended since the last call whose zone did not match the column (and resets). */
  zoneAdjusted(): number {
    return 0;
  }

  /** Index of the first row whose text is not valid UTF-8 (string columns), or -1. */
  firstInvalidUtf8(): number {
    return -1;
  }

  /**
   * Appends field `c` of CSV records [r0, r1) (every record has the file's column count): an
   * empty field is null when `emptyIsNull` (unless it is a quoted empty string of a string
   * column). Returns the first record whose value does not fit, or -1; the caller then rolls the
   * whole run back and takes the row-at-a-time path, which reports the error. The hot builders
   * override this with the same loop so that their `appendBytes` call is monomorphic (inlined).
   */
  appendCsvColumn(col: CsvColumnRun): number {
    const { buf, starts, ends, flags, firstField, r0, r1, c, emptyIsNull, keepQuotedEmpty } = col;
    for (let r = r0; r < r1; r++) {
      const f = firstField[r]! + c;
      const s = starts[f]!;
      const e = ends[f]!;
      const err =
        s === e && emptyIsNull && !(keepQuotedEmpty && flags[f] !== 0)
          ? this.appendNull()
          : this.appendBytes(buf, s, e);
      if (err !== null) return r;
    }
    return -1;
  }
}

/** One column of a run of CSV records (see `ColumnBuilder.appendCsvColumn`). */
export interface CsvColumnRun {
  buf: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  flags: Uint8Array;
  firstField: Int32Array;
  r0: number;
  r1: number;
  /** The field's position in each record. */
  c: number;
  emptyIsNull: boolean;
  /** A quoted `""` stays an empty string (string and binary columns). */
  keepQuotedEmpty: boolean;
}

/** Names a value's kind for a type-mismatch reason. */
export function describeValue(value: unknown): string {
  if (value instanceof JsonNumber) return `number ${value.text}`;
  if (value instanceof Map) return 'an object';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
