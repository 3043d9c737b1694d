/**
 * Reads an Iceberg Parquet data file into rows for `floe scan`, resolving columns by Iceberg
 * field id (`PARQUET:field_id`, spec Appendix A) and falling back to the name, so a renamed or
 * later-added column reads right: a column the file lacks is null (spec: Schema Evolution,
 * "columns not present in a data file are read as null" / `initial-default`).
 */
import { type Field, type Table, tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { Schema } from '../iceberg/types.js';

/** Decodes Parquet bytes to an Arrow table (parquet-wasm, a runtime dependency). */
export function readParquetTable(bytes: Uint8Array): Table {
  const wasmTable = readParquet(bytes);
  return tableFromIPC(wasmTable.intoIPCStream());
}

function fieldId(field: Field): number | undefined {
  const raw = field.metadata.get('PARQUET:field_id');
  return raw === undefined ? undefined : Number(raw);
}

/** Plain JS value of an Arrow cell: structs and lists become objects and arrays. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  const asJson = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof asJson === 'function') {
    const json = asJson.call(value);
    if (Array.isArray(json)) return json.map(plain);
    if (json && typeof json === 'object') {
      return Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, plain(v)]));
    }
    return json;
  }
  return value;
}

/**
 * Reads rows projected onto the table schema's top-level columns (by field id, then by name).
 * `limit` stops early.
 */
export function readParquetRows(
  bytes: Uint8Array,
  schema: Schema,
  limit = Number.POSITIVE_INFINITY,
): Record<string, unknown>[] {
  const table = readParquetTable(bytes);
  const byId = new Map<number, number>();
  const byName = new Map<string, number>();
  table.schema.fields.forEach((field, index) => {
    const id = fieldId(field);
    if (id !== undefined) byId.set(id, index);
    byName.set(field.name, index);
  });
  const columns = schema.fields.map((field) => {
    const index = byId.size > 0 ? byId.get(field.id) : byName.get(field.name);
    return { name: field.name, type: field.type, vector: index === undefined ? undefined : table.getChildAt(index) };
  });
  const rows: Record<string, unknown>[] = [];
  const count = Math.min(table.numRows, limit);
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (const column of columns) {
      row[column.name] = column.vector ? temporal(column.type, plain(column.vector.get(i))) : null;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Arrow hands dates and timestamps over as epoch milliseconds; show them as ISO-8601 text, in
 * UTC for `timestamptz` (spec: Primitive Types) and without a zone for `timestamp`.
 */
function temporal(type: unknown, value: unknown): unknown {
  if (typeof type !== 'string' || value === null) return value;
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'bigint'
          ? Number(value)
          : undefined;
  if (ms === undefined || !Number.isFinite(ms)) return value;
  if (type === 'date') return new Date(ms).toISOString().slice(0, 10);
  if (type === 'timestamptz' || type === 'timestamptz_ns') return new Date(ms).toISOString();
  if (type === 'timestamp' || type === 'timestamp_ns') return new Date(ms).toISOString().slice(0, -1);
  return value;
}
