/**
 * `floe inspect`: a plain, JSON-ready report of a table on local disk — format version, schema,
 * partition specs, snapshots and the live files of one snapshot. 64-bit ids are strings so that
 * any JSON reader keeps them exact (docs/inspect.md describes every field).
 *
 * @example
 * const report = await inspectTable('test/fixtures/tables/icebird-spark-bunnies');
 * report.files?.totals.records; // rows in the current snapshot
 */
import { existsSync } from 'node:fs';
import { currentSchema, currentSnapshot, schemaById, snapshotById, specById } from '../iceberg/metadata.js';
import { partitionToHuman, resolvePartitionFields } from '../iceberg/partition.js';
import { snapshotFiles } from '../iceberg/scan.js';
import type { ManifestEntry, NestedField, Schema, TableMetadata } from '../iceberg/types.js';
import { type LocalTableFileIO, openLocalTable } from './table-paths.js';

/** Raised when the snapshot asked for is not in the table. */
export class InspectSnapshotNotFoundError extends Error {
  override name = 'InspectSnapshotNotFoundError';
}

export interface InspectReport {
  /** Local path of the metadata file that was read. */
  metadataFile: string;
  formatVersion: number;
  tableUuid: string | null;
  location: string;
  lastUpdatedMs: number;
  lastSequenceNumber: string;
  lastColumnId: number;
  currentSchemaId: number;
  /** The current schema, in spec JSON. */
  schema: Schema;
  /** The schema ids the metadata holds (older ones are not repeated here). */
  schemaIds: number[];
  defaultSpecId: number;
  partitionSpecs: InspectSpec[];
  defaultSortOrderId: number;
  properties: Record<string, string>;
  currentSnapshotId: string | null;
  refs: Record<string, { snapshotId: string; type: string }>;
  snapshots: InspectSnapshot[];
  /** The files of the inspected snapshot; null for a table without snapshots. */
  files: InspectFiles | null;
}

export interface InspectSpec {
  specId: number;
  fields: {
    fieldId: number;
    name: string;
    transform: string;
    sourceId: number;
    sourceName: string | null;
    resultType: string;
  }[];
}

export interface InspectSnapshot {
  snapshotId: string;
  parentSnapshotId: string | null;
  sequenceNumber: string | null;
  timestampMs: number;
  /** ISO-8601 UTC rendering of `timestampMs`. */
  timestamp: string;
  operation: string | null;
  schemaId: number | null;
  manifestList: string | null;
  summary: Record<string, string>;
  /** True for the snapshot `main` points at. */
  current: boolean;
}

export interface InspectFile {
  /** The path as written in the manifest. */
  path: string;
  /** Where that path was found on this disk (see table-paths.ts), or null when it does not exist. */
  localPath: string | null;
  format: string;
  specId: number | null;
  /** Partition values in Java's human form (`2024-01-01`, `2024-01-01-10`), keyed by partition field name. */
  partition: Record<string, string | null>;
  recordCount: number;
  fileSizeInBytes: number;
  /** `ADDED` or `EXISTING`. */
  status: string;
  snapshotId: string | null;
  sequenceNumber: string | null;
}

export interface InspectFiles {
  snapshotId: string;
  manifests: number;
  dataFiles: InspectFile[];
  deleteFiles: (InspectFile & { content: 'position-deletes' | 'equality-deletes' })[];
  totals: { dataFiles: number; records: number; fileSizeInBytes: number; deleteFiles: number };
  /** `total-records` of the snapshot summary, when the writer recorded it. */
  summaryTotalRecords: number | null;
  /** Set when the manifests could not be read (missing files); the lists are then empty. */
  error: string | null;
}

/** Inspects a table on local disk (table directory, metadata directory or metadata file). */
export async function inspectTable(path: string, options: { snapshotId?: bigint } = {}): Promise<InspectReport> {
  const table = await openLocalTable(path);
  const m = table.metadata;
  const schema = currentSchema(m);
  const report: InspectReport = {
    metadataFile: table.metadataPath,
    formatVersion: m['format-version'],
    tableUuid: m['table-uuid'] ?? null,
    location: m.location,
    lastUpdatedMs: m['last-updated-ms'],
    lastSequenceNumber: String(m['last-sequence-number']),
    lastColumnId: m['last-column-id'],
    currentSchemaId: m['current-schema-id'],
    schema,
    schemaIds: m.schemas.map((s) => s['schema-id']),
    defaultSpecId: m['default-spec-id'],
    partitionSpecs: m['partition-specs'].map((spec) => ({
      specId: spec['spec-id'],
      fields: resolvePartitionFields(spec, schema).map((p) => ({
        fieldId: p.field['field-id'],
        name: p.field.name,
        transform: p.field.transform,
        sourceId: p.field['source-id'],
        sourceName: p.source?.name ?? null,
        resultType: p.resultType,
      })),
    })),
    defaultSortOrderId: m['default-sort-order-id'],
    properties: m.properties,
    currentSnapshotId: m['current-snapshot-id'] === undefined ? null : String(m['current-snapshot-id']),
    refs: Object.fromEntries(
      Object.entries(m.refs).map(([name, ref]) => [name, { snapshotId: String(ref['snapshot-id']), type: ref.type }]),
    ),
    snapshots: m.snapshots.map((s) => ({
      snapshotId: String(s['snapshot-id']),
      parentSnapshotId: s['parent-snapshot-id'] == null ? null : String(s['parent-snapshot-id']),
      sequenceNumber: s['sequence-number'] === undefined ? null : String(s['sequence-number']),
      timestampMs: s['timestamp-ms'],
      timestamp: new Date(s['timestamp-ms']).toISOString(),
      operation: s.summary?.operation ?? null,
      schemaId: s['schema-id'] ?? null,
      manifestList: s['manifest-list'] ?? null,
      summary: s.summary ?? {},
      current: s['snapshot-id'] === currentSnapshot(m)?.['snapshot-id'],
    })),
    files: null,
  };

  const snapshot = options.snapshotId !== undefined ? snapshotById(m, options.snapshotId) : currentSnapshot(m);
  if (options.snapshotId !== undefined && !snapshot) {
    throw new InspectSnapshotNotFoundError(`snapshot ${options.snapshotId} is not in ${table.metadataPath}`);
  }
  if (!snapshot) return report;

  const totalRecords = snapshot.summary?.['total-records'];
  const files: InspectFiles = {
    snapshotId: String(snapshot['snapshot-id']),
    manifests: 0,
    dataFiles: [],
    deleteFiles: [],
    totals: { dataFiles: 0, records: 0, fileSizeInBytes: 0, deleteFiles: 0 },
    summaryTotalRecords: totalRecords === undefined ? null : Number(totalRecords),
    error: null,
  };
  report.files = files;
  try {
    const scanned = await snapshotFiles(table.io, m, { snapshotId: snapshot['snapshot-id'] });
    if (!scanned) return report;
    // Partition values are shown against the schema the snapshot was written with, when known.
    const fileSchema =
      (snapshot['schema-id'] !== undefined ? schemaById(m, snapshot['schema-id']) : undefined) ?? schema;
    files.manifests = scanned.manifests.length;
    files.dataFiles = scanned.dataEntries.map((e) => describeEntry(m, fileSchema, e, table.io));
    files.deleteFiles = scanned.deleteEntries.map((e) => ({
      ...describeEntry(m, fileSchema, e, table.io),
      content: e.data_file.content === 2 ? 'equality-deletes' : 'position-deletes',
    }));
    files.totals = {
      dataFiles: files.dataFiles.length,
      records: files.dataFiles.reduce((n, f) => n + f.recordCount, 0),
      fileSizeInBytes: files.dataFiles.reduce((n, f) => n + f.fileSizeInBytes, 0),
      deleteFiles: files.deleteFiles.length,
    };
  } catch (error) {
    files.error = (error as Error).message;
  }
  return report;
}

function describeEntry(m: TableMetadata, schema: Schema, entry: ManifestEntry, io: LocalTableFileIO): InspectFile {
  const file = entry.data_file;
  const local = io.resolve(file.file_path);
  const spec = file.spec_id !== undefined ? specById(m, file.spec_id) : undefined;
  return {
    path: file.file_path,
    localPath: existsSync(local) ? local : null,
    format: file.file_format,
    specId: file.spec_id ?? null,
    partition: spec ? partitionToHuman(spec, schema, file.partition) : {},
    recordCount: file.record_count,
    fileSizeInBytes: file.file_size_in_bytes,
    status: entry.status === 1 ? 'ADDED' : 'EXISTING',
    snapshotId: entry.snapshot_id === null ? null : String(entry.snapshot_id),
    sequenceNumber: entry.sequence_number === null ? null : String(entry.sequence_number),
  };
}

/** A schema field tree as indented lines (`  1  id: long (required)`), for text output. */
export function describeSchema(fields: NestedField[], indent = ''): string[] {
  const lines: string[] = [];
  for (const field of fields) {
    const type = field.type;
    const name = typeof type === 'string' ? type : type.type;
    lines.push(
      `${indent}${String(field.id).padStart(4)}  ${field.name}: ${name}${field.required ? ' (required)' : ''}`,
    );
    if (typeof type !== 'string') {
      if (type.type === 'struct') lines.push(...describeSchema(type.fields, `${indent}  `));
      else if (type.type === 'list')
        lines.push(
          ...describeSchema(
            [{ id: type['element-id'], name: 'element', required: type['element-required'], type: type.element }],
            `${indent}  `,
          ),
        );
      else {
        lines.push(
          ...describeSchema(
            [
              { id: type['key-id'], name: 'key', required: true, type: type.key },
              { id: type['value-id'], name: 'value', required: type['value-required'], type: type.value },
            ],
            `${indent}  `,
          ),
        );
      }
    }
  }
  return lines;
}
