/**
 * Builders of the numeric columns (boolean, int/date, long/time/timestamps, float/double,
 * decimal). The hot ones keep their own CSV run loop on purpose: each loop calls one parser
 * directly so the JIT can inline it (see `ColumnBuilder.appendCsvColumn`).
 */
import * as arrow from 'apache-arrow';
import { JsonNumber } from '../json-value.js';
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
  timestampInfo,
} from '../scalar-parse.js';
import { asciiBytes, ColumnBuilder, type CsvColumnRun, grow, packBits, scratch, takeFailure } from './base.js';

/** Boolean: one byte per row, packed into a bitmap at `finish`. */
export class BoolBuilder extends ColumnBuilder {
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
/** 32-bit ints and dates (days from the epoch). */
export class Int32Builder extends ColumnBuilder {
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
export class Int64Builder extends ColumnBuilder {
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

/** float and double; a double rejects text it cannot hold exactly unless rounding is allowed. */
export class FloatBuilder extends ColumnBuilder {
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
export class DecimalBuilder extends ColumnBuilder {
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
