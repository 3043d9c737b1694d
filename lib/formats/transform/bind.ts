/**
 * Binding: a node-sql-parser expression tree (Trino dialect) → a typed `Bound` expression whose
 * `eval` computes a whole column at once. Names are resolved against the input columns and the
 * metadata columns, functions against functions.ts, and every operator's operand types are
 * checked here, so an unknown name or a type error is found before any row is read.
 *
 * In check mode (no input columns known: a route's config at load), column references have the
 * type `any` and only what does not depend on them is checked (syntax, function names and
 * arities, literal types, format strings).
 */
import type { IcebergType, PrimitiveType } from '../../iceberg/types.js';
import {
  type Caster,
  canCast,
  caster,
  castFailure,
  isCastFailure,
  kindOf,
  rescale,
  type SqlType,
  valueToText,
} from './cast.js';
import type { EvalContext } from './eval-context.js';
import { TransformError } from './transform-error.js';

/** A type during binding: `any` only in check mode. */
export type BindType = SqlType | 'any';

/** A bound, typed expression. */
export interface Bound {
  type: BindType;
  /** The expression's SQL text, for error reports. */
  sql: string;
  /** Set for literals (folded at bind time). */
  constant?: { value: unknown };
  eval(ctx: EvalContext): unknown[];
}

/** An input column the expression can name. */
export interface InputColumn {
  index: number;
  name: string;
  type: IcebergType;
}

/** Names in scope. */
export interface Scope {
  /** Input columns by (folded) name; undefined in check mode. */
  columns?: Map<string, InputColumn>;
  caseInsensitive: boolean;
}

/** Metadata columns every transform can name (Auto Loader's `_metadata`, Snowpipe's `METADATA$…`). */
export const METADATA_COLUMNS: Record<string, PrimitiveType> = {
  _source_key: 'string',
  _source_version: 'string',
  _ingest_id: 'string',
  _ingested_at: 'timestamptz',
  _source_line: 'long',
};

// biome-ignore lint/suspicious/noExplicitAny: node-sql-parser's AST is untyped JSON
export type Ast = any;

/** A function implementation: binds its (bound) arguments. */
export type FunctionBinder = (args: Bound[], sql: string, ast: Ast) => Bound;

/** Fills an array of `n` with `value`. */
export function fill(n: number, value: unknown): unknown[] {
  return new Array<unknown>(n).fill(value);
}

/** A literal. */
export function literal(type: BindType, value: unknown, sql: string): Bound {
  return { type, sql, constant: { value }, eval: (ctx) => fill(ctx.n, value) };
}

/** A null-propagating function of one column. */
export function map1(
  type: BindType,
  sql: string,
  a: Bound,
  f: (x: unknown, row: number, ctx: EvalContext) => unknown,
): Bound {
  return {
    type,
    sql,
    eval(ctx) {
      const xs = a.eval(ctx);
      const out = new Array<unknown>(ctx.n);
      for (let i = 0; i < ctx.n; i++) out[i] = xs[i] === null ? null : f(xs[i], i, ctx);
      return out;
    },
  };
}

/** A null-propagating function of several columns. */
export function mapN(
  type: BindType,
  sql: string,
  args: Bound[],
  f: (xs: unknown[], row: number, ctx: EvalContext) => unknown,
): Bound {
  return {
    type,
    sql,
    eval(ctx) {
      const cols = args.map((a) => a.eval(ctx));
      const out = new Array<unknown>(ctx.n);
      const xs = new Array<unknown>(cols.length);
      rows: for (let i = 0; i < ctx.n; i++) {
        for (let k = 0; k < cols.length; k++) {
          const v = cols[k]![i];
          if (v === null) {
            out[i] = null;
            continue rows;
          }
          xs[k] = v;
        }
        out[i] = f(xs, i, ctx);
      }
      return out;
    },
  };
}

/** The text of a value for a report. */
export function describe(value: unknown, type: BindType): string {
  if (value === null) return 'NULL';
  return type === 'any' ? String(value) : valueToText(value, type);
}

/**
 * CAST (or TRY_CAST) of a bound expression to `to`. A literal is cast at bind time (a failure is
 * a config error); otherwise a failure is a row error naming `sql` (CAST) or null (TRY_CAST).
 */
export function castTo(e: Bound, to: SqlType, sql: string, tryCast: boolean): Bound {
  if (e.type === to) return { ...e, sql };
  if (e.type !== 'any' && !canCast(e.type, to)) throw new TransformError(`cannot cast ${e.type} to ${to}`, sql);
  if (e.type === 'any') return { type: to, sql, eval: () => [] };
  if (e.type === 'null') return { ...e, type: to, sql }; // every value is NULL already
  const f: Caster = caster(e.type, to);
  const from = e.type;
  if (e.constant) {
    const v = e.constant.value === null ? null : f(e.constant.value);
    if (isCastFailure(v)) {
      if (!tryCast) throw new TransformError(castFailure.reason, sql);
      return literal(to, null, sql);
    }
    return literal(to, v, sql);
  }
  return map1(to, sql, e, (x, row, ctx) => {
    const v = f(x);
    if (!isCastFailure(v)) return v;
    if (!tryCast) ctx.fail(row, sql, describe(x, from), castFailure.reason);
    return null;
  });
}

const NUMERIC = new Set(['int', 'long', 'float', 'double', 'decimal']);
const TEMPORAL_ORDER = ['date', 'timestamp', 'timestamptz'];

/** Whether a type is numeric (`any` counts). */
export function isNumeric(t: BindType): boolean {
  return t === 'any' || NUMERIC.has(kindOf(t));
}

function decimalParts(t: SqlType): { precision: number; scale: number } | undefined {
  const k = kindOf(t);
  if (k === 'int') return { precision: 10, scale: 0 };
  if (k === 'long') return { precision: 19, scale: 0 };
  if (k === 'decimal') {
    const m = /decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(t)!;
    return { precision: Number(m[1]), scale: Number(m[2]) };
  }
  return undefined;
}

/** `decimal(p,s)` with p capped at 38. */
export function decimalType(precision: number, scale: number): SqlType {
  return `decimal(${Math.min(38, Math.max(precision, scale, 1))},${scale})` as SqlType;
}

/** The type two values are compared or combined in (CASE, COALESCE, IN, comparisons), or undefined. */
export function commonType(a: BindType, b: BindType): BindType | undefined {
  if (a === 'any') return b === 'null' ? 'any' : b;
  if (b === 'any') return a === 'null' ? 'any' : a;
  if (a === 'null') return b;
  if (b === 'null' || a === b) return a;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (NUMERIC.has(ka) && NUMERIC.has(kb)) {
    if (ka === 'double' || kb === 'double' || ka === 'float' || kb === 'float') return 'double';
    if (ka === 'decimal' || kb === 'decimal') {
      const pa = decimalParts(a)!;
      const pb = decimalParts(b)!;
      const scale = Math.max(pa.scale, pb.scale);
      return decimalType(Math.max(pa.precision - pa.scale, pb.precision - pb.scale) + scale, scale);
    }
    return 'long';
  }
  const ia = TEMPORAL_ORDER.indexOf(ka);
  const ib = TEMPORAL_ORDER.indexOf(kb);
  if (ia >= 0 && ib >= 0) return TEMPORAL_ORDER[Math.max(ia, ib)] as SqlType;
  return undefined;
}

/** Brings expressions to one type: a string literal next to a typed value is cast at bind time. */
export function unify(args: Bound[], sql: string): { type: BindType; args: Bound[] } {
  const combine = (list: Bound[]) => {
    let t: BindType = 'null';
    for (const a of list) {
      const next = commonType(t, a.type);
      if (next === undefined) throw new TransformError(`cannot combine ${t} and ${a.type}`, sql);
      t = next;
    }
    return t;
  };
  let type = combine(args.filter((a) => !(a.constant && a.type === 'string')));
  if (type === 'null') type = combine(args);
  if (type === 'any' || type === 'null') return { type, args };
  const target = type;
  return { type, args: args.map((a) => (a.type === target ? a : castTo(a, target, a.sql, false))) };
}

/** Compares two non-null values of one type: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (typeof a === 'bigint' || typeof a === 'string' || typeof a === 'boolean')
    return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const COMPARISONS: Record<string, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** `a <op> b` (null when either is null). */
export function comparison(op: string, left: Bound, right: Bound, sql: string): Bound {
  const test = COMPARISONS[op]!;
  const { args } = unify([left, right], sql);
  return mapN('boolean', sql, args, (xs) => test(compareValues(xs[0], xs[1])));
}

function integerKind(t: SqlType): boolean {
  const k = kindOf(t);
  return k === 'int' || k === 'long';
}

/** `+ - * / %` with DuckDB's result types (decimals exact; `/` is floating point, IEEE; x % 0 is NULL). */
export function arithmetic(op: string, left: Bound, right: Bound, sql: string): Bound {
  const a = left.type;
  const b = right.type;
  if (a === 'any' || b === 'any') return { type: 'any', sql, eval: () => [] };
  const ka = kindOf(a);
  const kb = kindOf(b);
  // date ± integer days.
  if (ka === 'date' && (op === '+' || op === '-') && integerKind(b))
    return mapN('date', sql, [left, right], (xs) => (xs[0] as number) + (op === '+' ? 1 : -1) * (xs[1] as number));
  if (ka === 'date' && kb === 'date' && op === '-')
    return mapN('long', sql, [left, right], (xs) => (xs[0] as number) - (xs[1] as number));
  if (!(isNumeric(a) || a === 'null') || !(isNumeric(b) || b === 'null'))
    throw new TransformError(`operator ${op} needs numbers, got ${a} and ${b}`, sql);
  if (op === '/') {
    const l = castTo(left, 'double', left.sql, false);
    const r = castTo(right, 'double', right.sql, false);
    return mapN('double', sql, [l, r], (xs) => (xs[0] as number) / (xs[1] as number));
  }
  const common = commonType(a, b) as SqlType;
  if (kindOf(common) === 'decimal') {
    const pa = decimalParts(a === 'null' ? common : a)!;
    const pb = decimalParts(b === 'null' ? common : b)!;
    const l = castTo(left, decimalType(pa.precision, pa.scale), left.sql, false);
    const r = castTo(right, decimalType(pb.precision, pb.scale), right.sql, false);
    let type: SqlType;
    let f: (x: bigint, y: bigint) => bigint | null;
    const scale = Math.max(pa.scale, pb.scale);
    if (op === '*') {
      type = decimalType(pa.precision + pb.precision, pa.scale + pb.scale);
      f = (x, y) => x * y;
    } else if (op === '%') {
      type = common;
      f = (x, y) => {
        const xs = rescale(x, pa.scale, scale);
        const ys = rescale(y, pb.scale, scale);
        return ys === 0n ? null : xs % ys;
      };
    } else {
      type = decimalType(Math.max(pa.precision - pa.scale, pb.precision - pb.scale) + scale + 1, scale);
      const sign = op === '-' ? -1n : 1n;
      f = (x, y) => rescale(x, pa.scale, scale) + sign * rescale(y, pb.scale, scale);
    }
    return mapN(type, sql, [l, r], (xs) => f(xs[0] as bigint, xs[1] as bigint));
  }
  const resultKind = kindOf(common);
  const l = castTo(left, common, left.sql, false);
  const r = castTo(right, common, right.sql, false);
  const limit = resultKind === 'int' ? 2147483647 : Number.MAX_VALUE;
  const ops: Record<string, (x: number, y: number) => number | null> = {
    '+': (x, y) => x + y,
    '-': (x, y) => x - y,
    '*': (x, y) => x * y,
    '%': (x, y) => (y === 0 ? null : x % y),
  };
  const f = ops[op]!;
  return mapN(common, sql, [l, r], (xs, row, ctx) => {
    const v = f(xs[0] as number, xs[1] as number);
    if (v !== null && resultKind === 'int' && (v > limit || v < -limit - 1)) {
      ctx.fail(row, sql, String(v), `out of range for int`);
      return null;
    }
    return v;
  });
}

/** Three-valued AND / OR over boolean columns. */
export function logical(op: 'AND' | 'OR', left: Bound, right: Bound, sql: string): Bound {
  for (const side of [left, right])
    if (side.type !== 'boolean' && side.type !== 'any' && side.type !== 'null')
      throw new TransformError(`${op} needs booleans, got ${side.type} (${side.sql})`, sql);
  return {
    type: 'boolean',
    sql,
    eval(ctx) {
      const a = left.eval(ctx);
      const b = right.eval(ctx);
      const out = new Array<unknown>(ctx.n);
      for (let i = 0; i < ctx.n; i++) {
        const x = a[i];
        const y = b[i];
        if (op === 'AND') out[i] = x === false || y === false ? false : x === null || y === null ? null : true;
        else out[i] = x === true || y === true ? true : x === null || y === null ? null : false;
      }
      return out;
    },
  };
}

/** Rows of `values` that are `true` (a WHERE or WHEN result). */
export function trueRows(values: readonly unknown[], of?: Int32Array): Int32Array {
  let count = 0;
  for (const v of values) if (v === true) count++;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === true) out[k++] = of ? of[i]! : i;
  return out;
}

/** Evaluates `e` over `rows` of `ctx` and writes the results into `out` at those rows. */
export function scatterInto(out: unknown[], e: Bound, ctx: EvalContext, rows: Int32Array): void {
  if (rows.length === 0) return;
  const values = rows.length === ctx.n ? e.eval(ctx) : e.eval(ctx.subset(rows));
  for (let k = 0; k < rows.length; k++) out[rows[k]!] = values[k];
}
