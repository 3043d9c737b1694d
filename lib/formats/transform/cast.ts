/**
 * `CAST`/`TRY_CAST` between Iceberg primitives, on the value representation of
 * arrow-columns.ts. Semantics follow DuckDB where they are a choice: numbers round half away from
 * zero when the target has fewer fractional digits, an out-of-range value fails, text is trimmed
 * before it is parsed. A failed cast returns `CAST_FAILED` and leaves the reason in
 * `castFailure.reason`; the evaluator turns it into a row error (CAST) or null (TRY_CAST).
 */
import { parsePrimitive } from '../../iceberg/schema.js';
import type { PrimitiveType } from '../../iceberg/types.js';
import { BIG, bigResult, FAIL, parseBoolean, parseDate, parseTimestamp, parseUuid } from '../scalar-parse.js';
import { daysOf, formatDate, formatTime, formatTimestamp, MICROS_PER_DAY } from './temporal.js';

/** The result of a failed cast. */
export const CAST_FAILED: unique symbol = Symbol('cast failed');
export const castFailure = { reason: '' };

/** A type in an expression: an Iceberg primitive, or `null` for an untyped NULL literal. */
export type SqlType = PrimitiveType | 'null';

export type Caster = (value: unknown) => unknown;

const NUMERIC = new Set(['int', 'long', 'float', 'double', 'decimal']);
const TEMPORAL = new Set(['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);
const TEXT_ONLY = new Set(['binary', 'fixed', 'uuid', 'time']);

/** The primitive kind of a type (`decimal(9,2)` → `decimal`). */
export function kindOf(type: SqlType): string {
  return type === 'null' ? 'null' : parsePrimitive(type).kind;
}

/** Whether CAST from `from` to `to` is defined (checked when the transform is bound). */
export function canCast(from: SqlType, to: SqlType): boolean {
  const f = kindOf(from);
  const t = kindOf(to);
  if (f === 'null' || f === t || f === 'string' || t === 'string') return true;
  if ((NUMERIC.has(f) || f === 'boolean') && (NUMERIC.has(t) || t === 'boolean')) return true;
  if (TEMPORAL.has(f) && (TEMPORAL.has(t) || t === 'time')) return f !== 'date' || t !== 'time';
  return TEXT_ONLY.has(f) && TEXT_ONLY.has(t) && f !== 'time' && t !== 'time' && t !== 'uuid';
}

function failed(reason: string): typeof CAST_FAILED {
  castFailure.reason = reason;
  return CAST_FAILED;
}

const encoder = new TextEncoder();
const lenient = new TextDecoder();

/** `10n ** n` for small n, cached. */
const POW10: bigint[] = [];
export function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    POW10[n] = p;
  }
  return p;
}

/** Divides and rounds half away from zero. */
export function divRound(v: bigint, d: bigint): bigint {
  if (d === 1n) return v;
  const q = v / d;
  const r = v % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** Changes a decimal's scale (rounding half away from zero when the scale shrinks). */
export function rescale(v: bigint, from: number, to: number): bigint {
  return to >= from ? v * pow10(to - from) : divRound(v, pow10(from - to));
}

/** An unscaled decimal as text (`-12.50`). */
export function decimalToString(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** An unscaled decimal as a double. */
export function decimalToNumber(v: bigint, scale: number): number {
  return Number(decimalToString(v, scale));
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text to an unscaled value at `scale` (rounding), or undefined. */
export function parseDecimalText(text: string, scale: number): bigint | undefined {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  let v = BigInt(`${m[2] || '0'}${frac}`);
  const shift = scale - frac.length + exp; // value = v * 10^(exp - frac.length)
  v = shift >= 0 ? v * pow10(shift) : divRound(v, pow10(-shift));
  return m[1] === '-' ? -v : v;
}

function inDecimalRange(v: bigint, precision: number): boolean {
  const limit = pow10(precision);
  return v < limit && v > -limit;
}

/** [min, max) of each integer type, as doubles (2^63 is exact, 2^63 - 1 is not). */
const INT_RANGE = { int: [-2147483648, 2147483648], long: [-(2 ** 63), 2 ** 63] } as const;

/** Rounds half to even, as DuckDB casts a double to an integer (`nearbyint`). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function toInteger(x: number, kind: 'int' | 'long'): unknown {
  if (!Number.isFinite(x)) return failed(`${x} is out of range for ${kind}`);
  const r = roundHalfEven(x);
  const [min, max] = INT_RANGE[kind];
  if (r < min || r >= max) return failed(`${x} is out of range for ${kind}`);
  return r === 0 ? 0 : r;
}

function uuidText(b: Uint8Array): string {
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A value of `type` as text (CAST … AS VARCHAR, concat). */
export function valueToText(value: unknown, type: SqlType): string {
  const p = type === 'null' ? undefined : parsePrimitive(type);
  switch (p?.kind) {
    case 'decimal':
      return decimalToString(value as bigint, (p as { scale: number }).scale);
    case 'date':
      return formatDate(value as number);
    case 'time':
      return formatTime(value as number);
    case 'timestamp':
    case 'timestamptz':
      return formatTimestamp(value as number, p.kind === 'timestamptz');
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const ns = value as bigint;
      const micros = Number(ns / 1000n - (ns % 1000n < 0n ? 1n : 0n));
      return formatTimestamp(micros, p.kind === 'timestamptz_ns');
    }
    case 'uuid':
      return uuidText(value as Uint8Array);
    case 'binary':
    case 'fixed':
      return lenient.decode(value as Uint8Array);
    case 'float':
    case 'double': {
      const x = value as number;
      // DuckDB's spelling of the IEEE specials.
      if (Number.isNaN(x)) return 'nan';
      if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
      return String(p.kind === 'float' ? Math.fround(x) : x);
    }
    default:
      return String(value);
  }
}

function fromText(to: SqlType): Caster {
  const p = parsePrimitive(to as PrimitiveType);
  switch (p.kind) {
    case 'string':
      return (v) => v;
    case 'boolean':
      return (v) => {
        const b = encoder.encode((v as string).trim().toLowerCase());
        const r = parseBoolean(b, 0, b.length);
        return Number.isNaN(r) ? failed(`"${v}" is not a boolean`) : r === 1;
      };
    case 'int':
    case 'long':
    case 'float':
    case 'double': {
      const kind = p.kind;
      return (v) => {
        const t = (v as string).trim();
        const x = /^[+-]?(nan|inf|infinity)$/i.test(t) ? Number(t.replace(/inf(inity)?/i, 'Infinity')) : Number(t);
        if (t === '' || (Number.isNaN(x) && !/nan/i.test(t))) return failed(`"${v}" is not a number`);
        if (kind === 'float' || kind === 'double') return kind === 'float' ? Math.fround(x) : x;
        return toInteger(x, kind);
      };
    }
    case 'decimal': {
      const { precision, scale } = p as { precision: number; scale: number };
      return (v) => {
        const d = parseDecimalText(v as string, scale);
        if (d === undefined) return failed(`"${v}" is not a decimal`);
        return inDecimalRange(d, precision) ? d : failed(`"${v}" is out of range for ${to}`);
      };
    }
    case 'date':
      return (v) => {
        const b = encoder.encode(v as string);
        const d = parseDate(b, 0, b.length);
        if (!Number.isNaN(d)) return d;
        const ts = parseTimestamp(b, 0, b.length, 1_000_000);
        return Number.isNaN(ts) ? failed(`"${v}" is not a date`) : daysOf(ts);
      };
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const ns = p.kind.endsWith('_ns');
      return (v) => {
        const b = encoder.encode(v as string);
        const ts = parseTimestamp(b, 0, b.length, ns ? 1_000_000_000 : 1_000_000);
        if (ts === BIG) return ns ? bigResult.value : Number(bigResult.value);
        if (Number.isNaN(ts)) {
          const d = parseDate(b, 0, b.length);
          if (Number.isNaN(d)) return failed(`"${v}" is not a timestamp`);
          return ns ? BigInt(d) * BigInt(MICROS_PER_DAY) * 1000n : d * MICROS_PER_DAY;
        }
        return ns ? BigInt(ts) : ts;
      };
    }
    case 'time':
      return (v) => {
        const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*$/.exec(v as string);
        if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59)
          return failed(`"${v}" is not a time`);
        return (
          ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1e6 + Number((m[4] ?? '').padEnd(6, '0'))
        );
      };
    case 'uuid':
      return (v) => {
        const out = new Uint8Array(16);
        return parseUuid(v as string, out, 0) ? out : failed(`"${v}" is not a uuid`);
      };
    case 'binary':
      return (v) => encoder.encode(v as string);
    case 'fixed': {
      const length = (p as { length: number }).length;
      return (v) => {
        const b = encoder.encode(v as string);
        return b.length === length ? b : failed(`"${v}" is ${b.length} bytes, not ${length}`);
      };
    }
    default:
      throw new Error(`no cast to ${to}`);
  }
}

/** The function casting one non-null value from `from` to `to` (see `canCast`). */
export function caster(from: SqlType, to: SqlType): Caster {
  if (from === to) return (v) => v;
  const f = type(from);
  const t = type(to);
  if (t.kind === 'string') return (v) => valueToText(v, from);
  if (f.kind === 'string') return fromText(to);
  if (f.kind === t.kind && f.kind !== 'decimal' && f.kind !== 'fixed') return (v) => v;
  // Numbers and booleans.
  const asNumber: (v: unknown) => number =
    f.kind === 'decimal'
      ? (v) => decimalToNumber(v as bigint, f.scale)
      : f.kind === 'boolean'
        ? (v) => (v ? 1 : 0)
        : (v) => v as number;
  switch (t.kind) {
    case 'boolean':
      return f.kind === 'decimal' ? (v) => (v as bigint) !== 0n : (v) => (v as number) !== 0;
    case 'int':
    case 'long': {
      const kind = t.kind;
      if (f.kind === 'decimal') return (v) => toInteger(Number(rescale(v as bigint, f.scale, 0)), kind);
      return (v) => toInteger(asNumber(v), kind);
    }
    case 'float':
      return (v) => Math.fround(asNumber(v));
    case 'double':
      return asNumber;
    case 'decimal': {
      const { precision, scale } = t;
      const check = (d: bigint, v: unknown) =>
        inDecimalRange(d, precision) ? d : failed(`${valueToText(v, from)} is out of range for ${to}`);
      if (f.kind === 'decimal') return (v) => check(rescale(v as bigint, f.scale, scale), v);
      if (f.kind === 'int' || f.kind === 'long' || f.kind === 'boolean')
        return (v) => check(BigInt(asNumber(v)) * pow10(scale), v);
      const factor = 10 ** scale;
      return (v) => {
        const x = v as number;
        if (!Number.isFinite(x)) return failed(`${x} is out of range for ${to}`);
        // Fast path: x has at most `scale` fractional digits (x·10^s is an integer): no rounding to decide.
        const scaled = x * factor;
        if (Number.isInteger(scaled) && Math.abs(scaled) < 2 ** 53) return check(BigInt(scaled), v);
        const d = parseDecimalText(String(x), scale);
        return d === undefined ? failed(`${x} is not a decimal`) : check(d, v);
      };
    }
  }
  // Dates and times.
  const micros: (v: unknown) => number =
    f.kind === 'date'
      ? (v) => (v as number) * MICROS_PER_DAY
      : f.kind.endsWith('_ns')
        ? (v) => Number((v as bigint) / 1000n - ((v as bigint) % 1000n < 0n ? 1n : 0n))
        : (v) => v as number;
  switch (t.kind) {
    case 'date':
      return (v) => daysOf(micros(v));
    case 'time':
      return (v) => {
        const m = micros(v);
        return m - daysOf(m) * MICROS_PER_DAY;
      };
    case 'timestamp':
    case 'timestamptz':
      return micros;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return f.kind.endsWith('_ns') ? (v) => v : (v) => BigInt(micros(v)) * 1000n;
  }
  if (f.kind === 'uuid' || f.kind === 'fixed' || f.kind === 'binary') {
    if (t.kind === 'binary') return (v) => v;
    const length = (t as { length: number }).length;
    return (v) =>
      (v as Uint8Array).length === length ? v : failed(`${(v as Uint8Array).length} bytes, not ${length}`);
  }
  throw new Error(`no cast from ${from} to ${to}`);
}

type Parsed = ReturnType<typeof parsePrimitive> & { scale: number; precision: number; length: number };
function type(t: SqlType): Parsed {
  return parsePrimitive(t as PrimitiveType) as Parsed;
}

/** Whether a value is the failed-cast marker. */
export function isCastFailure(value: unknown): value is typeof CAST_FAILED {
  return value === CAST_FAILED;
}

export { FAIL };
