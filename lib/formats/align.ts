/**
 * Aligning a file's columns to an existing table (ARCHITECTURE invariant 5). Columns match by
 * name (optionally ignoring case). Per the route's policy, a column the table lacks is added as
 * an optional column (`evolve`), rejects the file (`strict`) or is dropped (`ignore-extra`).
 * Under `evolve` a column whose file type is wider than the table's is widened where Iceberg
 * allows it (int→long, float→double, decimal precision up; spec: Schema Evolution). Any other
 * type difference keeps the table's type: values that do not fit become row errors naming line
 * and column, so `on_error: continue` can still keep the good rows.
 */
import { addColumns, canPromote, highestFieldId, isPrimitive, promoteColumn } from '../iceberg/schema.js';
import type { IcebergType, NestedField, PrimitiveType, Schema } from '../iceberg/types.js';
import { BadInputError } from './bad-input-error.js';
import { checkSchemaNames } from './column-names.js';

export type AlignPolicy = 'evolve' | 'strict' | 'ignore-extra';

export interface AlignOptions {
  caseInsensitive?: boolean;
  /** The table's `last-column-id` (new ids go above it); default the highest id in the schema. */
  lastColumnId?: number;
  /** For error reports. */
  fileName?: string;
  /** Columns filled from the object key (hive `key=value`): they count as present. */
  hiveColumns?: Record<string, string>;
}

export interface Alignment {
  /** The schema to write with: the table's, or the evolved one (schema-id + 1) to commit first. */
  schema: Schema;
  evolved: boolean;
  /** Columns added (with their fresh ids). */
  newColumns: NestedField[];
  /** Columns widened. */
  promotions: { column: string; fieldId: number; from: IcebergType; to: IcebergType }[];
  /** `last-column-id` after the change. */
  lastColumnId: number;
}

/**
 * Aligns the file's columns (an inferred schema, or its fields) to the table schema under
 * `policy`. Throws `BadInputError` for a required table column the file lacks, and under
 * `strict` for a column the table lacks.
 */
export function alignToTable(
  tableSchema: Schema,
  fileColumns: Schema | readonly NestedField[],
  policy: AlignPolicy,
  opts: AlignOptions = {},
): Alignment {
  const file = opts.fileName ?? '(file)';
  const fields = Array.isArray(fileColumns) ? (fileColumns as NestedField[]) : (fileColumns as Schema).fields;
  const key = (s: string) => (opts.caseInsensitive ? s.toLowerCase() : s);
  const tableByName = new Map(tableSchema.fields.map((f) => [key(f.name), f]));
  let lastColumnId = opts.lastColumnId ?? highestFieldId(tableSchema);
  let schema = tableSchema;
  const added: { name: string; type: IcebergType }[] = [];
  const promotions: Alignment['promotions'] = [];
  const present = new Set<string>(Object.keys(opts.hiveColumns ?? {}).map(key));
  for (const col of fields) {
    present.add(key(col.name));
    const existing = tableByName.get(key(col.name));
    if (!existing) {
      if (policy === 'strict') {
        throw new BadInputError(`column "${col.name}" is not in the table (route schema policy: strict)`, {
          file,
          column: col.name,
        });
      }
      if (policy === 'evolve') added.push({ name: col.name, type: col.type });
      continue;
    }
    if (policy === 'evolve' && isPrimitive(col.type) && isPrimitive(existing.type) && col.type !== existing.type) {
      if (canPromote(existing.type, col.type)) {
        schema = promoteColumn(schema, existing.id, col.type as PrimitiveType, {
          schemaId: tableSchema['schema-id'] + 1,
        });
        promotions.push({ column: existing.name, fieldId: existing.id, from: existing.type, to: col.type });
      }
    }
  }
  for (const f of tableSchema.fields) {
    if (f.required && !present.has(key(f.name))) {
      throw new BadInputError(`missing required column "${f.name}"`, { file, column: f.name });
    }
  }
  const newColumns: NestedField[] = [];
  if (added.length > 0) {
    const r = addColumns(schema, added, lastColumnId, {
      schemaId: tableSchema['schema-id'] + 1,
      caseInsensitive: opts.caseInsensitive,
    });
    schema = r.schema;
    lastColumnId = r.lastColumnId;
    newColumns.push(...schema.fields.slice(schema.fields.length - added.length));
    // A new `Id` beside the table's `id`, or a new `a.b` beside struct `a`'s `b` (issue #19).
    checkSchemaNames(schema.fields, { file }, new Set(newColumns.flatMap((c) => fieldIds(c))));
  }
  const evolved = newColumns.length > 0 || promotions.length > 0;
  return { schema, evolved, newColumns, promotions, lastColumnId };
}

/** A field's id and the ids of everything nested in it. */
function fieldIds(field: NestedField): number[] {
  const ids = [field.id];
  const visit = (t: IcebergType): void => {
    if (typeof t === 'string') return;
    if (t.type === 'struct') for (const f of t.fields) ids.push(...fieldIds(f));
    else if (t.type === 'list') {
      ids.push(t['element-id']);
      visit(t.element);
    } else {
      ids.push(t['key-id'], t['value-id']);
      visit(t.key);
      visit(t.value);
    }
  };
  visit(field.type);
  return ids;
}
