/**
 * Byte-level scalar parsers: text bytes (a CSV field, a JSON string or number) to the Iceberg
 * internal representation, without decoding to a JS string on the common path. Each returns the
 * value, or `FAIL` and sets `parseFailure` to the reason (no allocation per value on success).
 *
 * Dates are days since 1970-01-01, timestamps microseconds since the epoch (UTC for values with
 * an offset), as the Iceberg spec defines them (spec: Primitive Types; Appendix A).
 */

/** Sentinel for a failed parse; the reason is in `parseFailure.reason`. */
export const FAIL = Number.NaN;
export const parseFailure = { reason: '' };

const latin1 = new TextDecoder('latin1');
/** The bytes as text, for error reports and the rare slow paths. */
export function bytesToText(buf: Uint8Array, start: number, end: number): string {
  return latin1.decode(buf.subarray(start, end));
}

function fail(reason: string): number {
  parseFailure.reason = reason;
  return FAIL;
}

function trimStart(buf: Uint8Array, start: number, end: number): number {
  while (start < end && (buf[start] === 0x20 || buf[start] === 0x09)) start++;
  return start;
}
function trimEnd(buf: Uint8Array, start: number, end: number): number {
  while (end > start && (buf[end - 1] === 0x20 || buf[end - 1] === 0x09)) end--;
  return end;
}

/** Parses a base-10 integer in [min, max] (both within ±2^53). */
export function parseSafeInt(
  buf: Uint8Array,
  start: number,
  end: number,
  min: number,
  max: number,
  what: string,
): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  let i = start;
  let neg = false;
  if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
    neg = buf[i] === 0x2d;
    i++;
  }
  if (i === end) return fail(`not ${what}`);
  let v = 0;
  if (end - i > 16) {
    while (i < end && buf[i] === 0x30) i++;
    if (end - i > 16) return fail(`out of range for ${what}`);
  }
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return fail(`not ${what}`);
    v = v * 10 + d;
  }
  if (neg) v = -v;
  if (v < min || v > max) return fail(`out of range for ${what}`);
  return v === 0 ? 0 : v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses a 64-bit integer. Returns a number when it is a safe integer, else writes the value to
 * `bigResult` and returns `BIG` (long values beyond 2^53 stay exact).
 */
export const BIG = Number.POSITIVE_INFINITY;
export const bigResult = { value: 0n };
export function parseLong(buf: Uint8Array, start: number, end: number): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  let digits = end - start;
  if (digits > 0 && (buf[start] === 0x2d || buf[start] === 0x2b)) digits--;
  if (digits <= 15) return parseSafeInt(buf, start, end, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a long');
  const text = bytesToText(buf, start, end);
  if (!/^[+-]?\d+$/.test(text)) return fail('not a long');
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) return fail('out of range for long');
  if (big >= -9007199254740991n && big <= 9007199254740991n) return Number(big);
  bigResult.value = big;
  return BIG;
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];
const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)$/i;

/**
 * Parses a double. Fast path (Clinger): at most 15 significant digits and no exponent, so the
 * integer mantissa and the power of ten are both exact and one IEEE division rounds correctly.
 */
export function parseDouble(buf: Uint8Array, start: number, end: number): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  let i = start;
  let neg = false;
  if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
    neg = buf[i] === 0x2d;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let frac = -1;
  let any = false;
  for (; i < end; i++) {
    const c = buf[i]!;
    const d = c - 0x30;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      if (mant !== 0) digits++;
      if (frac >= 0) frac++;
      any = true;
    } else if (c === 0x2e && frac < 0) frac = 0;
    else break;
  }
  if (i === end && any && digits <= 15 && frac <= 22) {
    // (10^22 is the largest exact power of ten: `0.` and 23 digits more took the text path, issue #19)
    const v = frac > 0 ? mant / POW10[frac]! : mant;
    return neg ? -v : v;
  }
  const text = bytesToText(buf, start, end);
  if (!FLOAT_RE.test(text)) return fail('not a number');
  const lower = text.toLowerCase().replace(/^[+]/, '');
  if (lower.endsWith('nan')) return Number.NaN; // callers test FAIL via parseFailed(), not isNaN
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  const v = Number(text);
  if (!Number.isFinite(v)) return fail('out of range for a double');
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian civil date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(buf: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = buf[i + k]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Where the last parsed date ended (for timestamps that continue after it). */
let dateEnd = 0;

function parseDateAt(buf: Uint8Array, start: number, end: number): number {
  // YYYY-MM-DD (ISO-8601 calendar date; 4-digit years).
  if (end - start < 10 || buf[start + 4] !== 0x2d || buf[start + 7] !== 0x2d)
    return fail('not an ISO-8601 date (YYYY-MM-DD)');
  const y = digitsAt(buf, start, 4);
  const m = digitsAt(buf, start + 5, 2);
  const d = digitsAt(buf, start + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > DAYS_IN_MONTH[m]!) return fail('not a valid date');
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return fail('not a valid date');
  dateEnd = start + 10;
  return daysFromCivil(y, m, d);
}

/** Parses `YYYY-MM-DD` to days since the epoch. */
export function parseDate(buf: Uint8Array, start: number, end: number): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  const days = parseDateAt(buf, start, end);
  if (Number.isNaN(days)) return days;
  if (dateEnd !== end) return fail('not an ISO-8601 date (YYYY-MM-DD)');
  return days;
}

/** Whether the last successful `parseTimestamp` saw a zone designator (Z or an offset). */
export const timestampInfo = { hadOffset: false };

/**
 * Parses an ISO-8601 timestamp `YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|±HH[:MM]]` (a bare date is
 * midnight) to microseconds since the epoch in UTC; an offset is subtracted. Returns `BIG` with
 * `bigResult` set when beyond ±2^53 µs (beyond ~year 2255).
 */
export function parseTimestamp(buf: Uint8Array, start: number, end: number, unitsPerSecond = 1_000_000): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  const days = parseDateAt(buf, start, end);
  if (Number.isNaN(days)) return fail('not an ISO-8601 timestamp');
  let i = dateEnd;
  let secs = days * 86400;
  let fraction = 0; // in units
  timestampInfo.hadOffset = false;
  if (i < end) {
    const sep = buf[i];
    if (sep !== 0x54 && sep !== 0x20 && sep !== 0x74) return fail('not an ISO-8601 timestamp');
    i++;
    if (end - i < 5 || buf[i + 2] !== 0x3a) return fail('not an ISO-8601 timestamp');
    const hh = digitsAt(buf, i, 2);
    const mm = digitsAt(buf, i + 3, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return fail('not a valid time of day');
    i += 5;
    let ss = 0;
    if (i < end && buf[i] === 0x3a) {
      ss = digitsAt(buf, i + 1, 2);
      if (end - i < 3 || ss < 0 || ss > 59) return fail('not a valid time of day');
      i += 3;
      if (i < end && (buf[i] === 0x2e || buf[i] === 0x2c)) {
        i++;
        let n = 0;
        let scale = unitsPerSecond;
        while (i < end) {
          const d = buf[i]! - 0x30;
          if (d < 0 || d > 9) break;
          if (++n > 9) return fail('more than 9 fractional second digits');
          scale /= 10;
          if (scale >= 1) fraction += d * scale;
          else if (d !== 0) return fail(`more precision than the column's unit`);
          i++;
        }
        if (n === 0) return fail('not an ISO-8601 timestamp');
      }
    }
    secs += hh * 3600 + mm * 60 + ss;
    if (i < end) {
      const z = buf[i];
      if (z === 0x5a || z === 0x7a) {
        i++;
        timestampInfo.hadOffset = true;
      } else if (z === 0x2b || z === 0x2d) {
        const sign = z === 0x2d ? -1 : 1;
        i++;
        const oh = digitsAt(buf, i, 2);
        if (end - i < 2 || oh < 0 || oh > 18) return fail('not a valid UTC offset');
        i += 2;
        let om = 0;
        if (i < end) {
          if (buf[i] === 0x3a) i++;
          om = digitsAt(buf, i, 2);
          if (end - i < 2 || om < 0 || om > 59) return fail('not a valid UTC offset');
          i += 2;
        }
        secs -= sign * (oh * 3600 + om * 60);
        timestampInfo.hadOffset = true;
      }
    }
    if (i !== end) return fail('not an ISO-8601 timestamp');
  }
  const v = secs * unitsPerSecond + fraction;
  if (Number.isSafeInteger(v)) return v;
  bigResult.value = BigInt(secs) * BigInt(unitsPerSecond) + BigInt(fraction);
  return BIG;
}

/** Parses a boolean: true/false, t/f, yes/no, y/n, 1/0 (any case). */
export function parseBoolean(buf: Uint8Array, start: number, end: number): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  const n = end - start;
  const c = buf[start]! | 0x20;
  if (n === 1) {
    if (c === 0x74 || c === 0x79 || buf[start] === 0x31) return 1;
    if (c === 0x66 || c === 0x6e || buf[start] === 0x30) return 0;
  } else if (
    n === 4 &&
    c === 0x74 &&
    (buf[start + 1]! | 0x20) === 0x72 &&
    (buf[start + 2]! | 0x20) === 0x75 &&
    (buf[start + 3]! | 0x20) === 0x65
  ) {
    return 1;
  } else if (
    n === 5 &&
    c === 0x66 &&
    (buf[start + 1]! | 0x20) === 0x61 &&
    (buf[start + 2]! | 0x20) === 0x6c &&
    (buf[start + 3]! | 0x20) === 0x73 &&
    (buf[start + 4]! | 0x20) === 0x65
  ) {
    return 0;
  } else {
    const t = bytesToText(buf, start, end).toLowerCase();
    if (t === 'true' || t === 'yes') return 1;
    if (t === 'false' || t === 'no') return 0;
  }
  return fail('not a boolean');
}

/**
 * Parses a decimal to its unscaled value at `scale` (spec: decimal(P,S)). More fractional digits
 * than the scale are accepted only when they are zeros: floe never rounds data silently.
 * Returns a number when safe, else `BIG` with `bigResult` set.
 */
export function parseDecimal(buf: Uint8Array, start: number, end: number, precision: number, scale: number): number {
  start = trimStart(buf, start, end);
  end = trimEnd(buf, start, end);
  let i = start;
  let neg = false;
  if (i < end && (buf[i] === 0x2d || buf[i] === 0x2b)) {
    neg = buf[i] === 0x2d;
    i++;
  }
  let intDigits = 0;
  let fracDigits = 0;
  let v = 0;
  let big: bigint | undefined;
  let seenDot = false;
  let significant = 0;
  let any = false;
  for (; i < end; i++) {
    const c = buf[i]!;
    const d = c - 0x30;
    if (d >= 0 && d <= 9) {
      any = true;
      if (seenDot) {
        if (fracDigits >= scale) {
          if (d !== 0) return fail(`more than ${scale} fractional digits for decimal(${precision},${scale})`);
          continue;
        }
        fracDigits++;
      } else intDigits++;
      if (v !== 0 || d !== 0 || seenDot) significant++;
      if (big !== undefined) big = big * 10n + BigInt(d);
      else {
        v = v * 10 + d;
        if (v > 9e14) {
          big = BigInt(v);
          v = 0;
        }
      }
    } else if (c === 0x2e && !seenDot) seenDot = true;
    else return fail(`not a decimal`);
  }
  if (!any) return fail('not a decimal');
  // Scale up to the column's scale.
  for (let k = fracDigits; k < scale; k++) {
    if (big !== undefined) big *= 10n;
    else {
      v *= 10;
      if (v > 9e14) {
        big = BigInt(v);
        v = 0;
      }
    }
  }
  const total = big !== undefined ? big.toString().length : v === 0 ? 0 : String(v).length;
  if (total > precision) return fail(`out of range for decimal(${precision},${scale})`);
  void significant;
  void intDigits;
  if (big !== undefined) {
    bigResult.value = neg ? -big : big;
    return BIG;
  }
  return neg ? -v : v === 0 ? 0 : v;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** Parses a UUID's canonical text into 16 big-endian bytes; returns false when malformed. */
export function parseUuid(text: string, out: Uint8Array, at: number): boolean {
  const t = text.trim();
  if (!UUID_RE.test(t)) return false;
  const hex = t.replace(/-/g, '');
  for (let k = 0; k < 16; k++) out[at + k] = Number.parseInt(hex.slice(2 * k, 2 * k + 2), 16);
  return true;
}

/** `[sign]digits e exponent` with no leading or trailing zeros, or undefined when not a plain number. */
function canonicalDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const frac = m[3] ?? '';
  let digits = (m[2] ?? '') + frac;
  let exp = Number(m[4] ?? 0) - frac.length;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exp += trailing;
  return `${m[1] === '-' ? '-' : ''}${digits}e${exp}`;
}

/**
 * Whether the double `v` parsed from `buf[start, end)` holds that number exactly as written: the
 * shortest text of `v` has the same digits (values of up to 15 significant digits always do).
 * `123456789.123456789012` does not: a double keeps about 17 digits, so it would be rounded.
 */
export function doubleHoldsText(buf: Uint8Array, start: number, end: number, v: number): boolean {
  if (end - start <= 15 || !Number.isFinite(v)) return true;
  const written = canonicalDecimal(bytesToText(buf, start, end));
  return written === undefined || written === canonicalDecimal(String(v));
}
