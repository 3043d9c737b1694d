/**
 * Calendar arithmetic for transforms: days ↔ civil dates (proleptic Gregorian, as the Iceberg
 * spec's date), formatting as DuckDB prints values, `strptime`-style parsing for
 * `to_date`/`to_timestamp` with a format, `date_trunc` and field extraction. All in UTC.
 */
import { daysFromCivil } from '../scalar-parse.js';

export const MICROS_PER_DAY = 86_400_000_000;
const MICROS_PER_HOUR = 3_600_000_000;

/** Civil date of a day number (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(m)}-${pad(d)}`;
}

/** `HH:MM:SS[.ffffff]` of microseconds within a day (trailing zeros of the fraction dropped). */
export function formatTime(micros: number): string {
  const s = Math.floor(micros / 1_000_000);
  const frac = micros - s * 1_000_000;
  const text = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return frac === 0 ? text : `${text}.${pad(frac, 6).replace(/0+$/, '')}`;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (with `+00` for timestamptz), as DuckDB casts a timestamp to text. */
export function formatTimestamp(micros: number, tz: boolean): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  return `${formatDate(days)} ${formatTime(micros - days * MICROS_PER_DAY)}${tz ? '+00' : ''}`;
}

/** Days of a timestamp (floor: 1969-12-31 23:00 is day -1). */
export function daysOf(micros: number): number {
  return Math.floor(micros / MICROS_PER_DAY);
}

/** The units `date_trunc` and `extract` accept. */
export const DATE_PARTS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** Truncates microseconds to the start of `part` (`date_trunc`; weeks start on Monday, ISO). */
export function truncateMicros(micros: number, part: DatePart): number {
  const days = daysOf(micros);
  switch (part) {
    case 'second':
      return Math.floor(micros / 1_000_000) * 1_000_000;
    case 'minute':
      return Math.floor(micros / 60_000_000) * 60_000_000;
    case 'hour':
      return Math.floor(micros / MICROS_PER_HOUR) * MICROS_PER_HOUR;
    default:
      return truncateDays(days, part) * MICROS_PER_DAY;
  }
}

/** Truncates a day number to the start of a year, quarter, month, ISO week or day. */
export function truncateDays(days: number, part: DatePart): number {
  const { y, m } = civilFromDays(days);
  switch (part) {
    case 'year':
      return daysFromCivil(y, 1, 1);
    case 'quarter':
      return daysFromCivil(y, m - ((m - 1) % 3), 1);
    case 'month':
      return daysFromCivil(y, m, 1);
    case 'week':
      // 1970-01-01 was a Thursday: Monday-based weekday is (days + 3) mod 7.
      return days - ((((days + 3) % 7) + 7) % 7);
    default:
      return days;
  }
}

/** A field of a timestamp (microseconds) as `extract` returns it. */
export function extractMicros(micros: number, part: DatePart): number {
  const days = daysOf(micros);
  const within = micros - days * MICROS_PER_DAY;
  switch (part) {
    case 'hour':
      return Math.floor(within / MICROS_PER_HOUR);
    case 'minute':
      return Math.floor(within / 60_000_000) % 60;
    case 'second':
      return Math.floor(within / 1_000_000) % 60;
    default:
      return extractDays(days, part);
  }
}

/** A field of a date (days) as `extract` returns it (ISO week number for `week`). */
export function extractDays(days: number, part: DatePart): number {
  const { y, m, d } = civilFromDays(days);
  switch (part) {
    case 'year':
      return y;
    case 'quarter':
      return Math.floor((m - 1) / 3) + 1;
    case 'month':
      return m;
    case 'day':
      return d;
    case 'week': {
      const thursday = days - ((((days + 3) % 7) + 7) % 7) + 3;
      const year = civilFromDays(thursday).y;
      return Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
    }
    default:
      return 0;
  }
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Raised for a format string `strptime` cannot use (a config error). */
export class TimeFormatError extends Error {
  override name = 'TimeFormatError';
}

/**
 * Compiles a `strptime` format (DuckDB/C codes: `%Y %m %d %H %M %S %f %y %b %j %p %I %z %%`) into
 * a parser returning microseconds since the epoch (UTC; `%z` offsets applied), or undefined when
 * the text does not match.
 */
export function compileStrptime(format: string): (text: string) => number | undefined {
  let pattern = '^\\s*';
  const fields: string[] = [];
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      pattern += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const code = format[++i];
    const add = (re: string, name: string) => {
      pattern += `(${re})`;
      fields.push(name);
    };
    switch (code) {
      case 'Y':
        add('[+-]?\\d{4,6}', 'Y');
        break;
      case 'y':
        add('\\d{2}', 'y');
        break;
      case 'm':
        add('\\d{1,2}', 'm');
        break;
      case 'd':
        add('\\d{1,2}', 'd');
        break;
      case 'H':
        add('\\d{1,2}', 'H');
        break;
      case 'I':
        add('\\d{1,2}', 'I');
        break;
      case 'M':
        add('\\d{1,2}', 'M');
        break;
      case 'S':
        add('\\d{1,2}', 'S');
        break;
      case 'f':
        add('\\d{1,9}', 'f');
        break;
      case 'j':
        add('\\d{1,3}', 'j');
        break;
      case 'b':
      case 'h':
        add('[A-Za-z]{3}', 'b');
        break;
      case 'B':
        add('[A-Za-z]+', 'b');
        break;
      case 'p':
        add('[AaPp][Mm]', 'p');
        break;
      case 'z':
        add('Z|[+-]\\d{2}:?\\d{2}', 'z');
        break;
      case '%':
        pattern += '%';
        break;
      default:
        throw new TimeFormatError(`unsupported format code %${code ?? ''} in "${format}"`);
    }
  }
  const re = new RegExp(`${pattern}\\s*$`);
  return (text: string) => {
    const match = re.exec(text);
    if (!match) return undefined;
    let y = 1900;
    let mo = 1;
    let d = 1;
    let h = 0;
    let mi = 0;
    let s = 0;
    let micros = 0;
    let pm: boolean | undefined;
    let yday: number | undefined;
    let offsetMin = 0;
    for (let k = 0; k < fields.length; k++) {
      const v = match[k + 1]!;
      switch (fields[k]) {
        case 'Y':
          y = Number(v);
          break;
        case 'y':
          y = Number(v) + (Number(v) < 69 ? 2000 : 1900);
          break;
        case 'm':
          mo = Number(v);
          break;
        case 'd':
          d = Number(v);
          break;
        case 'H':
        case 'I':
          h = Number(v);
          break;
        case 'M':
          mi = Number(v);
          break;
        case 'S':
          s = Number(v);
          break;
        case 'f':
          micros = Math.floor(Number(v.padEnd(9, '0')) / 1000);
          break;
        case 'j':
          yday = Number(v);
          break;
        case 'b': {
          const idx = MONTHS.indexOf(v.slice(0, 3).toLowerCase());
          if (idx < 0) return undefined;
          mo = idx + 1;
          break;
        }
        case 'p':
          pm = v.toLowerCase() === 'pm';
          break;
        case 'z':
          if (v !== 'Z') {
            const sign = v[0] === '-' ? -1 : 1;
            const digits = v.slice(1).replace(':', '');
            offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
          }
          break;
      }
    }
    if (pm !== undefined) {
      if (h < 1 || h > 12) return undefined;
      h = (h % 12) + (pm ? 12 : 0);
    }
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
    let days = daysFromCivil(y, mo, d);
    if (civilFromDays(days).d !== d) return undefined; // e.g. February 30
    if (yday !== undefined) days = daysFromCivil(y, 1, 1) + yday - 1;
    return days * MICROS_PER_DAY + ((h * 60 + mi - offsetMin) * 60 + s) * 1_000_000 + micros;
  };
}
