/**
 * Lossless JSON for metadata files and REST bodies: integers beyond 2^53 come back as `bigint`
 * (snapshot ids are random 63-bit numbers; `JSON.parse` rounds them on Node 20), and `bigint`
 * values are written as plain JSON numbers.
 *
 * @example
 * parseJson('{"snapshot-id": 3051729675574597004}') // { 'snapshot-id': 3051729675574597004n }
 * stringifyJson({ id: 3051729675574597004n })       // '{"id":3051729675574597004}'
 */
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

function parseNumber(text: string): number | bigint {
  if (isInteger(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

/** Parses JSON text, keeping unsafe integers as `bigint`. */
export function parseJson<T = unknown>(text: string): T {
  return parse(text, null, parseNumber) as T;
}

/** Serializes to JSON, writing `bigint` as a JSON number. `undefined` members are dropped. */
export function stringifyJson(value: unknown, space?: number | string): string {
  const out = stringify(value, undefined, space);
  if (out === undefined) throw new TypeError('value is not serializable to JSON');
  return out;
}

/** Converts a parsed JSON number (number or bigint) to bigint; null/undefined pass through. */
export function toBigInt(value: unknown): bigint | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer: ${String(value)}`);
}
