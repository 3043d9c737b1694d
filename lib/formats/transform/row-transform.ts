/**
 * A route's transform (issue 17): `select` (a SQL projection) and `where` (a filter), parsed with
 * node-sql-parser (Trino dialect), bound against the file's columns into a typed plan, and
 * applied to each Arrow record batch column by column.
 *
 * - `checkTransform` (config load, `cdk synth`): syntax, function names and arities, literal
 *   types and format strings; no input columns are known yet.
 * - `bindTransform` (per file, before any row is written): every name and type against the
 *   file's columns; its `schema` is the projection's schema (auto-create, the dry run).
 * - `TransformPlan.forTable` fits the projection to the table's schema (by name; types cast
 *   where they differ) and gives the `BatchTransform` that `convertFile` applies.
 *
 * A row whose CAST (or to_date/to_timestamp) fails is a row error naming the expression and the
 * value, and follows the route's `on_error` like a value the reader could not parse.
 */
import * as arrow from 'apache-arrow';
// The Trino-only build (250 KB) rather than every dialect (2.5 MB): it is bundled into the convert Lambda.
import pkg from 'node-sql-parser/build/trino.js';
import { toArrowSchema } from '../../iceberg/arrow-schema.js';
import { isPrimitive } from '../../iceberg/schema.js';
import type { NestedField, PrimitiveType, Schema } from '../../iceberg/types.js';
import { BadInputError } from '../bad-input-error.js';
import { sourceLinesOf } from '../batch-assembler.js';
import type { RowErrorSink } from '../row-errors.js';
import { buildColumn, readColumn, takeRows } from './arrow-columns.js';
import {
  type Ast,
  type Bound,
  castTo,
  describe as describeValue,
  type InputColumn,
  type Scope,
  trueRows,
} from './bind.js';
import { BatchContext, type EvalContext, type TransformMetadata } from './eval-context.js';
import { bindExpression, normalizeTypeNames, sqlOf } from './expression.js';
import { TransformError } from './transform-error.js';

const parser = new pkg.Parser();

/** A route's transform as configured. */
export interface TransformSpec {
  /** The projection: `a, CAST(b AS DATE) AS d, …` (default `*`). */
  select?: string;
  /** The filter: a boolean expression over the input columns. */
  where?: string;
}

/** One output column of a bound projection. */
export interface OutputColumn {
  name: string;
  type: PrimitiveType;
  expr: Bound;
  /** The input column it is, unchanged (copied exactly). */
  inputIndex?: number;
}

interface ParsedTransform {
  text: string;
  items: Ast[];
  where?: Ast;
}

function parse(spec: TransformSpec): ParsedTransform {
  const select = spec.select?.trim() || '*';
  const where = spec.where?.trim();
  const text = normalizeTypeNames(`SELECT ${select} FROM __input${where ? ` WHERE ${where}` : ''}`);
  let ast: Ast;
  try {
    ast = parser.astify(text, { database: 'trino', parseOptions: { includeLocations: true } });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    throw new TransformError(`not valid SQL (${message.slice(0, 200)})`, where ? `${select} WHERE ${where}` : select, {
      cause: error,
    });
  }
  const statement = Array.isArray(ast) ? (ast.length === 1 ? ast[0] : undefined) : ast;
  const fromOk = statement?.from?.length === 1 && statement.from[0].table === '__input';
  const limited = statement?.limit && Array.isArray(statement.limit.value) && statement.limit.value.length > 0;
  if (
    statement?.type !== 'select' ||
    !fromOk ||
    statement.groupby ||
    statement.having ||
    statement.orderby ||
    limited ||
    statement.distinct?.type ||
    statement.with
  ) {
    throw new TransformError(
      'select and where must be a plain projection and filter (no FROM, GROUP BY, ORDER BY, LIMIT, DISTINCT)',
      select,
    );
  }
  return { text, items: statement.columns as Ast[], where: statement.where ?? undefined };
}

function outputName(item: Ast, text: string): string | undefined {
  if (item.as) return String(item.as).replace(/^"|"$/g, '');
  const e = item.expr;
  if (e?.type === 'column_ref') return typeof e.column === 'string' ? e.column : String(e.column?.expr?.value);
  if (e?.type === 'double_quote_string') return String(e.value);
  void text;
  return undefined;
}

/** The top-level AND terms of a `where` as SQL text (partition pruning evaluates them one by one). */
export function whereConjuncts(where: string): string[] {
  const parsed = parse({ where });
  const terms: string[] = [];
  const walk = (node: Ast) => {
    if (node?.type === 'binary_expr' && String(node.operator).toUpperCase() === 'AND') {
      walk(node.left);
      walk(node.right);
    } else terms.push(sqlOf(node, parsed.text));
  };
  if (parsed.where) walk(parsed.where);
  return terms;
}

/** Checks a transform without knowing the input columns (config load); throws `TransformError`. */
export function checkTransform(spec: TransformSpec): void {
  const { text, items, where } = parse(spec);
  const scope: Scope = { caseInsensitive: true };
  const names = new Set<string>();
  for (const item of items) {
    if (item.expr?.type === 'column_ref' && item.expr.column === '*') continue;
    const name = outputName(item, text);
    const sql = sqlOf(item.expr, text);
    if (!name) throw new TransformError('an expression needs a name: add AS <column>', sql);
    if (names.has(name.toLowerCase())) throw new TransformError(`column ${name} is selected twice`, sql);
    names.add(name.toLowerCase());
    const bound = bindExpression(item.expr, scope, text);
    if (bound.type === 'null') throw new TransformError('NULL needs a type: CAST(NULL AS <type>)', sql);
  }
  if (where) {
    const bound = bindExpression(where, scope, text);
    if (bound.type !== 'boolean' && bound.type !== 'any' && bound.type !== 'null')
      throw new TransformError(`where must be a condition, got ${bound.type}`, sqlOf(where, text));
  }
}

/** A transform bound to an input schema. */
export interface TransformPlan {
  /** The input schema the file is read with. */
  input: Schema;
  columns: OutputColumn[];
  where?: Bound;
  /** The projection's schema (fresh field ids from 1): what auto-create creates. */
  schema: Schema;
  /** The transform that writes batches of `table` (the projection fitted by column name). */
  forTable(
    table: Schema,
    opts: { fileName: string; meta: TransformMetadata; caseInsensitive?: boolean },
  ): BatchTransform;
}

/** Binds `spec` against the input columns; throws `TransformError` naming the expression. */
export function bindTransform(
  spec: TransformSpec,
  input: Schema,
  opts: { caseInsensitive?: boolean } = {},
): TransformPlan {
  const { text, items, where } = parse(spec);
  const caseInsensitive = opts.caseInsensitive ?? false;
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const columns = new Map<string, InputColumn>();
  for (const [index, f] of input.fields.entries()) columns.set(fold(f.name), { index, name: f.name, type: f.type });
  const scope: Scope = { columns, caseInsensitive };
  const out: OutputColumn[] = [];
  const names = new Set<string>();
  const add = (name: string, expr: Bound, sql: string, inputIndex?: number) => {
    if (names.has(fold(name))) throw new TransformError(`column ${name} is selected twice`, sql);
    names.add(fold(name));
    if (expr.type === 'null') throw new TransformError('NULL needs a type: CAST(NULL AS <type>)', sql);
    if (expr.type === 'any') throw new Error('unreachable: bound expressions have known types');
    out.push({ name, type: expr.type, expr, inputIndex });
  };
  for (const item of items) {
    if (item.expr?.type === 'column_ref' && item.expr.column === '*') {
      for (const [index, f] of input.fields.entries()) {
        if (!isPrimitive(f.type))
          throw new TransformError(`column ${f.name} is nested; select the columns you need`, '*');
        const type = f.type as PrimitiveType;
        add(f.name, { type, sql: f.name, eval: (ctx) => ctx.input(index, type) }, '*', index);
      }
      continue;
    }
    const sql = sqlOf(item.expr, text);
    const name = outputName(item, text);
    if (!name) throw new TransformError('an expression needs a name: add AS <column>', sql);
    const expr = bindExpression(item.expr, scope, text);
    const ref = item.expr?.type === 'column_ref' || item.expr?.type === 'double_quote_string';
    const inputIndex = ref ? columns.get(fold(outputName({ expr: item.expr }, text) ?? ''))?.index : undefined;
    add(name, expr, sql, inputIndex);
  }
  let filter: Bound | undefined;
  if (where) {
    filter = bindExpression(where, scope, text);
    if (filter.type !== 'boolean' && filter.type !== 'null')
      throw new TransformError(`where must be a condition, got ${filter.type}`, sqlOf(where, text));
  }
  const fields: NestedField[] = out.map((c, i) => ({ id: i + 1, name: c.name, required: false, type: c.type }));
  const schema: Schema = { type: 'struct', 'schema-id': 0, fields };
  return {
    input,
    columns: out,
    where: filter,
    schema,
    forTable: (table, o) => new BatchTransform(input, out, filter, table, { caseInsensitive, ...o }),
  };
}

/** Applies a bound transform to record batches of the input schema, giving batches of the table schema. */
export class BatchTransform {
  private readonly arrowSchema: arrow.Schema;
  /** Per table field: the output column (cast to the table's type) or undefined (null). */
  private readonly targets: ({ column: OutputColumn; expr: Bound; exact: boolean } | undefined)[];
  private rowsSeen = 0;

  constructor(
    readonly input: Schema,
    columns: OutputColumn[],
    private readonly where: Bound | undefined,
    readonly table: Schema,
    private readonly opts: { fileName: string; meta: TransformMetadata; caseInsensitive?: boolean },
  ) {
    this.arrowSchema = toArrowSchema(table);
    const fold = (s: string) => (opts.caseInsensitive ? s.toLowerCase() : s);
    const byName = new Map(columns.map((c) => [fold(c.name), c]));
    this.targets = table.fields.map((field) => {
      const column = byName.get(fold(field.name));
      if (!column) {
        if (field.required)
          throw new BadInputError(`the transform does not select required column "${field.name}"`, {
            file: opts.fileName,
            column: field.name,
          });
        return undefined;
      }
      if (!isPrimitive(field.type))
        throw new TransformError(
          `table column ${field.name} is nested; transforms write primitive columns`,
          column.expr.sql,
        );
      const type = field.type as PrimitiveType;
      const expr = type === column.type ? column.expr : castTo(column.expr, type, column.expr.sql, false);
      return { column, expr, exact: type === column.type && column.inputIndex !== undefined };
    });
  }

  /** The batch of table rows for one input batch; row errors go to `rowErrors` (which throws unless `on_error: continue`). */
  apply(batch: arrow.RecordBatch, rowErrors: RowErrorSink): arrow.RecordBatch {
    const n = batch.numRows;
    const firstOrdinal = this.rowsSeen;
    this.rowsSeen += n;
    const lines = sourceLinesOf(batch) ?? Int32Array.from({ length: n }, (_, i) => firstOrdinal + i + 1);
    const children = batch.data.children;
    const rejected = new Uint8Array(n);
    let rejectedCount = 0;
    let column = 'where';
    const rawRow = (row: number) => {
      const record: Record<string, string | null> = {};
      this.input.fields.forEach((f, i) => {
        if (!isPrimitive(f.type)) return;
        const v = readColumn(children[i]!, f.type as PrimitiveType, Int32Array.of(row))[0];
        record[f.name] = v === null ? null : describeValue(v, f.type as PrimitiveType);
      });
      return JSON.stringify(record);
    };
    const root = new BatchContext(
      n,
      (index, type, rows) => readColumn(children[index]!, type, rows),
      lines,
      this.opts.meta,
      (row, expression, value, reason) => {
        if (rejected[row]) return;
        rowErrors.reject({
          file: this.opts.fileName,
          line: lines[row]!,
          column,
          value,
          reason: `${expression}: ${reason}`,
          raw: rawRow(row),
        });
        rejected[row] = 1;
        rejectedCount++;
      },
    );
    let keep: Int32Array | undefined;
    if (this.where) keep = trueRows(this.where.eval(root));
    const ctx: EvalContext = keep && keep.length < n ? root.subset(keep) : root;
    const rows = keep && keep.length < n ? keep : undefined;
    const values: (unknown[] | arrow.Data | undefined)[] = this.targets.map((target, k) => {
      if (!target) return undefined;
      column = this.table.fields[k]!.name;
      const index = target.column.inputIndex;
      if (target.exact && index !== undefined) {
        const data = children[index]!;
        if (this.table.fields[k]!.required && data.nullCount > 0)
          return readColumn(data, target.column.type, rows, true);
        return rows ? takeRows(data, rows) : data;
      }
      return target.expr.eval(ctx);
    });
    // Rows that failed (on_error: continue) are left out; so are nulls in required columns.
    const rowIndex = rows ?? Int32Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < this.targets.length; k++) {
      const field = this.table.fields[k]!;
      const v = values[k];
      if (!field.required || v === undefined || !Array.isArray(v)) continue;
      column = field.name;
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null) root.fail(rowIndex[i]!, this.targets[k]!.expr.sql, 'NULL', 'null in a required column');
      }
    }
    let selected: Int32Array | undefined;
    if (rejectedCount > 0) {
      const kept: number[] = [];
      for (let i = 0; i < rowIndex.length; i++) if (!rejected[rowIndex[i]!]) kept.push(i);
      selected = Int32Array.from(kept);
    }
    const length = selected ? selected.length : rowIndex.length;
    const data = this.table.fields.map((field, k) => {
      const at = this.arrowSchema.fields[k]!.type;
      const v = values[k];
      const type = field.type as PrimitiveType;
      if (v === undefined) return buildColumn(type, new Array(length).fill(null), at);
      if (!Array.isArray(v)) {
        return selected ? takeRows(v, selected, at) : v.clone(at);
      }
      const picked = selected ? Array.from(selected, (i) => v[i]) : v;
      return buildColumn(type, picked, at);
    });
    const struct = arrow.makeData({
      type: new arrow.Struct(this.arrowSchema.fields),
      length,
      nullCount: 0,
      children: data,
    });
    return new arrow.RecordBatch(this.arrowSchema, struct);
  }
}

export { TransformError };
