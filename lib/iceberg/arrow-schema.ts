/**
 * Iceberg schema ⇄ Arrow schema, with the Iceberg field id on every field (nested children
 * included) as the `PARQUET:field_id` metadata key. parquet-wasm (arrow-rs) turns that key into
 * the Parquet `field_id`, which is how Iceberg readers match columns (spec: Appendix A, "Parquet";
 * invariant 3: field ids, not names).
 *
 * Type mapping (spec Appendix A), and the Parquet type arrow-rs writes for it (checked with
 * DuckDB `parquet_schema()`, see test/iceberg/arrow-schema.test.ts):
 * - boolean → Bool; int → Int32; long → Int64; float → Float32; double → Float64
 * - decimal(P,S) → Decimal128(P,S) → INT32 (P ≤ 9), INT64 (P ≤ 18), FIXED_LEN_BYTE_ARRAY (P > 18)
 * - date → DateDay; time → TimeMicrosecond (TIME(MICROS))
 * - timestamp → Timestamp(µs) without zone → TIMESTAMP(isAdjustedToUTC=false, MICROS)
 * - timestamptz → Timestamp(µs, "UTC") → TIMESTAMP(isAdjustedToUTC=true, MICROS)
 * - timestamp_ns / timestamptz_ns → the same at nanosecond unit
 * - string → Utf8; uuid → FixedSizeBinary(16); fixed[L] → FixedSizeBinary(L); binary → Binary
 * - list → List with a child named `element` (3-level list layout)
 * - map → Map with an entries struct `key_value` of `key` and `value`
 *
 * @example
 * ```ts
 * const arrowSchema = toArrowSchema(icebergSchema);
 * // build columns for arrowSchema.fields, then new arrow.RecordBatch(arrowSchema, data)
 * ```
 */
import * as arrow from 'apache-arrow';
import { parsePrimitive } from './schema.js';
import type { IcebergType, ListType, MapType, NestedField, Schema, StructType } from './types.js';

/** The Arrow field-metadata key that arrow-rs / pyarrow map to the Parquet field id. */
export const FIELD_ID_KEY = 'PARQUET:field_id';

const EXTENSION_NAME_KEY = 'ARROW:extension:name';
const UUID_EXTENSION = 'arrow.uuid';

/** A type floe cannot represent in Arrow/Parquet (for example `variant`). */
export class UnsupportedTypeError extends Error {
  override name = 'UnsupportedTypeError';
  constructor(
    readonly type: string,
    options?: { cause?: unknown },
  ) {
    super(`unsupported Iceberg type for Parquet: ${type}`, options);
  }
}

/** Converts an Iceberg schema to the Arrow schema of the record batches floe writes. */
export function toArrowSchema(schema: Schema | StructType): arrow.Schema {
  return new arrow.Schema(schema.fields.map(toArrowField));
}

/** Converts one Iceberg field (and its children) to an Arrow field carrying its field id. */
export function toArrowField(field: NestedField): arrow.Field {
  return makeField(field.name, toArrowType(field.type), !field.required, field.id, field.type === 'uuid');
}

/** Converts an Iceberg type to an Arrow data type (children carry their field ids). */
export function toArrowType(type: IcebergType): arrow.DataType {
  if (typeof type !== 'string') {
    switch (type.type) {
      case 'struct':
        return new arrow.Struct(type.fields.map(toArrowField));
      case 'list':
        return new arrow.List(
          makeField(
            'element',
            toArrowType(type.element),
            !type['element-required'],
            type['element-id'],
            type.element === 'uuid',
          ),
        );
      case 'map':
        return new arrow.Map_(
          new arrow.Field(
            'key_value',
            new arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>([
              makeField('key', toArrowType(type.key), false, type['key-id'], type.key === 'uuid'),
              makeField(
                'value',
                toArrowType(type.value),
                !type['value-required'],
                type['value-id'],
                type.value === 'uuid',
              ),
            ]),
            false,
          ),
          false,
        );
    }
  }
  const primitive = parsePrimitive(type);
  switch (primitive.kind) {
    case 'boolean':
      return new arrow.Bool();
    case 'int':
      return new arrow.Int32();
    case 'long':
      return new arrow.Int64();
    case 'float':
      return new arrow.Float32();
    case 'double':
      return new arrow.Float64();
    case 'decimal':
      return new arrow.Decimal(primitive.scale, primitive.precision, 128);
    case 'date':
      return new arrow.DateDay();
    case 'time':
      return new arrow.TimeMicrosecond();
    case 'timestamp':
      return new arrow.TimestampMicrosecond();
    case 'timestamptz':
      return new arrow.TimestampMicrosecond('UTC');
    case 'timestamp_ns':
      return new arrow.TimestampNanosecond();
    case 'timestamptz_ns':
      return new arrow.TimestampNanosecond('UTC');
    case 'string':
      return new arrow.Utf8();
    case 'uuid':
      return new arrow.FixedSizeBinary(16);
    case 'fixed':
      return new arrow.FixedSizeBinary(primitive.length);
    case 'binary':
      return new arrow.Binary();
    default:
      throw new UnsupportedTypeError(String(type));
  }
}

function makeField(name: string, type: arrow.DataType, nullable: boolean, id: number, uuid = false): arrow.Field {
  const metadata = new Map([[FIELD_ID_KEY, String(id)]]);
  // The canonical Arrow extension type tells uuid apart from fixed[16], both ways.
  if (uuid) metadata.set(EXTENSION_NAME_KEY, UUID_EXTENSION);
  return new arrow.Field(name, type, nullable, metadata);
}

/** Reads the Iceberg field id an Arrow field carries, if any. */
export function fieldIdOf(field: arrow.Field): number | undefined {
  const raw = field.metadata.get(FIELD_ID_KEY);
  if (raw === undefined) return undefined;
  const id = Number(raw);
  return Number.isInteger(id) ? id : undefined;
}

/**
 * Converts an Arrow schema (for example a Parquet input's) back to an Iceberg schema. Fields that
 * carry `PARQUET:field_id` keep it; the others get fresh ids after the largest id seen, in
 * depth-first order. Arrow types with no Iceberg equivalent are widened where lossless
 * (Int8/Int16/UInt8/UInt16 → int, UInt32 → long, LargeUtf8 → string, millisecond/second
 * timestamps → µs) and rejected otherwise.
 */
export function fromArrowSchema(schema: arrow.Schema, schemaId = 0): Schema {
  let next = maxFieldId(schema.fields) + 1;
  const idFor = (field: arrow.Field) => fieldIdOf(field) ?? next++;

  const convertField = (field: arrow.Field): NestedField => {
    const id = idFor(field);
    return { id, name: field.name, required: !field.nullable, type: typeOf(field) };
  };
  const typeOf = (field: arrow.Field): IcebergType =>
    field.metadata.get(EXTENSION_NAME_KEY) === UUID_EXTENSION ? 'uuid' : convertType(field.type);
  const convertType = (type: arrow.DataType): IcebergType => {
    if (arrow.DataType.isStruct(type)) return { type: 'struct', fields: type.children.map(convertField) };
    if (arrow.DataType.isList(type) || arrow.DataType.isFixedSizeList(type)) {
      const child = type.children[0] as arrow.Field;
      const list: ListType = {
        type: 'list',
        'element-id': idFor(child),
        'element-required': !child.nullable,
        element: typeOf(child),
      };
      return list;
    }
    if (arrow.DataType.isMap(type)) {
      const [key, value] = (type.children[0] as arrow.Field).type.children as arrow.Field[];
      const keyId = idFor(key);
      const valueId = idFor(value);
      const map: MapType = {
        type: 'map',
        'key-id': keyId,
        key: typeOf(key),
        'value-id': valueId,
        'value-required': !value.nullable,
        value: typeOf(value),
      };
      return map;
    }
    return primitiveOf(type);
  };
  return { type: 'struct', 'schema-id': schemaId, fields: schema.fields.map(convertField) };
}

function primitiveOf(type: arrow.DataType): IcebergType {
  const T = arrow.Type;
  switch (type.typeId) {
    case T.Bool:
      return 'boolean';
    case T.Int: {
      const int = type as arrow.Int;
      if (int.bitWidth < 32 || (int.bitWidth === 32 && int.isSigned)) return 'int';
      if (int.bitWidth === 32 || int.isSigned) return 'long';
      break; // uint64 does not fit a long
    }
    case T.Float: {
      const float = type as arrow.Float;
      return float.precision === arrow.Precision.DOUBLE ? 'double' : 'float';
    }
    case T.Decimal: {
      const decimal = type as arrow.Decimal;
      if (decimal.precision <= 38) return `decimal(${decimal.precision},${decimal.scale})`;
      break;
    }
    case T.Date:
      return 'date';
    case T.Time: {
      const time = type as arrow.Time;
      if (time.unit !== arrow.TimeUnit.NANOSECOND) return 'time';
      break;
    }
    case T.Timestamp: {
      const ts = type as arrow.Timestamp;
      const ns = ts.unit === arrow.TimeUnit.NANOSECOND;
      const tz = ts.timezone != null && ts.timezone !== '';
      return ns ? (tz ? 'timestamptz_ns' : 'timestamp_ns') : tz ? 'timestamptz' : 'timestamp';
    }
    case T.Utf8:
    case T.LargeUtf8:
      return 'string';
    case T.Binary:
    case T.LargeBinary:
      return 'binary';
    case T.FixedSizeBinary:
      return `fixed[${(type as arrow.FixedSizeBinary).byteWidth}]`;
  }
  throw new UnsupportedTypeError(String(type));
}

function maxFieldId(fields: readonly arrow.Field[]): number {
  let max = 0;
  for (const field of fields) {
    max = Math.max(max, fieldIdOf(field) ?? 0, maxFieldId(field.type.children ?? []));
  }
  return max;
}
