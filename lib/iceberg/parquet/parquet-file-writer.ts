/**
 * One Parquet data file being written: batches go to an encoder, the encoded bytes stream to
 * `FileIO.writeStream` (multipart on S3) so memory stays bounded by a row group (invariant 6), and
 * the metrics a `data_file` needs are gathered on the way: NaN counts and bounds from the Arrow
 * data, sizes and counts from the footer, which is parsed from the tail of the written bytes.
 */
import type * as arrow from 'apache-arrow';
import type { FileIO } from '../file-io.js';
import type { IcebergType, StructType } from '../types.js';
import { arrowByteSize } from './arrow-size.js';
import { type ColumnMetrics, ColumnMetricsCollector } from './column-metrics.js';
import { type FooterMetrics, footerLength, footerMetrics } from './footer.js';
import type { EncoderSettings, ParquetEncoder } from './parquet-encoder.js';
import { annotateUuidTail } from './uuid-footer.js';
import type { MetricsMode } from './write-properties.js';

/** Field ids of the `uuid` columns at any depth (their Parquet columns get the UUID logical type). */
function uuidFieldIds(schema: StructType): Set<number> {
  const ids = new Set<number>();
  const visit = (type: IcebergType, id: number) => {
    if (type === 'uuid') ids.add(id);
    if (typeof type === 'string') return;
    if (type.type === 'struct') for (const f of type.fields) visit(f.type, f.id);
    else if (type.type === 'list') visit(type.element, type['element-id']);
    else {
      visit(type.key, type['key-id']);
      visit(type.value, type['value-id']);
    }
  };
  visit(schema, -1);
  return ids;
}

/** How a file writer gets its encoder (inline parquet-wasm or a worker thread). */
export type EncoderFactory = (settings: EncoderSettings) => ParquetEncoder;

/** Raised when a data file could not be written; `path` names it. */
export class DataFileWriteError extends Error {
  override name = 'DataFileWriteError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** A finished Parquet file with everything its `data_file` record needs but the partition. */
export interface WrittenParquetFile extends FooterMetrics, ColumnMetrics {
  path: string;
  fileSizeInBytes: number;
}

/** Bytes of the file's end kept in memory to read the footer without reading the file back. */
const TAIL_BYTES = 1 << 20;

/** Writes one Parquet file; row groups are cut every `settings.rowGroupRows` rows. */
export class ParquetFileWriter {
  private readonly encoder: ParquetEncoder;
  private readonly metrics: ColumnMetricsCollector;
  private readonly sink: Promise<number>;
  /** Rejects when the sink fails; never resolves otherwise (raced against encoder waits). */
  private readonly sinkFailure: Promise<never>;
  private tail: Uint8Array = new Uint8Array(0);
  private readonly uuidFieldIds: Set<number>;
  private rowsInGroup = 0;
  /** Row groups handed to the encoder complete. */
  groupsCut = 0;
  /** Uncompressed Arrow bytes written: with a compression ratio, the file size estimate. */
  arrowBytes = 0;
  rows = 0;
  /** Set when `full` said yes at a row-group boundary: the caller closes this file. */
  full = false;

  constructor(
    private readonly io: FileIO,
    readonly path: string,
    schema: StructType,
    private readonly modes: Map<number, MetricsMode>,
    private readonly settings: EncoderSettings,
    encoderFactory: EncoderFactory,
  ) {
    this.encoder = encoderFactory(settings);
    this.uuidFieldIds = uuidFieldIds(schema);
    this.metrics = new ColumnMetricsCollector(schema, modes);
    this.sink = io.writeStream(path, this.tap(this.encoder.output));
    this.sinkFailure = this.sink.then(
      () => new Promise<never>(() => {}),
      (cause) => {
        throw new DataFileWriteError(path, 'writing failed', { cause });
      },
    );
    // The failure is observed through the races below or through close(); don't report it twice.
    this.sinkFailure.catch(() => {});
  }

  /**
   * Writes rows of `batch` from row `from`, cutting row groups every `rowGroupRows` rows. After
   * each completed row group it asks `full(this)`; when that says yes it stops there. Returns the
   * row after the last one written (`batch.numRows` when all were).
   */
  async write(
    batch: arrow.RecordBatch,
    from = 0,
    full: (file: ParquetFileWriter) => boolean = () => false,
  ): Promise<number> {
    const rowGroupRows = this.settings.rowGroupRows;
    let offset = from;
    while (offset < batch.numRows) {
      const take = Math.min(batch.numRows - offset, rowGroupRows - this.rowsInGroup);
      const piece = take === batch.numRows ? batch : batch.slice(offset, offset + take);
      // Hand the piece to the encoder first: a worker encoder starts on it while the metrics are
      // gathered here (the first batch reaches the worker sooner).
      const written = Promise.race([this.encoder.write(piece), this.sinkFailure]);
      written.catch(() => {}); // observed by the await below
      this.metrics.add(piece);
      this.arrowBytes += arrowByteSize(piece.data);
      await written;
      offset += take;
      this.rows += take;
      this.rowsInGroup += take;
      if (this.rowsInGroup === rowGroupRows) {
        this.rowsInGroup = 0;
        this.groupsCut++;
        if (full(this)) {
          this.full = true;
          break;
        }
      }
    }
    return offset;
  }

  /** Ends the file and returns its size and metrics. */
  async close(): Promise<WrittenParquetFile> {
    this.encoder.finish();
    let size: number;
    try {
      size = await this.sink;
    } catch (cause) {
      throw new DataFileWriteError(this.path, 'writing failed', { cause });
    }
    let tail = this.tail;
    if (footerLength(tail) > tail.length) tail = await this.io.read(this.path);
    const footer = footerMetrics(tail, this.modes);
    if (footer.recordCount !== this.rows) {
      throw new DataFileWriteError(this.path, `footer says ${footer.recordCount} rows, wrote ${this.rows}`);
    }
    return { path: this.path, fileSizeInBytes: size, ...footer, ...this.metrics.result() };
  }

  /** Stops writing and removes the file (a partial file is never left visible: FileIO writes atomically). */
  async abort(): Promise<void> {
    this.encoder.abort(new DataFileWriteError(this.path, 'aborted'));
    await this.sink.catch(() => undefined);
    await this.io.delete(this.path);
  }

  private async *tap(output: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    if (this.uuidFieldIds.size === 0) {
      for await (const chunk of output) {
        this.keepTail(chunk);
        yield chunk;
      }
      return;
    }
    // uuid columns: the last chunk (the footer) is held back and annotated (see uuid-footer.ts).
    let last: Uint8Array | undefined;
    for await (const chunk of output) {
      if (last) {
        this.keepTail(last);
        yield last;
      }
      last = chunk;
    }
    if (!last) return;
    const patched = annotateUuidTail(last, this.uuidFieldIds);
    this.keepTail(patched);
    yield patched;
  }

  private keepTail(chunk: Uint8Array): void {
    if (chunk.byteLength >= TAIL_BYTES) {
      this.tail = chunk.slice(chunk.byteLength - TAIL_BYTES);
      return;
    }
    const keep = this.tail.subarray(Math.max(0, this.tail.length + chunk.byteLength - TAIL_BYTES));
    const next = new Uint8Array(keep.length + chunk.byteLength);
    next.set(keep, 0);
    next.set(chunk, keep.length);
    this.tail = next;
  }
}
