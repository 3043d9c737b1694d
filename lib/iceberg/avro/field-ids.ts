/**
 * Field-id access to decoded Avro records. Engines disagree on Avro field names (Java < 1.5
 * writes `added_data_files_count`, newer writers `added_files_count`, both with field id 504),
 * so manifests are read by the Iceberg `field-id` attribute of the writer schema
 * (ARCHITECTURE invariant 3; spec: Manifest Lists, Manifests).
 */
import type { AvroSchema } from './container.js';

type AvroObject = { type: string | AvroSchema; [key: string]: unknown };
type AvroField = { name: string; type: AvroSchema; 'field-id'?: number; [key: string]: unknown };

/** Named types of a schema (records, fixed, enums), so references by name can be followed. */
export type AvroNames = Map<string, AvroObject>;

/** Collects every named type of a schema. */
export function collectNames(schema: AvroSchema, names: AvroNames = new Map()): AvroNames {
  if (Array.isArray(schema)) {
    for (const branch of schema) collectNames(branch, names);
  } else if (typeof schema === 'object' && schema !== null) {
    const name = schema.name;
    if (typeof name === 'string' && ['record', 'fixed', 'enum', 'error'].includes(schema.type as string)) {
      names.set(name, schema);
      const ns = schema.namespace;
      if (typeof ns === 'string' && ns) names.set(`${ns}.${name}`, schema);
    }
    if (typeof schema.type === 'object') collectNames(schema.type, names);
    if (Array.isArray(schema.fields)) for (const f of schema.fields as AvroField[]) collectNames(f.type, names);
    if (schema.items !== undefined) collectNames(schema.items as AvroSchema, names);
    if (schema.values !== undefined) collectNames(schema.values as AvroSchema, names);
  }
  return names;
}

/** Resolves a named reference and unwraps `["null", T]` unions to `T`. */
export function concreteType(schema: AvroSchema, names: AvroNames): AvroSchema {
  let t = schema;
  for (;;) {
    if (Array.isArray(t)) {
      const branches = t.filter((b) => b !== 'null');
      if (branches.length !== 1) return t;
      t = branches[0] as AvroSchema;
    } else if (typeof t === 'string' && names.has(t)) {
      t = names.get(t) as AvroObject;
    } else if (typeof t === 'object' && t !== null && typeof t.type === 'object') {
      // `{ "type": { "type": "record", ... } }` wrapping.
      t = t.type;
    } else {
      return t;
    }
  }
}

/** A record type seen through its field ids. */
export class FieldIdRecord {
  private readonly byId = new Map<number, AvroField>();

  constructor(
    readonly schema: AvroObject,
    readonly names: AvroNames,
  ) {
    for (const field of (schema.fields as AvroField[] | undefined) ?? []) {
      const id = field['field-id'];
      if (typeof id === 'number') this.byId.set(id, field);
      else if (typeof id === 'string' && /^\d+$/.test(id)) this.byId.set(Number(id), field);
    }
  }

  /** Wraps the top-level record of a file schema. */
  static of(schema: AvroSchema): FieldIdRecord {
    const names = collectNames(schema);
    const record = concreteType(schema, names);
    if (typeof record !== 'object' || Array.isArray(record) || record.type !== 'record') {
      throw new TypeError('Avro schema is not a record');
    }
    return new FieldIdRecord(record, names);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** The value of field `id` in a decoded record; `undefined` when the writer had no such field. */
  get(record: Record<string, unknown>, id: number): unknown {
    const field = this.byId.get(id);
    if (!field) return undefined;
    const value = record[field.name];
    return value === undefined ? null : value;
  }

  /** The concrete (union-unwrapped) Avro type of field `id`. */
  type(id: number): AvroSchema | undefined {
    const field = this.byId.get(id);
    return field ? concreteType(field.type, this.names) : undefined;
  }

  /** The record type of field `id`, or of its array items (for `array<record>` fields). */
  nested(id: number): FieldIdRecord | undefined {
    let t = this.type(id);
    if (typeof t === 'object' && !Array.isArray(t) && t.type === 'array')
      t = concreteType(t.items as AvroSchema, this.names);
    if (typeof t === 'object' && !Array.isArray(t) && t.type === 'record') return new FieldIdRecord(t, this.names);
    return undefined;
  }

  /** The fields of this record in writer order, with their ids (undefined when absent). */
  fields(): { name: string; id: number | undefined; type: AvroSchema }[] {
    return ((this.schema.fields as AvroField[] | undefined) ?? []).map((f) => ({
      name: f.name,
      id:
        typeof f['field-id'] === 'number'
          ? f['field-id']
          : f['field-id'] !== undefined
            ? Number(f['field-id'])
            : undefined,
      type: concreteType(f.type, this.names),
    }));
  }
}
