/**
 * Schemas: primitive type parsing, field lookup and the schema evolution floe allows
 * (ARCHITECTURE invariant 5): add optional columns with fresh ids, widen int→long, float→double
 * and decimal precision (spec: Schema Evolution, "Valid type promotions").
 */
import type { IcebergType, ListType, MapType, NestedField, PrimitiveType, Schema, StructType } from './types.js';

/** Primitive types whose name is the whole type (no parameters). */
const SIMPLE_KINDS = [
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'binary',
  'unknown',
  'variant',
] as const;
const SIMPLE: ReadonlySet<string> = new Set(SIMPLE_KINDS);

/** A primitive type in structured form; `decimal` and `fixed` carry their parameters. */
export type ParsedPrimitive =
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'fixed'; length: number }
  | { kind: (typeof SIMPLE_KINDS)[number] | 'geometry' | 'geography' };

/** Raised for a type string that is not an Iceberg primitive. */
export class InvalidTypeError extends Error {
  override name = 'InvalidTypeError';
  constructor(
    readonly type: unknown,
    options?: { cause?: unknown },
  ) {
    super(`not an Iceberg type: ${JSON.stringify(type)}`, options);
  }
}

/** Raised when a schema change is not allowed (spec: Schema Evolution). */
export class SchemaEvolutionError extends Error {
  override name = 'SchemaEvolutionError';
}

/** Parses a primitive type string (`"decimal(9, 2)"`, `"fixed[16]"`, `"long"`) into structured form. */
export function parsePrimitive(type: PrimitiveType): ParsedPrimitive {
  const text = String(type).trim();
  if (SIMPLE.has(text)) return { kind: text as (typeof SIMPLE_KINDS)[number] };
  const decimal = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(text);
  if (decimal) return { kind: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const fixed = /^fixed\s*\[\s*(\d+)\s*\]$/.exec(text);
  if (fixed) return { kind: 'fixed', length: Number(fixed[1]) };
  // v3 geospatial types carry optional parameters: geometry(crs), geography(crs, algorithm).
  if (/^geometry(\s*\(.*\))?$/.test(text)) return { kind: 'geometry' };
  if (/^geography(\s*\(.*\))?$/.test(text)) return { kind: 'geography' };
  throw new InvalidTypeError(type);
}

/** Writes a structured primitive back in the spec's JSON spelling (`decimal(P,S)`, `fixed[L]`). */
export function formatPrimitive(type: ParsedPrimitive): PrimitiveType {
  if (type.kind === 'decimal') return `decimal(${type.precision},${type.scale})`;
  if (type.kind === 'fixed') return `fixed[${type.length}]`;
  return type.kind;
}

/** True when `type` is a primitive (a JSON string), not a struct, list or map. */
export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return typeof type === 'string';
}

/** Walks every field of a type, depth first; list elements and map keys/values appear as fields named `element`, `key`, `value` (as Java's index does). */
export function* walkFields(type: IcebergType): Generator<NestedField> {
  if (isPrimitive(type)) return;
  if (type.type === 'struct') {
    for (const field of type.fields) {
      yield field;
      yield* walkFields(field.type);
    }
  } else if (type.type === 'list') {
    const element: NestedField = {
      id: type['element-id'],
      name: 'element',
      required: type['element-required'],
      type: type.element,
    };
    yield element;
    yield* walkFields(type.element);
  } else if (type.type === 'map') {
    yield { id: type['key-id'], name: 'key', required: true, type: type.key };
    yield* walkFields(type.key);
    yield { id: type['value-id'], name: 'value', required: type['value-required'], type: type.value };
    yield* walkFields(type.value);
  }
}

/** Indexes every field of a schema by id, nested fields, list elements and map keys/values included. */
export function indexFields(schema: StructType): Map<number, NestedField> {
  const index = new Map<number, NestedField>();
  for (const field of walkFields(schema)) index.set(field.id, field);
  return index;
}

/** The highest field id used anywhere in a type (0 for none). */
export function highestFieldId(type: IcebergType): number {
  let max = 0;
  for (const field of walkFields(type)) max = Math.max(max, field.id);
  return max;
}

/**
 * Finds a column by name: a top-level name first (names may contain dots), then a dotted path
 * through structs (`address.city`).
 */
export function findColumn(
  schema: StructType,
  name: string,
  options: { caseInsensitive?: boolean } = {},
): NestedField | undefined {
  const same = options.caseInsensitive
    ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
    : (a: string, b: string) => a === b;
  const direct = schema.fields.find((f) => same(f.name, name));
  if (direct) return direct;
  const parts = name.split('.');
  let struct: StructType | undefined = schema;
  let found: NestedField | undefined;
  for (const part of parts) {
    if (!struct) return undefined;
    found = struct.fields.find((f) => same(f.name, part));
    if (!found) return undefined;
    struct = !isPrimitive(found.type) && found.type.type === 'struct' ? found.type : undefined;
  }
  return found;
}

/**
 * True when a column of type `from` may be changed to `to` in place: equal types, int→long,
 * float→double, decimal(P,S)→decimal(P',S) with P' ≥ P (spec: Schema Evolution).
 */
export function canPromote(from: IcebergType, to: IcebergType): boolean {
  if (!isPrimitive(from) || !isPrimitive(to)) return false;
  const a = parsePrimitive(from);
  const b = parsePrimitive(to);
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.scale === b.scale && b.precision >= a.precision;
  if (a.kind === 'fixed' && b.kind === 'fixed') return a.length === b.length;
  if (a.kind === b.kind) return true;
  return (a.kind === 'int' && b.kind === 'long') || (a.kind === 'float' && b.kind === 'double');
}

/** A column to add: the type may be nested; its ids are assigned by {@link addColumns}. */
export interface NewColumn {
  name: string;
  type: IcebergType;
  doc?: string;
}

/**
 * Adds optional top-level columns, assigning fresh ids above `lastColumnId` (nested ids too), and
 * returns a new schema with `schema-id` = `options.schemaId` (default: the old id + 1).
 * Throws {@link SchemaEvolutionError} when a name is already taken.
 */
export function addColumns(
  schema: Schema,
  columns: NewColumn[],
  lastColumnId: number,
  options: { schemaId?: number; caseInsensitive?: boolean } = {},
): { schema: Schema; lastColumnId: number } {
  const counter = { next: lastColumnId };
  const fields = [...schema.fields];
  for (const column of columns) {
    const taken = fields.some((f) =>
      options.caseInsensitive ? f.name.toLowerCase() === column.name.toLowerCase() : f.name === column.name,
    );
    if (taken) throw new SchemaEvolutionError(`cannot add column "${column.name}": a column of that name exists`);
    const id = ++counter.next;
    const field: NestedField = { id, name: column.name, required: false, type: renumber(column.type, counter) };
    if (column.doc !== undefined) field.doc = column.doc;
    fields.push(field);
  }
  return {
    schema: { ...schema, 'schema-id': options.schemaId ?? schema['schema-id'] + 1, fields },
    lastColumnId: counter.next,
  };
}

/**
 * Widens the type of the column with `fieldId` (nested allowed) to `to`, returning a new schema
 * with `schema-id` = `options.schemaId` (default: the old id + 1). Throws
 * {@link SchemaEvolutionError} when {@link canPromote} says no.
 */
export function promoteColumn(
  schema: Schema,
  fieldId: number,
  to: PrimitiveType,
  options: { schemaId?: number } = {},
): Schema {
  const field = indexFields(schema).get(fieldId);
  if (!field) throw new SchemaEvolutionError(`cannot promote field ${fieldId}: no such field`);
  if (!canPromote(field.type, to)) {
    throw new SchemaEvolutionError(
      `cannot change column "${field.name}" from ${describe(field.type)} to ${to}: only int→long, float→double and decimal precision increases are allowed`,
    );
  }
  const replaced = replaceType(schema, fieldId, to) as StructType;
  return { ...schema, 'schema-id': options.schemaId ?? schema['schema-id'] + 1, fields: replaced.fields };
}

/**
 * Assigns fresh ids to every field of a schema, 1, 2, … in Java's order (each struct's own fields
 * first, then their children), as a catalog does on table creation; `identifier-field-ids` follow.
 */
export function assignFreshIds(
  schema: Schema | StructType,
  lastColumnId = 0,
): { schema: Schema; lastColumnId: number } {
  const counter = { next: lastColumnId };
  const mapping = new Map<number, number>();
  const struct = renumber({ type: 'struct', fields: schema.fields }, counter, mapping) as StructType;
  const source = schema as Partial<Schema>;
  const result: Schema = { type: 'struct', 'schema-id': 0, fields: struct.fields };
  const identifiers = source['identifier-field-ids'];
  if (identifiers && identifiers.length > 0) {
    result['identifier-field-ids'] = identifiers.map((id) => {
      const fresh = mapping.get(id);
      if (fresh === undefined) throw new SchemaEvolutionError(`identifier field ${id} is not in the schema`);
      return fresh;
    });
  }
  return { schema: result, lastColumnId: counter.next };
}

function renumber(type: IcebergType, counter: { next: number }, mapping?: Map<number, number>): IcebergType {
  if (isPrimitive(type)) return type;
  if (type.type === 'struct') {
    const ids = type.fields.map((f) => {
      const id = ++counter.next;
      mapping?.set(f.id, id);
      return id;
    });
    return {
      type: 'struct',
      fields: type.fields.map((f, i) => ({ ...f, id: ids[i]!, type: renumber(f.type, counter, mapping) })),
    };
  }
  if (type.type === 'list') {
    const id = ++counter.next;
    mapping?.set(type['element-id'], id);
    return { ...type, 'element-id': id, element: renumber(type.element, counter, mapping) } satisfies ListType;
  }
  const keyId = ++counter.next;
  const valueId = ++counter.next;
  mapping?.set(type['key-id'], keyId);
  mapping?.set(type['value-id'], valueId);
  return {
    ...type,
    'key-id': keyId,
    'value-id': valueId,
    key: renumber(type.key, counter, mapping),
    value: renumber(type.value, counter, mapping),
  } satisfies MapType;
}

function replaceType(type: IcebergType, fieldId: number, to: IcebergType): IcebergType {
  if (isPrimitive(type)) return type;
  if (type.type === 'struct') {
    return {
      ...type,
      fields: type.fields.map((f) =>
        f.id === fieldId ? { ...f, type: to } : { ...f, type: replaceType(f.type, fieldId, to) },
      ),
    };
  }
  if (type.type === 'list') {
    return { ...type, element: type['element-id'] === fieldId ? to : replaceType(type.element, fieldId, to) };
  }
  return { ...type, value: type['value-id'] === fieldId ? to : replaceType(type.value, fieldId, to) };
}

function describe(type: IcebergType): string {
  return isPrimitive(type) ? type : type.type;
}
