/**
 * A streaming Parquet encoder over parquet-wasm (arrow-rs): Arrow record batches in, the bytes of
 * one Parquet file out, with memory bounded by one row group (`transformParquetStream`). Row groups
 * are cut at exactly `rowGroupRows` rows, so a retry of the same input produces the same bytes.
 *
 * parquet-wasm's Node entry reads `parquet_wasm_bg.wasm` from the directory of its JS file
 * (`__dirname`); a bundle (esbuild, Lambda) must ship that file next to the bundled JS.
 */
import * as arrow from 'apache-arrow';
import {
  Compression,
  transformParquetStream,
  Table as WasmTable,
  type WriterProperties,
  WriterPropertiesBuilder,
  writeParquet,
} from 'parquet-wasm';
import { avroName } from '../avro-name.js';
import { arrowByteSize } from './arrow-size.js';
import { footerLength } from './footer.js';
import { withParquetNames } from './parquet-names.js';
import type { ParquetCodec, ParquetWriteOptions } from './write-properties.js';

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

/** What an encoder needs to know: the file's row-group cut and Parquet writer settings. */
export interface EncoderSettings {
  rowGroupRows: number;
  options: ParquetWriteOptions;
  /**
   * Top-level column name → dictionary encoding on/off (`chooseDictionaryColumns`); columns not
   * named keep arrow-rs's default (dictionary, falling back to plain past the dictionary page limit).
   */
  columnDictionary?: Record<string, boolean>;
}

const CODECS: Record<ParquetCodec, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  lz4: Compression.LZ4_RAW,
  brotli: Compression.BROTLI,
  uncompressed: Compression.UNCOMPRESSED,
};

/** parquet-wasm writer properties for one file. */
export function writerProperties(settings: EncoderSettings): WriterProperties {
  const { options, rowGroupRows } = settings;
  let builder = new WriterPropertiesBuilder()
    .setCompression(CODECS[options.codec])
    // The row cut is ours (deterministic); the byte limit stays as a backstop for huge rows.
    .setMaxRowGroupSize(rowGroupRows)
    .setDataPageSizeLimit(options.pageSizeBytes)
    .setDictionaryPageSizeLimit(options.dictSizeBytes);
  for (const [column, enabled] of Object.entries(settings.columnDictionary ?? {})) {
    builder = builder.setColumnDictionaryEnabled(avroName(column), enabled);
  }
  return builder.build();
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
  const sample = batch.numRows > SAMPLE_ROWS ? batch.slice(0, SAMPLE_ROWS) : batch;
  const arrowBytes = arrowByteSize(sample.data);
  if (arrowBytes === 0) return 1;
  const table = WasmTable.fromIPCStream(batchToIpc(sample));
  const bytes = writeParquet(table, writerProperties(settings));
  const dataBytes = bytes.length - footerLength(bytes) - 4;
  return Math.max(dataBytes, 1) / arrowBytes;
}

/** An encoder that runs parquet-wasm on the calling thread. */
export function inlineEncoder(settings: EncoderSettings): ParquetEncoder {
  return new IpcStreamEncoder(settings);
}

/** Feeds IPC-serialized batches into `transformParquetStream`; shared by the inline encoder and the worker. */
export class IpcStreamEncoder implements ParquetEncoder {
  private controller!: ReadableStreamDefaultController<unknown>;
  private pulled: (() => void) | null = null;
  private failure: unknown;
  private readonly bytes: Promise<ReadableStream<Uint8Array>>;

  constructor(settings: EncoderSettings) {
    const input = new ReadableStream<unknown>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          this.pulled?.();
          this.pulled = null;
        },
        cancel: (reason) => {
          this.failure = reason ?? new Error('parquet encoder cancelled');
          this.pulled?.();
        },
      },
      { highWaterMark: 1 },
    );
    this.bytes = transformParquetStream(input, writerProperties(settings)) as Promise<ReadableStream<Uint8Array>>;
  }

  async write(batch: arrow.RecordBatch): Promise<void> {
    await this.writeIpc(batchToIpc(batch));
  }

  /** Queues one IPC stream (one or more batches). */
  async writeIpc(ipc: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    const table = WasmTable.fromIPCStream(ipc);
    try {
      for (const wasmBatch of table.recordBatches()) this.controller.enqueue(wasmBatch);
    } finally {
      table.free();
    }
    while ((this.controller.desiredSize ?? 0) <= 0 && !this.failure) {
      await new Promise<void>((resolve) => {
        this.pulled = resolve;
      });
    }
    if (this.failure) throw this.failure;
  }

  finish(): void {
    this.controller.close();
  }

  abort(reason?: unknown): void {
    this.failure = reason ?? new Error('parquet encoder aborted');
    try {
      this.controller.error(this.failure);
    } catch {
      // already closed or errored
    }
    this.pulled?.();
  }

  get output(): AsyncIterable<Uint8Array> {
    const bytes = this.bytes;
    return {
      async *[Symbol.asyncIterator]() {
        const reader = (await bytes).getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      },
    };
  }
}
