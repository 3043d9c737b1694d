/**
 * Column builders: values go straight into typed arrays (Int32Array, Float64Array, 64-bit
 * pairs, UTF-8 bytes + offsets, a validity byte per row) and become one `arrow.Data` per batch
 * through `makeData`, with no per-value Arrow objects. Each append returns `null` or the reason
 * the value does not fit, so readers can turn it into a row error naming line and column.
 *
 * Physical layouts follow the Arrow columnar format; the Iceberg → Arrow types come from
 * `toArrowSchema` so the batches match what the Parquet writer expects exactly. This file is the
 * factory; the builders are in `column-builder/` (base, numeric, binary, nested).
 */
import type * as arrow from 'apache-arrow';
import { parsePrimitive } from '../iceberg/schema.js';
import type { IcebergType, NestedField } from '../iceberg/types.js';
import type { ColumnBuilder } from './column-builder/base.js';
import { FixedBinaryBuilder, VarBinaryBuilder } from './column-builder/binary.js';
import { ListBuilder, MapBuilder, StructBuilder } from './column-builder/nested.js';
import { BoolBuilder, DecimalBuilder, FloatBuilder, Int32Builder, Int64Builder } from './column-builder/numeric.js';

export { ColumnBuilder, type CsvColumnRun } from './column-builder/base.js';

/**
 * Builds the column builder for an Iceberg field whose Arrow field (from `toArrowSchema`) is
 * `arrowField`; nested builders are built from the Arrow children so every type object matches.
 */
export function makeColumnBuilder(
  field: NestedField,
  arrowField: arrow.Field,
  caseInsensitive = false,
  roundDoubles = false,
): ColumnBuilder {
  return builderFor(field.type, arrowField.type, field.required, caseInsensitive, roundDoubles);
}

function builderFor(
  type: IcebergType,
  arrowType: arrow.DataType,
  required: boolean,
  ci: boolean,
  roundDoubles: boolean,
): ColumnBuilder {
  if (typeof type !== 'string') {
    switch (type.type) {
      case 'struct': {
        const kids = (arrowType as arrow.Struct).children;
        return new StructBuilder(
          arrowType,
          required,
          type.fields,
          type.fields.map((f, k) => builderFor(f.type, kids[k]!.type, f.required, ci, roundDoubles)),
          ci,
        );
      }
      case 'list': {
        const child = (arrowType as arrow.List).children[0]!;
        return new ListBuilder(
          arrowType,
          required,
          builderFor(type.element, child.type, type['element-required'], ci, roundDoubles),
        );
      }
      case 'map': {
        const entries = (arrowType as arrow.Map_).children[0]!.type as arrow.Struct;
        return new MapBuilder(
          arrowType,
          required,
          builderFor(type.key, entries.children[0]!.type, true, ci, roundDoubles),
          builderFor(type.value, entries.children[1]!.type, type['value-required'], ci, roundDoubles),
        );
      }
    }
  }
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean':
      return new BoolBuilder(arrowType, required);
    case 'int':
    case 'date':
      return new Int32Builder(arrowType, required, p.kind);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return new Int64Builder(arrowType, required, p.kind);
    case 'float':
      return new FloatBuilder(arrowType, required, true, true);
    case 'double':
      return new FloatBuilder(arrowType, required, false, roundDoubles);
    case 'decimal':
      return new DecimalBuilder(arrowType, required, p.precision, p.scale);
    case 'string':
      return new VarBinaryBuilder(arrowType, required, true);
    case 'binary':
      return new VarBinaryBuilder(arrowType, required, false);
    case 'uuid':
      return new FixedBinaryBuilder(arrowType, required, 16, true);
    case 'fixed':
      return new FixedBinaryBuilder(arrowType, required, p.length, false);
  }
  throw new Error(`floe cannot write columns of type ${String(type)}`);
}
