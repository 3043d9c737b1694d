/**
 * Manifest lists (spec: Manifest Lists): one `manifest_file` record per manifest of a snapshot.
 *
 * Reading matches fields by field id, so Java < 1.5 (`added_data_files_count`), Java ≥ 1.5,
 * PyIceberg, DuckDB and BigQuery files all read the same; v1 lists (no content, no sequence
 * numbers) read as content 0 and sequence number 0 (spec: "Sequence Number Inheritance": v1
 * files have data sequence number 0).
 *
 * @example
 * const manifests = readManifestList(await io.read(snapshot['manifest-list']));
 * const bytes = writeManifestList({ formatVersion: 2, snapshotId, parentSnapshotId, sequenceNumber, manifests });
 */
import { stringifyJson } from '../json.js';
import type { FieldSummary, ManifestFile } from '../types.js';
import { readAvroFile, writeAvroFile } from './container.js';
import { FieldIdRecord } from './field-ids.js';
import { icebergSchemaOfAvro, manifestListSchema } from './schemas.js';
import { bytesOrNull, toBigIntOrNull, toNumberOrNull } from './values.js';

/** Raised when a manifest list lacks a required field. */
export class ManifestListError extends Error {
  override name = 'ManifestListError';
}

/** A manifest list with its Avro header (Iceberg keys such as `snapshot-id`, when the writer kept them). */
export interface ManifestListFile {
  header: Record<string, string>;
  manifests: ManifestFile[];
}

/** Reads a manifest list; fields are matched by field id. */
export function readManifestList(bytes: Uint8Array): ManifestFile[] {
  return readManifestListFile(bytes).manifests;
}

/** Reads a manifest list and its header. */
export function readManifestListFile(bytes: Uint8Array): ManifestListFile {
  const file = readAvroFile(bytes);
  const view = FieldIdRecord.of(file.schema);
  const summaries = view.nested(507);
  const headerSnapshot = file.header['snapshot-id'];
  const manifests = file.records.map((record, index) => {
    const path = view.get(record, 500);
    if (typeof path !== 'string')
      throw new ManifestListError(`manifest list record ${index} has no manifest_path (field 500)`);
    const snapshotId =
      toBigIntOrNull(view.get(record, 503)) ??
      (headerSnapshot && /^-?\d+$/.test(headerSnapshot) ? BigInt(headerSnapshot) : null);
    if (snapshotId === null) throw new ManifestListError(`manifest ${path} has no added_snapshot_id (field 503)`);
    const sequenceNumber = toBigIntOrNull(view.get(record, 515)) ?? 0n;
    const manifest: ManifestFile = {
      manifest_path: path,
      manifest_length: toNumberOrNull(view.get(record, 501)) ?? 0,
      partition_spec_id: toNumberOrNull(view.get(record, 502)) ?? 0,
      content: (toNumberOrNull(view.get(record, 517)) ?? 0) as 0 | 1,
      sequence_number: sequenceNumber,
      min_sequence_number: toBigIntOrNull(view.get(record, 516)) ?? sequenceNumber,
      added_snapshot_id: snapshotId,
      added_files_count: toNumberOrNull(view.get(record, 504)),
      existing_files_count: toNumberOrNull(view.get(record, 505)),
      deleted_files_count: toNumberOrNull(view.get(record, 506)),
      added_rows_count: toNumberOrNull(view.get(record, 512)),
      existing_rows_count: toNumberOrNull(view.get(record, 513)),
      deleted_rows_count: toNumberOrNull(view.get(record, 514)),
    };
    const partitions = view.get(record, 507) as Record<string, unknown>[] | null | undefined;
    if (partitions && summaries) {
      manifest.partitions = partitions.map(
        (s): FieldSummary => ({
          contains_null: Boolean(summaries.get(s, 509)),
          contains_nan: (summaries.get(s, 518) as boolean | null | undefined) ?? null,
          lower_bound: bytesOrNull(summaries.get(s, 510)),
          upper_bound: bytesOrNull(summaries.get(s, 511)),
        }),
      );
    } else if (view.has(507)) {
      manifest.partitions = null;
    }
    if (view.has(519)) manifest.key_metadata = bytesOrNull(view.get(record, 519));
    if (view.has(520)) manifest.first_row_id = toBigIntOrNull(view.get(record, 520));
    return manifest;
  });
  return { header: file.header, manifests };
}

export interface WriteManifestListOptions {
  formatVersion: 1 | 2 | 3;
  snapshotId: bigint;
  parentSnapshotId: bigint | null | undefined;
  /** The snapshot's sequence number (v2+; ignored for v1). */
  sequenceNumber: bigint;
  /** v3: the snapshot's `first-row-id`, written to the header as Java does. */
  firstRowId?: bigint;
  manifests: ManifestFile[];
}

/** Writes a manifest list with Java's header keys and a field id on every field. */
export function writeManifestList(options: WriteManifestListOptions): Uint8Array {
  const { formatVersion } = options;
  const schema = manifestListSchema(formatVersion);
  const metadata: Record<string, string> = {
    'snapshot-id': options.snapshotId.toString(),
    // Java writes the string "null" for the first snapshot.
    'parent-snapshot-id': options.parentSnapshotId == null ? 'null' : options.parentSnapshotId.toString(),
    'format-version': String(formatVersion),
    'iceberg.schema': stringifyJson(icebergSchemaOfAvro(schema)),
  };
  if (formatVersion >= 2) metadata['sequence-number'] = options.sequenceNumber.toString();
  if (formatVersion >= 3 && options.firstRowId !== undefined) metadata['first-row-id'] = options.firstRowId.toString();
  const records = options.manifests.map((m) => {
    const record: Record<string, unknown> = {
      manifest_path: m.manifest_path,
      manifest_length: BigInt(m.manifest_length),
      partition_spec_id: m.partition_spec_id,
      added_snapshot_id: m.added_snapshot_id,
      added_files_count: m.added_files_count ?? (formatVersion === 1 ? null : 0),
      existing_files_count: m.existing_files_count ?? (formatVersion === 1 ? null : 0),
      deleted_files_count: m.deleted_files_count ?? (formatVersion === 1 ? null : 0),
      added_rows_count: bigOrDefault(m.added_rows_count, formatVersion),
      existing_rows_count: bigOrDefault(m.existing_rows_count, formatVersion),
      deleted_rows_count: bigOrDefault(m.deleted_rows_count, formatVersion),
      partitions:
        m.partitions?.map((s) => ({
          contains_null: s.contains_null,
          contains_nan: s.contains_nan ?? null,
          lower_bound: s.lower_bound ? Buffer.from(s.lower_bound) : null,
          upper_bound: s.upper_bound ? Buffer.from(s.upper_bound) : null,
        })) ?? null,
      key_metadata: m.key_metadata ? Buffer.from(m.key_metadata) : null,
    };
    if (formatVersion >= 2) {
      record.content = m.content;
      record.sequence_number = m.sequence_number;
      record.min_sequence_number = m.min_sequence_number;
    }
    if (formatVersion >= 3) record.first_row_id = m.first_row_id ?? null;
    return record;
  });
  return writeAvroFile({ schema, metadata, records });
}

function bigOrDefault(value: number | null, formatVersion: number): bigint | null {
  if (value === null || value === undefined) return formatVersion === 1 ? null : 0n;
  return BigInt(value);
}
