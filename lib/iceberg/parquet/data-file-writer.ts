/**
 * `DataFileWriter`: Arrow record batches in, Iceberg Parquet data files and their complete
 * `data_file` records out (spec: Manifests; Appendix A for Parquet).
 *
 * - Rows fan out by partition tuple (the spec's transforms over the source columns); one file is
 *   open per partition, as Java's fanout writer.
 * - A file rolls over at `write.target-file-size-bytes`, decided only at row-group boundaries from
 *   the bytes actually encoded, so the same input always gives the same files.
 * - Parquet column names are Iceberg Java's Avro-compatible ones (`Breed Name` → `Breed_x20Name`,
 *   see parquet-names.ts); the field id on every column stays the key readers match by.
 * - File names are deterministic: `${dataLocation}/${partitionPath}/${namePrefix}-${partitionHash}-${seq}.parquet`.
 *   A retry of the same ingest (same `namePrefix`) rewrites the same paths, never adds new ones.
 *
 * @example
 * ```ts
 * const writer = new DataFileWriter({ io, schema, spec, formatVersion: 2,
 *   dataLocation: `${table.location}/data`, namePrefix: ingestId, properties: table.properties });
 * for await (const batch of batches) await writer.write(batch); // batch.schema = toArrowSchema(schema)
 * const dataFiles = await writer.close();
 * ```
 */
import { createHash } from 'node:crypto';
import type * as arrow from 'apache-arrow';
import type { FileIO } from '../file-io.js';
import { applyTransform, partitionPath, type ResolvedPartitionField, resolvePartitionFields } from '../partition.js';
import { isPrimitive, parsePrimitive } from '../schema.js';
import type { DataFile, Literal, NestedField, PartitionSpec, PrimitiveType, Schema } from '../types.js';
import { arrowByteSize } from './arrow-size.js';
import { isValid, valueReader } from './arrow-values.js';
import { compressionRatioSample, type EncoderSettings, inlineEncoder } from './parquet-encoder.js';
import { type EncoderFactory, ParquetFileWriter, type WrittenParquetFile } from './parquet-file-writer.js';
import { gatherRows } from './row-gather.js';
import { type MetricsMode, metricsModes, type ParquetWriteOptions, parquetWriteOptions } from './write-properties.js';

export interface DataFileWriterOptions {
  io: FileIO;
  schema: Schema;
  spec: PartitionSpec;
  formatVersion: 1 | 2 | 3;
  /** Where data files go, e.g. `${table.location}/data` or the table's `write.data.path`. */
  dataLocation: string;
  /** Deterministic prefix of every file name, derived from the ingest id by the caller. */
  namePrefix: string;
  /** Table properties: `write.target-file-size-bytes`, `write.parquet.*`, `write.metadata.metrics.*`. */
  properties?: Record<string, string>;
  /** Encoder per file; default parquet-wasm on this thread (see `workerEncoder` for a worker thread). */
  encoder?: EncoderFactory;
}

/** Raised when a batch does not fit the writer (schema mismatch, write after close). */
export class DataFileWriterError extends Error {
  override name = 'DataFileWriterError';
}

interface PartitionState {
  key: string;
  values: Literal[];
  dir: string;
  hash: string;
  seq: number;
  file: ParquetFileWriter | undefined;
}

/** Writes Iceberg Parquet data files for one table, partitioned and rolled per the table's settings. */
export class DataFileWriter {
  private readonly options: ParquetWriteOptions;
  private readonly modes: Map<number, MetricsMode>;
  private readonly partitionFields: ResolvedPartitionField[];
  private readonly sources: (SourcePath | null)[];
  private readonly partitions = new Map<string, PartitionState>();
  private readonly done: DataFile[] = [];
  private readonly location: string;
  private rowGroupRows = 0;
  /**
   * Encoded bytes per Arrow byte: sampled from the first batch (encoded only when first needed,
   * see `compressionRatioSample`), then learned from closed files.
   */
  private ratio: () => number = () => 1;
  private closedBytes = 0;
  private closedArrowBytes = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(private readonly config: DataFileWriterOptions) {
    this.options = parquetWriteOptions(config.properties);
    this.modes = metricsModes(config.schema, config.properties);
    this.partitionFields = resolvePartitionFields(config.spec, config.schema);
    this.sources = this.partitionFields.map((p) =>
      p.transform.type === 'void' || !p.source ? null : sourcePath(config.schema, p.field['source-id']),
    );
    this.location = config.dataLocation.replace(/\/+$/, '');
  }

  /** Writes one batch whose schema is `toArrowSchema(schema)`. */
  async write(batch: arrow.RecordBatch): Promise<void> {
    if (this.state !== 'open') throw new DataFileWriterError(`write after ${this.state}`);
    if (batch.numRows === 0) return;
    if (batch.schema.fields.length !== this.config.schema.fields.length) {
      throw new DataFileWriterError(
        `batch has ${batch.schema.fields.length} columns, schema ${this.config.schema['schema-id']} has ${this.config.schema.fields.length}`,
      );
    }
    if (this.rowGroupRows === 0) {
      this.rowGroupRows = this.chooseRowGroupRows(batch);
      this.ratio = compressionRatioSample(batch, this.encoderSettings());
    }
    for (const { values, key, rows } of this.split(batch)) {
      await this.route(key, values, rows ? gatherRows(batch, rows) : batch);
    }
  }

  /** Finishes every open file and returns the `data_file` records of all files written, by path. */
  async close(): Promise<DataFile[]> {
    if (this.state !== 'open') throw new DataFileWriterError(`close after ${this.state}`);
    this.state = 'closed';
    for (const partition of this.partitions.values()) await this.finishFile(partition);
    return [...this.done].sort((a, b) => (a.file_path < b.file_path ? -1 : a.file_path > b.file_path ? 1 : 0));
  }

  /** Stops writing and deletes every file this writer wrote or started. */
  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    for (const partition of this.partitions.values()) {
      const file = partition.file;
      partition.file = undefined;
      await file?.abort();
    }
    for (const file of this.done) await this.config.io.delete(file.file_path);
  }

  private async route(key: string, values: Literal[], batch: arrow.RecordBatch): Promise<void> {
    let partition = this.partitions.get(key);
    if (!partition) {
      const path = this.partitionFields.length === 0 ? '' : partitionPath(this.config.spec, this.config.schema, values);
      partition = {
        key,
        values,
        dir: path ? `${this.location}/${path}` : this.location,
        hash: hashKey(key),
        seq: 0,
        file: undefined,
      };
      this.partitions.set(key, partition);
    }
    let from = 0;
    while (from < batch.numRows) {
      const file = partition.file ?? this.openFile(partition);
      from = await file.write(batch, from, this.full);
      if (file.full) await this.finishFile(partition);
    }
  }

  /**
   * Roll when one more row group of the average size would pass the target. Asked at row-group
   * boundaries; the estimate uses data sizes only (never encoder timing), so a retry cuts files at
   * the same rows.
   */
  private readonly full = (file: ParquetFileWriter): boolean => {
    const estimate = file.arrowBytes * this.ratio();
    return estimate + estimate / file.groupsCut > this.options.targetFileSizeBytes;
  };

  private openFile(partition: PartitionState): ParquetFileWriter {
    const name = `${this.config.namePrefix}-${partition.hash}-${String(partition.seq).padStart(5, '0')}.parquet`;
    partition.seq++;
    partition.file = new ParquetFileWriter(
      this.config.io,
      `${partition.dir}/${name}`,
      this.config.schema,
      this.modes,
      this.encoderSettings(),
      this.config.encoder ?? inlineEncoder,
    );
    return partition.file;
  }

  private encoderSettings(): EncoderSettings {
    return { rowGroupRows: this.rowGroupRows, options: this.options };
  }

  private async finishFile(partition: PartitionState): Promise<void> {
    const file = partition.file;
    if (!file) return;
    partition.file = undefined;
    const written = await file.close();
    this.closedBytes += written.fileSizeInBytes;
    this.closedArrowBytes += file.arrowBytes;
    const learned = this.closedBytes / Math.max(1, this.closedArrowBytes);
    this.ratio = () => learned;
    this.done.push(this.dataFile(written, partition.values));
  }

  private dataFile(written: WrittenParquetFile, partition: Literal[]): DataFile {
    const file: DataFile = {
      content: 0,
      file_path: written.path,
      file_format: 'PARQUET',
      partition,
      record_count: written.recordCount,
      file_size_in_bytes: written.fileSizeInBytes,
      column_sizes: written.columnSizes,
      value_counts: written.valueCounts,
      null_value_counts: written.nullValueCounts,
      nan_value_counts: written.nanValueCounts,
      lower_bounds: written.lowerBounds,
      upper_bounds: written.upperBounds,
      key_metadata: null,
      split_offsets: written.splitOffsets,
      sort_order_id: null,
      spec_id: this.config.spec['spec-id'],
    };
    // v3 row lineage: new files carry a null first_row_id; it is inherited from the manifest.
    if (this.config.formatVersion >= 3) file.first_row_id = null;
    return file;
  }

  /**
   * Rows per row group, fixed for the writer from the first batch's Arrow size so the cut is
   * deterministic: `write.parquet.row-group-size-bytes` (or the target file size if smaller) of
   * uncompressed Arrow data, at most `write.parquet.row-group-max-rows`.
   */
  private chooseRowGroupRows(batch: arrow.RecordBatch): number {
    const bytesPerRow = Math.max(1, arrowByteSize(batch.data) / batch.numRows);
    const budget = Math.min(this.options.rowGroupSizeBytes, this.options.targetFileSizeBytes);
    return Math.max(1, Math.min(this.options.rowGroupMaxRows, Math.floor(budget / bytesPerRow)));
  }

  /** Splits a batch by partition tuple; `rows` is undefined when the whole batch is one partition. */
  private split(batch: arrow.RecordBatch): { key: string; values: Literal[]; rows?: Int32Array }[] {
    const active = this.sources.some((s) => s !== null);
    if (!active) {
      return [{ key: '', values: this.partitionFields.map(() => null) }];
    }
    const readers = this.partitionFields.map((p, i) => {
      const source = this.sources[i];
      if (!source) return () => null as Literal;
      return partitionValueReader(batch, source, p);
    });
    const groups = new Map<string, { values: Literal[]; rows: number[] }>();
    const n = batch.numRows;
    for (let row = 0; row < n; row++) {
      const values = readers.map((read) => read(row));
      const key = keyOf(values);
      let group = groups.get(key);
      if (!group) {
        group = { values, rows: [] };
        groups.set(key, group);
      }
      group.rows.push(row);
    }
    if (groups.size === 1) {
      const [key, group] = [...groups][0] as [string, { values: Literal[] }];
      return [{ key, values: group.values }];
    }
    return [...groups].map(([key, g]) => ({ key, values: g.values, rows: Int32Array.from(g.rows) }));
  }
}

/** Where a partition source column sits: child indexes through structs, and its primitive type. */
interface SourcePath {
  indexes: number[];
  type: PrimitiveType;
}

function sourcePath(schema: Schema, fieldId: number): SourcePath | null {
  const search = (fields: NestedField[], prefix: number[]): SourcePath | null => {
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as NestedField;
      if (field.id === fieldId) return isPrimitive(field.type) ? { indexes: [...prefix, i], type: field.type } : null;
      if (!isPrimitive(field.type) && field.type.type === 'struct') {
        const found = search(field.type.fields, [...prefix, i]);
        if (found) return found;
      }
    }
    return null;
  };
  return search(schema.fields, []);
}

/** Reads the transformed partition value of each row; a null parent struct makes the value null. */
function partitionValueReader(
  batch: arrow.RecordBatch,
  source: SourcePath,
  p: ResolvedPartitionField,
): (row: number) => Literal {
  const chain: arrow.Data[] = [];
  let data: arrow.Data = batch.data;
  for (const index of source.indexes) {
    data = data.children[index] as arrow.Data;
    chain.push(data);
  }
  const read = valueReader(data, parsePrimitive(source.type));
  // Sorted or clustered input repeats values: remember the last transform.
  let lastIn: Literal | undefined;
  let lastOut: Literal = null;
  return (row) => {
    for (const level of chain) if (!isValid(level, row)) return null;
    const value = read(row);
    if (value === lastIn) return lastOut;
    lastIn = value;
    lastOut = applyTransform(p.transform, source.type, value);
    return lastOut;
  };
}

function keyOf(values: Literal[]): string {
  return values
    .map((v) => {
      if (v === null) return 'n';
      if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('hex')}`;
      return `${(typeof v)[0]}${String(v)}`;
    })
    .join('\u0001');
}

/** A short, stable name part for a partition tuple (so files of different partitions never collide, even when their paths escape alike). */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
