/**
 * Per-file column metrics computed from the Arrow data a writer encodes: NaN counts for float and
 * double columns, and lower/upper bounds (spec: Manifests, `nan_value_counts`, `lower_bounds`,
 * `upper_bounds`; Appendix D for the bytes). Value and null counts and column sizes come from the
 * Parquet footer instead (see footer.ts), as in Java's `ParquetUtil.footerMetrics`.
 *
 * Rules (as Java's `ParquetMetrics`/`MetricsUtil`):
 * - NaN is never a bound; a column of only nulls and NaNs has no bounds.
 * - Leaves under a list or map get no bounds (their NaN counts are still kept).
 * - Strings compare by code point (UTF-8 byte order), binary/fixed/uuid as unsigned bytes, and
 *   `-0.0` sorts below `0.0`.
 * - `truncate(N)` cuts string and binary bounds to N code points/bytes (bounds.ts); an upper
 *   bound that cannot be truncated is left out.
 */
import type * as arrow from 'apache-arrow';
import { bytesToUuid, serializeValue, truncateLowerBound, truncateUpperBound } from '../bounds.js';
import { integerStorage } from '../integer-storage.js';
import { isPrimitive, type ParsedPrimitive, parsePrimitive } from '../schema.js';
import type { IcebergType, Literal, NestedField, PrimitiveType, StructType } from '../types.js';
import { decimalAt, decimalWords } from './arrow-values.js';
import type { MetricsMode } from './write-properties.js';

/** NaN counts and serialized bounds of one data file, keyed by field id. */
export interface ColumnMetrics {
  nanValueCounts: Map<number, number>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

const utf8 = new TextDecoder();

/** Accumulates NaN counts and bounds over the batches written to one data file. */
export class ColumnMetricsCollector {
  private readonly leaves = new Map<number, LeafStats>();

  constructor(
    private readonly schema: StructType,
    private readonly modes: Map<number, MetricsMode>,
  ) {}

  /** Folds one batch (whose schema is `toArrowSchema(schema)`) into the metrics. */
  add(batch: arrow.RecordBatch): void {
    const root = batch.data;
    this.schema.fields.forEach((field, i) => {
      this.visit(field, root.children[i] as arrow.Data, 0, batch.numRows, null, false);
    });
  }

  /** The metrics of everything added so far, bounds serialized per Appendix D. */
  result(): ColumnMetrics {
    const out: ColumnMetrics = { nanValueCounts: new Map(), lowerBounds: new Map(), upperBounds: new Map() };
    for (const [id, leaf] of this.leaves) {
      if (leaf.isFloat) out.nanValueCounts.set(id, leaf.nanCount);
      const mode = this.modes.get(id) ?? { kind: 'truncate', length: 16 };
      if (leaf.repeated || leaf.min === undefined || leaf.max === undefined) continue;
      if (mode.kind !== 'truncate' && mode.kind !== 'full') continue;
      let lower: Literal = leaf.finish(leaf.min);
      let upper: Literal = leaf.finish(leaf.max);
      if (mode.kind === 'truncate') {
        lower = truncateLowerBound(leaf.type, lower, mode.length);
        upper = truncateUpperBound(leaf.type, upper, mode.length);
      }
      if (lower !== null) out.lowerBounds.set(id, serializeValue(leaf.type, lower));
      if (upper !== null) out.upperBounds.set(id, serializeValue(leaf.type, upper));
    }
    return out;
  }

  /**
   * Visits rows [from, to) of a field's data. `mask` is the validity inherited from null parent
   * structs (1 = the parent is present), indexed from `from`; `repeated` is true under a list/map.
   */
  private visit(
    field: NestedField,
    data: arrow.Data,
    from: number,
    to: number,
    mask: Uint8Array | null,
    repeated: boolean,
  ): void {
    const type: IcebergType = field.type;
    if (isPrimitive(type)) {
      const mode = this.modes.get(field.id);
      if (mode?.kind === 'none') return;
      let leaf = this.leaves.get(field.id);
      if (!leaf) {
        leaf = new LeafStats(type, parsePrimitive(type), repeated, mode?.kind === 'counts');
        this.leaves.set(field.id, leaf);
      }
      leaf.update(data, from, to, validity(data, from, to, mask));
      return;
    }
    if (type.type === 'struct') {
      const childMask = data.nullCount === 0 ? mask : validity(data, from, to, mask);
      type.fields.forEach((child, i) => {
        this.visit(child, data.children[i] as arrow.Data, from, to, childMask, repeated);
      });
      return;
    }
    // A list or map: its values are the child range between the first and last offsets.
    const offsets = data.valueOffsets as Int32Array;
    const start = offsets[from] as number;
    const end = offsets[to] as number;
    const child = data.children[0] as arrow.Data;
    if (type.type === 'list') {
      const element: NestedField = {
        id: type['element-id'],
        name: 'element',
        required: type['element-required'],
        type: type.element,
      };
      this.visit(element, child, start, end, null, true);
    } else {
      const key: NestedField = { id: type['key-id'], name: 'key', required: true, type: type.key };
      const value: NestedField = {
        id: type['value-id'],
        name: 'value',
        required: type['value-required'],
        type: type.value,
      };
      this.visit(key, child.children[0] as arrow.Data, start, end, null, true);
      this.visit(value, child.children[1] as arrow.Data, start, end, null, true);
    }
  }
}

/** Validity of rows [from, to) as bytes (1 valid), combining the data's own bitmap with a parent mask; null when all are valid. */
function validity(data: arrow.Data, from: number, to: number, mask: Uint8Array | null): Uint8Array | null {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return mask;
  const out = new Uint8Array(to - from);
  for (let i = from; i < to; i++) {
    const bit = data.offset + i;
    const valid = ((bitmap[bit >> 3] as number) >> (bit & 7)) & 1;
    out[i - from] = mask ? valid & (mask[i - from] as number) : valid;
  }
  return out;
}

type Comparable = number | bigint | boolean | Uint8Array;

/** Min, max and NaN count of one leaf column. */
class LeafStats {
  min: Comparable | undefined;
  max: Comparable | undefined;
  nanCount = 0;
  readonly isFloat: boolean;

  constructor(
    readonly type: PrimitiveType,
    private readonly parsed: ParsedPrimitive,
    readonly repeated: boolean,
    private readonly countsOnly: boolean,
  ) {
    this.isFloat = parsed.kind === 'float' || parsed.kind === 'double';
  }

  /** Turns an accumulated extreme into the Iceberg literal bounds.ts serializes. */
  finish(value: Comparable): Literal {
    if (value instanceof Uint8Array) {
      if (this.parsed.kind === 'string') return utf8.decode(value);
      if (this.parsed.kind === 'uuid') return bytesToUuid(value);
    }
    return value;
  }

  update(data: arrow.Data, from: number, to: number, valid: Uint8Array | null): void {
    const noBounds = this.repeated || this.countsOnly;
    if (noBounds && !this.isFloat) return;
    const integer = integerStorage(this.parsed.kind);
    if (integer === 'int32') {
      this.updateOrdered(data.values as Int32Array, from, to, valid);
      return;
    }
    if (integer === 'int64') {
      this.updateWords(data.values as BigInt64Array, 2, from, to, valid);
      return;
    }
    switch (this.parsed.kind) {
      case 'float':
      case 'double':
        this.updateFloats(data.values as Float64Array, from, to, valid, noBounds);
        return;
      case 'boolean':
        this.updateBooleans(data, from, to, valid);
        return;
      case 'decimal':
        this.updateWords(data.values as Uint32Array, 4, from, to, valid);
        return;
      case 'string':
      case 'binary':
        this.updateVariable(data.valueOffsets as Int32Array, data.values as Uint8Array, from, to, valid);
        return;
      case 'uuid':
      case 'fixed':
        this.updateFixed(
          data.values as Uint8Array,
          this.parsed.kind === 'fixed' ? this.parsed.length : 16,
          from,
          to,
          valid,
        );
        return;
      default:
        return;
    }
  }

  /**
   * Min/max of little-endian two's-complement integers of `width` 32-bit words (2: int64,
   * 4: decimal128), compared word by word from the top so no BigInt is made per row.
   */
  private updateWords(
    values: ArrayBufferView,
    width: number,
    from: number,
    to: number,
    valid: Uint8Array | null,
  ): void {
    const u = new Uint32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
    const top = width - 1;
    const compare = (a: number, b: number): number => {
      const hiA = (u[a * width + top] as number) | 0;
      const hiB = (u[b * width + top] as number) | 0;
      if (hiA !== hiB) return hiA - hiB;
      for (let w = top - 1; w >= 0; w--) {
        const d = (u[a * width + w] as number) - (u[b * width + w] as number);
        if (d !== 0) return d;
      }
      return 0;
    };
    let minAt = -1;
    let maxAt = -1;
    for (let i = from; i < to; i++) {
      if (valid && !valid[i - from]) continue;
      if (minAt < 0) {
        minAt = maxAt = i;
        continue;
      }
      if (compare(i, minAt) < 0) minAt = i;
      else if (compare(i, maxAt) > 0) maxAt = i;
    }
    if (minAt < 0) return;
    const read = (i: number): bigint => {
      if (width === 2) return (values as BigInt64Array)[i] as bigint;
      return decimalAt(decimalWords({ values } as unknown as arrow.Data), i);
    };
    const min = read(minAt);
    const max = read(maxAt);
    if (this.min === undefined || min < (this.min as bigint)) this.min = min;
    if (this.max === undefined || max > (this.max as bigint)) this.max = max;
  }

  private updateOrdered(values: ArrayLike<number | bigint>, from: number, to: number, valid: Uint8Array | null): void {
    let min = this.min as number | bigint | undefined;
    let max = this.max as number | bigint | undefined;
    for (let i = from; i < to; i++) {
      if (valid && !valid[i - from]) continue;
      const v = values[i] as number | bigint;
      if (min === undefined || v < min) min = v;
      if (max === undefined || v > max) max = v;
    }
    this.min = min;
    this.max = max;
  }

  private updateFloats(
    values: ArrayLike<number>,
    from: number,
    to: number,
    valid: Uint8Array | null,
    noBounds: boolean,
  ): void {
    let min = this.min as number | undefined;
    let max = this.max as number | undefined;
    for (let i = from; i < to; i++) {
      if (valid && !valid[i - from]) continue;
      const v = values[i] as number;
      if (Number.isNaN(v)) {
        this.nanCount++;
        continue;
      }
      if (noBounds) continue;
      // -0.0 < 0.0 for bounds, as Java's Float.compare.
      if (min === undefined || v < min || (v === 0 && min === 0 && Object.is(v, -0))) min = v;
      if (max === undefined || v > max || (v === 0 && max === 0 && Object.is(max, -0))) max = v;
    }
    this.min = min;
    this.max = max;
  }

  private updateBooleans(data: arrow.Data, from: number, to: number, valid: Uint8Array | null): void {
    const bits = data.values as Uint8Array;
    for (let i = from; i < to; i++) {
      if (valid && !valid[i - from]) continue;
      const bit = data.offset + i;
      const v = (((bits[bit >> 3] as number) >> (bit & 7)) & 1) === 1;
      if (this.min === undefined || (this.min === true && !v)) this.min = v;
      if (this.max === undefined || (this.max === false && v)) this.max = v;
    }
  }

  private updateVariable(
    offsets: Int32Array,
    bytes: Uint8Array,
    from: number,
    to: number,
    valid: Uint8Array | null,
  ): void {
    // Track the extremes as positions in this batch and copy them out once at the end.
    let minAt = -1;
    let maxAt = -1;
    for (let i = from; i < to; i++) {
      if (valid && !valid[i - from]) continue;
      const s = offsets[i] as number;
      const e = offsets[i + 1] as number;
      if (minAt < 0 || compareBytes(bytes, s, e, bytes, offsets[minAt] as number, offsets[minAt + 1] as number) < 0)
        minAt = i;
      if (maxAt < 0 || compareBytes(bytes, s, e, bytes, offsets[maxAt] as number, offsets[maxAt + 1] as number) > 0)
        maxAt = i;
    }
    if (minAt >= 0)
      this.offerBytes(bytes.slice(offsets[minAt], offsets[minAt + 1]), bytes.slice(offsets[maxAt], offsets[maxAt + 1]));
  }

  private updateFixed(bytes: Uint8Array, width: number, from: number, to: number, valid: Uint8Array | null): void {
    let minAt = -1;
    let maxAt = -1;
    for (let i = from; i < to; i++) {
      if (valid && !valid[i - from]) continue;
      const s = i * width;
      if (minAt < 0 || compareBytes(bytes, s, s + width, bytes, minAt * width, minAt * width + width) < 0) minAt = i;
      if (maxAt < 0 || compareBytes(bytes, s, s + width, bytes, maxAt * width, maxAt * width + width) > 0) maxAt = i;
    }
    if (minAt >= 0)
      this.offerBytes(
        bytes.slice(minAt * width, minAt * width + width),
        bytes.slice(maxAt * width, maxAt * width + width),
      );
  }

  private offerBytes(min: Uint8Array, max: Uint8Array): void {
    const cur = this.min as Uint8Array | undefined;
    if (cur === undefined || compareBytes(min, 0, min.length, cur, 0, cur.length) < 0) this.min = min;
    const top = this.max as Uint8Array | undefined;
    if (top === undefined || compareBytes(max, 0, max.length, top, 0, top.length) > 0) this.max = max;
  }
}

/** Unsigned lexicographic comparison of a[as..ae) and b[bs..be) (UTF-8 bytes compare in code point order). */
function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let k = 0; k < n; k++) {
    const d = (a[as + k] as number) - (b[bs + k] as number);
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}
