/**
 * Manifests (spec: Manifests): `manifest_entry` records that track data or delete files.
 *
 * Reading matches fields by field id and applies inheritance from the manifest-list entry
 * (spec: "Sequence Number Inheritance", "Snapshot ID Inheritance"): a null `snapshot_id` takes
 * the manifest's `added_snapshot_id`; ADDED entries with null sequence numbers take the
 * manifest's `sequence_number`; v1 manifests have data sequence number 0.
 *
 * Writing produces Java's layout: every header key Java writes, a field id on every field, the
 * deflate codec, ADDED entries with null sequence numbers, EXISTING/DELETED entries with explicit
 * ones, and the partition field summaries of the manifest-list entry.
 *
 * @example
 * const { entries } = readManifest(await io.read(m.manifest_path), { manifest: m });
 * const { bytes, manifest } = writeManifest({ formatVersion: 2, schema, spec, snapshotId, content: 'data', entries, path, sequenceNumber });
 */
import { serializeValue } from '../bounds.js';
import { stringifyJson } from '../json.js';
import {
  type DataFile,
  type FieldSummary,
  type Literal,
  type ManifestEntry,
  ManifestEntryStatus,
  type ManifestFile,
  type PartitionSpec,
  type PrimitiveType,
  type Schema,
} from '../types.js';
import { readAvroFile, writeAvroFile } from './container.js';
import { FieldIdRecord } from './field-ids.js';
import { icebergSchemaOfAvro, manifestEntrySchema, partitionRecordSchema, partitionTypes } from './schemas.js';
import { bytesOrNull, literalFromAvro, literalToAvro, toBigIntOrNull, toNumberOrNull } from './values.js';

/** Raised when a manifest cannot be read or written as asked. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

export interface ReadManifestOptions {
  /** The manifest-list entry, for sequence-number, snapshot-id and first-row-id inheritance. */
  manifest?: ManifestFile;
  /** When given, partition values are ordered as this spec's fields (matched by partition field id). */
  spec?: PartitionSpec;
  schema?: Schema;
}

export interface ManifestContents {
  /** Avro header metadata (Iceberg keys, when the writer kept them). */
  header: Record<string, string>;
  entries: ManifestEntry[];
}

/** Reads a manifest (any engine, v1–v3); fields are matched by field id. */
export function readManifest(bytes: Uint8Array, options: ReadManifestOptions = {}): ManifestContents {
  const file = readAvroFile(bytes);
  const entryView = FieldIdRecord.of(file.schema);
  const fileView = entryView.nested(2);
  if (!fileView) throw new ManifestError('manifest has no data_file (field 2)');
  const partitionView = fileView.nested(102);
  const partitionFields = partitionView?.fields() ?? [];
  const { manifest, spec } = options;
  // Map spec order onto the writer's partition record: by field id, else by position.
  const order = spec
    ? spec.fields.map((pf, i) => {
        const byId = partitionFields.findIndex((f) => f.id === pf['field-id']);
        return byId >= 0 ? byId : i;
      })
    : partitionFields.map((_, i) => i);
  const headerSpecId = file.header['partition-spec-id'];
  const specId =
    manifest?.partition_spec_id ?? spec?.['spec-id'] ?? (headerSpecId !== undefined ? Number(headerSpecId) : undefined);
  const isV1 = file.header['format-version'] === '1' || (!fileView.has(134) && !entryView.has(3));
  let nextRowId = manifest?.first_row_id ?? null;

  const entries = file.records.map((record, index): ManifestEntry => {
    const raw = entryView.get(record, 2) as Record<string, unknown> | null;
    if (!raw) throw new ManifestError(`manifest entry ${index} has no data_file`);
    const status = (toNumberOrNull(entryView.get(record, 0)) ?? ManifestEntryStatus.Added) as ManifestEntryStatus;
    const partitionRecord = (fileView.get(raw, 102) as Record<string, unknown> | null) ?? {};
    const partition: Literal[] = order.map((i) => {
      const f = partitionFields[i];
      return f ? literalFromAvro(partitionRecord[f.name], f.type) : null;
    });
    const dataFile: DataFile = {
      content: (toNumberOrNull(fileView.get(raw, 134)) ?? 0) as DataFile['content'],
      file_path: String(fileView.get(raw, 100)),
      file_format: String(fileView.get(raw, 101)).toUpperCase(),
      partition,
      record_count: toNumberOrNull(fileView.get(raw, 103)) ?? 0,
      file_size_in_bytes: toNumberOrNull(fileView.get(raw, 104)) ?? 0,
      column_sizes: readMap(fileView.get(raw, 108), toNumberOrNull),
      value_counts: readMap(fileView.get(raw, 109), toNumberOrNull),
      null_value_counts: readMap(fileView.get(raw, 110), toNumberOrNull),
      nan_value_counts: readMap(fileView.get(raw, 137), toNumberOrNull),
      lower_bounds: readMap(fileView.get(raw, 125), bytesOrNull),
      upper_bounds: readMap(fileView.get(raw, 128), bytesOrNull),
      key_metadata: bytesOrNull(fileView.get(raw, 131)),
      split_offsets: readList(fileView.get(raw, 132), toNumberOrNull),
      equality_ids: readList(fileView.get(raw, 135), toNumberOrNull),
      sort_order_id: toNumberOrNull(fileView.get(raw, 140)),
      first_row_id: toBigIntOrNull(fileView.get(raw, 142)),
      referenced_data_file: (fileView.get(raw, 143) as string | null | undefined) ?? null,
      content_offset: toNumberOrNull(fileView.get(raw, 144)),
      content_size_in_bytes: toNumberOrNull(fileView.get(raw, 145)),
    };
    if (specId !== undefined) dataFile.spec_id = specId;
    let snapshotId = toBigIntOrNull(entryView.get(record, 1));
    let sequenceNumber = toBigIntOrNull(entryView.get(record, 3));
    let fileSequenceNumber = toBigIntOrNull(entryView.get(record, 4));
    if (isV1) {
      // v1 data files have data and file sequence number 0 (spec: Sequence Number Inheritance).
      sequenceNumber ??= 0n;
      fileSequenceNumber ??= 0n;
    }
    if (manifest) {
      snapshotId ??= manifest.added_snapshot_id;
      if (status === ManifestEntryStatus.Added) {
        sequenceNumber ??= manifest.sequence_number;
        fileSequenceNumber ??= manifest.sequence_number;
      }
      // v3 row lineage: a data file without first_row_id gets the manifest's next id (spec: Row Lineage).
      if (nextRowId !== null && dataFile.content === 0 && status !== ManifestEntryStatus.Deleted) {
        if (dataFile.first_row_id == null) {
          dataFile.first_row_id = nextRowId;
          nextRowId += BigInt(dataFile.record_count);
        }
      }
    }
    return {
      status,
      snapshot_id: snapshotId,
      sequence_number: sequenceNumber,
      file_sequence_number: fileSequenceNumber,
      data_file: dataFile,
    };
  });
  return { header: file.header, entries };
}

function readMap<T>(value: unknown, convert: (v: unknown) => T | null): Map<number, T> | null {
  if (value === null || value === undefined) return null;
  const out = new Map<number, T>();
  for (const pair of value as Record<string, unknown>[]) {
    // Key/value records are read by position: BigQuery writes them without field ids.
    const [k, v] = Object.values(pair);
    const converted = convert(v);
    if (converted !== null) out.set(Number(k), converted);
  }
  return out;
}

function readList<T>(value: unknown, convert: (v: unknown) => T | null): T[] | null {
  if (value === null || value === undefined) return null;
  return (value as unknown[]).map((v) => convert(v) as T);
}

export interface WriteManifestOptions {
  formatVersion: 1 | 2 | 3;
  /** The table schema the files were written with (header `schema`, partition source types). */
  schema: Schema;
  spec: PartitionSpec;
  /** The snapshot writing this manifest: ADDED entries get it. */
  snapshotId: bigint;
  content: 'data' | 'deletes';
  entries: ManifestEntry[];
  /** Where the manifest will be written (becomes `manifest_path`). */
  path: string;
  /** The sequence number of the snapshot writing this manifest (v2+; 0 for v1). */
  sequenceNumber: bigint;
}

export interface WrittenManifest {
  bytes: Uint8Array;
  /** The manifest-list entry for these bytes (`first_row_id` left to the manifest-list writer). */
  manifest: ManifestFile;
}

/** v1 `block_size_in_bytes` (field 105) is required but meaningless; Java writes 64 MiB. */
const V1_BLOCK_SIZE = 64n * 1024n * 1024n;

/** Writes a manifest like Iceberg Java, and returns its manifest-list entry. */
export function writeManifest(options: WriteManifestOptions): WrittenManifest {
  const { formatVersion, schema, spec, snapshotId, entries, sequenceNumber } = options;
  const types = partitionTypes(spec, schema);
  const partitionSchema = partitionRecordSchema(spec, schema);
  const avroSchema = manifestEntrySchema(formatVersion, partitionSchema);
  const partitionNames = (partitionSchema as unknown as { fields: { name: string }[] }).fields.map((f) => f.name);
  const metadata: Record<string, string> = {
    schema: stringifyJson(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': stringifyJson(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': String(formatVersion),
    'iceberg.schema': stringifyJson(icebergSchemaOfAvro(avroSchema)),
  };
  if (formatVersion >= 2) metadata.content = options.content;

  const counts = { added: [0, 0], existing: [0, 0], deleted: [0, 0] };
  let minSequenceNumber: bigint | undefined;
  const records = entries.map((entry) => {
    const f = entry.data_file;
    if (f.partition.length !== spec.fields.length) {
      throw new ManifestError(
        `${f.file_path}: ${f.partition.length} partition values for spec ${spec['spec-id']} with ${spec.fields.length} fields`,
      );
    }
    const bucket =
      entry.status === ManifestEntryStatus.Added
        ? counts.added
        : entry.status === ManifestEntryStatus.Existing
          ? counts.existing
          : counts.deleted;
    bucket[0] = (bucket[0] as number) + 1;
    bucket[1] = (bucket[1] as number) + f.record_count;
    const partition: Record<string, unknown> = {};
    f.partition.forEach((value, i) => {
      partition[partitionNames[i] as string] = literalToAvro(value, types[i] as PrimitiveType);
    });
    const dataFile: Record<string, unknown> = {
      file_path: f.file_path,
      file_format: f.file_format,
      partition,
      record_count: BigInt(f.record_count),
      file_size_in_bytes: BigInt(f.file_size_in_bytes),
      column_sizes: writeMap(f.column_sizes, BigInt),
      value_counts: writeMap(f.value_counts, BigInt),
      null_value_counts: writeMap(f.null_value_counts, BigInt),
      nan_value_counts: writeMap(f.nan_value_counts, BigInt),
      lower_bounds: writeMap(f.lower_bounds, (b) => Buffer.from(b)),
      upper_bounds: writeMap(f.upper_bounds, (b) => Buffer.from(b)),
      key_metadata: f.key_metadata ? Buffer.from(f.key_metadata) : null,
      split_offsets: f.split_offsets ? f.split_offsets.map((o) => BigInt(o)) : null,
      sort_order_id: f.sort_order_id ?? null,
    };
    if (formatVersion === 1) dataFile.block_size_in_bytes = V1_BLOCK_SIZE;
    if (formatVersion >= 2) {
      dataFile.content = f.content;
      dataFile.equality_ids = f.equality_ids ?? null;
    }
    if (formatVersion >= 3) {
      dataFile.first_row_id = f.first_row_id ?? null;
      dataFile.referenced_data_file = f.referenced_data_file ?? null;
      dataFile.content_offset = f.content_offset == null ? null : BigInt(f.content_offset);
      dataFile.content_size_in_bytes = f.content_size_in_bytes == null ? null : BigInt(f.content_size_in_bytes);
    }
    const added = entry.status === ManifestEntryStatus.Added;
    const record: Record<string, unknown> = {
      status: entry.status,
      snapshot_id: added ? snapshotId : (entry.snapshot_id ?? snapshotId),
      data_file: dataFile,
    };
    if (formatVersion >= 2) {
      if (added) {
        // ADDED entries leave sequence numbers null: they are inherited from the manifest list
        // (spec: Sequence Number Inheritance), so a retried commit needs no rewrite. A rewrite
        // (compaction) sets the data sequence number explicitly to keep the rows' one.
        record.sequence_number = entry.sequence_number ?? null;
        record.file_sequence_number = null;
      } else {
        if (entry.sequence_number == null)
          throw new ManifestError(
            `${f.file_path}: ${entry.status === ManifestEntryStatus.Deleted ? 'DELETED' : 'EXISTING'} entry needs an explicit sequence number`,
          );
        record.sequence_number = entry.sequence_number;
        record.file_sequence_number = entry.file_sequence_number ?? entry.sequence_number;
      }
    }
    const dataSequence = added ? (entry.sequence_number ?? sequenceNumber) : (entry.sequence_number ?? 0n);
    if (minSequenceNumber === undefined || dataSequence < minSequenceNumber) minSequenceNumber = dataSequence;
    return record;
  });
  const bytes = writeAvroFile({ schema: avroSchema, metadata, records });
  const manifest: ManifestFile = {
    manifest_path: options.path,
    manifest_length: bytes.byteLength,
    partition_spec_id: spec['spec-id'],
    content: options.content === 'data' ? 0 : 1,
    sequence_number: sequenceNumber,
    min_sequence_number: minSequenceNumber ?? sequenceNumber,
    added_snapshot_id: snapshotId,
    added_files_count: counts.added[0] as number,
    existing_files_count: counts.existing[0] as number,
    deleted_files_count: counts.deleted[0] as number,
    added_rows_count: counts.added[1] as number,
    existing_rows_count: counts.existing[1] as number,
    deleted_rows_count: counts.deleted[1] as number,
    partitions: partitionSummaries(types, entries),
    key_metadata: null,
  };
  return { bytes, manifest };
}

function writeMap<T, U>(
  map: Map<number, T> | null | undefined,
  convert: (v: T) => U,
): { key: number; value: U }[] | null {
  if (!map) return null;
  return [...map].map(([key, value]) => ({ key, value: convert(value) }));
}

/** Partition field summaries for the manifest list (spec: Manifest Lists, `field_summary`). */
export function partitionSummaries(types: PrimitiveType[], entries: ManifestEntry[]): FieldSummary[] {
  return types.map((type, i) => {
    let containsNull = false;
    let containsNan = false;
    let lower: Literal = null;
    let upper: Literal = null;
    for (const entry of entries) {
      const value = entry.data_file.partition[i] ?? null;
      if (value === null) containsNull = true;
      else if (typeof value === 'number' && Number.isNaN(value)) containsNan = true;
      else {
        // NaN is never a bound (spec Appendix D).
        if (lower === null || compareLiterals(value, lower) < 0) lower = value;
        if (upper === null || compareLiterals(value, upper) > 0) upper = value;
      }
    }
    return {
      contains_null: containsNull,
      contains_nan: containsNan,
      lower_bound: lower === null ? null : serializeValue(type, lower),
      upper_bound: upper === null ? null : serializeValue(type, upper),
    };
  });
}

/** Orders two non-null literals of the same type (bytes compare unsigned, lexicographically). */
export function compareLiterals(a: Literal, b: Literal): number {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.compare(y);
  }
  const x = a as number | bigint;
  const y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}
