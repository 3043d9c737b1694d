/**
 * The table properties that shape Parquet data files (Iceberg docs: "Table properties" → Write
 * properties), parsed once per writer, plus the per-column metrics modes
 * (`write.metadata.metrics.*`, spec: "Metrics" / Java `MetricsConfig`).
 */
import { isPrimitive } from '../schema.js';
import type { IcebergType, NestedField, StructType } from '../types.js';

/** Raised for a write property floe cannot honour (an unknown codec, a malformed metrics mode). */
export class WritePropertyError extends Error {
  override name = 'WritePropertyError';
}

export type ParquetCodec = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'brotli' | 'uncompressed';

export interface ParquetWriteOptions {
  /** `write.target-file-size-bytes`, default 512 MiB: the writer rolls to a new file past it. */
  targetFileSizeBytes: number;
  /** `write.parquet.row-group-size-bytes`, default 128 MiB. */
  rowGroupSizeBytes: number;
  /** Row cap per row group so memory stays bounded for narrow rows (arrow-rs default, 1 Mi rows). */
  rowGroupMaxRows: number;
  /** `write.parquet.page-size-bytes`, default 1 MiB. */
  pageSizeBytes: number;
  /** `write.parquet.dict-size-bytes`, default 2 MiB. */
  dictSizeBytes: number;
  /** `write.parquet.compression-codec`, default zstd. (`compression-level` is not supported by parquet-wasm: the codec default is used.) */
  codec: ParquetCodec;
}

const MiB = 1024 * 1024;

/** Parses the Parquet write properties of a table, with Iceberg's defaults. */
export function parquetWriteOptions(properties: Record<string, string> = {}): ParquetWriteOptions {
  return {
    targetFileSizeBytes: positive(properties, 'write.target-file-size-bytes', 512 * MiB),
    rowGroupSizeBytes: positive(properties, 'write.parquet.row-group-size-bytes', 128 * MiB),
    rowGroupMaxRows: positive(properties, 'write.parquet.row-group-max-rows', 1024 * 1024),
    pageSizeBytes: positive(properties, 'write.parquet.page-size-bytes', MiB),
    dictSizeBytes: positive(properties, 'write.parquet.dict-size-bytes', 2 * MiB),
    codec: codecOf(properties['write.parquet.compression-codec'] ?? 'zstd'),
  };
}

function positive(properties: Record<string, string>, key: string, fallback: number): number {
  const raw = properties[key];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new WritePropertyError(`${key} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

function codecOf(raw: string): ParquetCodec {
  const codec = raw.trim().toLowerCase();
  if (codec === 'none') return 'uncompressed';
  if (
    codec === 'zstd' ||
    codec === 'snappy' ||
    codec === 'gzip' ||
    codec === 'lz4' ||
    codec === 'brotli' ||
    codec === 'uncompressed'
  )
    return codec;
  throw new WritePropertyError(`unsupported write.parquet.compression-codec ${JSON.stringify(raw)}`);
}

/** What metrics a column gets in the manifest (Java `MetricsModes`). */
export type MetricsMode =
  | { kind: 'none' }
  | { kind: 'counts' }
  | { kind: 'truncate'; length: number }
  | { kind: 'full' };

/** Parses `none`, `counts`, `truncate(N)` or `full`. */
export function parseMetricsMode(text: string): MetricsMode {
  const t = text.trim().toLowerCase();
  if (t === 'none' || t === 'counts' || t === 'full') return { kind: t };
  const truncate = /^truncate\((\d+)\)$/.exec(t);
  if (truncate && Number(truncate[1]) > 0) return { kind: 'truncate', length: Number(truncate[1]) };
  throw new WritePropertyError(`invalid metrics mode ${JSON.stringify(text)}`);
}

const DEFAULT_MODE: MetricsMode = { kind: 'truncate', length: 16 };

/**
 * Resolves the metrics mode of every field id: `write.metadata.metrics.column.<dotted name>`
 * first, then `write.metadata.metrics.default`, else truncate(16). As in Java, when no default is
 * set and the schema has more than `write.metadata.metrics.max-inferred-column-defaults` (100)
 * leaf columns, only the first 100 leaves get the default and the rest get `none`.
 */
export function metricsModes(schema: StructType, properties: Record<string, string> = {}): Map<number, MetricsMode> {
  const explicitDefault = properties['write.metadata.metrics.default'];
  const fallback = explicitDefault === undefined ? DEFAULT_MODE : parseMetricsMode(explicitDefault);
  const maxInferred = positive(properties, 'write.metadata.metrics.max-inferred-column-defaults', 100);
  const modes = new Map<number, MetricsMode>();
  let leaves = 0;
  for (const { field, name } of leafColumns(schema)) {
    const override = properties[`write.metadata.metrics.column.${name}`];
    leaves++;
    if (override !== undefined) modes.set(field.id, parseMetricsMode(override));
    else if (explicitDefault === undefined && leaves > maxInferred) modes.set(field.id, { kind: 'none' });
    else modes.set(field.id, fallback);
  }
  return modes;
}

/** A primitive leaf of a schema with its dotted name (`a.b`, `tags.element`, `attrs.key`). */
export interface LeafColumn {
  field: NestedField;
  name: string;
  /** True under a list or map: such leaves get no bounds (as Java). */
  repeated: boolean;
}

/** Every primitive leaf of a schema, depth first (the Parquet column order). */
export function leafColumns(schema: StructType): LeafColumn[] {
  const out: LeafColumn[] = [];
  const visit = (field: NestedField, prefix: string, repeated: boolean) => {
    const name = prefix ? `${prefix}.${field.name}` : field.name;
    const type: IcebergType = field.type;
    if (isPrimitive(type)) {
      out.push({ field, name, repeated });
      return;
    }
    if (type.type === 'struct') for (const child of type.fields) visit(child, name, repeated);
    else if (type.type === 'list')
      visit(
        { id: type['element-id'], name: 'element', required: type['element-required'], type: type.element },
        name,
        true,
      );
    else {
      visit({ id: type['key-id'], name: 'key', required: true, type: type.key }, name, true);
      visit({ id: type['value-id'], name: 'value', required: type['value-required'], type: type.value }, name, true);
    }
  };
  for (const field of schema.fields) visit(field, '', false);
  return out;
}
