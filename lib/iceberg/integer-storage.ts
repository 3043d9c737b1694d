/**
 * Which Iceberg primitives are stored as integers, and how wide: `int` and `date` as 32-bit,
 * `long`, `time` and the timestamps as 64-bit (spec: Primitive Types; Parquet INT32/INT64, Arrow
 * Int32/DateDay and Int64/Time/Timestamp, Appendix D's 4- and 8-byte single values). The one
 * answer the bounds, Avro, Arrow-reading and metrics code share instead of each listing kinds.
 */
import type { ParsedPrimitive } from './schema.js';

const INT32 = new Set<string>(['int', 'date']);
const INT64 = new Set<string>(['long', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);

/** `int32` or `int64` for a primitive stored as an integer of that width; undefined otherwise. */
export function integerStorage(kind: ParsedPrimitive['kind']): 'int32' | 'int64' | undefined {
  if (INT32.has(kind)) return 'int32';
  if (INT64.has(kind)) return 'int64';
  return undefined;
}
