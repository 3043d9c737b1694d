/**
 * The Avro schemas Iceberg Java writes for manifest lists (`manifest_file`) and manifests
 * (`manifest_entry`), per format version, with a `field-id` on every field (spec: Manifest
 * Lists, Manifests; Avro type mapping in Appendix A). Record names follow Java (`r2`, `r102`,
 * `r508`, `k117_v118`) so files look like every other engine's.
 */
import { avroName } from '../avro-name.js';
import { transformResultType } from '../partition.js';
import { parsePrimitive } from '../schema.js';
import type { IcebergType, PartitionSpec, PrimitiveType, Schema } from '../types.js';
import type { AvroSchema } from './container.js';

type Field = { name: string; type: AvroSchema; 'field-id': number; doc?: string; default?: null };

const opt = (type: AvroSchema): AvroSchema => ['null', type];

function field(id: number, name: string, type: AvroSchema, doc?: string): Field {
  return doc === undefined ? { name, type, 'field-id': id } : { name, type, doc, 'field-id': id };
}

function optional(id: number, name: string, type: AvroSchema, doc?: string): Field {
  return { ...field(id, name, opt(type), doc), default: null };
}

function intMap(id: number, name: string, keyId: number, valueId: number, valueType: AvroSchema, doc: string): Field {
  return optional(
    id,
    name,
    {
      type: 'array',
      items: {
        type: 'record',
        name: `k${keyId}_v${valueId}`,
        fields: [field(keyId, 'key', 'int'), field(valueId, 'value', valueType)],
      },
      logicalType: 'map',
    },
    doc,
  );
}

/** `manifest_file` for a format version (v1 nullable counts; v2 content and sequence numbers; v3 first_row_id). */
export function manifestListSchema(formatVersion: number): AvroSchema {
  const partitions = optional(
    507,
    'partitions',
    {
      type: 'array',
      items: {
        type: 'record',
        name: 'r508',
        fields: [
          field(509, 'contains_null', 'boolean', 'True if any file has a null partition value'),
          optional(518, 'contains_nan', 'boolean', 'True if any file has a nan partition value'),
          optional(510, 'lower_bound', 'bytes', 'Partition lower bound for all files'),
          optional(511, 'upper_bound', 'bytes', 'Partition upper bound for all files'),
        ],
      },
      'element-id': 508,
    },
    'Summary for each partition',
  );
  const keyMetadata = optional(519, 'key_metadata', 'bytes', 'Encryption key metadata blob');
  const head = [
    field(500, 'manifest_path', 'string', 'Location URI with FS scheme'),
    field(501, 'manifest_length', 'long', 'Total file size in bytes'),
    field(502, 'partition_spec_id', 'int', 'Spec ID used to write'),
  ];
  if (formatVersion === 1) {
    return {
      type: 'record',
      name: 'manifest_file',
      fields: [
        ...head,
        field(503, 'added_snapshot_id', 'long', 'Snapshot ID that added the manifest'),
        optional(504, 'added_files_count', 'int', 'Added entry count'),
        optional(505, 'existing_files_count', 'int', 'Existing entry count'),
        optional(506, 'deleted_files_count', 'int', 'Deleted entry count'),
        optional(512, 'added_rows_count', 'long', 'Added rows count'),
        optional(513, 'existing_rows_count', 'long', 'Existing rows count'),
        optional(514, 'deleted_rows_count', 'long', 'Deleted rows count'),
        partitions,
        keyMetadata,
      ],
    };
  }
  const fields: Field[] = [
    ...head,
    field(517, 'content', 'int', 'Contents of the manifest: 0=data, 1=deletes'),
    field(515, 'sequence_number', 'long', 'Sequence number when the manifest was added'),
    field(516, 'min_sequence_number', 'long', 'Lowest sequence number in the manifest'),
    field(503, 'added_snapshot_id', 'long', 'Snapshot ID that added the manifest'),
    field(504, 'added_files_count', 'int', 'Added entry count'),
    field(505, 'existing_files_count', 'int', 'Existing entry count'),
    field(506, 'deleted_files_count', 'int', 'Deleted entry count'),
    field(512, 'added_rows_count', 'long', 'Added rows count'),
    field(513, 'existing_rows_count', 'long', 'Existing rows count'),
    field(514, 'deleted_rows_count', 'long', 'Deleted rows count'),
    partitions,
    keyMetadata,
  ];
  if (formatVersion >= 3)
    fields.push(optional(520, 'first_row_id', 'long', 'Starting row ID to assign to new rows in ADDED data files'));
  return { type: 'record', name: 'manifest_file', fields };
}

/** Raised for a partition field floe cannot type. */
export class UnsupportedTransformError extends Error {
  override name = 'UnsupportedTransformError';
}

/** The primitive result type of each field of a spec, in spec order. */
export function partitionTypes(spec: PartitionSpec, schema: Schema): PrimitiveType[] {
  return spec.fields.map((pf) => {
    const source = findFieldType(schema, pf['source-id']);
    if (source === undefined) {
      // A dropped source column keeps its partition field; only void can apply to it sensibly.
      if (pf.transform === 'void') return 'int';
      throw new UnsupportedTransformError(`partition field ${pf.name}: source column ${pf['source-id']} not in schema`);
    }
    return transformResultType(pf.transform, source);
  });
}

function findFieldType(type: IcebergType, id: number): IcebergType | undefined {
  if (typeof type === 'string') return undefined;
  if (type.type === 'struct') {
    for (const f of type.fields) {
      if (f.id === id) return f.type;
      const inner = findFieldType(f.type, id);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (type.type === 'list') return type['element-id'] === id ? type.element : findFieldType(type.element, id);
  if (type['key-id'] === id) return type.key;
  if (type['value-id'] === id) return type.value;
  return findFieldType(type.key, id) ?? findFieldType(type.value, id);
}

/** Bytes of the smallest two's-complement integer that holds `precision` decimal digits. */
export function decimalRequiredBytes(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) <= 10n ** BigInt(precision)) bytes++;
  return bytes;
}

/** The Avro type of an Iceberg primitive (spec Appendix A); named types are suffixed by field id to stay unique. */
export function avroPrimitive(type: PrimitiveType, fieldId: number): AvroSchema {
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return p.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'timestamp_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': false };
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': true };
    case 'uuid':
      return { type: 'fixed', name: `uuid_fixed_${fieldId}`, size: 16, logicalType: 'uuid' };
    case 'fixed':
      return { type: 'fixed', name: `fixed_${p.length}_${fieldId}`, size: p.length };
    case 'decimal':
      return {
        type: 'fixed',
        name: `decimal_${p.precision}_${p.scale}_${fieldId}`,
        size: decimalRequiredBytes(p.precision),
        logicalType: 'decimal',
        precision: p.precision,
        scale: p.scale,
      };
    default:
      throw new UnsupportedTransformError(`type ${type} cannot be a partition value`);
  }
}

/** The `r102` partition record of a spec: one optional field per partition field, named and numbered as in the spec. */
export function partitionRecordSchema(spec: PartitionSpec, schema: Schema): AvroSchema {
  const types = partitionTypes(spec, schema);
  return {
    type: 'record',
    name: 'r102',
    fields: spec.fields.map((pf, i) => ({
      name: avroName(pf.name),
      type: opt(avroPrimitive(types[i] as PrimitiveType, pf['field-id'])),
      default: null,
      'field-id': pf['field-id'],
    })),
  };
}

/** `manifest_entry` for a format version and partition type (spec: Manifests). */
export function manifestEntrySchema(formatVersion: number, partition: AvroSchema): AvroSchema {
  const dataFile: Field[] = [];
  if (formatVersion >= 2)
    dataFile.push(field(134, 'content', 'int', 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes'));
  dataFile.push(
    field(100, 'file_path', 'string', 'Location URI with FS scheme'),
    field(101, 'file_format', 'string', 'File format name: avro, orc, or parquet'),
    field(102, 'partition', partition, 'Partition data tuple, schema based on the partition spec'),
    field(103, 'record_count', 'long', 'Number of records in the file'),
    field(104, 'file_size_in_bytes', 'long', 'Total file size in bytes'),
  );
  // Field 105 is required in v1 and must not be written in v2+ (spec: Manifests).
  if (formatVersion === 1)
    dataFile.push(field(105, 'block_size_in_bytes', 'long', 'Deprecated. Always write a default in v1.'));
  dataFile.push(
    intMap(108, 'column_sizes', 117, 118, 'long', 'Map of column id to total size on disk'),
    intMap(109, 'value_counts', 119, 120, 'long', 'Map of column id to total count, including null and NaN'),
    intMap(110, 'null_value_counts', 121, 122, 'long', 'Map of column id to null value count'),
    intMap(137, 'nan_value_counts', 138, 139, 'long', 'Map of column id to number of NaN values in the column'),
    intMap(125, 'lower_bounds', 126, 127, 'bytes', 'Map of column id to lower bound'),
    intMap(128, 'upper_bounds', 129, 130, 'bytes', 'Map of column id to upper bound'),
    optional(131, 'key_metadata', 'bytes', 'Encryption key metadata blob'),
    optional(132, 'split_offsets', { type: 'array', items: 'long', 'element-id': 133 }, 'Splittable offsets'),
  );
  if (formatVersion >= 2)
    dataFile.push(
      optional(
        135,
        'equality_ids',
        { type: 'array', items: 'int', 'element-id': 136 },
        'Equality comparison field IDs',
      ),
    );
  dataFile.push(optional(140, 'sort_order_id', 'int', 'Sort order ID'));
  if (formatVersion >= 3) {
    dataFile.push(
      optional(142, 'first_row_id', 'long', 'The _row_id for the first row in the data file'),
      optional(
        143,
        'referenced_data_file',
        'string',
        'Fully qualified location of a data file that all deletes reference',
      ),
      optional(144, 'content_offset', 'long', 'The offset in the file where the content starts'),
      optional(145, 'content_size_in_bytes', 'long', 'The length of referenced content stored in the file'),
    );
  }
  const entry: Field[] = [field(0, 'status', 'int')];
  if (formatVersion === 1) {
    entry.push(field(1, 'snapshot_id', 'long'));
  } else {
    entry.push(
      optional(1, 'snapshot_id', 'long'),
      optional(3, 'sequence_number', 'long'),
      optional(4, 'file_sequence_number', 'long'),
    );
  }
  entry.push(field(2, 'data_file', { type: 'record', name: 'r2', fields: dataFile }));
  return { type: 'record', name: 'manifest_entry', fields: entry };
}

/**
 * The Iceberg schema of an Avro schema written by this module, for the `iceberg.schema` header
 * key Java writes (spec JSON: struct/list/map with ids).
 */
export function icebergSchemaOfAvro(schema: AvroSchema): Record<string, unknown> {
  const struct = icebergTypeOfAvro(schema) as Record<string, unknown>;
  return { ...struct, 'schema-id': 0 };
}

function icebergTypeOfAvro(schema: AvroSchema): unknown {
  if (Array.isArray(schema)) return icebergTypeOfAvro(schema.find((b) => b !== 'null') as AvroSchema);
  if (typeof schema === 'string') {
    return (
      {
        int: 'int',
        long: 'long',
        string: 'string',
        bytes: 'binary',
        boolean: 'boolean',
        float: 'float',
        double: 'double',
      }[schema] ?? schema
    );
  }
  const s = schema as Record<string, unknown>;
  if (s.type === 'record') {
    return {
      type: 'struct',
      fields: (s.fields as Field[]).map((f) => ({
        id: f['field-id'],
        name: f.name,
        required: !(Array.isArray(f.type) && f.type.includes('null')),
        type: icebergTypeOfAvro(f.type),
        ...(f.doc ? { doc: f.doc } : {}),
      })),
    };
  }
  if (s.type === 'array' && s.logicalType === 'map') {
    const [k, v] = (s.items as Record<string, unknown>).fields as Field[] as [Field, Field];
    return {
      type: 'map',
      'key-id': k['field-id'],
      key: icebergTypeOfAvro(k.type),
      'value-id': v['field-id'],
      'value-required': true,
      value: icebergTypeOfAvro(v.type),
    };
  }
  if (s.type === 'array') {
    return {
      type: 'list',
      'element-id': s['element-id'],
      'element-required': true,
      element: icebergTypeOfAvro(s.items as AvroSchema),
    };
  }
  switch (s.logicalType) {
    case 'date':
      return 'date';
    case 'time-micros':
      return 'time';
    case 'timestamp-micros':
      return s['adjust-to-utc'] ? 'timestamptz' : 'timestamp';
    case 'timestamp-nanos':
      return s['adjust-to-utc'] ? 'timestamptz_ns' : 'timestamp_ns';
    case 'uuid':
      return 'uuid';
    case 'decimal':
      return `decimal(${s.precision},${s.scale})`;
  }
  if (s.type === 'fixed') return `fixed[${s.size}]`;
  return icebergTypeOfAvro(s.type as AvroSchema);
}
