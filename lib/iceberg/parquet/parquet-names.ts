/**
 * Parquet column names as Iceberg Java writes them: every field name, nested ones included,
 * made Avro-compatible (`TypeToMessageType` calls `AvroSchemaUtil.makeCompatibleName`), so
 * `Breed Name` is stored as `Breed_x20Name`. Iceberg readers match columns by field id; readers
 * that match by name (icebird) look for the Java name. The Iceberg schema keeps the real name.
 */
import * as arrow from 'apache-arrow';
import { avroName } from '../avro-name.js';

const renamed = new WeakMap<arrow.Schema, arrow.Schema>();

/** `batch` with its schema's field names (nested included) made Avro-compatible; the data is shared. */
export function withParquetNames(batch: arrow.RecordBatch): arrow.RecordBatch {
  const schema = parquetSchema(batch.schema);
  if (schema === batch.schema) return batch;
  const data = batch.data.clone(new arrow.Struct(schema.fields));
  return new arrow.RecordBatch(schema, data);
}

/** The schema with Avro-compatible names; the same object when every name already is one. */
export function parquetSchema(schema: arrow.Schema): arrow.Schema {
  let out = renamed.get(schema);
  if (!out) {
    const fields = schema.fields.map(renameField);
    out = fields.every((f, i) => f === schema.fields[i]) ? schema : new arrow.Schema(fields, schema.metadata);
    renamed.set(schema, out);
  }
  return out;
}

function renameField(field: arrow.Field): arrow.Field {
  const name = avroName(field.name);
  const type = renameType(field.type);
  if (name === field.name && type === field.type) return field;
  return new arrow.Field(name, type, field.nullable, field.metadata);
}

function renameType(type: arrow.DataType): arrow.DataType {
  if (arrow.DataType.isStruct(type)) {
    const children = type.children.map(renameField);
    return children.every((c, i) => c === type.children[i]) ? type : new arrow.Struct(children);
  }
  if (arrow.DataType.isList(type)) {
    const child = renameField(type.children[0] as arrow.Field);
    return child === type.children[0] ? type : new arrow.List(child);
  }
  if (arrow.DataType.isMap(type)) {
    const entries = renameField(type.children[0] as arrow.Field);
    return entries === type.children[0] ? type : new arrow.Map_(entries as arrow.Field<arrow.Struct>, type.keysSorted);
  }
  return type;
}
