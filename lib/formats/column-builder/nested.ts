/** Builders of the nested columns (struct, list, map); their children are other builders. */
import * as arrow from 'apache-arrow';
import type { NestedField } from '../../iceberg/types.js';
import { parseJsonText } from '../json-tokenizer.js';
import type { JsonValue } from '../json-value.js';
import { ColumnBuilder, grow } from './base.js';

/** Shared by struct, list and map: a text cell (CSV) holding JSON is parsed first. */
export abstract class NestedBuilder extends ColumnBuilder {
  appendBytes(buf: Uint8Array, start: number, end: number): string | null {
    let value: JsonValue;
    try {
      value = parseJsonText(new TextDecoder().decode(buf.subarray(start, end)));
    } catch (e) {
      return `not JSON for a ${this.describe()}: ${(e as Error).message}`;
    }
    return this.appendValue(value);
  }
}

/** A struct: one child builder per field. */
export class StructBuilder extends NestedBuilder {
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

/** A list: offsets into one child builder. */
export class ListBuilder extends NestedBuilder {
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

/** A map: offsets into a key and a value builder. */
export class MapBuilder extends NestedBuilder {
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
