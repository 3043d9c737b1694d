/**
 * Lossless JSON for metadata files and REST bodies: integers beyond 2^53 come back as `bigint`
 * (snapshot ids are random 63-bit numbers; `JSON.parse` rounds them on Node 20), and `bigint`
 * values are written as plain JSON numbers.
 *
 * Both directions run on the native `JSON` functions: a metadata.json with a thousand snapshots
 * is parsed on every commit, and a pure-JavaScript parser made that 8× slower. Unsafe integers
 * are located by a regex that skips over string tokens, so digits inside strings are never
 * touched.
 *
 * @example
 * parseJson('{"snapshot-id": 3051729675574597004}') // { 'snapshot-id': 3051729675574597004n }
 * stringifyJson({ id: 3051729675574597004n })       // '{"id":3051729675574597004}'
 */

/** A string token, or an integer of 16+ digits standing as a whole JSON value. */
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<=[:,[]\s*)-?\d{16,}(?=\s*[,\]}])/g;
/** Marks a protected integer inside a JSON string; `\u0000` cannot appear raw in valid JSON text. */
const MARK = '\u0000n:';
const MARKED_BIGINT = /"\\u0000n:(-?\d+)"/g;

/** Parses JSON text, keeping unsafe integers as `bigint`. */
export function parseJson<T = unknown>(text: string): T {
  let protectedAny = false;
  const guarded = text.replace(STRING_OR_LONG_INTEGER, (token) => {
    if (token.charCodeAt(0) === 34 /* " */) return token;
    if (Number.isSafeInteger(Number(token))) return token;
    protectedAny = true;
    return `"\\u0000n:${token}"`;
  });
  if (!protectedAny) return JSON.parse(text) as T;
  return JSON.parse(guarded, (_key, value) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  ) as T;
}

/** Serializes to JSON, writing `bigint` as a JSON number. `undefined` members are dropped. */
export function stringifyJson(value: unknown, space?: number | string): string {
  let sawBigInt = false;
  const out = JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v !== 'bigint') return v;
      sawBigInt = true;
      return `${MARK}${v}`;
    },
    space,
  );
  if (out === undefined) throw new TypeError('value is not serializable to JSON');
  return sawBigInt ? out.replace(MARKED_BIGINT, '$1') : out;
}

/** Converts a parsed JSON number (number or bigint) to bigint; null/undefined pass through. */
export function toBigInt(value: unknown): bigint | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer: ${String(value)}`);
}
