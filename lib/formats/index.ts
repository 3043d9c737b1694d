/**
 * `lib/formats`: landed files (CSV, TSV, JSON, Parquet; plain, gzip, zstd or bzip2) to Arrow
 * record batches aligned to an Iceberg schema, and on to Parquet data files.
 *
 * @example
 * ```ts
 * const detected = detectFormat(key, firstBytes);
 * const fileSchema = await inferSchema(() => io.readStream(key), key, options);
 * const { schema } = alignToTable(table.schema, fileSchema, 'evolve', { caseInsensitive: true });
 * const { dataFiles, rejected } = await convertFile({ source: io.readStream(key), fileName: key, schema, spec, formatVersion: 2,
 *   io: tableIo, dataLocation, namePrefix: ingestId, properties, options, onError: 'abort' });
 * ```
 */
export { BadInputError, type BadInputLocation } from './bad-input-error.js';
export {
  detectFormat,
  compressionFromMagic,
  type DetectedFormat,
  type FileFormat,
  type Compression,
} from './detect.js';
export {
  FormatOptionsSchema,
  CsvOptionsSchema,
  JsonOptionsSchema,
  LimitsSchema,
  OnErrorSchema,
  resolveFormatOptions,
  type FormatOptions,
  type FormatOptionsInput,
  type CsvOptions,
  type JsonOptions,
  type FormatLimits,
  type OnError,
} from './options.js';
export { RowErrorCollector, type RejectedRow, type RowErrorSink } from './row-errors.js';
export { inferSchema } from './infer.js';
export { alignToTable, type AlignPolicy, type Alignment, type AlignOptions } from './align.js';
export { readBatches } from './read-batches.js';
export { peekColumns, type PeekedColumns } from './peek-columns.js';
export { convertFile, rejectedRowsNdjson, type ConvertFileRequest, type ConvertFileResult } from './convert.js';
export { type EncoderChoice, stopEncoderWorker, warmEncoderWorker } from './conversion-encoder.js';
