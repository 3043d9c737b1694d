/**
 * Partition transforms (spec: Partition Transforms, Appendix B) and partition paths in Java's
 * `PartitionSpec.partitionToPath` form (`name=value/…`, URL-escaped, human-readable values).
 *
 * @example
 * applyTransform(parseTransform('bucket[16]'), 'long', 34n)   // 3  (hash 2017239379)
 * applyTransform(parseTransform('day'), 'timestamp', 0n)      // 0  (1970-01-01)
 * partitionPath(spec, schema, [19723, 'a b'])                 // 'day=2024-01-01/kind=a+b'
 */
import { decimalToBytes, uuidToBytes } from './bounds.js';
import { murmur3x86_32 } from './murmur3.js';
import { indexFields, isPrimitive, parsePrimitive } from './schema.js';
import type {
  IcebergType,
  Literal,
  NestedField,
  PartitionField,
  PartitionSpec,
  PrimitiveType,
  StructType,
} from './types.js';

/** A parsed partition transform. `unknown` keeps a transform floe cannot evaluate (spec: forward compatibility). */
export type Transform =
  | { type: 'identity' | 'year' | 'month' | 'day' | 'hour' | 'void' }
  | { type: 'bucket'; numBuckets: number }
  | { type: 'truncate'; width: number }
  | { type: 'unknown'; text: string };

/** Raised when a transform cannot be applied to a source type or value. */
export class TransformError extends Error {
  override name = 'TransformError';
}

/** Parses a transform string: `identity`, `bucket[N]`, `truncate[W]`, `year`, `month`, `day`, `hour`, `void`. */
export function parseTransform(text: string): Transform {
  const t = text.trim().toLowerCase();
  if (t === 'identity' || t === 'year' || t === 'month' || t === 'day' || t === 'hour' || t === 'void')
    return { type: t };
  // Older writers spelled the time transforms in the plural (Spark's `days(ts)` leaks through).
  if (t === 'years' || t === 'months' || t === 'days' || t === 'hours') return { type: t.slice(0, -1) as 'year' };
  const bucket = /^bucket\[\s*(\d+)\s*\]$/.exec(t);
  if (bucket) return { type: 'bucket', numBuckets: Number(bucket[1]) };
  const truncate = /^truncate\[\s*(\d+)\s*\]$/.exec(t);
  if (truncate) return { type: 'truncate', width: Number(truncate[1]) };
  return { type: 'unknown', text };
}

/** Writes a transform back in the spec's spelling. */
export function formatTransform(transform: Transform): string {
  if (transform.type === 'bucket') return `bucket[${transform.numBuckets}]`;
  if (transform.type === 'truncate') return `truncate[${transform.width}]`;
  if (transform.type === 'unknown') return transform.text;
  return transform.type;
}

const TEMPORAL = new Set(['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);

/**
 * The type of a transform's result (spec: Partition Transforms table): bucket, year, month and
 * hour give `int`; day gives `date` (as Java and PyIceberg report it; stored as an int of days);
 * identity, truncate and void keep the source type. Throws when the source type is not allowed.
 */
export function transformResultType(transform: Transform | string, sourceType: IcebergType): PrimitiveType {
  const t = typeof transform === 'string' ? parseTransform(transform) : transform;
  if (!isPrimitive(sourceType)) {
    if (t.type === 'void') return 'unknown';
    throw new TransformError(`transform ${formatTransform(t)} cannot apply to a ${sourceType.type}`);
  }
  const kind = parsePrimitive(sourceType).kind;
  switch (t.type) {
    case 'identity':
    case 'void':
      return sourceType;
    case 'bucket':
      if (['boolean', 'float', 'double', 'unknown', 'variant', 'geometry', 'geography'].includes(kind)) break;
      return 'int';
    case 'truncate':
      if (!['int', 'long', 'decimal', 'string', 'binary'].includes(kind)) break;
      return sourceType;
    case 'year':
    case 'month':
      if (!TEMPORAL.has(kind)) break;
      return 'int';
    case 'day':
      if (!TEMPORAL.has(kind)) break;
      return 'date';
    case 'hour':
      if (!TEMPORAL.has(kind) || kind === 'date') break;
      return 'int';
    case 'unknown':
      return 'unknown';
  }
  throw new TransformError(`transform ${formatTransform(t)} cannot apply to ${sourceType}`);
}

/** Applies a transform to one value in Iceberg's internal representation; null stays null. */
export function applyTransform(transform: Transform | string, sourceType: PrimitiveType, value: Literal): Literal {
  const t = typeof transform === 'string' ? parseTransform(transform) : transform;
  if (value === null || t.type === 'void') return null;
  transformResultType(t, sourceType);
  const kind = parsePrimitive(sourceType).kind;
  switch (t.type) {
    case 'identity':
      return value;
    case 'bucket':
      return (hashValue(sourceType, value) & 0x7fffffff) % t.numBuckets;
    case 'truncate':
      return truncateValue(kind, value, t.width);
    case 'year':
      return epochYears(toDays(kind, value));
    case 'month':
      return epochMonths(toDays(kind, value));
    case 'day':
      return toDays(kind, value);
    case 'hour':
      return Number(floorDiv(toMicros(kind, value), 3_600_000_000n));
    default:
      throw new TransformError(`cannot apply transform ${formatTransform(t)}`);
  }
}

/**
 * The 32-bit Murmur3 hash of a value as the bucket transform defines it (spec: Appendix B): ints,
 * longs, dates and times hash as 8-byte little-endian longs, nanosecond timestamps as their
 * microseconds, strings as UTF-8, uuids as 16 big-endian bytes, decimals as their minimal
 * big-endian unscaled bytes.
 */
export function hashValue(type: PrimitiveType, value: Literal): number {
  const kind = parsePrimitive(type).kind;
  switch (kind) {
    case 'int':
    case 'long':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return hashLong(toBigInt(value));
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return hashLong(floorDiv(toBigInt(value), 1000n));
    case 'string':
      return murmur3x86_32(new TextEncoder().encode(String(value)));
    case 'uuid':
      return murmur3x86_32(uuidToBytes(String(value)));
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array)) throw new TransformError(`expected bytes for ${type}`);
      return murmur3x86_32(value);
    case 'decimal':
      return murmur3x86_32(decimalToBytes(toBigInt(value)));
    default:
      throw new TransformError(`bucket cannot hash ${type}`);
  }
}

function hashLong(v: bigint): number {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt.asIntN(64, v), true);
  return murmur3x86_32(bytes);
}

function truncateValue(kind: string, value: Literal, width: number): Literal {
  if (width <= 0) throw new TransformError(`truncate width must be positive, got ${width}`);
  switch (kind) {
    case 'int': {
      const v = value as number;
      // spec: v - (((v % W) + W) % W), so negatives round toward -infinity (truncate[10](-1) = -10).
      return v - (((v % width) + width) % width);
    }
    case 'long':
    case 'decimal': {
      const v = toBigInt(value);
      const w = BigInt(width);
      return v - (((v % w) + w) % w);
    }
    case 'string': {
      // Truncate by code points, not UTF-16 units, so surrogate pairs are never split.
      const points = Array.from(value as string);
      return points.length <= width ? (value as string) : points.slice(0, width).join('');
    }
    case 'binary': {
      const bytes = value as Uint8Array;
      return bytes.length <= width ? bytes : bytes.slice(0, width);
    }
    default:
      throw new TransformError(`truncate cannot apply to ${kind}`);
  }
}

const MICROS_PER_DAY = 86_400_000_000n;

function toMicros(kind: string, value: Literal): bigint {
  if (kind === 'date') return BigInt(value as number) * MICROS_PER_DAY;
  if (kind === 'timestamp_ns' || kind === 'timestamptz_ns') return floorDiv(toBigInt(value), 1000n);
  return toBigInt(value);
}

function toDays(kind: string, value: Literal): number {
  if (kind === 'date') return value as number;
  return Number(floorDiv(toMicros(kind, value), MICROS_PER_DAY));
}

function epochYears(days: number): number {
  return new Date(days * 86_400_000).getUTCFullYear() - 1970;
}

function epochMonths(days: number): number {
  const d = new Date(days * 86_400_000);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function toBigInt(value: Literal): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new TransformError(`expected an integer, got ${typeof value}`);
}

/** A partition field with its source field and the type of its values. */
export interface ResolvedPartitionField {
  field: PartitionField;
  transform: Transform;
  /** Undefined when the source column was dropped from the schema. */
  source: NestedField | undefined;
  resultType: PrimitiveType;
}

/** Resolves each field of a spec against a schema: source column, parsed transform, result type. */
export function resolvePartitionFields(spec: PartitionSpec, schema: StructType): ResolvedPartitionField[] {
  const fields = indexFields(schema);
  return spec.fields.map((field) => {
    const transform = parseTransform(field.transform);
    const source = fields.get(field['source-id']);
    let resultType: PrimitiveType;
    if (source) resultType = transformResultType(transform, source.type);
    else if (
      transform.type === 'bucket' ||
      transform.type === 'year' ||
      transform.type === 'month' ||
      transform.type === 'hour'
    )
      resultType = 'int';
    else if (transform.type === 'day') resultType = 'date';
    else resultType = 'unknown';
    return { field, transform, source, resultType };
  });
}

/**
 * The partition tuple as a struct type (spec: Manifests, `data_file.partition`): one optional
 * field per spec field, id = the partition field id, type = the transform's result type.
 */
export function partitionType(spec: PartitionSpec, schema: StructType): StructType {
  return {
    type: 'struct',
    fields: resolvePartitionFields(spec, schema).map((p) => ({
      id: p.field['field-id'],
      name: p.field.name,
      required: false,
      type: p.resultType,
    })),
  };
}

/** Computes the partition tuple of a row from its source values (looked up by source field id). */
export function partitionValues(
  spec: PartitionSpec,
  schema: StructType,
  sourceValue: (fieldId: number) => Literal,
): Literal[] {
  return resolvePartitionFields(spec, schema).map((p) => {
    if (!p.source || !isPrimitive(p.source.type)) return null;
    return applyTransform(p.transform, p.source.type, sourceValue(p.field['source-id']));
  });
}

/**
 * A partition value as Java's `Transform.toHumanString` prints it: ISO dates and times, `2024-01`
 * for months, `2024-01-01-10` for hours, base64 for binary, `null` for null.
 */
export function humanValue(transform: Transform | string, sourceType: IcebergType | undefined, value: Literal): string {
  const t = typeof transform === 'string' ? parseTransform(transform) : transform;
  if (value === null || value === undefined) return 'null';
  switch (t.type) {
    case 'year':
      return pad(1970 + (value as number), 4);
    case 'month': {
      const m = value as number;
      const year = 1970 + Math.floor(m / 12);
      return `${pad(year, 4)}-${pad((((m % 12) + 12) % 12) + 1, 2)}`;
    }
    case 'day':
      return isoDate(value as number);
    case 'hour': {
      const h = value as number;
      const day = Math.floor(h / 24);
      return `${isoDate(day)}-${pad(h - day * 24, 2)}`;
    }
    case 'bucket':
      return String(value);
    case 'void':
      return 'null';
    default:
      break;
  }
  if (!sourceType || !isPrimitive(sourceType)) return literalToString(value);
  return literalToHuman(sourceType, value);
}

/** A value of a primitive type in Java's human form (ISO dates/times, base64 bytes, `1.0` floats, scaled decimals). */
export function literalToHuman(type: PrimitiveType, value: Literal): string {
  if (value === null) return 'null';
  const t = parsePrimitive(type);
  switch (t.kind) {
    case 'date':
      return isoDate(value as number);
    case 'time':
      return isoTime(toBigInt(value) * 1000n);
    case 'timestamp':
      return isoTimestamp(toBigInt(value) * 1000n, false);
    case 'timestamptz':
      return isoTimestamp(toBigInt(value) * 1000n, true);
    case 'timestamp_ns':
      return isoTimestamp(toBigInt(value), false);
    case 'timestamptz_ns':
      return isoTimestamp(toBigInt(value), true);
    case 'float':
    case 'double':
      return javaFloatString(value as number, t.kind === 'float');
    case 'decimal':
      return decimalString(toBigInt(value), t.scale);
    default:
      return literalToString(value);
  }
}

/**
 * The partition path of a tuple as Java writes it: `name=value` per field, joined by `/`, both
 * sides escaped with `URLEncoder` rules (space → `+`), values in human form.
 */
export function partitionPath(spec: PartitionSpec, schema: StructType, values: Literal[]): string {
  return resolvePartitionFields(spec, schema)
    .map(
      (p, i) => `${urlEscape(p.field.name)}=${urlEscape(humanValue(p.transform, p.source?.type, values[i] ?? null))}`,
    )
    .join('/');
}

/** The partition tuple as `{ name: humanValue }`, for display (e.g. `floe inspect`). */
export function partitionToHuman(
  spec: PartitionSpec,
  schema: StructType,
  values: Literal[],
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  resolvePartitionFields(spec, schema).forEach((p, i) => {
    const value = values[i] ?? null;
    out[p.field.name] = value === null ? null : humanValue(p.transform, p.source?.type, value);
  });
  return out;
}

/** Java `URLEncoder.encode(s, UTF_8)`: keeps `A-Za-z0-9.-*_`, writes space as `+`, percent-encodes the rest. */
export function urlEscape(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function literalToString(value: Literal): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return String(value);
}

function pad(n: number, width: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).padStart(width, '0');
}

function isoDate(days: number): string {
  const d = new Date(days * 86_400_000);
  const year = d.getUTCFullYear();
  // java.time.LocalDate prints years past 9999 with a '+' sign.
  const y = year > 9999 ? `+${year}` : pad(year, 4);
  return `${y}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** ISO_LOCAL_TIME: `HH:mm:ss` plus the fraction with trailing zeros dropped. */
function isoTime(nanosOfDay: bigint): string {
  const seconds = Number(nanosOfDay / 1_000_000_000n);
  const nanos = Number(nanosOfDay % 1_000_000_000n);
  const base = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  if (nanos === 0) return base;
  return `${base}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
}

function isoTimestamp(nanos: bigint, utc: boolean): string {
  const nanosPerDay = MICROS_PER_DAY * 1000n;
  const day = floorDiv(nanos, nanosPerDay);
  const ofDay = nanos - day * nanosPerDay;
  return `${isoDate(Number(day))}T${isoTime(ofDay)}${utc ? '+00:00' : ''}`;
}

/** `Float.toString` / `Double.toString`: shortest digits that read back, `1.0`, `1.0E10`, `1.0E-5`. */
function javaFloatString(value: number, single: boolean): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  let digits = String(value);
  if (single) {
    for (let p = 1; p <= 9; p++) {
      const candidate = Number(value.toPrecision(p));
      if (Math.fround(candidate) === value) {
        digits = String(candidate);
        break;
      }
    }
  }
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = Number(digits).toString();
    return plain.includes('.') || plain.includes('e') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = Number(digits).toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.replace('+', '')}`;
}

/** `BigDecimal.toString` of an unscaled value and scale (scientific only when Java would use it). */
function decimalString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  const adjusted = digits.length - 1 - scale;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + digits;
    const padded = digits.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  const rest = digits.slice(1);
  return `${sign}${digits[0]}${rest ? `.${rest}` : ''}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}
