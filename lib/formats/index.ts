/**
 * `lib/formats`: landed files (CSV, TSV, JSON, Parquet; plain, gzip, zstd or bzip2) to Arrow
 * record batches aligned to an Iceberg schema. Writing Parquet data files is `lib/ingest/convert-file.ts`.
 *
 * @example
 * ```ts
 * const detected = detectFormat(key, firstBytes);
 * const fileSchema = await inferSchema(() => io.readStream(key), key, options);
 * const { schema } = alignToTable(table.schema, fileSchema, 'evolve', { caseInsensitive: true });
 * for await (const batch of readBatches(io.readStream(key), key, schema, options, rowErrors)) use(batch);
 * ```
 */

export { type Alignment, type AlignOptions, type AlignPolicy, alignToTable } from './align.js';
export { BadInputError, type BadInputLocation } from './bad-input-error.js';
export {
  type Compression,
  compressionFromMagic,
  type DetectedFormat,
  detectFormat,
  type FileFormat,
} from './detect.js';
export { inferSchema } from './infer.js';
export {
  type CsvOptions,
  CsvOptionsSchema,
  type FormatLimits,
  type FormatOptions,
  type FormatOptionsInput,
  FormatOptionsSchema,
  type JsonOptions,
  JsonOptionsSchema,
  LimitsSchema,
  type OnError,
  OnErrorSchema,
  resolveFormatOptions,
} from './options.js';
export { type PeekedColumns, peekColumns } from './peek-columns.js';
export { readBatches } from './read-batches.js';
export { type RejectedRow, RowErrorCollector, type RowErrorSink } from './row-errors.js';
