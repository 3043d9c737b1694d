/**
 * A streaming Parquet encoder over parquet-wasm (arrow-rs): Arrow record batches in, the bytes of
 * one Parquet file out, with memory bounded by one row group (`transformParquetStream`). Row groups
 * are cut at exactly `rowGroupRows` rows, so a retry of the same input produces the same bytes.
 *
 * parquet-wasm's Node entry reads `parquet_wasm_bg.wasm` from the directory of its JS file
 * (`__dirname`); a bundle (esbuild, Lambda) must ship that file next to the bundled JS.
 */
import * as arrow from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { arrowByteSize } from './arrow-size.js';
import { footerLength } from './footer.js';
import { withParquetNames } from './parquet-names.js';
import { type EncoderSettings, IpcParquetStream, writerProperties } from './wasm-stream-encoder.js';

export { type EncoderSettings, IpcParquetStream, writerProperties } from './wasm-stream-encoder.js';

/** Encodes one Parquet file from a stream of record batches. */
export interface ParquetEncoder {
  /** Queues a batch; resolves when the encoder can take another one (backpressure). */
  write(batch: arrow.RecordBatch): Promise<void>;
  /** Ends the input: the output then yields the last row group and the footer. */
  finish(): void;
  /** Stops encoding; the output fails with `reason`. */
  abort(reason?: unknown): void;
  /** The file's bytes, one chunk per completed row group, then the footer. */
  readonly output: AsyncIterable<Uint8Array>;
}

/**
 * Serializes a batch to an Arrow IPC stream (what parquet-wasm and the worker take), with the
 * column names Iceberg Java writes (`withParquetNames`).
 */
export function batchToIpc(batch: arrow.RecordBatch): Uint8Array {
  return arrow.tableToIPC(new arrow.Table([withParquetNames(batch)]), 'stream');
}

/** Rows of the first batch encoded to estimate the compression ratio. */
const SAMPLE_ROWS = 8192;

/**
 * Encoded bytes per uncompressed Arrow byte for data like `batch`, from encoding a sample of it
 * (footer and magic excluded). Deterministic, so file rolling based on it is too.
 */
export function sampleCompressionRatio(batch: arrow.RecordBatch, settings: EncoderSettings): number {
  return compressionRatioSample(batch, settings)();
}

/**
 * `sampleCompressionRatio` in two steps: the sample is copied out of `batch` now (so the batch's
 * buffers may be reused), the encoding happens when the returned function is first called. A
 * writer needs the ratio only to decide a roll at a row-group boundary, so a file of one row group
 * never pays the sample's encoding, and a worker-encoded file does not wait for it at its start.
 */
export function compressionRatioSample(batch: arrow.RecordBatch, settings: EncoderSettings): () => number {
  const sample = batch.numRows > SAMPLE_ROWS ? batch.slice(0, SAMPLE_ROWS) : batch;
  const arrowBytes = arrowByteSize(sample.data);
  if (arrowBytes === 0) return () => 1;
  let ipc: Uint8Array | undefined = batchToIpc(sample);
  let ratio: number | undefined;
  return () => {
    if (ratio === undefined && ipc) {
      const table = WasmTable.fromIPCStream(ipc);
      const bytes = writeParquet(table, writerProperties(settings));
      const dataBytes = bytes.length - footerLength(bytes) - 4;
      ratio = Math.max(dataBytes, 1) / arrowBytes;
      ipc = undefined;
    }
    return ratio ?? 1;
  };
}

/** An encoder that runs parquet-wasm on the calling thread. */
export function inlineEncoder(settings: EncoderSettings): ParquetEncoder {
  return new IpcStreamEncoder(settings);
}

/** `IpcParquetStream` that also takes record batches (serialized to IPC on this thread). */
export class IpcStreamEncoder extends IpcParquetStream implements ParquetEncoder {
  async write(batch: arrow.RecordBatch): Promise<void> {
    await this.writeIpc(batchToIpc(batch));
  }
}
