/**
 * Lossless JSON for metadata files and REST bodies: integers beyond 2^53 come back as `bigint`
 * (snapshot ids are random 63-bit numbers; `JSON.parse` rounds them on Node 20), and `bigint`
 * values are written as plain JSON numbers.
 *
 * Both directions run on the native `JSON` functions: a metadata.json with a thousand snapshots
 * is parsed on every commit (and again by the client reading the commit response), and a
 * pure-JavaScript parser made that 8× slower. Unsafe integers are located by a scanner that
 * jumps over string tokens, so digits inside strings are never touched; they are quoted with a
 * marker before `JSON.parse` and turned into `bigint` by one walk over the result. (A `reviver`
 * or a regex with a replace callback over the whole text each cost more than `JSON.parse`
 * itself.)
 *
 * @example
 * parseJson('{"snapshot-id": 3051729675574597004}') // { 'snapshot-id': 3051729675574597004n }
 * stringifyJson({ id: 3051729675574597004n })       // '{"id":3051729675574597004}'
 */

import { randomUUID } from 'node:crypto';

/**
 * Marks a protected integer inside a JSON string. A parsed string can hold the marker character
 * only if the text has it raw or as a `\uXXXX` escape, so the marker is the first candidate the
 * text has in neither form (`\u0000` almost always): a string value can never pass for a marker.
 */
const MARK_SUFFIX = 'n:';
const MARK = '\u0000n:';
const MARKED_BIGINT = /"\\u0000n:(-?\d+)"/g;
const INTEGER = /^-?\d+$/;
/** Marker characters tried in order: NUL, then the Private Use Area. */
const MARKER_CANDIDATES = [0x0000, ...Array.from({ length: 0x1900 }, (_, i) => 0xe000 + i)];

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;

/** Parses JSON text, keeping unsafe integers as `bigint`. */
export function parseJson<T = unknown>(text: string): T {
  const spans = unsafeIntegerSpans(text);
  if (spans.length === 0) return JSON.parse(text) as T;
  const marker = markerFor(text);
  const escaped = `\\u${marker.toString(16).padStart(4, '0')}${MARK_SUFFIX}`;
  let guarded = '';
  let from = 0;
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i] as number;
    const end = spans[i + 1] as number;
    guarded += `${text.slice(from, start)}"${escaped}${text.slice(start, end)}"`;
    from = end;
  }
  guarded += text.slice(from);
  return restoreBigInts(JSON.parse(guarded), String.fromCharCode(marker) + MARK_SUFFIX) as T;
}

/** The first marker character that no string in `text` can contain (see MARK). */
function markerFor(text: string): number {
  for (const code of MARKER_CANDIDATES) {
    const hex = code.toString(16).padStart(4, '0');
    if (text.includes(String.fromCharCode(code))) continue;
    if (new RegExp(`\\\\u${hex}`, 'i').test(text)) continue;
    return code;
  }
  throw new SyntaxError('JSON text holds every marker character; cannot parse it losslessly');
}

/**
 * Start/end offsets (pairs, flat) of integer number tokens outside strings that are not safe
 * integers. Malformed text is not judged here: `JSON.parse` reports it.
 */
function unsafeIntegerSpans(text: string): number[] {
  const spans: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterJsonString(text, i + 1);
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const start = i;
      i++;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      // 2^53 has 16 digits: anything shorter is safe.
      if (i - start >= 16) {
        const token = text.slice(start, i);
        if (INTEGER.test(token) && !Number.isSafeInteger(Number(token))) spans.push(start, i);
      }
    } else {
      i++;
    }
  }
  return spans;
}

/** The offset after the closing quote of the JSON string whose content starts at `from`. */
export function afterJsonString(text: string, from: number): number {
  let i = from;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) return text.length;
    // The quote is escaped when an odd number of backslashes precedes it.
    let b = quote - 1;
    while (b >= from && text.charCodeAt(b) === BACKSLASH) b--;
    if ((quote - 1 - b) % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

function isNumberChar(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === MINUS || c === PLUS || c === DOT || c === LOWER_E || c === UPPER_E;
}

/** Replaces marked strings by `bigint`, in place (the value is fresh from `JSON.parse`). */
function restoreBigInts(value: unknown, mark: string): unknown {
  if (typeof value === 'string') {
    return value.charCodeAt(0) === mark.charCodeAt(0) && value.startsWith(mark)
      ? BigInt(value.slice(mark.length))
      : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === 'object' || typeof item === 'string') {
        const restored = restoreBigInts(item, mark);
        if (restored !== item) value[i] = restored;
      }
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'object' || typeof item === 'string') {
      const restored = restoreBigInts(item, mark);
      // defineProperty: a JSON key `__proto__` is an own property, not the prototype setter.
      if (restored !== item)
        Object.defineProperty(record, key, { value: restored, enumerable: true, writable: true, configurable: true });
    }
  }
  return record;
}

/** Serializes to JSON, writing `bigint` as a JSON number. `undefined` members are dropped. */
export function stringifyJson(value: unknown, space?: number | string): string {
  const first = stringifyMarked(value, MARK, space);
  if (!first.sawBigInt) return first.out;
  if (!first.sawMarkLike) return first.out.replace(MARKED_BIGINT, '$1');
  // A string value starts like the marker: mark with a random nonce no string holds (see MARK).
  const mark = `${MARK.slice(0, -1)}${randomUUID().replaceAll('-', '')}:`;
  const again = stringifyMarked(value, mark, space);
  const escapedMark = JSON.stringify(mark)
    .slice(1, -1)
    .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return again.out.replace(new RegExp(`"${escapedMark}(-?\\d+)"`, 'g'), '$1');
}

function stringifyMarked(
  value: unknown,
  mark: string,
  space: number | string | undefined,
): { out: string; sawBigInt: boolean; sawMarkLike: boolean } {
  let sawBigInt = false;
  let sawMarkLike = false;
  const out = JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'string') {
        if (v.charCodeAt(0) === 0 && v.startsWith(mark)) sawMarkLike = true;
        return v;
      }
      if (typeof v !== 'bigint') return v;
      sawBigInt = true;
      return `${mark}${v}`;
    },
    space,
  );
  if (out === undefined) throw new TypeError('value is not serializable to JSON');
  return { out, sawBigInt, sawMarkLike };
}

/** Converts a parsed JSON number (number or bigint) to bigint; null/undefined pass through. */
export function toBigInt(value: unknown): bigint | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer: ${String(value)}`);
}
