/**
 * Single-value binary serialization (spec: Appendix D), used for `lower_bounds`/`upper_bounds` in
 * manifests and `lower_bound`/`upper_bound` in manifest-list partition summaries, plus the
 * truncation of string/binary bounds that `write.metadata.metrics.default = truncate(16)` asks for
 * (spec: "Metrics", and Java's `UnicodeUtil`/`BinaryUtil`).
 *
 * @example
 * serializeValue('int', 1)               // Uint8Array [1, 0, 0, 0]
 * deserializeValue('decimal(9,2)', new Uint8Array([0x30, 0x39])) // 12345n (123.45)
 */

import { integerStorage } from './integer-storage.js';
import { parsePrimitive } from './schema.js';
import type { Literal, PrimitiveType } from './types.js';

/** Raised when a value cannot be serialized as the given type, or bytes cannot be read as it. */
export class BoundsError extends Error {
  override name = 'BoundsError';
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Serializes one value as the spec's single-value binary form (Appendix D). */
export function serializeValue(type: PrimitiveType, value: Literal): Uint8Array {
  if (value === null) throw new BoundsError(`cannot serialize null as ${type}`);
  const t = parsePrimitive(type);
  const integer = integerStorage(t.kind);
  if (integer === 'int32') {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, expectInt(value, type), true);
    return out;
  }
  if (integer === 'int64') {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, BigInt.asIntN(64, expectBigInt(value, type)), true);
    return out;
  }
  switch (t.kind) {
    case 'boolean':
      return new Uint8Array([expect(value, 'boolean', type) ? 1 : 0]);
    case 'float': {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, expect(value, 'number', type), true);
      return out;
    }
    case 'double': {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, expect(value, 'number', type), true);
      return out;
    }
    case 'string':
      return utf8.encode(expect(value, 'string', type));
    case 'uuid':
      return uuidToBytes(expect(value, 'string', type));
    case 'fixed': {
      const bytes = expectBytes(value, type);
      if (bytes.length !== t.length) throw new BoundsError(`${type} value has ${bytes.length} bytes`);
      return bytes;
    }
    case 'binary':
      return expectBytes(value, type);
    case 'decimal':
      return decimalToBytes(expectBigInt(value, type));
    default:
      throw new BoundsError(`type ${type} has no single-value serialization`);
  }
}

/** Reads one value from the spec's single-value binary form (Appendix D). */
export function deserializeValue(type: PrimitiveType, bytes: Uint8Array): Literal {
  const t = parsePrimitive(type);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number) => {
    if (bytes.length !== n) throw new BoundsError(`${type} bound must be ${n} bytes, got ${bytes.length}`);
  };
  const integer = integerStorage(t.kind);
  if (integer === 'int32') {
    need(4);
    return view.getInt32(0, true);
  }
  if (integer === 'int64') {
    // Iceberg Java before 0.12 wrote 4-byte bounds for long columns promoted from int.
    if (bytes.length === 4 && t.kind === 'long') return BigInt(view.getInt32(0, true));
    need(8);
    return view.getBigInt64(0, true);
  }
  switch (t.kind) {
    case 'boolean':
      need(1);
      return bytes[0] !== 0;
    case 'float':
      need(4);
      return view.getFloat32(0, true);
    case 'double':
      // A float promoted to double keeps its 4-byte bounds in old files.
      if (bytes.length === 4) return view.getFloat32(0, true);
      need(8);
      return view.getFloat64(0, true);
    case 'string':
      try {
        return utf8Decoder.decode(bytes);
      } catch (cause) {
        throw new BoundsError('string bound is not valid UTF-8', { cause });
      }
    case 'uuid':
      need(16);
      return bytesToUuid(bytes);
    case 'fixed':
    case 'binary':
      return new Uint8Array(bytes);
    case 'decimal':
      return bytesToDecimal(bytes);
    default:
      throw new BoundsError(`type ${type} has no single-value serialization`);
  }
}

/**
 * Truncates a lower bound of a string or binary column to `width` code points / bytes; a prefix
 * is always ≤ the value, so it stays a valid lower bound. Other types are returned unchanged.
 */
export function truncateLowerBound(type: PrimitiveType, value: Literal, width: number): Literal {
  if (typeof value === 'string' && type === 'string') {
    const points = Array.from(value);
    return points.length <= width ? value : points.slice(0, width).join('');
  }
  if (value instanceof Uint8Array && type === 'binary') return value.length <= width ? value : value.slice(0, width);
  return value;
}

/**
 * Truncates an upper bound of a string or binary column to `width` code points / bytes and then
 * increments the last code point / byte so it stays ≥ the value (Java `UnicodeUtil.truncateStringMax`,
 * `BinaryUtil.truncateBinaryMax`). Returns null when no such bound exists (all code points at
 * U+10FFFF, all bytes 0xFF): the caller then writes no upper bound.
 */
export function truncateUpperBound(type: PrimitiveType, value: Literal, width: number): Literal {
  if (typeof value === 'string' && type === 'string') {
    const points = Array.from(value, (c) => c.codePointAt(0)!);
    if (points.length <= width) return value;
    const kept = points.slice(0, width);
    for (let i = kept.length - 1; i >= 0; i--) {
      let next = kept[i]! + 1;
      // Surrogate code points are not valid in UTF-8; skip over them.
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
      if (next <= 0x10ffff) return String.fromCodePoint(...kept.slice(0, i), next);
    }
    return null;
  }
  if (value instanceof Uint8Array && type === 'binary') {
    if (value.length <= width) return value;
    const kept = value.slice(0, width);
    for (let i = kept.length - 1; i >= 0; i--) {
      if (kept[i]! < 0xff) {
        const out = kept.slice(0, i + 1);
        out[i]! += 1;
        return out;
      }
    }
    return null;
  }
  return value;
}

/** The unscaled value of a decimal in two's complement, big-endian, in the fewest bytes (Appendix D). */
export function decimalToBytes(unscaled: bigint): Uint8Array {
  let length = 1;
  // The smallest n with -2^(8n-1) <= v < 2^(8n-1).
  while (unscaled >= 1n << BigInt(8 * length - 1) || unscaled < -(1n << BigInt(8 * length - 1))) length++;
  const out = new Uint8Array(length);
  let v = BigInt.asUintN(8 * length, unscaled);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Reads a big-endian two's-complement integer of any length (decimal bounds, Avro decimal `fixed`). */
export function bytesToDecimal(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(8 * bytes.length, v);
}

/** Converts a canonical UUID string to its 16 big-endian bytes. */
export function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new BoundsError(`not a UUID: ${uuid}`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Converts 16 big-endian bytes to a canonical lower-case UUID string. */
export function bytesToUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function expect<T extends 'boolean' | 'number' | 'string'>(
  value: Literal,
  kind: T,
  type: PrimitiveType,
): T extends 'boolean' ? boolean : T extends 'number' ? number : string {
  if (typeof value !== kind) throw new BoundsError(`expected a ${kind} for ${type}, got ${describe(value)}`);
  return value as never;
}

function expectInt(value: Literal, type: PrimitiveType): number {
  if (typeof value === 'bigint') return Number(BigInt.asIntN(32, value));
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new BoundsError(`expected an integer for ${type}, got ${describe(value)}`);
  return value;
}

function expectBigInt(value: Literal, type: PrimitiveType): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new BoundsError(`expected a bigint for ${type}, got ${describe(value)}`);
}

function expectBytes(value: Literal, type: PrimitiveType): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new BoundsError(`expected bytes for ${type}, got ${describe(value)}`);
}

function describe(value: Literal): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : `${typeof value} ${String(value)}`;
}
