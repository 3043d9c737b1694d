/**
 * Reads an Iceberg Parquet data file into rows for `floe scan`, resolving columns by Iceberg
 * field id (`PARQUET:field_id`, spec Appendix A) and falling back to the name, so a renamed or
 * later-added column reads right: a column the file lacks is null (spec: Schema Evolution,
 * "columns not present in a data file are read as null" / `initial-default`).
 */
import { type Field, type Table, tableFromIPC, Vector } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { rawTimestamps } from '../iceberg/arrow-raw.js';
import { singleValueJson } from '../iceberg/single-value.js';
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

/**
 * Reads rows projected onto the table schema's top-level columns (by field id, then by name),
 * values in Iceberg's single-value JSON form (single-value.ts). `limit` stops early.
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
    const vector = index === undefined ? undefined : table.getChildAt(index);
    return { name: field.name, type: field.type, vector: vector && new Vector(vector.data.map(rawTimestamps)) };
  });
  const rows: Record<string, unknown>[] = [];
  const count = Math.min(table.numRows, limit);
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (const column of columns) {
      row[column.name] = column.vector ? singleValueJson(column.vector.get(i), column.type) : null;
    }
    rows.push(row);
  }
  return rows;
}
