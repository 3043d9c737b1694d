/**
 * The part of the Parquet encoder that needs only parquet-wasm: Arrow IPC streams in, Parquet bytes
 * out (`transformParquetStream`), memory bounded by one row group. The encoder worker imports just
 * this module, so its start-up loads neither apache-arrow nor hyparquet (under tsx every module the
 * worker imports is transpiled again in the worker: that was most of a cold worker's start-up).
 */
import {
  Compression,
  transformParquetStream,
  Table as WasmTable,
  type WriterProperties,
  WriterPropertiesBuilder,
} from 'parquet-wasm';
import { avroName } from '../avro-name.js';
import type { ParquetCodec, ParquetWriteOptions } from './write-properties.js';

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

/** Feeds IPC-serialized batches into `transformParquetStream`; shared by the inline encoder and the worker. */
export class IpcParquetStream {
  protected controller!: ReadableStreamDefaultController<unknown>;
  private pulled: (() => void) | null = null;
  protected failure: unknown;
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
