/**
 * node-sql-parser's expression tree → `Bound` (bind.ts): literals, column references (input and
 * metadata columns), CAST/TRY_CAST, operators, CASE, IN, BETWEEN, LIKE, IS [NOT] NULL, EXTRACT
 * and function calls.
 */

import { isPrimitive } from '../../iceberg/schema.js';
import type { PrimitiveType } from '../../iceberg/types.js';
import {
  type Ast,
  arithmetic,
  type Bound,
  castTo,
  compareValues,
  comparison,
  fill,
  literal,
  logical,
  METADATA_COLUMNS,
  map1,
  mapN,
  type Scope,
  scatterInto,
  trueRows,
  unify,
} from './bind.js';
import type { SqlType } from './cast.js';
import { bindFunction, extractFunction } from './functions.js';
import { TransformError } from './transform-error.js';

/** The source text of a node (`includeLocations`), for error reports. */
export function sqlOf(ast: Ast, text: string): string {
  const loc = ast?.loc;
  if (loc) return text.slice(loc.start.offset, loc.end.offset).trim();
  // The parser gives no location for CAST and CASE nodes: print them from their parts.
  switch (ast?.type) {
    case 'cast': {
      const t = Array.isArray(ast.target) ? ast.target[0] : ast.target;
      const params = t?.length !== undefined ? `(${t.length}${t.scale !== undefined ? `,${t.scale}` : ''})` : '';
      const suffix = Array.isArray(t?.suffix) && t.suffix.length > 0 ? ` ${t.suffix.join(' ')}` : '';
      return `${String(ast.keyword).toUpperCase()}(${sqlOf(ast.expr, text)} AS ${t?.dataType}${params}${suffix})`;
    }
    case 'case': {
      const arms = (ast.args as Ast[]).map((arm) =>
        arm.type === 'else'
          ? `ELSE ${sqlOf(arm.result, text)}`
          : `WHEN ${sqlOf(arm.cond, text)} THEN ${sqlOf(arm.result, text)}`,
      );
      return `CASE ${ast.expr ? `${sqlOf(ast.expr, text)} ` : ''}${arms.join(' ')} END`;
    }
    case 'aggr_func':
      return `${ast.name}(…)`;
    default:
      return String(ast?.value ?? ast?.type ?? '?');
  }
}

/** Text that marks `fixed[n]` for the parser (which has no such type): DECIMAL(n, 99), a scale no decimal has. */
const FIXED_SCALE = 99;

/** Rewrites Iceberg type names the Trino grammar lacks into ones it parses (same meaning, see `castType`). */
export function normalizeTypeNames(sql: string): string {
  return sql
    .replace(/\bAS(\s+)timestamptz_ns\b/gi, 'AS$1TIMESTAMP(9) WITH TIME ZONE')
    .replace(/\bAS(\s+)timestamp_ns\b/gi, 'AS$1TIMESTAMP(9)')
    .replace(/\bAS(\s+)timestamptz\b/gi, 'AS$1TIMESTAMP WITH TIME ZONE')
    .replace(
      /\bAS(\s+)(?:fixed\s*\[\s*(\d+)\s*\]|binary\s*\(\s*(\d+)\s*\))/gi,
      (_m, s, a, b) => `AS${s}DECIMAL(${a ?? b}, ${FIXED_SCALE})`,
    )
    .replace(/\bAS(\s+)(?:varbinary|binary|blob)\b/gi, 'AS$1BYTEA')
    .replace(/\bAS(\s+)long\b/gi, 'AS$1BIGINT')
    .replace(/\bAS(\s+)string\b/gi, 'AS$1VARCHAR');
}

/** The Iceberg type of a CAST target. */
function castType(target: Ast, sql: string): SqlType {
  const t = String(target?.dataType ?? '').toUpperCase();
  const suffix: string[] = Array.isArray(target?.suffix)
    ? target.suffix.map((s: string) => String(s).toUpperCase())
    : [];
  const tz = suffix.join(' ').includes('TIME ZONE');
  switch (t) {
    case 'BOOLEAN':
    case 'BOOL':
      return 'boolean';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'INTEGER':
      return 'int';
    case 'BIGINT':
      return 'long';
    case 'REAL':
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'DECIMAL':
    case 'NUMERIC': {
      const precision = Number(target.length ?? 38);
      const scale = Number(target.scale ?? 0);
      if (scale === FIXED_SCALE) return `fixed[${precision}]`;
      if (precision < 1 || precision > 38 || scale > precision)
        throw new TransformError(`decimal(${precision},${scale}) is not an Iceberg decimal (precision 1-38)`, sql);
      return `decimal(${precision},${scale})` as SqlType;
    }
    case 'DATE':
      return 'date';
    case 'TIME':
      return 'time';
    case 'TIMESTAMP':
      return (
        Number(target.length ?? 6) > 6 ? (tz ? 'timestamptz_ns' : 'timestamp_ns') : tz ? 'timestamptz' : 'timestamp'
      ) as SqlType;
    case 'VARCHAR':
    case 'CHAR':
    case 'TEXT':
    case 'CHARACTER':
      return 'string';
    case 'UUID':
      return 'uuid';
    case 'BYTEA':
      return 'binary';
    default:
      throw new TransformError(`unsupported type ${t} in CAST`, sql);
  }
}

function columnName(ast: Ast): string {
  const c = ast.column;
  if (typeof c === 'string') return c;
  return String(c?.expr?.value ?? '');
}

function unquote(value: string): string {
  return value.replace(/''/g, "'");
}

/** Binds an expression node. */
export function bindExpression(ast: Ast, scope: Scope, text: string): Bound {
  const sql = sqlOf(ast, text);
  const bind = (node: Ast) => bindExpression(node, scope, text);
  switch (ast?.type) {
    case 'number': {
      const v = ast.value;
      if (typeof v === 'number' && Number.isInteger(v))
        return literal(Math.abs(v) <= 2147483647 ? 'int' : 'long', v, sql);
      const textValue = String(v);
      if (/^[+-]?\d+$/.test(textValue)) return literal('long', Number(textValue), sql);
      const m = /^[+-]?(\d*)\.(\d*)$/.exec(textValue);
      if (m) {
        const scale = m[2]!.length;
        return castTo(
          literal('string', textValue, sql),
          `decimal(${Math.max(m[1]!.length + scale, 1)},${scale})` as SqlType,
          sql,
          false,
        );
      }
      return literal('double', Number(textValue), sql);
    }
    case 'bigint':
      return castTo(literal('string', String(ast.value), sql), 'decimal(38,0)', sql, false);
    case 'single_quote_string':
    case 'string':
      return literal('string', unquote(String(ast.value)), sql);
    case 'bool':
      return literal('boolean', Boolean(ast.value), sql);
    case 'null':
      return literal('null', null, sql);
    case 'date':
    case 'time':
    case 'timestamp': {
      const to: SqlType = ast.type === 'date' ? 'date' : ast.type === 'time' ? 'time' : 'timestamp';
      return castTo(literal('string', String(ast.value), sql), to, sql, false);
    }
    case 'column_ref':
    case 'double_quote_string':
      return bindColumn(ast.type === 'double_quote_string' ? String(ast.value) : columnName(ast), scope, sql);
    case 'cast': {
      const target = Array.isArray(ast.target) ? ast.target[0] : ast.target;
      const inner = bind(ast.expr);
      return castTo(inner, castType(target, sql), sql, String(ast.keyword).toLowerCase() === 'try_cast');
    }
    case 'unary_expr': {
      const operand = bind(ast.expr);
      if (ast.operator === '-') return arithmetic('-', literal('int', 0, sql), operand, sql);
      if (ast.operator === '+') return operand;
      if (String(ast.operator).toUpperCase() === 'NOT') return not(operand, sql);
      throw new TransformError(`unsupported operator ${ast.operator}`, sql);
    }
    case 'binary_expr':
      return bindBinary(ast, scope, text, sql);
    case 'case':
      return bindCase(ast, scope, text, sql);
    case 'extract':
      return extractFunction(String(ast.args.field), bind(ast.args.source), sql);
    case 'function': {
      const name = (ast.name?.name ?? []).map((n: Ast) => n.value).join('.');
      const args: Ast[] = ast.args?.value ?? [];
      if (name.toUpperCase() === 'NOT') {
        if (args.length !== 1) throw new TransformError('NOT takes one operand', sql);
        return not(bind(args[0]), sql);
      }
      return bindFunction(name, args.map(bind), sql, ast);
    }
    case 'expr_list':
      if (ast.value?.length === 1) return bind(ast.value[0]);
      throw new TransformError('a list is not a value here', sql);
    case 'aggr_func':
      throw new TransformError(`aggregate ${ast.name} is not supported: a transform works row by row`, sql);
    default:
      throw new TransformError(`unsupported expression (${String(ast?.type)})`, sql);
  }
}

function bindColumn(name: string, scope: Scope, sql: string): Bound {
  const key = scope.caseInsensitive ? name.toLowerCase() : name;
  if (!scope.columns) {
    const meta = METADATA_COLUMNS[name.toLowerCase()];
    return { type: meta ?? 'any', sql, eval: () => [] };
  }
  const column = scope.columns.get(key);
  if (column) {
    if (!isPrimitive(column.type))
      throw new TransformError(
        `column ${column.name} is nested (${column.type.type}); transforms read primitive columns`,
        sql,
      );
    const type = column.type as PrimitiveType;
    return { type, sql, eval: (ctx) => ctx.input(column.index, type) };
  }
  const meta = METADATA_COLUMNS[name.toLowerCase()];
  if (!meta) throw new TransformError(`unknown column ${name}`, sql);
  switch (name.toLowerCase()) {
    case '_source_key':
      return { type: meta, sql, eval: (ctx) => fill(ctx.n, ctx.meta.sourceKey) };
    case '_source_version':
      return { type: meta, sql, eval: (ctx) => fill(ctx.n, ctx.meta.sourceVersion) };
    case '_ingest_id':
      return { type: meta, sql, eval: (ctx) => fill(ctx.n, ctx.meta.ingestId) };
    case '_ingested_at':
      return { type: meta, sql, eval: (ctx) => fill(ctx.n, ctx.meta.ingestedAt) };
    default:
      return { type: meta, sql, eval: (ctx) => Array.from(ctx.lines()) };
  }
}

function expectBoolean(e: Bound, sql: string): Bound {
  if (e.type === 'boolean' || e.type === 'any' || e.type === 'null') return e;
  throw new TransformError(`expected a boolean, got ${e.type} (${e.sql})`, sql);
}

function not(operand: Bound, sql: string): Bound {
  return map1('boolean', sql, expectBoolean(operand, sql), (v) => !v);
}

function bindBinary(ast: Ast, scope: Scope, text: string, sql: string): Bound {
  const op = String(ast.operator).toUpperCase();
  const bind = (node: Ast) => bindExpression(node, scope, text);
  switch (op) {
    case 'AND':
    case 'OR':
      return logical(op, bind(ast.left), bind(ast.right), sql);
    case 'IS':
    case 'IS NOT': {
      const left = bind(ast.left);
      if (ast.right?.type !== 'null') throw new TransformError(`only IS [NOT] NULL is supported`, sql);
      const negate = op === 'IS NOT';
      return { type: 'boolean', sql, eval: (ctx) => left.eval(ctx).map((v) => (v === null) !== negate) };
    }
    case '=':
    case '<>':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return comparison(op, bind(ast.left), bind(ast.right), sql);
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(op, bind(ast.left), bind(ast.right), sql);
    case '||': {
      const parts = [bind(ast.left), bind(ast.right)].map((p) =>
        p.type === 'string' || p.type === 'any' || p.type === 'null' ? p : castTo(p, 'string', p.sql, false),
      );
      return mapN('string', sql, parts, (xs) => `${xs[0]}${xs[1]}`);
    }
    case 'BETWEEN':
    case 'NOT BETWEEN': {
      const [lo, hi] = ast.right.value as [Ast, Ast];
      const value = bind(ast.left);
      const both = logical('AND', comparison('>=', value, bind(lo), sql), comparison('<=', value, bind(hi), sql), sql);
      return op === 'BETWEEN' ? both : not(both, sql);
    }
    case 'IN':
    case 'NOT IN': {
      const items = (ast.right.value as Ast[]).map(bind);
      const { args } = unify([bind(ast.left), ...items], sql);
      const [value, ...list] = args as [Bound, ...Bound[]];
      const negate = op === 'NOT IN';
      return {
        type: 'boolean',
        sql,
        eval(ctx) {
          const xs = value.eval(ctx);
          const cols = list.map((l) => l.eval(ctx));
          return xs.map((x, i) => {
            if (x === null) return null;
            let sawNull = false;
            for (const col of cols) {
              const y = col[i];
              if (y === null) sawNull = true;
              else if (compareValues(x, y) === 0) return !negate;
            }
            return sawNull ? null : negate;
          });
        },
      };
    }
    case 'LIKE':
    case 'NOT LIKE':
    case 'ILIKE':
    case 'NOT ILIKE': {
      const value = bind(ast.left);
      const pattern = bind(ast.right);
      if (!pattern.constant || typeof pattern.constant.value !== 'string')
        throw new TransformError(`${op} needs a constant pattern`, sql);
      const source = pattern.constant.value
        .split('')
        .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      const re = new RegExp(`^${source}$`, op.includes('ILIKE') ? 'isu' : 'su');
      const negate = op.startsWith('NOT');
      const text = value.type === 'string' || value.type === 'any' ? value : castTo(value, 'string', value.sql, false);
      return map1('boolean', sql, text, (v) => re.test(v as string) !== negate);
    }
    default:
      throw new TransformError(`unsupported operator ${ast.operator}`, sql);
  }
}

function bindCase(ast: Ast, scope: Scope, text: string, sql: string): Bound {
  const bind = (node: Ast) => bindExpression(node, scope, text);
  const subject = ast.expr ? bind(ast.expr) : undefined;
  const whens: { cond: Bound; result: Bound }[] = [];
  let otherwise: Bound = literal('null', null, sql);
  for (const arm of ast.args as Ast[]) {
    if (arm.type === 'else') otherwise = bind(arm.result);
    else {
      const cond = subject
        ? comparison('=', subject, bind(arm.cond), sqlOf(arm.cond, text))
        : expectBoolean(bind(arm.cond), sql);
      whens.push({ cond, result: bind(arm.result) });
    }
  }
  const { type, args } = unify([...whens.map((w) => w.result), otherwise], sql);
  const results = args.slice(0, whens.length);
  const fallback = args[whens.length]!;
  return {
    type,
    sql,
    eval(ctx) {
      const out = fill(ctx.n, null);
      // Each arm sees only the rows no earlier arm took (a cast in an arm a row skips never fails it).
      let pending = new Int32Array(ctx.n).map((_, i) => i);
      for (let k = 0; k < whens.length && pending.length > 0; k++) {
        const sub = pending.length === ctx.n ? ctx : ctx.subset(pending);
        const taken = trueRows(whens[k]!.cond.eval(sub), pending);
        scatterInto(out, results[k]!, ctx, taken);
        const takenSet = new Set(taken);
        pending = pending.filter((row) => !takenSet.has(row));
      }
      scatterInto(out, fallback, ctx, pending);
      return out;
    },
  };
}
