/**
 * Conversions between avsc-decoded Avro values and floe's representations: longs are bigint,
 * bytes are plain Uint8Array, partition values are `Literal`s (types.ts) by their Avro (logical)
 * type, e.g. a decimal `fixed` becomes its unscaled bigint (spec Appendix A).
 */
import { bytesToDecimal, bytesToUuid, uuidToBytes } from '../bounds.js';
import { integerStorage } from '../integer-storage.js';
import { parsePrimitive } from '../schema.js';
import type { Literal, PrimitiveType } from '../types.js';
import type { AvroSchema } from './container.js';
import { decimalRequiredBytes } from './schemas.js';

/** A decoded Avro value as bigint (null stays null). */
export function toBigIntOrNull(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  throw new TypeError(`expected an integer, got ${typeof value}`);
}

/** A decoded Avro int/long as number (counts and sizes; null stays null). */
export function toNumberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new TypeError(`expected an integer, got ${typeof value}`);
}

/** Copies Avro bytes (a Buffer view into the file) into a standalone Uint8Array. */
export function bytesOrNull(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new TypeError(`expected bytes, got ${typeof value}`);
}

/** A partition value decoded with its Avro writer type, as a Literal. */
export function literalFromAvro(value: unknown, type: AvroSchema): Literal {
  if (value === null || value === undefined) return null;
  const logical =
    typeof type === 'object' && !Array.isArray(type) ? (type.logicalType as string | undefined) : undefined;
  if (value instanceof Uint8Array) {
    if (logical === 'decimal') return bytesToDecimal(value);
    if (logical === 'uuid' && value.length === 16) return bytesToUuid(value);
    return new Uint8Array(value);
  }
  if (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  throw new TypeError(`unsupported partition value: ${String(value)}`);
}

/** A Literal as the avsc value for an Iceberg primitive type written by schemas.ts `avroPrimitive`. */
export function literalToAvro(value: Literal, type: PrimitiveType): unknown {
  if (value === null) return null;
  const p = parsePrimitive(type);
  const integer = integerStorage(p.kind);
  if (integer === 'int64') return BigInt(value as bigint | number);
  if (integer === 'int32') return Number(value);
  switch (p.kind) {
    case 'uuid':
      return Buffer.from(typeof value === 'string' ? uuidToBytes(value) : (value as Uint8Array));
    case 'binary':
    case 'fixed':
      return Buffer.from(value as Uint8Array);
    case 'decimal':
      return fixedDecimal(BigInt(value as bigint | number), p.precision);
    default:
      return value;
  }
}

function fixedDecimal(unscaled: bigint, precision: number): Buffer {
  const size = decimalRequiredBytes(precision);
  const out = Buffer.alloc(size);
  let v = BigInt.asUintN(8 * size, unscaled);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
