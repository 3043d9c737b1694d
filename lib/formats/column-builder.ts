/**
 * Column builders: values go straight into typed arrays (Int32Array, Float64Array, 64-bit
 * pairs, UTF-8 bytes + offsets, a validity byte per row) and become one `arrow.Data` per batch
 * through `makeData`, with no per-value Arrow objects. Each append returns `null` or the reason
 * the value does not fit, so readers can turn it into a row error naming line and column.
 *
 * Physical layouts follow the Arrow columnar format; the Iceberg → Arrow types come from
 * `toArrowSchema` so the batches match what the Parquet writer expects exactly.
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { parsePrimitive } from '../iceberg/schema.js';
import type { IcebergType, NestedField } from '../iceberg/types.js';
import { JsonNumber, type JsonValue, toJsonText } from './json-value.js';
import {
  BIG,
  bigResult,
  bytesToText,
  doubleHoldsText,
  parseBoolean,
  parseDate,
  parseDecimal,
  parseDouble,
  parseFailure,
  parseLong,
  parseSafeInt,
  parseTimestamp,
  parseUuid,
  timestampInfo,
} from './scalar-parse.js';

/** Parses a JSON text (a CSV cell holding a struct or list); set by the JSON reader module. */
export const nestedTextParser: { parse?: (text: string) => JsonValue } = {};

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

function asciiBytes(s: string): number {
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
function takeFailure(): string | null {
  const r = parseFailure.reason;
  if (r === '') return null;
  parseFailure.reason = '';
  return r;
}

function grow<T extends Int32Array | Float64Array | Float32Array | Uint8Array>(arr: T, need: number): T {
  if (need <= arr.length) return arr;
  let size = Math.max(arr.length * 2, 16);
  while (size < need) size *= 2;
  const next = new (arr.constructor as new (n: number) => T)(size);
  next.set(arr);
  return next;
}

function packBits(bytes: Uint8Array, length: number): Uint8Array {
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

function describeValue(value: unknown): string {
  if (value instanceof JsonNumber) return `number ${value.text}`;
  if (value instanceof Map) return 'an object';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

class BoolBuilder extends ColumnBuilder {
  private values = new Uint8Array(1024);
  // Run loop: capacity reserved once, values written straight into the typed arrays (no
  // per-value grow checks or calls); a value that does not fit ends the run (see the base class).
  override appendCsvColumn(col: CsvColumnRun): number {
    const { buf, starts, ends, flags, firstField, r0, r1, c, emptyIsNull, keepQuotedEmpty } = col;
    if (this.length + (r1 - r0) > this.values.length) this.values = grow(this.values, this.length + (r1 - r0));
    const values = this.values;
    const valid = this.reserveValid(r1 - r0);
    let len = this.length;
    let r = r0;
    for (; r < r1; r++) {
      const f = firstField[r]! + c;
      const s = starts[f]!;
      const e = ends[f]!;
      if (s === e && emptyIsNull && !(keepQuotedEmpty && flags[f] !== 0)) {
        if (this.required) break;
        values[len] = 0;
        valid[len++] = 0;
        this.nullCount++;
        continue;
      }
      const v = parseBoolean(buf, s, e);
      if (Number.isNaN(v)) break;
      values[len] = v;
      valid[len++] = 1;
    }
    this.length = len;
    parseFailure.reason = '';
    return r < r1 ? r : -1;
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    const v = parseBoolean(buf, start, end);
    if (Number.isNaN(v)) return takeFailure();
    this.put(v);
    return null;
  }
  private put(v: number): void {
    if (this.length >= this.values.length) this.values = grow(this.values, this.length + 1);
    this.values[this.length] = v;
    this.markValid();
  }
  protected appendZero(): void {
    this.put(0);
  }
  protected override appendOther(value: unknown): string | null {
    if (typeof value === 'boolean') {
      this.put(value ? 1 : 0);
      return null;
    }
    return super.appendOther(value);
  }
  protected resize(): void {}
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    return arrow.makeData({
      type: this.type as arrow.Bool,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      data: packBits(this.values, this.length),
    });
  }
}

type Int32Kind = 'int' | 'date';
class Int32Builder extends ColumnBuilder {
  private values = new Int32Array(1024);
  constructor(
    type: arrow.DataType,
    required: boolean,
    private readonly kind: Int32Kind,
  ) {
    super(type, required);
  }
  // Run loop: capacity reserved once, values written straight into the typed arrays (no
  // per-value grow checks or calls); a value that does not fit ends the run (see the base class).
  override appendCsvColumn(col: CsvColumnRun): number {
    const { buf, starts, ends, flags, firstField, r0, r1, c, emptyIsNull, keepQuotedEmpty } = col;
    if (this.length + (r1 - r0) > this.values.length) this.values = grow(this.values, this.length + (r1 - r0));
    const values = this.values;
    const isInt = this.kind === 'int';
    const valid = this.reserveValid(r1 - r0);
    let len = this.length;
    let r = r0;
    for (; r < r1; r++) {
      const f = firstField[r]! + c;
      const s = starts[f]!;
      const e = ends[f]!;
      if (s === e && emptyIsNull && !(keepQuotedEmpty && flags[f] !== 0)) {
        if (this.required) break;
        values[len] = 0;
        valid[len++] = 0;
        this.nullCount++;
        continue;
      }
      const v = isInt ? parseSafeInt(buf, s, e, -2147483648, 2147483647, 'an int') : parseDate(buf, s, e);
      if (Number.isNaN(v)) break;
      values[len] = v;
      valid[len++] = 1;
    }
    this.length = len;
    parseFailure.reason = '';
    return r < r1 ? r : -1;
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    const v =
      this.kind === 'int'
        ? parseSafeInt(buf, start, end, -2147483648, 2147483647, 'an int')
        : parseDate(buf, start, end);
    if (Number.isNaN(v)) return takeFailure();
    this.put(v);
    return null;
  }
  private put(v: number): void {
    if (this.length >= this.values.length) this.values = grow(this.values, this.length + 1);
    this.values[this.length] = v;
    this.markValid();
  }
  protected appendZero(): void {
    this.put(0);
  }
  protected override appendOther(value: unknown): string | null {
    if (value instanceof JsonNumber && this.kind === 'int') return this.appendString(value.text);
    if (
      typeof value === 'number' &&
      this.kind === 'int' &&
      Number.isInteger(value) &&
      value >= -2147483648 &&
      value <= 2147483647
    ) {
      this.put(value);
      return null;
    }
    return super.appendOther(value);
  }
  protected resize(): void {}
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    return arrow.makeData({
      type: this.type as arrow.Int32,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      data: this.values.slice(0, this.length),
    });
  }
}

type Int64Kind = 'long' | 'timestamp' | 'timestamptz' | 'timestamp_ns' | 'timestamptz_ns' | 'time';
const TWO32 = 4294967296;
const big64 = new BigInt64Array(1);
const big64Words = new Int32Array(big64.buffer);

/** 64-bit values stored as (lo, hi) Int32 pairs so safe integers never allocate a BigInt. */
class Int64Builder extends ColumnBuilder {
  private words = new Int32Array(2048);
  /** Values whose zone did not match the column (see `zoneAdjusted`). */
  private zoneMismatches = 0;
  override zoneAdjusted(): number {
    const n = this.zoneMismatches;
    this.zoneMismatches = 0;
    return n;
  }
  constructor(
    type: arrow.DataType,
    required: boolean,
    private readonly kind: Int64Kind,
  ) {
    super(type, required);
  }
  // Run loop: capacity reserved once, values written straight into the typed arrays (no
  // per-value grow checks or calls); a value that does not fit ends the run (see the base class).
  override appendCsvColumn(col: CsvColumnRun): number {
    const { buf, starts, ends, flags, firstField, r0, r1, c, emptyIsNull, keepQuotedEmpty } = col;
    if (this.kind === 'time') return super.appendCsvColumn(col);
    if (2 * (this.length + (r1 - r0)) > this.words.length) this.words = grow(this.words, 2 * (this.length + (r1 - r0)));
    const words = this.words;
    const isLong = this.kind === 'long';
    const zoned = this.kind.startsWith('timestamptz');
    const units = this.kind.endsWith('_ns') ? 1_000_000_000 : 1_000_000;
    const valid = this.reserveValid(r1 - r0);
    let len = this.length;
    let r = r0;
    for (; r < r1; r++) {
      const f = firstField[r]! + c;
      const s = starts[f]!;
      const e = ends[f]!;
      if (s === e && emptyIsNull && !(keepQuotedEmpty && flags[f] !== 0)) {
        if (this.required) break;
        words[2 * len] = 0;
        words[2 * len + 1] = 0;
        valid[len++] = 0;
        this.nullCount++;
        continue;
      }
      const v = isLong ? parseLong(buf, s, e) : parseTimestamp(buf, s, e, units);
      if (Number.isNaN(v)) break;
      if (!isLong && timestampInfo.hadOffset !== zoned) this.zoneMismatches++;
      if (v === BIG) {
        big64[0] = bigResult.value;
        words[2 * len] = big64Words[0]!;
        words[2 * len + 1] = big64Words[1]!;
      } else {
        words[2 * len] = v >>> 0;
        words[2 * len + 1] = Math.floor(v / TWO32) | 0;
      }
      valid[len++] = 1;
    }
    this.length = len;
    parseFailure.reason = '';
    return r < r1 ? r : -1;
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    let v: number;
    switch (this.kind) {
      case 'long':
        v = parseLong(buf, start, end);
        break;
      case 'time':
        v = parseTime(buf, start, end);
        break;
      default:
        v = parseTimestamp(buf, start, end, this.kind.endsWith('_ns') ? 1_000_000_000 : 1_000_000);
        // One rule (docs/formats.md "Time zones"): a zoned value into a timestamp column is
        // converted to UTC and its zone dropped; a naive value into timestamptz is taken as UTC.
        // Both are counted, so the outcome can warn.
        if (!Number.isNaN(v) && timestampInfo.hadOffset !== this.kind.startsWith('timestamptz')) this.zoneMismatches++;
    }
    if (Number.isNaN(v)) return takeFailure();
    if (v === BIG) this.putBig(bigResult.value);
    else this.put(v);
    return null;
  }
  private ensure(): void {
    if (2 * this.length + 2 > this.words.length) this.words = grow(this.words, 2 * this.length + 2);
  }
  private put(v: number): void {
    this.ensure();
    const at = 2 * this.length;
    this.words[at] = v >>> 0;
    this.words[at + 1] = Math.floor(v / TWO32) | 0;
    this.markValid();
  }
  private putBig(v: bigint): void {
    this.ensure();
    big64[0] = v;
    const at = 2 * this.length;
    this.words[at] = big64Words[0]!;
    this.words[at + 1] = big64Words[1]!;
    this.markValid();
  }
  protected appendZero(): void {
    this.put(0);
  }
  protected override appendOther(value: unknown): string | null {
    if (this.kind === 'long') {
      if (value instanceof JsonNumber) return this.appendString(value.text);
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        this.put(value);
        return null;
      }
      if (typeof value === 'bigint') {
        if (value !== BigInt.asIntN(64, value)) return 'out of range for a long';
        this.putBig(value);
        return null;
      }
    }
    return super.appendOther(value);
  }
  protected resize(): void {}
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    const data = new BigInt64Array(this.words.slice(0, 2 * this.length).buffer);
    return arrow.makeData({
      type: this.type as arrow.Int64,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      data,
    });
  }
}

/** `HH:MM[:SS[.ffffff]]` to microseconds from midnight. */
function parseTime(buf: Uint8Array, start: number, end: number): number {
  // Reuse the timestamp parser on a fixed epoch date prefix.
  const text = `1970-01-01T${bytesToText(buf, start, end).trim()}`;
  const n = asciiBytes(text);
  const v = parseTimestamp(scratch, 0, n);
  if (Number.isNaN(v)) return v;
  if (timestampInfo.hadOffset) {
    parseFailure.reason = 'a time of day has no UTC offset';
    return Number.NaN;
  }
  return v;
}

const ROUNDS_REASON =
  'more digits than a double holds exactly (floe does not round silently: use a decimal column, or the format option numbers: double to accept rounding)';

class FloatBuilder extends ColumnBuilder {
  private values: Float64Array | Float32Array;
  constructor(
    type: arrow.DataType,
    required: boolean,
    private readonly single: boolean,
    /** Accept values a double cannot hold exactly (the route's `numbers: double`); else reject them. */
    private readonly rounds: boolean,
  ) {
    super(type, required);
    this.values = single ? new Float32Array(1024) : new Float64Array(1024);
  }
  // Run loop: capacity reserved once, values written straight into the typed arrays (no
  // per-value grow checks or calls); a value that does not fit ends the run (see the base class).
  override appendCsvColumn(col: CsvColumnRun): number {
    const { buf, starts, ends, flags, firstField, r0, r1, c, emptyIsNull, keepQuotedEmpty } = col;
    if (this.length + (r1 - r0) > this.values.length) this.values = grow(this.values, this.length + (r1 - r0));
    const values = this.values;
    const single = this.single;
    const valid = this.reserveValid(r1 - r0);
    let len = this.length;
    let r = r0;
    for (; r < r1; r++) {
      const f = firstField[r]! + c;
      const s = starts[f]!;
      const e = ends[f]!;
      if (s === e && emptyIsNull && !(keepQuotedEmpty && flags[f] !== 0)) {
        if (this.required) break;
        values[len] = 0;
        valid[len++] = 0;
        this.nullCount++;
        continue;
      }
      const v = parseDouble(buf, s, e);
      if (Number.isNaN(v) && parseFailure.reason !== '') break;
      if (single && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) break;
      if (e - s > 15 && !this.rounds && !doubleHoldsText(buf, s, e, v)) break;
      values[len] = v;
      valid[len++] = 1;
    }
    this.length = len;
    parseFailure.reason = '';
    return r < r1 ? r : -1;
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    const v = parseDouble(buf, start, end);
    if (Number.isNaN(v)) {
      const r = takeFailure();
      if (r !== null) return r;
    }
    if (this.single && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) return 'out of range for a float';
    if (!this.rounds && !doubleHoldsText(buf, start, end, v)) return ROUNDS_REASON;
    this.put(v);
    return null;
  }
  private put(v: number): void {
    if (this.length >= this.values.length) this.values = grow(this.values, this.length + 1);
    this.values[this.length] = v;
    this.markValid();
  }
  protected appendZero(): void {
    this.put(0);
  }
  protected override appendOther(value: unknown): string | null {
    if (value instanceof JsonNumber) return this.appendString(value.text);
    if (typeof value === 'number') {
      this.put(value);
      return null;
    }
    if (typeof value === 'bigint') {
      if (!this.rounds && BigInt(Number(value)) !== value) return ROUNDS_REASON;
      this.put(Number(value));
      return null;
    }
    return super.appendOther(value);
  }
  protected resize(): void {}
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    return arrow.makeData({
      type: this.type as arrow.Float64,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      data: this.values.slice(0, this.length) as Float64Array,
    });
  }
}

/** Decimal128: four little-endian 32-bit words per value (two's complement). */
class DecimalBuilder extends ColumnBuilder {
  private words = new Int32Array(4096);
  constructor(
    type: arrow.DataType,
    required: boolean,
    private readonly precision: number,
    private readonly scale: number,
  ) {
    super(type, required);
  }
  override describe(): string {
    return `decimal(${this.precision},${this.scale})`;
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    const v = parseDecimal(buf, start, end, this.precision, this.scale);
    if (Number.isNaN(v)) return takeFailure();
    if (v === BIG) this.putBig(bigResult.value);
    else this.put(v);
    return null;
  }
  private ensure(): void {
    if (4 * this.length + 4 > this.words.length) this.words = grow(this.words, 4 * this.length + 4);
  }
  private put(v: number): void {
    this.ensure();
    const at = 4 * this.length;
    const hi = Math.floor(v / TWO32) | 0;
    this.words[at] = v >>> 0;
    this.words[at + 1] = hi;
    this.words[at + 2] = hi < 0 ? -1 : 0;
    this.words[at + 3] = hi < 0 ? -1 : 0;
    this.markValid();
  }
  private putBig(v: bigint): void {
    this.ensure();
    let u = BigInt.asUintN(128, v);
    const at = 4 * this.length;
    for (let k = 0; k < 4; k++) {
      this.words[at + k] = Number(u & 0xffffffffn) | 0;
      u >>= 32n;
    }
    this.markValid();
  }
  protected appendZero(): void {
    this.put(0);
  }
  protected override appendOther(value: unknown): string | null {
    if (value instanceof JsonNumber) return this.appendString(value.text);
    if (typeof value === 'number' || typeof value === 'bigint') return this.appendString(String(value));
    return super.appendOther(value);
  }
  protected resize(): void {}
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    return arrow.makeData({
      type: this.type as arrow.Decimal,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      data: new Uint32Array(this.words.slice(0, 4 * this.length).buffer),
    });
  }
}

/** Variable-width UTF-8 or binary: bytes copied as they are, offsets per row. */
class VarBinaryBuilder extends ColumnBuilder {
  private bytes = new Uint8Array(64 * 1024);
  private offsets = new Int32Array(1025);
  constructor(
    type: arrow.DataType,
    required: boolean,
    private readonly utf8: boolean,
  ) {
    super(type, required);
  }
  // Run loop: capacity reserved once, values written straight into the typed arrays (no
  // per-value grow checks or calls); a value that does not fit ends the run (see the base class).
  override appendCsvColumn(col: CsvColumnRun): number {
    const { buf, starts, ends, flags, firstField, r0, r1, c, emptyIsNull, keepQuotedEmpty } = col;
    if (this.length + (r1 - r0) + 1 > this.offsets.length)
      this.offsets = grow(this.offsets, this.length + (r1 - r0) + 1);
    const offsets = this.offsets;
    let bytes = this.bytes;
    let at = offsets[this.length]!;
    const valid = this.reserveValid(r1 - r0);
    let len = this.length;
    let r = r0;
    for (; r < r1; r++) {
      const f = firstField[r]! + c;
      const s = starts[f]!;
      const e = ends[f]!;
      if (s === e && emptyIsNull && !(keepQuotedEmpty && flags[f] !== 0)) {
        if (this.required) break;
        offsets[len + 1] = at;
        valid[len++] = 0;
        this.nullCount++;
        continue;
      }
      const next = at + (e - s);
      if (next > bytes.length) bytes = this.bytes = grow(bytes, next);
      if (e - s < 16) for (let i = s, j = at; i < e; i++, j++) bytes[j] = buf[i]!;
      else bytes.set(buf.subarray(s, e), at);
      at = next;
      offsets[len + 1] = at;
      valid[len++] = 1;
    }
    this.length = len;
    return r < r1 ? r : -1;
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    const at = this.offsets[this.length]!;
    const next = at + (end - start);
    if (next > this.bytes.length) this.bytes = grow(this.bytes, next);
    if (end - start < 16) {
      const b = this.bytes;
      for (let i = start, j = at; i < end; i++, j++) b[j] = buf[i]!;
    } else this.bytes.set(buf.subarray(start, end), at);
    this.close(next);
    return null;
  }
  private close(next: number): void {
    if (this.length + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = next;
    this.markValid();
  }
  override appendString(s: string): string | null {
    const at = this.offsets[this.length]!;
    if (at + s.length * 3 > this.bytes.length) this.bytes = grow(this.bytes, at + s.length * 3);
    const { written } = encoder.encodeInto(s, this.bytes.subarray(at));
    this.close(at + written);
    return null;
  }
  protected appendZero(): void {
    this.close(this.offsets[this.length]!);
  }
  protected override appendOther(value: unknown): string | null {
    if (value instanceof Uint8Array && !this.utf8) return this.appendBytes(value, 0, value.length);
    if (!this.utf8) return super.appendOther(value);
    // Anything goes into a string column as its JSON text: numbers keep their digits,
    // nested values become JSON (the schema may have widened a column to string).
    if (value instanceof JsonNumber) return this.appendString(value.text);
    if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint')
      return this.appendString(String(value));
    if (value instanceof Map || Array.isArray(value)) return this.appendString(toJsonText(value as JsonValue));
    return super.appendOther(value);
  }
  protected resize(length: number): void {
    void length;
  }
  override firstInvalidUtf8(): number {
    if (!this.utf8) return -1;
    const end = this.offsets[this.length]!;
    if (isUtf8(this.bytes.subarray(0, end))) return -1;
    for (let i = 0; i < this.length; i++) {
      if (!isUtf8(this.bytes.subarray(this.offsets[i]!, this.offsets[i + 1]!))) return i;
    }
    return -1;
  }
  /** The raw bytes of row `i` (for error reports). */
  valueBytes(i: number): Uint8Array {
    return this.bytes.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    const end = this.offsets[this.length]!;
    const data = arrow.makeData({
      type: this.type as arrow.Utf8,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      valueOffsets: this.offsets.slice(0, this.length + 1),
      data: this.bytes.slice(0, end),
    });
    this.offsets[0] = 0;
    return data;
  }
}

class FixedBinaryBuilder extends ColumnBuilder {
  private bytes: Uint8Array;
  constructor(
    type: arrow.DataType,
    required: boolean,
    private readonly width: number,
    private readonly uuid: boolean,
  ) {
    super(type, required);
    this.bytes = new Uint8Array(width * 1024);
  }
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    if (this.uuid) return this.appendString(bytesToText(buf, start, end));
    if (end - start !== this.width) return `expected ${this.width} bytes, got ${end - start}`;
    this.ensure();
    this.bytes.set(buf.subarray(start, end), this.length * this.width);
    this.markValid();
    return null;
  }
  private ensure(): void {
    if ((this.length + 1) * this.width > this.bytes.length)
      this.bytes = grow(this.bytes, (this.length + 1) * this.width);
  }
  override appendString(s: string): string | null {
    if (!this.uuid) return super.appendString(s);
    this.ensure();
    if (!parseUuid(s, this.bytes, this.length * this.width)) return 'not a UUID';
    this.markValid();
    return null;
  }
  protected appendZero(): void {
    this.ensure();
    this.bytes.fill(0, this.length * this.width, (this.length + 1) * this.width);
    this.markValid();
  }
  /** Raw bytes (a Parquet UUID or fixed column on the conversion path) are taken as they are. */
  protected override appendOther(value: unknown): string | null {
    if (!(value instanceof Uint8Array)) return super.appendOther(value);
    if (value.length !== this.width) return `expected ${this.width} bytes, got ${value.length}`;
    this.ensure();
    this.bytes.set(value, this.length * this.width);
    this.markValid();
    return null;
  }
  protected resize(): void {}
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    return arrow.makeData({
      type: this.type as arrow.FixedSizeBinary,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      data: this.bytes.slice(0, this.length * this.width),
    });
  }
}

/** Shared by struct, list and map: a text cell (CSV) holding JSON is parsed first. */
abstract class NestedBuilder extends ColumnBuilder {
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    const parse = nestedTextParser.parse;
    if (!parse) return `cannot read ${this.describe()} from text`;
    let value: JsonValue;
    try {
      value = parse(new TextDecoder().decode(buf.subarray(start, end)));
    } catch (e) {
      return `not JSON for a ${this.describe()}: ${(e as Error).message}`;
    }
    return this.appendValue(value);
  }
}

class StructBuilder extends NestedBuilder {
  constructor(
    type: arrow.DataType,
    required: boolean,
    readonly fields: NestedField[],
    readonly children: ColumnBuilder[],
    private readonly caseInsensitive: boolean,
  ) {
    super(type, required);
  }
  override describe(): string {
    return 'struct';
  }
  protected override appendOther(value: unknown): string | null {
    if (!(value instanceof Map)) return super.appendOther(value);
    const row = this.length;
    const lookup = this.caseInsensitive ? lowerKeys(value) : value;
    for (let k = 0; k < this.children.length; k++) {
      const f = this.fields[k]!;
      const v = lookup.get(this.caseInsensitive ? f.name.toLowerCase() : f.name);
      const err = this.children[k]!.appendValue(v === undefined ? null : v);
      if (err !== null) {
        for (let j = 0; j < k; j++) this.children[j]!.truncate(row);
        return `${f.name}: ${err}`;
      }
    }
    this.markValid();
    return null;
  }
  protected appendZero(): void {
    for (const c of this.children) c.appendNull(true);
    this.markValid();
  }
  protected resize(length: number): void {
    for (const c of this.children) c.truncate(length);
  }
  override firstInvalidUtf8(): number {
    for (const c of this.children) {
      const i = c.firstInvalidUtf8();
      if (i >= 0) return i;
    }
    return -1;
  }
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    return arrow.makeData({
      type: this.type as arrow.Struct,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      children: this.children.map((c) => c.finish()),
    });
  }
}

function lowerKeys(map: Map<string, JsonValue>): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  for (const [k, v] of map) out.set(k.toLowerCase(), v);
  return out;
}

class ListBuilder extends NestedBuilder {
  private offsets = new Int32Array(1025);
  constructor(
    type: arrow.DataType,
    required: boolean,
    readonly child: ColumnBuilder,
  ) {
    super(type, required);
  }
  override describe(): string {
    return 'list';
  }
  protected override appendOther(value: unknown): string | null {
    if (!Array.isArray(value)) return super.appendOther(value);
    const before = this.child.length;
    for (let k = 0; k < value.length; k++) {
      const err = this.child.appendValue(value[k]);
      if (err !== null) {
        this.child.truncate(before);
        return `element ${k}: ${err}`;
      }
    }
    this.close();
    return null;
  }
  private close(): void {
    if (this.length + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.child.length;
    this.markValid();
  }
  protected appendZero(): void {
    this.close();
  }
  protected resize(length: number): void {
    this.child.truncate(this.offsets[length]!);
  }
  override firstInvalidUtf8(): number {
    const i = this.child.firstInvalidUtf8();
    if (i < 0) return -1;
    let row = 0;
    while (this.offsets[row + 1]! <= i) row++;
    return row;
  }
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    const data = arrow.makeData({
      type: this.type as arrow.List,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      valueOffsets: this.offsets.slice(0, this.length + 1),
      child: this.child.finish(),
    });
    this.offsets[0] = 0;
    return data;
  }
}

class MapBuilder extends NestedBuilder {
  private offsets = new Int32Array(1025);
  constructor(
    type: arrow.DataType,
    required: boolean,
    readonly keys: ColumnBuilder,
    readonly values: ColumnBuilder,
  ) {
    super(type, required);
  }
  override describe(): string {
    return 'map';
  }
  protected override appendOther(value: unknown): string | null {
    if (!(value instanceof Map)) return super.appendOther(value);
    const before = this.keys.length;
    for (const [k, v] of value) {
      const err = this.keys.appendString(k) ?? this.values.appendValue(v);
      if (err !== null) {
        this.keys.truncate(before);
        this.values.truncate(before);
        return `key ${JSON.stringify(k)}: ${err}`;
      }
    }
    this.close();
    return null;
  }
  private close(): void {
    if (this.length + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.length + 2);
    this.offsets[this.length + 1] = this.keys.length;
    this.markValid();
  }
  protected appendZero(): void {
    this.close();
  }
  protected resize(length: number): void {
    this.keys.truncate(this.offsets[length]!);
    this.values.truncate(this.offsets[length]!);
  }
  protected buildData(nullBitmap: Uint8Array | undefined): arrow.Data {
    const mapType = this.type as arrow.Map_;
    const entriesType = mapType.children[0]!.type as arrow.Struct;
    const n = this.keys.length;
    const entries = arrow.makeData({
      type: entriesType,
      length: n,
      nullCount: 0,
      children: [this.keys.finish(), this.values.finish()],
    });
    const data = arrow.makeData({
      type: mapType,
      length: this.length,
      nullCount: this.nullCount,
      nullBitmap,
      valueOffsets: this.offsets.slice(0, this.length + 1),
      child: entries,
    });
    this.offsets[0] = 0;
    return data;
  }
}

/**
 * Builds the column builder for an Iceberg field whose Arrow field (from `toArrowSchema`) is
 * `arrowField`; nested builders are built from the Arrow children so every type object matches.
 */
export function makeColumnBuilder(
  field: NestedField,
  arrowField: arrow.Field,
  caseInsensitive = false,
  roundDoubles = false,
): ColumnBuilder {
  return builderFor(field.type, arrowField.type, field.required, caseInsensitive, roundDoubles);
}

function builderFor(
  type: IcebergType,
  arrowType: arrow.DataType,
  required: boolean,
  ci: boolean,
  roundDoubles: boolean,
): ColumnBuilder {
  if (typeof type !== 'string') {
    switch (type.type) {
      case 'struct': {
        const kids = (arrowType as arrow.Struct).children;
        return new StructBuilder(
          arrowType,
          required,
          type.fields,
          type.fields.map((f, k) => builderFor(f.type, kids[k]!.type, f.required, ci, roundDoubles)),
          ci,
        );
      }
      case 'list': {
        const child = (arrowType as arrow.List).children[0]!;
        return new ListBuilder(
          arrowType,
          required,
          builderFor(type.element, child.type, type['element-required'], ci, roundDoubles),
        );
      }
      case 'map': {
        const entries = (arrowType as arrow.Map_).children[0]!.type as arrow.Struct;
        return new MapBuilder(
          arrowType,
          required,
          builderFor(type.key, entries.children[0]!.type, true, ci, roundDoubles),
          builderFor(type.value, entries.children[1]!.type, type['value-required'], ci, roundDoubles),
        );
      }
    }
  }
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
      return new BoolBuilder(arrowType, required);
    case 'int':
    case 'date':
      return new Int32Builder(arrowType, required, p.kind);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return new Int64Builder(arrowType, required, p.kind);
    case 'float':
      return new FloatBuilder(arrowType, required, true, true);
    case 'double':
      return new FloatBuilder(arrowType, required, false, roundDoubles);
    case 'decimal':
      return new DecimalBuilder(arrowType, required, p.precision, p.scale);
    case 'string':
      return new VarBinaryBuilder(arrowType, required, true);
    case 'binary':
      return new VarBinaryBuilder(arrowType, required, false);
    case 'uuid':
      return new FixedBinaryBuilder(arrowType, required, 16, true);
    case 'fixed':
      return new FixedBinaryBuilder(arrowType, required, p.length, false);
  }
  throw new Error(`floe cannot write columns of type ${String(type)}`);
}
