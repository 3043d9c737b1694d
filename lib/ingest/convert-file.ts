/**
 * `convertFile`: the conversion glue the Lambda convert step and the CLI call. Bytes in
 * (streamed, any supported format and compression), Iceberg Parquet data files out through the
 * table-format core's `DataFileWriter` (partition fan-out, rolling, deterministic names).
 *
 * Parsing and encoding overlap: the next batch is parsed while the writer encodes the previous
 * one (one batch in flight), and by default the encoding runs in a worker thread
 * (`conversion-encoder.ts`), so both cores are busy while memory stays bounded by a few batches
 * plus the open row groups.
 */
import type * as arrow from 'apache-arrow';
import { type FormatOptionsInput, type OnError, resolveFormatOptions } from '../formats/options.js';
import { readBatches } from '../formats/read-batches.js';
import { type RejectedRow, RowErrorCollector, type RowErrorSink } from '../formats/row-errors.js';
import type { FileIO } from '../iceberg/file-io.js';
import { DataFileWriter } from '../iceberg/parquet/data-file-writer.js';
import { chooseDictionaryColumns } from '../iceberg/parquet/dictionary-choice.js';
import type { DataFile, PartitionSpec, Schema } from '../iceberg/types.js';
import { type ConversionEncoder, conversionEncoder, type EncoderChoice } from './conversion-encoder.js';

export interface ConvertFileRequest {
  /** The landed object's bytes as stored (compressed or not). */
  source: AsyncIterable<Uint8Array>;
  /** The object key: names the format (extension) and every error report. */
  fileName: string;
  /** The schema to write (the table's, or the evolved one from `alignToTable`). */
  schema: Schema;
  spec: PartitionSpec;
  formatVersion: 1 | 2 | 3;
  /** FileIO of the table's storage (vended credentials). */
  io: FileIO;
  dataLocation: string;
  /** Deterministic file-name prefix from the ingest id (a retry rewrites the same files). */
  namePrefix: string;
  properties?: Record<string, string>;
  options?: FormatOptionsInput;
  /** Row-error policy; default `abort`. */
  onError?: OnError;
  /** Constant columns from the object key's hive `key=value` segments (route option). */
  hiveColumns?: Record<string, string>;
  /**
   * Parquet encoder: `auto` (default: one worker thread per conversion when its script ships,
   * else inline), `worker`, `inline`, or an `EncoderFactory` of the caller's (not stopped here).
   */
  encoder?: EncoderChoice;
  /**
   * A route transform (issue 17): the file is read with `input` and each batch goes through
   * `apply`, which gives batches of `schema` (row errors go to the same `on_error` policy).
   */
  transform?: {
    input: Schema;
    apply(batch: arrow.RecordBatch, rowErrors: RowErrorSink): arrow.RecordBatch;
  };
}

export interface ConvertFileResult {
  dataFiles: DataFile[];
  /** Rows written. */
  rows: number;
  /** Bytes read from the source (as stored, before decompression). */
  bytesIn: number;
  /** Rows rejected under `on_error: continue` (write them as NDJSON with `rejectedRowsNdjson`). */
  rejected: RejectedRow[];
  /** Rejected rows beyond the kept maximum (counted only). */
  rejectedDropped: number;
  /** Values kept by a documented rule rather than as written (time zones, docs/formats.md). */
  warnings: string[];
}

/**
 * Converts one landed file into Iceberg data files. On any error the files written so far are
 * deleted (`DataFileWriter.abort`) and the error is rethrown: `BadInputError` for bad input
 * (acknowledge and report), anything else is transient (retry).
 */
export async function convertFile(req: ConvertFileRequest): Promise<ConvertFileResult> {
  const options = resolveFormatOptions(req.options);
  const rowErrors = new RowErrorCollector(req.onError ?? 'abort');
  let bytesIn = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of req.source) {
      bytesIn += chunk.length;
      yield chunk;
    }
  }
  let encoder: ConversionEncoder | undefined;
  let writer: DataFileWriter | undefined;
  // The encoder is chosen at the first batch: a file that fits in one batch is encoded inline
  // (a worker's start-up would cost more than the overlap saves).
  const open = (first: arrow.RecordBatch): DataFileWriter => {
    encoder = conversionEncoder(
      req.encoder ?? (first.numRows >= options.batchRows ? 'auto' : 'inline'),
      chooseDictionaryColumns(first),
    );
    return new DataFileWriter({
      io: req.io,
      schema: req.schema,
      spec: req.spec,
      formatVersion: req.formatVersion,
      dataLocation: req.dataLocation,
      namePrefix: req.namePrefix,
      properties: req.properties,
      encoder: encoder.factory,
    });
  };
  let rows = 0;
  try {
    const read = req.transform?.input ?? req.schema;
    const batches = readBatches(counted(), req.fileName, read, options, rowErrors, req.hiveColumns);
    let pendingWrite: Promise<void> | undefined;
    for await (const input of batches as AsyncIterable<arrow.RecordBatch>) {
      const batch = req.transform ? req.transform.apply(input, rowErrors) : input;
      if (batch.numRows === 0) continue;
      rows += batch.numRows;
      writer ??= open(batch);
      // One write in flight: the next batch is parsed while this one is encoded.
      if (pendingWrite) await pendingWrite;
      pendingWrite = writer.write(batch);
      pendingWrite.catch(() => {}); // observed on the next await; avoids an unhandled rejection meanwhile
    }
    if (pendingWrite) await pendingWrite;
    const dataFiles = writer ? await writer.close() : [];
    const warnings = [...rowErrors.zoneAdjusted].map(([column, n]) => zoneWarning(column, n, req.schema));
    return { dataFiles, rows, bytesIn, rejected: rowErrors.rows, rejectedDropped: rowErrors.dropped, warnings };
  } catch (e) {
    await writer?.abort().catch(() => {});
    throw e;
  } finally {
    await encoder?.release();
  }
}

/** The rejected rows as an NDJSON file body (one `RejectedRow` per line). */
export function rejectedRowsNdjson(rows: readonly RejectedRow[]): Uint8Array {
  return new TextEncoder().encode(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** The warning for `n` values of `column` whose zone did not match the column type. */
function zoneWarning(column: string, n: number, schema: Schema): string {
  const type = schema.fields.find((f) => f.name === column)?.type;
  return typeof type === 'string' && type.startsWith('timestamptz')
    ? `${column}: ${n} value(s) without a time zone taken as UTC (column is ${type})`
    : `${column}: ${n} value(s) with a time zone converted to UTC and the zone dropped (column is ${String(type)})`;
}
