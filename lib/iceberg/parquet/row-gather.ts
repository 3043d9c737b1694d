/**
 * Gathering rows of an Arrow record batch by index (Arrow's "take" kernel, which apache-arrow JS
 * lacks). The partition fan-out uses it to split one parsed batch into one batch per partition.
 * Works on buffers, so values keep their exact bits (no ms/µs round trip through `get()`).
 */
import * as arrow from 'apache-arrow';
import { isValid } from './arrow-values.js';

/** Returns a new batch holding rows `indices` of `batch`, in that order. */
export function gatherRows(batch: arrow.RecordBatch, indices: Int32Array): arrow.RecordBatch {
  const struct = gatherData(batch.data, indices);
  return new arrow.RecordBatch(batch.schema, struct as arrow.Data<arrow.Struct>);
}

/** Returns rows `indices` of one column's data (relative to its offset), as fresh, unsliced data. */
export function gatherData(data: arrow.Data, indices: Int32Array): arrow.Data {
  const length = indices.length;
  const { nullBitmap, nullCount } = gatherValidity(data, indices);
  const type = data.type as arrow.DataType;
  const base = { type, length, nullCount, nullBitmap } as const;
  switch (type.typeId) {
    case arrow.Type.Null:
      return arrow.makeData({ type: type as arrow.Null, length });
    case arrow.Type.Bool: {
      const out = new Uint8Array((length + 7) >> 3);
      const bits = data.values as Uint8Array;
      for (let i = 0; i < length; i++) {
        const bit = data.offset + (indices[i] as number);
        if ((bits[bit >> 3] as number) & (1 << (bit & 7))) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
      }
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: out });
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const outOffsets = new Int32Array(length + 1);
      for (let i = 0; i < length; i++) {
        const r = indices[i] as number;
        outOffsets[i + 1] = (outOffsets[i] as number) + ((offsets[r + 1] as number) - (offsets[r] as number));
      }
      const outBytes = new Uint8Array(outOffsets[length] as number);
      for (let i = 0; i < length; i++) {
        const r = indices[i] as number;
        outBytes.set(bytes.subarray(offsets[r], offsets[r + 1]), outOffsets[i]);
      }
      return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: outOffsets, data: outBytes });
    }
    case arrow.Type.List:
    case arrow.Type.Map: {
      const offsets = data.valueOffsets as Int32Array;
      const outOffsets = new Int32Array(length + 1);
      for (let i = 0; i < length; i++) {
        const r = indices[i] as number;
        outOffsets[i + 1] = (outOffsets[i] as number) + ((offsets[r + 1] as number) - (offsets[r] as number));
      }
      const childIndices = new Int32Array(outOffsets[length] as number);
      let k = 0;
      for (let i = 0; i < length; i++) {
        const r = indices[i] as number;
        for (let c = offsets[r] as number; c < (offsets[r + 1] as number); c++) childIndices[k++] = c;
      }
      const child = gatherData(data.children[0] as arrow.Data, childIndices);
      return arrow.makeData({ ...base, type: type as arrow.List, valueOffsets: outOffsets, child } as never);
    }
    case arrow.Type.Struct: {
      const children = data.children.map((c) => gatherData(c as arrow.Data, indices));
      return arrow.makeData({ ...base, type: type as arrow.Struct, children });
    }
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Decimal:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Interval:
    case arrow.Type.Duration:
    case arrow.Type.FixedSizeBinary: {
      const values = data.values as Uint8Array;
      const stride = data.stride;
      const out = new (values.constructor as Uint8ArrayConstructor)(length * stride);
      if (stride === 1) {
        for (let i = 0; i < length; i++) out[i] = values[indices[i] as number] as number;
      } else {
        for (let i = 0; i < length; i++) {
          const r = (indices[i] as number) * stride;
          out.set(values.subarray(r, r + stride), i * stride);
        }
      }
      return arrow.makeData({ ...base, type: type as arrow.Int, data: out as never });
    }
    default:
      throw new TypeError(`cannot gather rows of Arrow type ${type}`);
  }
}

function gatherValidity(data: arrow.Data, indices: Int32Array): { nullBitmap: Uint8Array; nullCount: number } {
  const length = indices.length;
  if (data.nullCount === 0) return { nullBitmap: new Uint8Array(0), nullCount: 0 };
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (isValid(data, indices[i] as number)) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    else nulls++;
  }
  return { nullBitmap: bitmap, nullCount: nulls };
}
