/**
 * The Iceberg table-format model, shaped exactly like the spec's JSON (kebab-case keys) so that
 * metadata files, REST bodies and these types are one and the same thing.
 *
 * 64-bit identifiers (snapshot ids, sequence numbers) are `bigint` everywhere: `JSON.parse` would
 * round them (invariant 3). Parse JSON with `lib/iceberg/json.ts`, never with `JSON.parse`.
 *
 * spec: https://iceberg.apache.org/spec/ (format/spec.md in apache/iceberg)
 */

/** A primitive type as the spec writes it in JSON, e.g. `"long"`, `"decimal(9,2)"`, `"fixed[16]"`. */
export type PrimitiveType =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp_ns'
  | 'timestamptz_ns'
  | 'string'
  | 'uuid'
  | 'binary'
  | 'unknown'
  | 'variant'
  | `decimal(${number},${number})`
  | `decimal(${number}, ${number})`
  | `fixed[${number}]`
  | (string & {});

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  'initial-default'?: unknown;
  'write-default'?: unknown;
}

export interface StructType {
  type: 'struct';
  fields: NestedField[];
}

export interface ListType {
  type: 'list';
  'element-id': number;
  'element-required': boolean;
  element: IcebergType;
}

export interface MapType {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  'value-required': boolean;
  value: IcebergType;
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface Schema extends StructType {
  'schema-id': number;
  'identifier-field-ids'?: number[];
}

export interface PartitionField {
  'source-id': number;
  /** v3 multi-argument transforms; absent for single-source transforms. */
  'source-ids'?: number[];
  'field-id': number;
  name: string;
  /** `identity`, `bucket[N]`, `truncate[W]`, `year`, `month`, `day`, `hour`, `void`. */
  transform: string;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export interface SortField {
  'source-id': number;
  transform: string;
  direction: 'asc' | 'desc';
  'null-order': 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  'order-id': number;
  fields: SortField[];
}

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface Snapshot {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint | null;
  /** v2+: the table's `last-sequence-number` + 1 when the snapshot was committed. */
  'sequence-number'?: bigint;
  'timestamp-ms': number;
  /** Absent only on v1 snapshots that list `manifests` instead. */
  'manifest-list'?: string;
  /** v1 only (deprecated): manifest paths listed inline. */
  manifests?: string[];
  summary: { operation: SnapshotOperation } & Record<string, string>;
  'schema-id'?: number;
  /** v3 row lineage. */
  'first-row-id'?: bigint;
  'added-rows'?: bigint;
  [key: string]: unknown;
}

export interface SnapshotRef {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
  'max-ref-age-ms'?: number;
  'max-snapshot-age-ms'?: number;
  'min-snapshots-to-keep'?: number;
}

export interface SnapshotLogEntry {
  'snapshot-id': bigint;
  'timestamp-ms': number;
}

export interface MetadataLogEntry {
  'metadata-file': string;
  'timestamp-ms': number;
}

export interface StatisticsFile {
  'snapshot-id': bigint;
  'statistics-path': string;
  'file-size-in-bytes': number;
  'file-footer-size-in-bytes': number;
  'blob-metadata': unknown[];
  [key: string]: unknown;
}

export interface PartitionStatisticsFile {
  'snapshot-id': bigint;
  'statistics-path': string;
  'file-size-in-bytes': number;
  [key: string]: unknown;
}

/**
 * Table metadata, normalized: the deprecated v1 fields (`schema`, `partition-spec`) are lifted
 * into `schemas` / `partition-specs`, and a missing current snapshot is `undefined` whatever the
 * writer used (-1, null or no key). Keys floe does not know are kept as they were, so a rewrite
 * never drops another engine's fields.
 */
export interface TableMetadata {
  'format-version': 1 | 2 | 3;
  'table-uuid': string;
  location: string;
  'last-sequence-number': bigint;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  'current-snapshot-id'?: bigint;
  snapshots: Snapshot[];
  'snapshot-log': SnapshotLogEntry[];
  'metadata-log': MetadataLogEntry[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs: Record<string, SnapshotRef>;
  statistics?: StatisticsFile[];
  'partition-statistics'?: PartitionStatisticsFile[];
  /** v3 row lineage. */
  'next-row-id'?: bigint;
  [key: string]: unknown;
}

/**
 * A value in Iceberg's internal representation, used for partition values, bounds and
 * transforms:
 * - boolean → boolean; int, date (days) → number; float, double → number;
 * - long, time/timestamp/timestamptz (µs), timestamp_ns (ns) → bigint;
 * - decimal → bigint (the unscaled value); string → string; uuid → string (canonical form);
 * - fixed, binary → Uint8Array; null → null.
 */
export type Literal = null | boolean | number | bigint | string | Uint8Array;

/** `data_file.content` (field 134). */
export enum DataFileContent {
  Data = 0,
  PositionDeletes = 1,
  EqualityDeletes = 2,
}

/**
 * `data_file` (spec: Manifests). Counts and sizes are `number` (safe far beyond any real file);
 * maps are keyed by field id.
 */
export interface DataFile {
  content: DataFileContent;
  file_path: string;
  file_format: 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN' | (string & {});
  /** One value per field of the partition spec the file was written with, in spec order. */
  partition: Literal[];
  record_count: number;
  file_size_in_bytes: number;
  column_sizes?: Map<number, number> | null;
  value_counts?: Map<number, number> | null;
  null_value_counts?: Map<number, number> | null;
  nan_value_counts?: Map<number, number> | null;
  lower_bounds?: Map<number, Uint8Array> | null;
  upper_bounds?: Map<number, Uint8Array> | null;
  key_metadata?: Uint8Array | null;
  split_offsets?: number[] | null;
  equality_ids?: number[] | null;
  sort_order_id?: number | null;
  /** v3 row lineage; null for new files. */
  first_row_id?: bigint | null;
  referenced_data_file?: string | null;
  content_offset?: number | null;
  content_size_in_bytes?: number | null;
  /** The spec id the file was written with (from the manifest, not stored in data_file). */
  spec_id?: number;
}

/** `manifest_entry.status` (field 0). */
export enum ManifestEntryStatus {
  Existing = 0,
  Added = 1,
  Deleted = 2,
}

export interface ManifestEntry {
  status: ManifestEntryStatus;
  /** Null on ADDED entries of v2+ manifests: inherited from the manifest list (spec: Sequence Number Inheritance). */
  snapshot_id: bigint | null;
  sequence_number: bigint | null;
  file_sequence_number: bigint | null;
  data_file: DataFile;
}

export interface FieldSummary {
  contains_null: boolean;
  contains_nan?: boolean | null;
  lower_bound?: Uint8Array | null;
  upper_bound?: Uint8Array | null;
}

/** `manifest_file`, an entry of a manifest list. Read by field id (504–506 have two names). */
export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  /** 0 data, 1 deletes. */
  content: 0 | 1;
  sequence_number: bigint;
  min_sequence_number: bigint;
  added_snapshot_id: bigint;
  added_files_count: number | null;
  existing_files_count: number | null;
  deleted_files_count: number | null;
  added_rows_count: number | null;
  existing_rows_count: number | null;
  deleted_rows_count: number | null;
  partitions?: FieldSummary[] | null;
  key_metadata?: Uint8Array | null;
  /** v3 row lineage. */
  first_row_id?: bigint | null;
}

/** A REST `TableRequirement` (rest-catalog-open-api.yaml). */
export type TableRequirement =
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  | { type: 'assert-ref-snapshot-id'; ref: string; 'snapshot-id': bigint | null }
  | { type: 'assert-last-assigned-field-id'; 'last-assigned-field-id': number }
  | { type: 'assert-current-schema-id'; 'current-schema-id': number }
  | { type: 'assert-last-assigned-partition-id'; 'last-assigned-partition-id': number }
  | { type: 'assert-default-spec-id'; 'default-spec-id': number }
  | { type: 'assert-default-sort-order-id'; 'default-sort-order-id': number };

/** A REST `TableUpdate` (rest-catalog-open-api.yaml). */
export type TableUpdate =
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; 'format-version': number }
  | { action: 'add-schema'; schema: Schema; 'last-column-id'?: number }
  | { action: 'set-current-schema'; 'schema-id': number }
  | { action: 'add-spec'; spec: PartitionSpec }
  | { action: 'set-default-spec'; 'spec-id': number }
  | { action: 'add-sort-order'; 'sort-order': SortOrder }
  | { action: 'set-default-sort-order'; 'sort-order-id': number }
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | {
      action: 'set-snapshot-ref';
      'ref-name': string;
      type: 'branch' | 'tag';
      'snapshot-id': bigint;
      'max-ref-age-ms'?: number;
      'max-snapshot-age-ms'?: number;
      'min-snapshots-to-keep'?: number;
    }
  | { action: 'remove-snapshots'; 'snapshot-ids': bigint[] }
  | { action: 'remove-snapshot-ref'; 'ref-name': string }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] }
  | { action: 'set-statistics'; 'snapshot-id'?: bigint; statistics: StatisticsFile }
  | { action: 'remove-statistics'; 'snapshot-id': bigint }
  | { action: 'set-partition-statistics'; 'partition-statistics': PartitionStatisticsFile }
  | { action: 'remove-partition-statistics'; 'snapshot-id': bigint }
  | { action: 'remove-schemas'; 'schema-ids': number[] }
  | { action: 'remove-partition-specs'; 'spec-ids': number[] };

/** What a snapshot producer (or any table change) asks the catalog to do. */
export interface TableChange {
  requirements: TableRequirement[];
  updates: TableUpdate[];
}

/** A file a producer wants written before the commit is sent (manifests, manifest lists). */
export interface PendingFile {
  path: string;
  bytes: Uint8Array;
}
