/**
 * `floe scan --where col=value`: equality predicates, used twice. First to prune data files by
 * partition value (the predicate's value is put through the partition field's transform and
 * compared with each file's partition tuple, spec: Scan Planning), then to filter the rows read.
 */

import { BIG, bigResult, FAIL, parseDate, parseTimestamp } from '../formats/scalar-parse.js';
import { applyTransform, parseTransform } from '../iceberg/partition.js';
import { isPrimitive, parsePrimitive } from '../iceberg/schema.js';
import type { Literal, PartitionSpec, PrimitiveType, Schema } from '../iceberg/types.js';
import { cellText } from './tabular-output.js';

/** One `col=value` predicate, resolved against the table schema. */
export interface EqualityPredicate {
  column: string;
  fieldId: number;
  type: PrimitiveType;
  text: string;
  /** The value in Iceberg's internal representation, when it parses as the column's type. */
  literal?: Literal;
}

/** Raised for a `--where` that names no column or is not `col=value`. */
export class ScanFilterError extends Error {
  override name = 'ScanFilterError';
}

/** Parses `col=value` predicates against the schema's top-level primitive columns. */
export function parsePredicates(where: string[], schema: Schema): EqualityPredicate[] {
  return where.map((clause) => {
    const eq = clause.indexOf('=');
    if (eq <= 0) throw new ScanFilterError(`--where "${clause}": expected column=value`);
    const column = clause.slice(0, eq).trim();
    const text = clause.slice(eq + 1);
    const field = schema.fields.find((f) => f.name === column);
    if (!field) throw new ScanFilterError(`--where "${clause}": no column "${column}" in the table`);
    if (!isPrimitive(field.type))
      throw new ScanFilterError(`--where "${clause}": "${column}" is not a primitive column`);
    return { column, fieldId: field.id, type: field.type, text, literal: parseLiteral(field.type, text) };
  });
}

/** Text to the Iceberg internal representation of `type`; undefined when it does not parse. */
export function parseLiteral(type: PrimitiveType, text: string): Literal | undefined {
  const kind = parsePrimitive(type).kind;
  const bytes = new TextEncoder().encode(text);
  switch (kind) {
    case 'string':
    case 'uuid':
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'int':
      return /^-?\d+$/.test(text) ? Number(text) : undefined;
    case 'long':
      return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
    case 'float':
    case 'double':
      return text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : undefined;
    case 'date': {
      const days = parseDate(bytes, 0, bytes.length);
      return Number.isNaN(days) ? undefined : days;
    }
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const units = kind.endsWith('_ns') ? 1_000_000_000 : 1_000_000;
      const value = parseTimestamp(bytes, 0, bytes.length, units);
      if (value === BIG) return bigResult.value;
      return Number.isNaN(value) || value === FAIL ? undefined : BigInt(value);
    }
    default:
      return undefined;
  }
}

function sameLiteral(a: Literal, b: Literal): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return cellText(a) === cellText(b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    try {
      return BigInt(a as number | bigint) === BigInt(b as number | bigint);
    } catch {
      return false;
    }
  }
  return a === b;
}

/**
 * Whether a data file may hold rows matching every predicate, judged by its partition tuple.
 * Fields whose transform floe cannot evaluate, or predicates that did not parse, never prune.
 */
export function mayMatchPartition(
  partition: Literal[],
  spec: PartitionSpec | undefined,
  predicates: EqualityPredicate[],
): boolean {
  if (!spec) return true;
  for (const predicate of predicates) {
    if (predicate.literal === undefined) continue;
    for (const [index, field] of spec.fields.entries()) {
      if (field['source-id'] !== predicate.fieldId) continue;
      let expected: Literal;
      try {
        const transform = parseTransform(field.transform);
        if (transform.type === 'void' || transform.type === 'unknown') continue;
        expected = applyTransform(transform, predicate.type, predicate.literal);
      } catch {
        continue;
      }
      const actual = partition[index];
      if (actual === undefined) continue;
      if (actual === null || !sameLiteral(actual, expected)) return false;
    }
  }
  return true;
}

/** Whether a row (as read from Parquet) matches every predicate. */
export function rowMatches(row: Record<string, unknown>, predicates: EqualityPredicate[]): boolean {
  return predicates.every((p) => {
    const value = row[p.column];
    if (value === null || value === undefined) return false;
    if (cellText(value) === p.text) return true;
    if (typeof value === 'string' && p.literal !== undefined && p.literal !== null && typeof p.literal !== 'string') {
      // Dates and timestamps come back as ISO text: compare them in the column's type.
      const zoned = /(Z|[+-]\d\d:\d\d)$/.test(value);
      const parsed = parseLiteral(p.type, zoned || !kind(p.type).endsWith('tz') ? value : `${value}Z`);
      return parsed !== undefined && parsed !== null && sameLiteral(parsed, p.literal);
    }
    if (p.literal === undefined || p.literal === null) return false;
    if (value instanceof Date) {
      // Arrow gives dates and timestamps as Date: compare in the literal's unit.
      const ms = value.getTime();
      const kind = parsePrimitive(p.type).kind;
      if (kind === 'date') return ms === Number(p.literal) * 86_400_000;
      return BigInt(ms) * 1000n === BigInt(p.literal as bigint) / (kind.endsWith('_ns') ? 1000n : 1n);
    }
    if (typeof value === 'number' && kind(p.type) === 'date')
      return value === Number(p.literal) * 86_400_000 || value === p.literal;
    return sameLiteral(value as Literal, p.literal);
  });
}

function kind(type: PrimitiveType): string {
  return parsePrimitive(type).kind;
}
