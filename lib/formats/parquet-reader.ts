/**
 * Parquet from any writer → Arrow record batches of a target schema. Parquet needs random
 * access (the footer is at the end), so the stream is spooled to a temporary file (Lambda's
 * /tmp) and read one row group at a time through parquet-wasm, never whole. Columns map to the
 * target by Iceberg field id when the file carries `PARQUET:field_id`, otherwise by name.
 * A column whose Arrow type already equals the target's is passed through without copying;
 * others (int→long, float→double, anything→string, …) go through the column builders.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { rawTimestamps } from '../iceberg/arrow-raw.js';
import { fieldIdOf, fromArrowSchema, toArrowSchema } from '../iceberg/arrow-schema.js';
import { avroName } from '../iceberg/avro-name.js';
import { assignFreshIds } from '../iceberg/schema.js';
import type { IcebergType, NestedField, Schema } from '../iceberg/types.js';
import { BadInputError } from './bad-input-error.js';
import { BatchAssembler, mapColumns } from './batch-assembler.js';
import { checkColumnCount } from './caps.js';
import type { ReaderContext } from './csv-reader.js';
import { openParquet, type ParquetHandle } from './parquet-decoder.js';

interface Spooled {
  file: ParquetHandle;
  schema: arrow.Schema;
  /** Column paths (`a`, `s.b`, `l.list.element`) with the Parquet UUID logical type. */
  uuidPaths: Set<string>;
  rowGroups: number;
  cleanup: () => Promise<void>;
}

async function spool(source: AsyncIterable<Uint8Array>, fileName: string, maxColumns?: number): Promise<Spooled> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-parquet-'));
  const path = join(dir, 'input.parquet');
  let file: ParquetHandle | undefined;
  // Every exit removes the spool directory, whatever the decoder did (issue #19).
  const cleanup = async () => {
    await file?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await pipeline(Readable.from(source), createWriteStream(path));
    const fh = await open(path, 'r');
    let tail: Buffer;
    let size: number;
    let uuidPaths = new Set<string>();
    try {
      size = (await fh.stat()).size;
      tail = Buffer.alloc(Math.min(8, size));
      await fh.read(tail, 0, tail.length, Math.max(0, size - 8));
      const headBuf = Buffer.alloc(Math.min(4, size));
      await fh.read(headBuf, 0, headBuf.length, 0);
      if (size < 12 || headBuf.toString('latin1') !== 'PAR1' || tail.subarray(4).toString('latin1') !== 'PAR1') {
        throw new BadInputError(
          'not a Parquet file: missing PAR1 magic at the start or end (truncated or corrupt footer)',
          { file: fileName },
        );
      }
      if (tail.readUInt32LE(0) > size - 12)
        throw new BadInputError('corrupt Parquet footer: footer length beyond the file', { file: fileName });
      const footer = Buffer.alloc(tail.readUInt32LE(0) + 8);
      await fh.read(footer, 0, footer.length, size - footer.length);
      uuidPaths = uuidColumnPaths(footer);
    } finally {
      await fh.close();
    }
    // parquet-wasm runs contained (parquet-decoder.ts): a panic rejects this file only.
    file = await openParquet(path, fileName);
    const rowGroups = file.rowGroups;
    // Before any row group is decoded: wide files cost superlinear time (issue #19).
    if (maxColumns !== undefined) checkColumnCount(file.columns, maxColumns, { file: fileName });
    let schema: arrow.Schema;
    if (rowGroups > 0) schema = (await file.read(0, 0)).schema;
    else schema = (await file.read(undefined, 0)).schema;
    return { file, schema, uuidPaths, rowGroups, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Paths of the columns the footer marks with the UUID logical type. parquet-wasm reads them as
 * plain fixed[16]; Iceberg has a `uuid` type for them (spec: Parquet type mapping).
 */
function uuidColumnPaths(footer: Uint8Array): Set<string> {
  const paths = new Set<string>();
  let elements: ReturnType<typeof parquetMetadata>['schema'];
  try {
    elements = parquetMetadata(new Uint8Array(footer).buffer).schema;
  } catch {
    return paths; // parquet-wasm reports a corrupt footer with its own message
  }
  let i = 1;
  const walk = (prefix: string, count: number) => {
    for (let k = 0; k < count && i < elements.length; k++) {
      const e = elements[i++]!;
      const path = prefix ? `${prefix}.${e.name}` : e.name;
      if (e.num_children) walk(path, e.num_children);
      else if (e.logical_type?.type === 'UUID') paths.add(path);
    }
  };
  walk('', elements[0]?.num_children ?? 0);
  return paths;
}

/** The schema with fixed[16] columns at `uuidPaths` typed `uuid` (lists as `x.list.element`). */
function withUuids(schema: Schema, uuidPaths: Set<string>): Schema {
  if (uuidPaths.size === 0) return schema;
  const retype = (type: IcebergType, path: string): IcebergType => {
    if (type === 'fixed[16]') return uuidPaths.has(path) ? 'uuid' : type;
    if (typeof type === 'string') return type;
    if (type.type === 'struct')
      return { ...type, fields: type.fields.map((f) => ({ ...f, type: retype(f.type, `${path}.${f.name}`) })) };
    if (type.type === 'list') return { ...type, element: retype(type.element, `${path}.list.element`) };
    return {
      ...type,
      key: retype(type.key, `${path}.key_value.key`),
      value: retype(type.value, `${path}.key_value.value`),
    };
  };
  return { ...schema, fields: schema.fields.map((f) => ({ ...f, type: retype(f.type, f.name) })) };
}

/** The Iceberg schema of a Parquet file: its field ids when it has them, else fresh ids. */
export async function parquetFileSchema(
  source: AsyncIterable<Uint8Array>,
  fileName: string,
  maxColumns?: number,
): Promise<Schema> {
  const s = await spool(source, fileName, maxColumns);
  try {
    const hasIds = s.schema.fields.some((f) => fieldIdOf(f) !== undefined);
    const schema = withUuids(fromArrowSchema(s.schema), s.uuidPaths);
    return hasIds ? schema : assignFreshIds(schema).schema;
  } catch (e) {
    if (e instanceof BadInputError) throw e;
    throw new BadInputError(`unsupported Parquet schema: ${(e as Error).message}`, { file: fileName }, { cause: e });
  } finally {
    await s.cleanup();
  }
}

/** Streams a Parquet file as record batches of `ctx.target`. */
export async function* readParquet(
  source: AsyncIterable<Uint8Array>,
  ctx: ReaderContext,
): AsyncGenerator<arrow.RecordBatch> {
  const { fileName, target, options, rowErrors } = ctx;
  const s = await spool(source, fileName, options.limits.maxColumns);
  try {
    const fileFields = s.schema.fields;
    const mapping = mapColumns(
      target,
      fileFields.map((f) => f.name),
      fileName,
      {
        caseInsensitive: options.caseInsensitive,
        hiveColumns: ctx.hiveColumns,
        fileIds: fileFields.map((f) => fieldIdOf(f)),
        sanitizedNames: true,
      },
    );
    const targetArrow = toArrowSchema(target);
    const sourceOf = new Int32Array(target.fields.length).fill(-1);
    mapping.fileToTarget.forEach((t, c) => {
      if (t >= 0) sourceOf[t] = c;
    });
    const constants = new Map(mapping.absent.map((a) => [a.index, a.constant]));
    let rowBase = 0;
    for (let g = 0; g < s.rowGroups; g++) {
      const table = await s.file.read(g);
      for (const batch of table.batches) {
        yield convertBatch(batch, rowBase);
        rowBase += batch.numRows;
      }
    }

    function convertBatch(batch: arrow.RecordBatch, base: number): arrow.RecordBatch {
      // Pass-through when every column exists with an identical type.
      const direct = target.fields.every((_, t) => {
        const c = sourceOf[t]!;
        return (
          c >= 0 && sameType(fileFields[c]!.type, targetArrow.fields[t]!.type) && (fileFields[c]!.nullable || true)
        );
      });
      if (direct) {
        const children = target.fields.map((_, t) => {
          const data = batch.getChildAt(sourceOf[t]!)!.data;
          return data.length === 1
            ? data[0]!.clone(targetArrow.fields[t]!.type)
            : concatData(batch.getChildAt(sourceOf[t]!)!, targetArrow.fields[t]!.type);
        });
        for (let t = 0; t < target.fields.length; t++) {
          if (target.fields[t]!.required && children[t]!.nullCount > 0) {
            rowErrors.reject({
              file: fileName,
              line: base + 1,
              column: target.fields[t]!.name,
              value: '',
              reason: 'null in a required column',
              raw: '',
            });
          }
        }
        const data = arrow.makeData({
          type: new arrow.Struct(targetArrow.fields),
          length: batch.numRows,
          nullCount: 0,
          children,
        });
        return new arrow.RecordBatch(targetArrow, data);
      }
      const asm = new BatchAssembler(
        target,
        fileName,
        options.caseInsensitive,
        options.numbers === 'double',
        rowErrors.zoneAdjusted,
      );
      // Timestamps are read as their raw 64-bit counts: Arrow JS would hand them out as epoch
      // milliseconds and lose the microseconds (issue #18).
      const columns = target.fields.map((_, t) =>
        sourceOf[t]! >= 0 ? new arrow.Vector(batch.getChildAt(sourceOf[t]!)!.data.map(rawTimestamps)) : undefined,
      );
      const fileTypes = target.fields.map((_, t) => (sourceOf[t]! >= 0 ? fileFields[sourceOf[t]!]!.type : undefined));
      for (let i = 0; i < batch.numRows; i++) {
        let ok = true;
        for (let t = 0; t < target.fields.length && ok; t++) {
          const col = columns[t];
          const b = asm.builders[t]!;
          let err: string | null;
          let value: unknown = null;
          if (col) {
            value = toPlain(col.get(i), fileTypes[t]!, target.fields[t]!.type, options.caseInsensitive);
            err = b.appendValue(value);
          } else {
            const constant = constants.get(t);
            err = constant === undefined ? b.appendNull() : b.appendString(constant);
          }
          if (err !== null) {
            asm.rollback();
            rowErrors.reject({
              file: fileName,
              line: base + i + 1,
              column: target.fields[t]!.name,
              value: String(value),
              reason: err,
              raw: '',
            });
            ok = false;
          }
        }
        if (ok) asm.endRow(base + i + 1);
      }
      return asm.flush();
    }
  } finally {
    await s.cleanup();
  }
}

const NANOS_PER_UNIT = [1_000_000_000n, 1_000_000n, 1_000n, 1n];

/** A raw timestamp or time count in `unit` (Arrow TimeUnit: s, ms, µs, ns) as nanoseconds. */
function toNanos(v: unknown, unit: arrow.TimeUnit): bigint {
  return BigInt(v as number | bigint) * NANOS_PER_UNIT[unit]!;
}

/** `YYYY-MM-DDTHH:MM:SS.fffffffff` (UTC) of nanoseconds since the epoch. */
function isoText(nanos: bigint): string {
  let secs = nanos / 1_000_000_000n;
  let frac = nanos - secs * 1_000_000_000n;
  if (frac < 0n) {
    secs -= 1n;
    frac += 1_000_000_000n;
  }
  const whole = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${whole}.${frac.toString().padStart(9, '0')}`;
}

function concatData(vector: arrow.Vector, type: arrow.DataType): arrow.Data {
  // Several chunks in one batch column are rare (parquet-wasm yields one per batch): copy once.
  const joined = arrow.makeVector(vector.data.map((d) => d.clone(type)));
  return new arrow.Vector([joined.data[0]!]).data[0]!;
}

function sameType(a: arrow.DataType, b: arrow.DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (arrow.DataType.isTimestamp(a) && arrow.DataType.isTimestamp(b)) {
    return a.unit === b.unit && Boolean(a.timezone) === Boolean(b.timezone);
  }
  if (a.children?.length || b.children?.length) return false; // nested: rebuilt (ids differ)
  return String(a) === String(b);
}

/**
 * Arrow JS values to what the column builders take (text for dates, times and decimals). Nested
 * values are rebuilt against the target type: struct children are matched by field id when the
 * file has ids, else by name or by its Avro-sanitized form (`zip-code` → `zip_x2Dcode`, as Java
 * and floe name Parquet columns), and keyed by the target's names for the struct builder.
 */
function toPlain(v: unknown, type: arrow.DataType, target: IcebergType, caseInsensitive: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (arrow.DataType.isDate(type)) return new Date(Number(v)).toISOString().slice(0, 10);
  // Raw counts (see rawTimestamps) as ISO-8601 text with every digit: the column builder keeps
  // them exactly or rejects a value finer than the column's unit, never truncates it.
  if (arrow.DataType.isTimestamp(type)) {
    const t = type as arrow.Timestamp;
    return `${isoText(toNanos(v, t.unit))}${t.timezone ? 'Z' : ''}`;
  }
  if (arrow.DataType.isTime(type)) return isoText(toNanos(v, (type as arrow.Time).unit)).slice(11);
  if (arrow.DataType.isDecimal(type)) return scaledDecimal(String(v), (type as arrow.Decimal).scale);
  if (typeof target === 'string') {
    const nested = arrow.DataType.isStruct(type) || arrow.DataType.isList(type) || arrow.DataType.isMap(type);
    return nested ? toJsonLike(v) : v;
  }
  if (target.type === 'struct' && arrow.DataType.isStruct(type)) {
    const row = v as Record<string, unknown>;
    const fileFields = (type as arrow.Struct).children;
    const out = new Map<string, unknown>();
    for (const field of target.fields) {
      const source = matchStructChild(fileFields, field, caseInsensitive);
      out.set(field.name, source ? toPlain(row[source.name], source.type, field.type, caseInsensitive) : null);
    }
    return out;
  }
  if (target.type === 'list' && arrow.DataType.isList(type)) {
    const elementType = (type as arrow.List).children[0]!.type;
    return [...(v as Iterable<unknown>)].map((x) => toPlain(x, elementType, target.element, caseInsensitive));
  }
  if (target.type === 'map' && arrow.DataType.isMap(type)) {
    const [keyField, valueField] = (type as arrow.Map_).children[0]!.type.children as arrow.Field[];
    const out = new Map<string, unknown>();
    for (const [k, x] of v as Iterable<[unknown, unknown]>) {
      out.set(
        String(toPlain(k, keyField!.type, target.key, caseInsensitive)),
        toPlain(x, valueField!.type, target.value, caseInsensitive),
      );
    }
    return out;
  }
  return toJsonLike(v);
}

/** The file's struct child for a target field: by field id when the file has ids, else by name. */
function matchStructChild(
  fileFields: arrow.Field[],
  field: NestedField,
  caseInsensitive: boolean,
): arrow.Field | undefined {
  if (fileFields.some((f) => fieldIdOf(f) !== undefined)) return fileFields.find((f) => fieldIdOf(f) === field.id);
  const key = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const names = [key(field.name), key(avroName(field.name))];
  return fileFields.find((f) => key(f.name) === names[0]) ?? fileFields.find((f) => key(f.name) === names[1]);
}

function toJsonLike(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    const j = (v as { toJSON(): unknown }).toJSON();
    if (Array.isArray(j)) return j.map(toJsonLike);
    if (j && typeof j === 'object') return new Map(Object.entries(j).map(([k, x]) => [k, toJsonLike(x)]));
    return j;
  }
  if (Array.isArray(v)) return v.map(toJsonLike);
  return v;
}

/** Arrow JS prints a decimal's unscaled integer; put the point back (`25`, scale 2 → `0.25`). */
function scaledDecimal(unscaled: string, scale: number): string {
  if (scale === 0) return unscaled;
  const neg = unscaled.startsWith('-');
  const digits = (neg ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
