/**
 * Manifests and manifest lists floe writes: read back by floe (by field id) and by icebird's
 * Avro reader (a second implementation), with Java's header keys and a field id on every field.
 */
import { avroMetadata, avroRead } from 'icebird';
import { describe, expect, it } from 'vitest';
import { readManifest, readManifestListFile, writeManifest, writeManifestList } from '../../lib/iceberg/avro/index.js';
import { deserializeValue } from '../../lib/iceberg/bounds.js';
import { parseJson } from '../../lib/iceberg/json.js';
import {
  type DataFile,
  type ManifestEntry,
  ManifestEntryStatus,
  type PartitionSpec,
  type Schema,
} from '../../lib/iceberg/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'amount', required: false, type: 'decimal(10,2)' },
    { id: 4, name: 'key', required: false, type: 'uuid' },
    { id: 5, name: 'name', required: false, type: 'string' },
  ],
};
const spec: PartitionSpec = {
  'spec-id': 1,
  fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
    { 'source-id': 3, 'field-id': 1001, name: 'amount', transform: 'identity' },
    { 'source-id': 4, 'field-id': 1002, name: 'key', transform: 'identity' },
    { 'source-id': 5, 'field-id': 1003, name: 'name bucket', transform: 'bucket[8]' },
  ],
};

function dataFile(i: number, partition: DataFile['partition']): DataFile {
  return {
    content: 0,
    file_path: `s3://bucket/t/data/f${i}.parquet`,
    file_format: 'PARQUET',
    partition,
    record_count: 10 + i,
    file_size_in_bytes: 1000 + i,
    column_sizes: new Map([[1, 80]]),
    value_counts: new Map([[1, 10 + i]]),
    null_value_counts: new Map([[1, 0]]),
    nan_value_counts: null,
    lower_bounds: new Map([[1, new Uint8Array(8)]]),
    upper_bounds: new Map([[1, new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0])]]),
    split_offsets: [4],
    sort_order_id: 0,
  };
}

const entries: ManifestEntry[] = [
  {
    status: ManifestEntryStatus.Added,
    snapshot_id: 42n,
    sequence_number: null,
    file_sequence_number: null,
    data_file: dataFile(0, [19417, 12345n, '0d1c5e1e-8c0b-4a8e-9f53-0b2c6f1d9a10', 3]),
  },
  {
    status: ManifestEntryStatus.Existing,
    snapshot_id: 7n,
    sequence_number: 4n,
    file_sequence_number: 5n,
    data_file: dataFile(1, [19400, -5n, null, 7]),
  },
  {
    status: ManifestEntryStatus.Deleted,
    snapshot_id: 42n,
    sequence_number: 2n,
    file_sequence_number: 2n,
    data_file: dataFile(2, [null, 99999n, null, 0]),
  },
];

const simpleSpec: PartitionSpec = { 'spec-id': 2, fields: [spec.fields[0], spec.fields[3]] as PartitionSpec['fields'] };
const withSimplePartition = (e: ManifestEntry): ManifestEntry => ({
  ...e,
  data_file: { ...e.data_file, partition: [e.data_file.partition[0] ?? null, e.data_file.partition[3] ?? null] },
});

function icebird(bytes: Uint8Array) {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { metadata, syncMarker } = avroMetadata(reader);
  return { metadata, records: avroRead({ reader, metadata, syncMarker }) };
}

function everyFieldHasId(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(everyFieldHasId);
  if (typeof schema !== 'object' || schema === null) return true;
  const s = schema as Record<string, unknown>;
  if (
    Array.isArray(s.fields) &&
    !s.fields.every((f: Record<string, unknown>) => typeof f['field-id'] === 'number' && everyFieldHasId(f.type))
  )
    return false;
  if (s.type === 'array' && s.logicalType !== 'map' && typeof s['element-id'] !== 'number') return false;
  return everyFieldHasId(s.items ?? null) && (typeof s.type === 'object' ? everyFieldHasId(s.type) : true);
}

describe('writeManifest', () => {
  it.each([1, 2, 3] as const)('v%i round-trips entries, partitions and metrics', (formatVersion) => {
    const input = formatVersion === 1 ? entries.map((e) => ({ ...e, snapshot_id: e.snapshot_id ?? 42n })) : entries;
    const { bytes, manifest } = writeManifest({
      formatVersion,
      schema,
      spec,
      snapshotId: 42n,
      content: 'data',
      entries: input,
      path: 's3://bucket/t/metadata/a-m0.avro',
      sequenceNumber: 6n,
    });
    expect(manifest.manifest_length).toBe(bytes.byteLength);
    expect([manifest.added_files_count, manifest.existing_files_count, manifest.deleted_files_count]).toEqual([
      1, 1, 1,
    ]);
    expect([manifest.added_rows_count, manifest.existing_rows_count, manifest.deleted_rows_count]).toEqual([
      10, 11, 12,
    ]);
    expect(manifest.min_sequence_number).toBe(2n);

    const back = readManifest(bytes, { manifest: { ...manifest, sequence_number: 6n }, spec });
    expect(back.header['format-version']).toBe(String(formatVersion));
    expect(back.header['partition-spec-id']).toBe('1');
    expect(back.header['schema-id']).toBe('3');
    expect(parseJson<Schema>(back.header.schema as string).fields).toHaveLength(5);
    expect(parseJson<unknown[]>(back.header['partition-spec'] as string)).toHaveLength(4);
    expect(back.header['iceberg.schema']).toContain('"data_file"');
    if (formatVersion >= 2) expect(back.header.content).toBe('data');
    expect(back.entries.map((e) => e.data_file.partition)).toEqual(input.map((e) => e.data_file.partition));
    expect(back.entries[0]?.data_file.upper_bounds?.get(1)).toEqual(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0]));
    expect(back.entries[0]?.data_file.value_counts?.get(1)).toBe(10);
    expect(back.entries[0]?.data_file.split_offsets).toEqual([4]);
    expect(back.entries.map((e) => e.status)).toEqual([1, 0, 2]);
    if (formatVersion >= 2) {
      // ADDED inherits the manifest's sequence number; the others keep theirs.
      expect(back.entries.map((e) => e.sequence_number)).toEqual([6n, 4n, 2n]);
      expect(back.entries.map((e) => e.file_sequence_number)).toEqual([6n, 5n, 2n]);
    }

    // icebird's Avro reader has no `fixed` (decimal, uuid partitions): give it a spec without them.
    const simple = writeManifest({
      formatVersion,
      schema,
      spec: simpleSpec,
      snapshotId: 42n,
      content: 'data',
      entries: input.map(withSimplePartition),
      path: 'p',
      sequenceNumber: 6n,
    });
    const { metadata, records } = icebird(simple.bytes);
    expect(everyFieldHasId(metadata['avro.schema'])).toBe(true);
    expect(metadata['avro.codec']).toBe('deflate');
    expect(records.map((r) => r.data_file.partition.name_x20bucket)).toEqual([3, 7, 0]);
    const dataFields = (
      metadata['avro.schema'] as { fields: { name: string; type: { fields: { name: string }[] } }[] }
    ).fields
      .find((f) => f.name === 'data_file')
      ?.type.fields.map((f) => f.name);
    expect(dataFields?.includes('block_size_in_bytes')).toBe(formatVersion === 1);
    expect(records).toHaveLength(3);
    expect(records[0]?.data_file.file_path).toBe('s3://bucket/t/data/f0.parquet');
    expect(records[0]?.data_file.record_count).toBe(10n);
    if (formatVersion >= 2) expect(records[0]?.sequence_number).toBeUndefined(); // null: inherited
  });

  it('summarizes partitions with single-value bounds (spec Appendix D)', () => {
    const { manifest } = writeManifest({
      formatVersion: 2,
      schema,
      spec,
      snapshotId: 42n,
      content: 'data',
      entries,
      path: 'p',
      sequenceNumber: 6n,
    });
    const [day, amount, key, bucket] = manifest.partitions ?? [];
    expect(day?.contains_null).toBe(true);
    expect(deserializeValue('date', day?.lower_bound as Uint8Array)).toBe(19400);
    expect(deserializeValue('date', day?.upper_bound as Uint8Array)).toBe(19417);
    expect(deserializeValue('decimal(10,2)', amount?.lower_bound as Uint8Array)).toBe(-5n);
    expect(deserializeValue('decimal(10,2)', amount?.upper_bound as Uint8Array)).toBe(99999n);
    expect(key?.contains_null).toBe(true);
    expect(bucket?.contains_null).toBe(false);
    expect(deserializeValue('int', bucket?.upper_bound as Uint8Array)).toBe(7);
  });
});

describe('writeManifestList', () => {
  it.each([1, 2, 3] as const)('v%i writes Java header keys and reads back by field id', (formatVersion) => {
    const { manifest } = writeManifest({
      formatVersion,
      schema,
      spec,
      snapshotId: 42n,
      content: 'data',
      entries: entries.slice(0, 2),
      path: 's3://b/t/metadata/a-m0.avro',
      sequenceNumber: 6n,
    });
    const bytes = writeManifestList({
      formatVersion,
      snapshotId: 9223372036854775807n,
      parentSnapshotId: null,
      sequenceNumber: 6n,
      firstRowId: 100n,
      manifests: [{ ...manifest, first_row_id: 100n }],
    });
    const { header, manifests } = readManifestListFile(bytes);
    expect(header['snapshot-id']).toBe('9223372036854775807');
    expect(header['parent-snapshot-id']).toBe('null');
    expect(header['format-version']).toBe(String(formatVersion));
    expect(header['iceberg.schema']).toContain('manifest_path');
    expect(header['sequence-number']).toBe(formatVersion >= 2 ? '6' : undefined);
    expect(header['first-row-id']).toBe(formatVersion >= 3 ? '100' : undefined);
    const [m] = manifests;
    expect(m?.manifest_path).toBe('s3://b/t/metadata/a-m0.avro');
    expect(m?.added_snapshot_id).toBe(42n);
    expect(m?.sequence_number).toBe(formatVersion >= 2 ? 6n : 0n);
    expect(m?.partitions).toEqual(manifest.partitions);
    expect(m?.first_row_id).toBe(formatVersion >= 3 ? 100n : undefined);

    const { metadata, records } = icebird(bytes);
    expect(everyFieldHasId(metadata['avro.schema'])).toBe(true);
    expect(records[0]?.manifest_path).toBe('s3://b/t/metadata/a-m0.avro');
    expect(records[0]?.added_files_count).toBe(1);
  });
});
