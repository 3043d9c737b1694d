/**
 * Which top-level columns get Parquet dictionary encoding. arrow-rs (parquet-wasm) dictionary-
 * encodes every column and falls back to plain only once a column's dictionary page passes
 * `write.parquet.dict-size-bytes`: for a high-cardinality column (ids, amounts, timestamps, free
 * text) that is hashing work thrown away, and a file whose first pages are dictionary-encoded for
 * nothing. Like DuckDB, decide per column from the data: count distinct values in a sample of the
 * first batch and keep the dictionary only where values repeat. The sample is the first rows of
 * the first batch, so the choice (and the file's bytes) is the same on every retry.
 */
import * as arrow from 'apache-arrow';

/** Rows of the first batch looked at. */
const SAMPLE_ROWS = 16384;
/** Keep the dictionary when at most this share of the sampled values is distinct. */
const MAX_DISTINCT_SHARE = 0.25;

/**
 * Column name → dictionary on/off for the primitive top-level columns of `batch` (nested
 * columns and booleans are left to the encoder's default). Empty for a batch too small to judge.
 */
export function chooseDictionaryColumns(batch: arrow.RecordBatch, sampleRows = SAMPLE_ROWS): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const rows = Math.min(batch.numRows, sampleRows);
  if (rows < 1024) return out;
  batch.schema.fields.forEach((field, i) => {
    const data = batch.data.children[i];
    if (!data) return;
    const distinct = distinctValues(data, rows);
    if (distinct === undefined) return;
    const nonNull = rows - nullsIn(data, rows);
    out[field.name] = nonNull === 0 || distinct <= nonNull * MAX_DISTINCT_SHARE;
  });
  return out;
}

function nullsIn(data: arrow.Data, rows: number): number {
  if (data.nullCount === 0 || !data.nullBitmap) return 0;
  const bitmap = data.nullBitmap;
  let nulls = 0;
  for (let r = 0; r < rows; r++) {
    const bit = data.offset + r;
    if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) nulls++;
  }
  return nulls;
}

/** Distinct values among the first `rows` slots (nulls' slots included: a small overcount), or undefined for types left alone. */
function distinctValues(data: arrow.Data, rows: number): number | undefined {
  const type = data.type;
  const values = data.values as unknown;
  const seen = new Set<number>();
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    for (let r = 0; r < rows; r++) seen.add(fnv1a(bytes, offsets[data.offset + r]!, offsets[data.offset + r + 1]!));
    return seen.size;
  }
  const width = valueWidth(type);
  if (width === 0 || !ArrayBuffer.isView(values)) return undefined;
  const view = values as ArrayBufferView;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (let r = 0; r < rows; r++) {
    const at = (data.offset + r) * width;
    seen.add(fnv1a(bytes, at, at + width));
  }
  return seen.size;
}

/** Bytes per value of a fixed-width type; 0 for the types left alone (booleans, nested). */
function valueWidth(type: arrow.DataType): number {
  if (arrow.DataType.isInt(type) || arrow.DataType.isTime(type)) return type.bitWidth / 8;
  if (arrow.DataType.isFloat(type))
    return type.precision === arrow.Precision.DOUBLE ? 8 : type.precision === arrow.Precision.SINGLE ? 4 : 2;
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY ? 4 : 8;
  if (arrow.DataType.isTimestamp(type)) return 8;
  if (arrow.DataType.isDecimal(type)) return type.bitWidth / 8;
  if (arrow.DataType.isFixedSizeBinary(type)) return type.byteWidth;
  return 0;
}

/** FNV-1a over bytes: a sample-sized distinct count tolerates its rare collisions. */
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
