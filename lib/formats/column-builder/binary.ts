/** Builders of the byte columns: variable-width string/binary and fixed-width fixed/uuid. */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { JsonNumber, type JsonValue, toJsonText } from '../json-value.js';
import { bytesToText, parseUuid } from '../scalar-parse.js';
import { ColumnBuilder, type CsvColumnRun, encoder, grow } from './base.js';

/** Variable-width UTF-8 or binary: bytes copied as they are, offsets per row. */
export class VarBinaryBuilder extends ColumnBuilder {
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

/** fixed[n] and uuid: `width` bytes per row. */
export class FixedBinaryBuilder extends ColumnBuilder {
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
