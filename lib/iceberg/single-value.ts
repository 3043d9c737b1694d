/**
 * Values of an Iceberg column, read through Arrow JS, as Iceberg's JSON single-value
 * serialization writes them (spec: Appendix D): long as an exact integer, decimal as its
 * scaled text (`"1234.5678"`), date `"2017-11-16"`, time `"22:31:08.123456"`, timestamp
 * `"2017-11-16T22:31:08.123456"`, timestamptz with `"+00:00"`, nanosecond variants with nine
 * digits, uuid in its canonical form, fixed and binary as hex, lists as arrays, maps as
 * `{"keys": […], "values": […]}`. Structs are objects keyed by field name (the spec keys them by
 * field id; names are what a person reading `floe scan` needs).
 *
 * Timestamps must come from data retyped by `rawTimestamps` (raw counts, not milliseconds).
 */
import { avroName } from './avro-name.js';
import { parsePrimitive } from './schema.js';
import type { IcebergType } from './types.js';

const MICROS_PER_DAY = 86_400_000_000n;

function pad(n: bigint | number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `HH:MM:SS.ffffff` of a count of `unitsPerSecond` since midnight (`digits` fractional digits). */
function timeOfDay(units: bigint, unitsPerSecond: bigint, digits: number): string {
  const secs = units / unitsPerSecond;
  const frac = units % unitsPerSecond;
  return `${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}.${pad(frac, digits)}`;
}

/** ISO-8601 date-time (UTC) of a count of `unitsPerSecond` since the epoch. */
function dateTime(units: bigint, unitsPerSecond: bigint, digits: number): string {
  const perDay = unitsPerSecond * 86_400n;
  let days = units / perDay;
  let rest = units % perDay;
  if (rest < 0n) {
    days -= 1n;
    rest += perDay;
  }
  const date = new Date(Number(days) * 86_400_000).toISOString().slice(0, 10);
  return `${date}T${timeOfDay(rest, unitsPerSecond, digits)}`;
}

/** The unscaled integer text of a decimal with `scale` digits after the point put back. */
export function scaleDecimal(unscaled: string, scale: number): string {
  if (scale === 0) return unscaled;
  const neg = unscaled.startsWith('-');
  const digits = (neg ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** One value (as Arrow JS `get` returns it, timestamps raw) in Iceberg's single-value JSON form. */
export function singleValueJson(value: unknown, type: IcebergType): unknown {
  if (value === null || value === undefined) return null;
  if (typeof type !== 'string') {
    if (type.type === 'struct') {
      const row = (value as { toJSON(): Record<string, unknown> }).toJSON();
      return Object.fromEntries(
        type.fields.map((f) => [f.name, singleValueJson(row[f.name] ?? row[avroName(f.name)], f.type)]),
      );
    }
    if (type.type === 'list') return [...(value as Iterable<unknown>)].map((v) => singleValueJson(v, type.element));
    const keys: unknown[] = [];
    const values: unknown[] = [];
    for (const [k, v] of value as Iterable<[unknown, unknown]>) {
      keys.push(singleValueJson(k, type.key));
      values.push(singleValueJson(v, type.value));
    }
    return { keys, values };
  }
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'long':
      return BigInt(value as number | bigint);
    case 'decimal':
      return scaleDecimal(String(value), p.scale);
    case 'date':
      return new Date(Number(value)).toISOString().slice(0, 10);
    case 'time':
      return timeOfDay(BigInt(value as bigint) % MICROS_PER_DAY, 1_000_000n, 6);
    case 'timestamp':
      return dateTime(BigInt(value as bigint), 1_000_000n, 6);
    case 'timestamptz':
      return `${dateTime(BigInt(value as bigint), 1_000_000n, 6)}+00:00`;
    case 'timestamp_ns':
      return dateTime(BigInt(value as bigint), 1_000_000_000n, 9);
    case 'timestamptz_ns':
      return `${dateTime(BigInt(value as bigint), 1_000_000_000n, 9)}+00:00`;
    case 'uuid': {
      const h = hex(value as Uint8Array);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'fixed':
    case 'binary':
      return hex(value as Uint8Array);
    default:
      return value;
  }
}
