/**
 * Schema inference for new tables. Every value of the file is checked, not just a sample: a
 * column that looks like int for a million rows and holds "x" on the next is a string column,
 * because the table would otherwise reject that file forever. (Values are checked cheaply on
 * their bytes; once a column has fallen to string it costs nothing more.)
 *
 * Types: boolean (true/false), int, long, decimal(P,S), double, date
 * (`YYYY-MM-DD`), timestamp / timestamptz (ISO-8601 without / with an offset), string; JSON
 * objects become structs and arrays lists. Numbers with leading zeros (`007`, zip codes) stay
 * strings. Numbers are never rounded: double only when a double holds every value exactly,
 * decimal(P,S) for integers beyond a long and for decimals with more digits (or always with
 * `inferDecimals`), string beyond 38 digits. All inferred columns are optional; ids are fresh.
 */
import { assignFreshIds } from '../iceberg/schema.js';
import type { IcebergType, NestedField, Schema } from '../iceberg/types.js';
import { BadInputError } from './bad-input-error.js';
import { checkColumnCount, countFields } from './caps.js';
import { checkSchemaNames, finalColumnNames, normalizeColumnName, positionalNames } from './column-names.js';
import { headerNames } from './csv-reader.js';
import { csvBlocks, csvDialect } from './csv-tokenizer.js';
import { decompress, peek } from './decompress.js';
import { detectFormat } from './detect.js';
import { jsonBlocks, parseJsonValue } from './json-tokenizer.js';
import { JsonNumber, type JsonValue } from './json-value.js';
import { type FormatOptions, type FormatOptionsInput, resolveFormatOptions } from './options.js';
import { parquetFileSchema } from './parquet-reader.js';
import {
  BIG,
  doubleHoldsText,
  parseDate,
  parseDouble,
  parseFailure,
  parseLong,
  parseTimestamp,
  timestampInfo,
} from './scalar-parse.js';

/**
 * Infers an Iceberg schema (fresh field ids, all columns optional) for a landed file. `open` is
 * called once and must yield the file's bytes as stored (compressed or not).
 */
export async function inferSchema(
  open: () => AsyncIterable<Uint8Array>,
  fileName: string,
  options?: FormatOptionsInput,
): Promise<Schema> {
  const opts = resolveFormatOptions(options);
  const { head, stream } = await peek(open());
  const { format, compression } = detectFormat(fileName, head);
  const bytes = decompress(stream, compression, fileName, opts.limits.maxExpandedBytes);
  let schema: Schema;
  if (format === 'parquet') schema = await parquetFileSchema(bytes, fileName, opts.limits.maxColumns);
  else {
    const fields =
      format === 'json'
        ? await inferJson(bytes, fileName, opts)
        : await inferCsv(bytes, fileName, opts, format === 'tsv');
    schema = assignFreshIds({ type: 'struct', fields }).schema;
  }
  // The same checks for every format (issue #19): a table's names must stay unambiguous, and
  // nested fields count towards the column cap.
  checkColumnCount(countFields(schema.fields), opts.limits.maxColumns, { file: fileName });
  checkSchemaNames(schema.fields, { file: fileName });
  return schema;
}

const BOOL = 1;
const INT = 2;
const LONG = 4;
const DOUBLE = 8;
const DECIMAL = 16;
const DATE = 32;
const TS = 64;
const ALL = BOOL | INT | LONG | DOUBLE | DECIMAL | DATE | TS;

/** What the values of one text column allow. */
class TextColumnType {
  mask = ALL;
  nonNull = 0;
  intDigits = 0;
  scale = 0;
  offsets = 0;
  noOffsets = 0;
  /** Some value has more digits than a double holds exactly (`123456789.123456789012`). */
  inexact = false;

  constructor(
    /** `inferDecimals`: plain decimals such as `12.30` become decimal(p,s) rather than double. */
    private readonly preferDecimals: boolean,
    /** `numbers: double`: a double may round (documented loss); else inference keeps every digit. */
    private readonly roundDoubles: boolean,
  ) {}

  observe(buf: Uint8Array, s: number, e: number): void {
    if (this.mask === 0) return;
    this.nonNull++;
    let m = this.mask;
    const c0 = buf[s]!;
    const digitish = (c0 >= 0x30 && c0 <= 0x39) || c0 === 0x2d || c0 === 0x2b || c0 === 0x2e;
    if (m & BOOL) {
      const n = e - s;
      const t = c0 | 0x20;
      const ok =
        (n === 4 && t === 0x74 && (buf[s + 3]! | 0x20) === 0x65) ||
        (n === 5 && t === 0x66 && (buf[s + 4]! | 0x20) === 0x65);
      if (!ok || !/^(true|false)$/i.test(String.fromCharCode(...buf.subarray(s, e)))) m &= ~BOOL;
    }
    const leadingZero = c0 === 0x30 && e - s > 1 && buf[s + 1] !== 0x2e;
    if (m & (INT | LONG)) {
      if (!digitish || leadingZero) m &= ~(INT | LONG);
      else {
        const v = parseLong(buf, s, e);
        if (Number.isNaN(v)) {
          parseFailure.reason = '';
          m &= ~(INT | LONG);
        } else if (v === BIG || v < -2147483648 || v > 2147483647) m &= ~INT;
      }
    }
    if (m & (DOUBLE | DECIMAL)) {
      if (!digitish || leadingZero) m &= ~(DOUBLE | DECIMAL);
      else {
        const v = parseDouble(buf, s, e);
        if (Number.isNaN(v) || !Number.isFinite(v)) {
          parseFailure.reason = '';
          m &= ~(DOUBLE | DECIMAL);
        } else {
          if (m & DECIMAL && !this.decimalShape(buf, s, e)) m &= ~DECIMAL;
          if (!this.inexact && !doubleHoldsText(buf, s, e, v)) this.inexact = true;
        }
      }
    }
    if (m & (DATE | TS)) {
      if (e - s < 10 || buf[s + 4] !== 0x2d) m &= ~(DATE | TS);
      else {
        if (m & DATE) {
          const d = parseDate(buf, s, e);
          if (Number.isNaN(d)) {
            parseFailure.reason = '';
            m &= ~DATE;
          }
        }
        if (m & TS) {
          const t = parseTimestamp(buf, s, e);
          if (Number.isNaN(t)) {
            parseFailure.reason = '';
            m &= ~TS;
          } else if (timestampInfo.hadOffset) this.offsets++;
          else this.noOffsets++;
        }
      }
    }
    this.mask = m;
  }

  private decimalShape(buf: Uint8Array, s: number, e: number): boolean {
    let i = s;
    if (buf[i] === 0x2d || buf[i] === 0x2b) i++;
    let int = 0;
    let frac = -1;
    for (; i < e; i++) {
      const c = buf[i]!;
      if (c === 0x2e) {
        if (frac >= 0) return false;
        frac = 0;
      } else if (c < 0x30 || c > 0x39) return false;
      else if (frac >= 0) frac++;
      else if (int > 0 || c !== 0x30) int++;
    }
    this.intDigits = Math.max(this.intDigits, int);
    this.scale = Math.max(this.scale, Math.max(frac, 0));
    return this.intDigits + this.scale <= 38;
  }

  type(): IcebergType {
    const m = this.mask;
    if (this.nonNull === 0) return 'string';
    if (m & BOOL) return 'boolean';
    if (m & INT) return 'int';
    if (m & LONG) return 'long';
    // Numbers: a type that holds every value exactly (issue #18). Integers beyond a long and
    // decimals with more digits than a double keeps become decimal(p,s) (p ≤ 38), else string.
    const decimal: IcebergType | undefined =
      m & DECIMAL ? `decimal(${Math.max(this.intDigits + this.scale, 1)},${this.scale})` : undefined;
    if (decimal && (this.scale === 0 || this.preferDecimals)) return decimal;
    if (m & DOUBLE) {
      if (!this.inexact || this.roundDoubles) return 'double';
      return decimal ?? 'string';
    }
    if (m & DATE) return 'date';
    if (m & TS) return this.offsets > 0 ? 'timestamptz' : 'timestamp';
    return 'string';
  }
}

async function inferCsv(
  bytes: AsyncIterable<Uint8Array>,
  fileName: string,
  opts: FormatOptions,
  tsv: boolean,
): Promise<NestedField[]> {
  const csv = opts.csv;
  const markers = csv.nullMarkers.map((m) => new TextEncoder().encode(m));
  let names: string[] | undefined;
  let cols: TextColumnType[] = [];
  let dataRows = 0;
  let firstRowError: BadInputError | undefined;
  for await (const block of csvBlocks(bytes, csvDialect(csv, tsv), opts.limits, fileName)) {
    let r = 0;
    if (names === undefined) {
      const n = block.firstField[1]! - block.firstField[0]!;
      if (csv.header) {
        names = finalColumnNames(headerNames(block, 0, fileName), fileName, {
          normalize: opts.normalizeColumnNames,
          caseInsensitive: opts.caseInsensitive,
          line: block.lines[0],
          maxColumns: opts.limits.maxColumns,
        });
        r = 1;
      } else {
        checkColumnCount(n, opts.limits.maxColumns, { file: fileName, line: block.lines[0] });
        names = positionalNames(n);
      }
      cols = names.map(() => new TextColumnType(opts.inferDecimals, opts.numbers === 'double'));
    }
    for (; r < block.records; r++) {
      const f0 = block.firstField[r]!;
      const n = block.firstField[r + 1]! - f0;
      if (n !== cols.length) {
        // A row error, not a file error: the reader rejects this row under `on_error` (abort
        // names it; continue skips it), so inference leaves it out (issue #19).
        firstRowError ??= new BadInputError(`expected ${cols.length} fields, found ${n}`, {
          file: fileName,
          line: block.lines[r],
          column: Math.min(n, cols.length) + 1,
        });
        continue;
      }
      dataRows++;
      for (let c = 0; c < n; c++) {
        const f = f0 + c;
        const s = block.starts[f]!;
        const e = block.ends[f]!;
        if (block.flags[f] === 0 && isNull(block.buf, s, e, markers)) continue;
        if (s === e) continue;
        cols[c]!.observe(block.buf, s, e);
      }
    }
  }
  if (names === undefined) throw new BadInputError('empty file: no records', { file: fileName });
  if (dataRows === 0 && firstRowError) throw firstRowError;
  if (dataRows === 0 && csv.header)
    throw new BadInputError('no data rows: the file has a header only', { file: fileName, line: 2 });
  return names.map((name, i) => ({ id: 0, name, required: false, type: cols[i]!.type() }));
}

function isNull(buf: Uint8Array, s: number, e: number, markers: Uint8Array[]): boolean {
  outer: for (const m of markers) {
    if (m.length !== e - s) continue;
    for (let k = 0; k < m.length; k++) if (buf[s + k] !== m[k]) continue outer;
    return true;
  }
  return false;
}

/** A JSON type as observed so far. */
type Shape =
  | { kind: 'null' }
  | { kind: 'text'; col: TextColumnType }
  | { kind: 'number'; col: TextColumnType }
  | { kind: 'boolean' }
  | { kind: 'struct'; fields: Map<string, Shape> }
  | { kind: 'list'; element: Shape }
  | { kind: 'json' };

const textEncoder = new TextEncoder();
let scratch = new Uint8Array(1024);

/** UTF-8 of `text` into the reused `scratch` (no allocation per value); returns its length. */
function utf8Into(text: string): number {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3 + 1024);
  return textEncoder.encodeInto(text, scratch).written;
}

function observe(shape: Shape, v: JsonValue, opts: FormatOptions, depth: number): Shape {
  if (v === null) return shape;
  if (shape.kind === 'json') return shape;
  if (typeof v === 'boolean')
    return shape.kind === 'null' || shape.kind === 'boolean' ? { kind: 'boolean' } : { kind: 'json' };
  if (typeof v === 'string' || v instanceof JsonNumber) {
    const kind = typeof v === 'string' ? 'text' : 'number';
    let next = shape;
    if (shape.kind === 'null') next = { kind, col: new TextColumnType(opts.inferDecimals, opts.numbers === 'double') };
    else if (shape.kind !== kind) return { kind: 'json' };
    const text = typeof v === 'string' ? v : v.text;
    const n = utf8Into(text);
    if (n > 0) (next as { col: TextColumnType }).col.observe(scratch, 0, n);
    return next;
  }
  if (Array.isArray(v)) {
    const next: Shape = shape.kind === 'null' ? { kind: 'list', element: { kind: 'null' } } : shape;
    if (next.kind !== 'list') return { kind: 'json' };
    for (const e of v) next.element = observe(next.element, e, opts, depth + 1);
    return next;
  }
  const next: Shape = shape.kind === 'null' ? { kind: 'struct', fields: new Map() } : shape;
  if (next.kind !== 'struct') return { kind: 'json' };
  for (const [k, val] of v) {
    const name = depth === 0 && opts.normalizeColumnNames ? normalizeColumnName(k) : k;
    next.fields.set(name, observe(next.fields.get(name) ?? { kind: 'null' }, val, opts, depth + 1));
  }
  return next;
}

function shapeType(shape: Shape): IcebergType {
  switch (shape.kind) {
    case 'null':
    case 'json':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'text': {
      const t = shape.col.type();
      // A JSON string holding digits stays a string; dates and timestamps are recognised.
      return t === 'date' || t === 'timestamp' || t === 'timestamptz' ? t : 'string';
    }
    case 'number': {
      // A number no numeric type holds exactly (1e400, 40 digits) keeps its digits as a string.
      const t = shape.col.type();
      return t === 'boolean' ? 'double' : t;
    }
    case 'struct':
      return { type: 'struct', fields: structFields(shape.fields) };
    case 'list':
      return { type: 'list', 'element-id': 0, 'element-required': false, element: shapeType(shape.element) };
  }
}

function structFields(fields: Map<string, Shape>): NestedField[] {
  return [...fields].map(([name, s]) => ({ id: 0, name, required: false, type: shapeType(s) }));
}

async function inferJson(
  bytes: AsyncIterable<Uint8Array>,
  fileName: string,
  opts: FormatOptions,
): Promise<NestedField[]> {
  let root: Shape = { kind: 'null' };
  let records = 0;
  // A bad record is a row error (the reader rejects it under `on_error`), so inference skips
  // it; a file of nothing else fails with the first (issue #19).
  let firstRowError: BadInputError | undefined;
  for await (const block of jsonBlocks(bytes, fileName, opts.limits, opts.json.maxDepth)) {
    for (let r = 0; r < block.records; r++) {
      let v: JsonValue;
      try {
        v = parseJsonValue(block.buf, block.starts[r]!, block.ends[r]!);
      } catch (e) {
        firstRowError ??= new BadInputError(
          `invalid JSON: ${(e as Error).message}`,
          { file: fileName, line: block.lines[r] },
          { cause: e },
        );
        continue;
      }
      if (!(v instanceof Map)) {
        firstRowError ??= new BadInputError('record is not a JSON object', { file: fileName, line: block.lines[r] });
        continue;
      }
      root = observe(root, v, opts, 0);
      records++;
      // Distinct keys accumulate across records: stop a file of ever-new keys early.
      if (root.kind === 'struct' && root.fields.size > opts.limits.maxColumns)
        checkColumnCount(root.fields.size, opts.limits.maxColumns, { file: fileName, line: block.lines[r] });
    }
  }
  if (records === 0 && firstRowError) throw firstRowError;
  if (records === 0) throw new BadInputError('empty file: no JSON records', { file: fileName });
  const fields = root.kind === 'struct' ? structFields(root.fields) : [];
  if (fields.length === 0 && opts.json.rawColumn === undefined) {
    // Every record is `{}`: a table without columns cannot hold a row (issue #19).
    throw new BadInputError('no columns: every JSON record is an empty object', { file: fileName });
  }
  const rawColumn = opts.json.rawColumn;
  if (rawColumn !== undefined) {
    if (fields.some((f) => f.name === rawColumn))
      throw new BadInputError(`json.rawColumn "${rawColumn}" collides with a key of the records`, { file: fileName });
    fields.push({ id: 0, name: rawColumn, required: false, type: 'string' });
  }
  if (opts.caseInsensitive || opts.normalizeColumnNames) {
    finalColumnNames(
      fields.map((f) => f.name),
      fileName,
      { caseInsensitive: true },
    );
  }
  return fields;
}
