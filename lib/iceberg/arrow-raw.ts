/**
 * Arrow JS hands every timestamp unit out as epoch milliseconds (a double), which drops the
 * microseconds and nanoseconds Iceberg keeps. Retyping timestamp columns (at any depth) as Int64
 * over the same buffers makes `get` return the raw 64-bit count in the column's unit instead.
 */
import * as arrow from 'apache-arrow';

/** The same data with timestamps (at any depth) typed as Int64, so values read as raw counts. */
export function rawTimestamps(data: arrow.Data): arrow.Data {
  if (!hasTimestamp(data.type)) return data;
  const buffers = data as unknown as Parameters<arrow.Data['clone']>[4]; // clone's default: this data's own buffers
  return data.clone(
    rawType(data.type),
    data.offset,
    data.length,
    data.nullCount,
    buffers,
    data.children.map(rawTimestamps),
  );
}

function hasTimestamp(type: arrow.DataType): boolean {
  return arrow.DataType.isTimestamp(type) || (type.children ?? []).some((f: arrow.Field) => hasTimestamp(f.type));
}

function rawType(type: arrow.DataType): arrow.DataType {
  if (arrow.DataType.isTimestamp(type)) return new arrow.Int64();
  const kids = (type.children ?? []).map((f: arrow.Field) => f.clone({ type: rawType(f.type) }));
  if (arrow.DataType.isStruct(type)) return new arrow.Struct(kids);
  if (arrow.DataType.isList(type)) return new arrow.List(kids[0]!);
  if (arrow.DataType.isMap(type))
    return new arrow.Map_(
      kids[0] as arrow.Field<arrow.Struct<{ key: arrow.DataType; value: arrow.DataType }>>,
      (type as arrow.Map_).keysSorted,
    );
  if (arrow.DataType.isFixedSizeList(type))
    return new arrow.FixedSizeList((type as arrow.FixedSizeList).listSize, kids[0]!);
  return type;
}
