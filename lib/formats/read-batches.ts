/**
 * `readBatches`: any landed file → Arrow record batches of a target Iceberg schema. Detects the
 * format and compression, decompresses as a stream (capped), and hands the bytes to the CSV,
 * JSON or Parquet reader.
 */
import type * as arrow from 'apache-arrow';
import type { Schema } from '../iceberg/types.js';
import { type ReaderContext, readCsv } from './csv-reader.js';
import { decompress, peek } from './decompress.js';
import { detectFormat } from './detect.js';
import { readJson } from './json-reader.js';
import { type FormatOptionsInput, resolveFormatOptions } from './options.js';
import { readParquet } from './parquet-reader.js';
import type { RowErrorSink } from './row-errors.js';

/**
 * Streams `source` (the landed object's bytes) as record batches built with
 * `toArrowSchema(target)`. Values that do not fit go to `rowErrors` (which throws for
 * `on_error` abort/skip_file); file-level problems throw `BadInputError`.
 */
export async function* readBatches(
  source: AsyncIterable<Uint8Array>,
  fileName: string,
  target: Schema,
  options: FormatOptionsInput | undefined,
  rowErrors: RowErrorSink,
  hiveColumns?: Record<string, string>,
): AsyncGenerator<arrow.RecordBatch> {
  const opts = resolveFormatOptions(options);
  const { head, stream } = await peek(source);
  const { format, compression } = detectFormat(fileName, head);
  const bytes = decompress(stream, compression, fileName, opts.limits.maxExpandedBytes);
  const ctx: ReaderContext = { fileName, target, options: opts, rowErrors, hiveColumns };
  switch (format) {
    case 'csv':
    case 'tsv':
      yield* readCsv(bytes, ctx, format === 'tsv');
      return;
    case 'json':
      yield* readJson(bytes, ctx);
      return;
    case 'parquet':
      yield* readParquet(bytes, ctx);
      return;
  }
}
