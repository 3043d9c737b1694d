/**
 * The scalar functions a transform can call (docs/transforms.md lists them). Each binder checks
 * its argument types and returns a vectorized `Bound`. Semantics follow DuckDB, the reference
 * the tests compare against: `concat` skips NULLs, `regexp_extract` gives '' when nothing
 * matches, `substr` is 1-based, `length` counts characters.
 */
import type { PrimitiveType } from '../../iceberg/types.js';
import {
  type Ast,
  type BindType,
  type Bound,
  castTo,
  type FunctionBinder,
  fill,
  literal,
  map1,
  mapN,
  scatterInto,
  unify,
} from './bind.js';
import { kindOf, valueToText } from './cast.js';
import {
  compileStrptime,
  DATE_PARTS,
  type DatePart,
  extractDays,
  extractMicros,
  MICROS_PER_DAY,
  TimeFormatError,
  truncateDays,
  truncateMicros,
} from './temporal.js';
import { TransformError } from './transform-error.js';

function arity(name: string, args: Bound[], min: number, max: number, sql: string): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw new TransformError(
      `${name} takes ${want} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`,
      sql,
    );
  }
}

function expectText(name: string, a: Bound, sql: string): Bound {
  if (a.type === 'any' || a.type === 'string' || a.type === 'null') return a;
  throw new TransformError(`${name} needs a string, got ${a.type} (${a.sql})`, sql);
}

function expectInteger(name: string, a: Bound, sql: string): Bound {
  if (a.type === 'any' || a.type === 'null') return a;
  const k = kindOf(a.type);
  if (k === 'int' || k === 'long') return castTo(a, 'long', a.sql, false);
  throw new TransformError(`${name} needs an integer, got ${a.type} (${a.sql})`, sql);
}

function constantText(name: string, a: Bound, sql: string): string {
  if (!a.constant || typeof a.constant.value !== 'string')
    throw new TransformError(`${name} needs a constant string here, got ${a.sql}`, sql);
  return a.constant.value;
}

function isTemporal(t: BindType): boolean {
  return t === 'any' || ['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'].includes(kindOf(t));
}

/** Microseconds of a date/timestamp value of type `t`. */
function microsOf(t: BindType): (v: unknown) => number {
  if (t === 'date') return (v) => (v as number) * MICROS_PER_DAY;
  if (t !== 'any' && kindOf(t).endsWith('_ns')) return (v) => Number((v as bigint) / 1000n);
  return (v) => v as number;
}

function datePart(name: string, text: string, sql: string): DatePart {
  const part = text.toLowerCase().replace(/s$/, '') as DatePart;
  if (!DATE_PARTS.includes(part))
    throw new TransformError(`${name}: unknown part "${text}" (expected ${DATE_PARTS.join(', ')})`, sql);
  return part;
}

/** `extract(part FROM x)` and `year(x)`…: a long. */
export function extractFunction(partText: string, source: Bound, sql: string): Bound {
  const part = datePart('extract', partText, sql);
  if (!isTemporal(source.type)) throw new TransformError(`extract needs a date or timestamp, got ${source.type}`, sql);
  if (source.type === 'date') {
    if (part === 'hour' || part === 'minute' || part === 'second') return map1('long', sql, source, () => 0);
    return map1('long', sql, source, (v) => extractDays(v as number, part));
  }
  const micros = microsOf(source.type);
  return map1('long', sql, source, (v) => extractMicros(micros(v), part));
}

const unary =
  (name: string, f: (s: string) => unknown, type: PrimitiveType = 'string'): FunctionBinder =>
  (args, sql) => {
    arity(name, args, 1, 1, sql);
    return map1(type, sql, expectText(name, args[0]!, sql), (v) => f(v as string));
  };

function regexOf(name: string, pattern: Bound, sql: string): RegExp {
  const text = constantText(name, pattern, sql);
  try {
    return new RegExp(text, 'u');
  } catch (error) {
    throw new TransformError(`${name}: invalid regular expression ${JSON.stringify(text)}`, sql, { cause: error });
  }
}

function coalesce(args: Bound[], sql: string): Bound {
  arity('coalesce', args, 1, Number.POSITIVE_INFINITY, sql);
  const { type, args: unified } = unify(args, sql);
  return {
    type,
    sql,
    eval(ctx) {
      const out = fill(ctx.n, null);
      // Later arguments are evaluated only for rows still null (a cast there never fails a row that does not need it).
      let pending = new Int32Array(ctx.n).map((_, i) => i);
      for (const arg of unified) {
        if (pending.length === 0) break;
        scatterInto(out, arg, ctx, pending);
        pending = pending.filter((row) => out[row] === null);
      }
      return out;
    },
  };
}

function temporalParse(name: string, type: 'date' | 'timestamp', tryParse: boolean): FunctionBinder {
  return (args, sql) => {
    arity(name, args, 2, 2, sql);
    const text = expectText(name, args[0]!, sql);
    let parse: (s: string) => number | undefined;
    const format = constantText(name, args[1]!, sql);
    try {
      parse = compileStrptime(format);
    } catch (error) {
      if (error instanceof TimeFormatError)
        throw new TransformError(`${name}: ${error.message}`, sql, { cause: error });
      throw error;
    }
    return map1(type, sql, text, (v, row, ctx) => {
      const micros = parse(v as string);
      if (micros === undefined) {
        if (!tryParse) ctx.fail(row, sql, String(v), `does not match the format "${format}"`);
        return null;
      }
      return type === 'date' ? Math.floor(micros / MICROS_PER_DAY) : micros;
    });
  };
}

/** Functions by lower-case name. */
export const FUNCTIONS: Record<string, FunctionBinder> = {
  lower: unary('lower', (s) => s.toLowerCase()),
  upper: unary('upper', (s) => s.toUpperCase()),
  trim: unary('trim', (s) => s.trim()),
  ltrim: unary('ltrim', (s) => s.trimStart()),
  rtrim: unary('rtrim', (s) => s.trimEnd()),
  length: unary('length', (s) => [...s].length, 'long'),
  substr(args, sql) {
    arity('substr', args, 2, 3, sql);
    const s = expectText('substr', args[0]!, sql);
    const rest = args.slice(1).map((a) => expectInteger('substr', a, sql));
    return mapN('string', sql, [s, ...rest], (xs) => {
      const chars = [...(xs[0] as string)];
      // SQL positions are 1-based; a negative start counts from the end (DuckDB).
      let begin = xs[1] as number;
      if (begin < 0) begin = chars.length + begin + 1;
      const stop = xs.length > 2 ? begin + (xs[2] as number) : chars.length + 1;
      return chars.slice(Math.max(begin, 1) - 1, Math.max(stop - 1, 0)).join('');
    });
  },
  concat(args, sql) {
    arity('concat', args, 1, Number.POSITIVE_INFINITY, sql);
    return {
      type: 'string',
      sql,
      eval(ctx) {
        const cols = args.map((a) => a.eval(ctx));
        const out = new Array<unknown>(ctx.n);
        for (let i = 0; i < ctx.n; i++) {
          let s = '';
          for (let k = 0; k < cols.length; k++) {
            const v = cols[k]![i];
            if (v !== null) s += args[k]!.type === 'any' ? String(v) : valueToText(v, args[k]!.type as PrimitiveType);
          }
          out[i] = s;
        }
        return out;
      },
    };
  },
  replace(args, sql) {
    arity('replace', args, 3, 3, sql);
    const [s, from, to] = args.map((a) => expectText('replace', a, sql)) as [Bound, Bound, Bound];
    return mapN('string', sql, [s, from, to], (xs) => (xs[0] as string).split(xs[1] as string).join(xs[2] as string));
  },
  regexp_extract(args, sql) {
    arity('regexp_extract', args, 2, 3, sql);
    const s = expectText('regexp_extract', args[0]!, sql);
    const re = regexOf('regexp_extract', args[1]!, sql);
    const group = args[2] ? Number(args[2].constant?.value ?? Number.NaN) : 0;
    if (!Number.isInteger(group) || group < 0)
      throw new TransformError('regexp_extract needs a constant group number', sql);
    return map1('string', sql, s, (v) => re.exec(v as string)?.[group] ?? '');
  },
  regexp_matches(args, sql) {
    arity('regexp_matches', args, 2, 2, sql);
    const re = regexOf('regexp_matches', args[1]!, sql);
    return map1('boolean', sql, expectText('regexp_matches', args[0]!, sql), (v) => re.test(v as string));
  },
  coalesce: coalesce,
  ifnull: coalesce,
  nullif(args, sql) {
    arity('nullif', args, 2, 2, sql);
    const { args: unified } = unify(args, sql);
    const type = args[0]!.type;
    const [a, b] = unified as [Bound, Bound];
    return {
      type,
      sql,
      eval(ctx) {
        const xs = args[0]!.eval(ctx);
        const ua = a.eval(ctx);
        const ub = b.eval(ctx);
        const out = new Array<unknown>(ctx.n);
        for (let i = 0; i < ctx.n; i++) {
          const equal = ua[i] !== null && ub[i] !== null && compare(ua[i], ub[i]) === 0;
          out[i] = equal ? null : xs[i];
        }
        return out;
      },
    };
  },
  date_trunc(args, sql) {
    arity('date_trunc', args, 2, 2, sql);
    const part = datePart('date_trunc', constantText('date_trunc', args[0]!, sql), sql);
    const x = args[1]!;
    if (!isTemporal(x.type)) throw new TransformError(`date_trunc needs a date or timestamp, got ${x.type}`, sql);
    if (x.type === 'date') return map1('date', sql, x, (v) => truncateDays(v as number, part));
    if (x.type !== 'any' && kindOf(x.type).endsWith('_ns'))
      return map1(x.type, sql, x, (v) => BigInt(truncateMicros(Number((v as bigint) / 1000n), part)) * 1000n);
    return map1(x.type, sql, x, (v) => truncateMicros(v as number, part));
  },
  to_date: temporalParse('to_date', 'date', false),
  to_timestamp: temporalParse('to_timestamp', 'timestamp', false),
  strptime: temporalParse('strptime', 'timestamp', false),
  try_to_date: temporalParse('try_to_date', 'date', true),
  try_to_timestamp: temporalParse('try_to_timestamp', 'timestamp', true),
  try_strptime: temporalParse('try_strptime', 'timestamp', true),
  current_timestamp(args, sql) {
    arity('current_timestamp', args, 0, 0, sql);
    return { type: 'timestamptz', sql, eval: (ctx) => fill(ctx.n, ctx.meta.ingestedAt) };
  },
  now(args, sql) {
    arity('now', args, 0, 0, sql);
    return { type: 'timestamptz', sql, eval: (ctx) => fill(ctx.n, ctx.meta.ingestedAt) };
  },
  abs(args, sql) {
    arity('abs', args, 1, 1, sql);
    const a = args[0]!;
    if (a.type !== 'any' && kindOf(a.type) === 'decimal')
      return map1(a.type, sql, a, (v) => ((v as bigint) < 0n ? -(v as bigint) : v));
    return map1(a.type, sql, a, (v) => Math.abs(v as number));
  },
};
for (const part of ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const) {
  FUNCTIONS[part] = (args, sql) => {
    arity(part, args, 1, 1, sql);
    return extractFunction(part, args[0]!, sql);
  };
}

function compare(a: unknown, b: unknown): number {
  if (a instanceof Uint8Array)
    return a.length === (b as Uint8Array).length && a.every((x, i) => x === (b as Uint8Array)[i]) ? 0 : 1;
  return a === b ? 0 : 1;
}

/** Binds a call of `name`; throws `TransformError` for an unknown function. */
export function bindFunction(name: string, args: Bound[], sql: string, ast: Ast): Bound {
  const binder = FUNCTIONS[name.toLowerCase()];
  if (!binder) throw new TransformError(`unknown function ${name}`, sql);
  return binder(args, sql, ast);
}

export { literal };
