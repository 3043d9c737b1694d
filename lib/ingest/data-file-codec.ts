/**
 * A lossless JSON codec for `DataFile`, so convert can hand data file metadata to commit through
 * a queue: `Map`s become `[key, value]` pairs, `Uint8Array` (bounds, key metadata) become
 * `{"$b64": …}`, `bigint` (long/timestamp/decimal partition values, first_row_id) become
 * `{"$big": "…"}`, and non-finite doubles `{"$f": "NaN"}`. Plain JSON numbers stay numbers, so
 * an int partition value is not confused with a long (spec: Partition values keep their type).
 *
 * @example
 * decodeDataFile(JSON.parse(JSON.stringify(encodeDataFile(file)))) // deep-equals file
 */
import type { DataFile, Literal } from '../iceberg/types.js';

/** A JSON-safe value. */
export type EncodedValue = null | boolean | number | string | { $b64: string } | { $big: string } | { $f: string };

/** Encodes one literal. */
export function encodeLiteral(value: Literal): EncodedValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $big: value.toString() };
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $f: String(value) };
  return { $b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
}

/** Raised when a commit request's data files do not decode. */
export class DataFileCodecError extends Error {
  override name = 'DataFileCodecError';
}

/** Decodes one literal. */
export function decodeLiteral(value: unknown): Literal {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number')
    return value;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$big === 'string') return BigInt(o.$big);
    if (typeof o.$b64 === 'string') return new Uint8Array(Buffer.from(o.$b64, 'base64'));
    if (typeof o.$f === 'string') return Number(o.$f);
  }
  throw new DataFileCodecError(`not an encoded literal: ${JSON.stringify(value)}`);
}

type MapKey = 'column_sizes' | 'value_counts' | 'null_value_counts' | 'nan_value_counts';
type BoundKey = 'lower_bounds' | 'upper_bounds';
const COUNT_MAPS: MapKey[] = ['column_sizes', 'value_counts', 'null_value_counts', 'nan_value_counts'];
const BOUND_MAPS: BoundKey[] = ['lower_bounds', 'upper_bounds'];

/** Encodes a data file as a JSON-safe object. */
export function encodeDataFile(file: DataFile): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file)) {
    if (value === undefined) continue;
    if ((COUNT_MAPS as string[]).includes(key)) out[key] = value === null ? null : [...(value as Map<number, number>)];
    else if ((BOUND_MAPS as string[]).includes(key)) {
      out[key] = value === null ? null : [...(value as Map<number, Uint8Array>)].map(([k, v]) => [k, encodeLiteral(v)]);
    } else if (key === 'partition') out[key] = (value as Literal[]).map(encodeLiteral);
    else if (Array.isArray(value))
      out[key] = value; // split_offsets, equality_ids
    else out[key] = encodeLiteral(value as Literal);
  }
  return out;
}

/** Decodes what `encodeDataFile` produced. */
export function decodeDataFile(encoded: Record<string, unknown>): DataFile {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(encoded)) {
    if ((COUNT_MAPS as string[]).includes(key))
      out[key] = value === null ? null : new Map(value as Array<[number, number]>);
    else if ((BOUND_MAPS as string[]).includes(key)) {
      out[key] =
        value === null ? null : new Map((value as Array<[number, unknown]>).map(([k, v]) => [k, decodeLiteral(v)]));
    } else if (key === 'partition') out[key] = (value as unknown[]).map(decodeLiteral);
    else if (Array.isArray(value)) out[key] = value;
    else out[key] = decodeLiteral(value);
  }
  if (typeof out.file_path !== 'string' || typeof out.record_count !== 'number') {
    throw new DataFileCodecError('encoded data file lacks file_path or record_count');
  }
  return out as unknown as DataFile;
}
