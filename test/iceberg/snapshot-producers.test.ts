/** The REST change, names and ids a snapshot producer returns. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifestListFile } from '../../lib/iceberg/avro/index.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { applyUpdates, checkRequirements, newTableMetadata } from '../../lib/iceberg/metadata-builder.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { fastAppend, newSnapshotId, SnapshotProducerError } from '../../lib/iceberg/snapshot/index.js';
import type { DataFile } from '../../lib/iceberg/types.js';
import { openLocalTable } from '../../lib/local/table-paths.js';
import { LocalFileIO } from '../../lib/storage/local.js';

const scratch = mkdtempSync(join(tmpdir(), 'floe-producer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const io = new LocalFileIO();
/** The producers' IO: reading is allowed, any write fails the test (producers are pure). */
const readOnly: FileIO = Object.assign(Object.create(io) as FileIO, {
  write: () => Promise.reject(new Error('producer wrote')),
  writeStream: () => Promise.reject(new Error('producer wrote')),
  delete: () => Promise.reject(new Error('producer deleted')),
});
const location = join(scratch, 't');
const metadata = newTableMetadata({
  location,
  schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'x', required: false, type: 'long' }] },
});
const file: DataFile = {
  content: 0,
  file_path: `${location}/data/a.parquet`,
  file_format: 'PARQUET',
  partition: [],
  record_count: 3,
  file_size_in_bytes: 300,
};

describe('snapshot producers', () => {
  it('newSnapshotId is a positive 63-bit integer, different each time', () => {
    const ids = Array.from({ length: 100 }, newSnapshotId);
    expect(ids.every((id) => id > 0n && id < 2n ** 63n)).toBe(true);
    expect(new Set(ids).size).toBe(100);
  });

  it('first append: Java-shaped change, sequence number 1, parent "null" in the list header', async () => {
    const snapshotId = newSnapshotId();
    const product = await fastAppend({
      metadata,
      io,
      dataFiles: [file],
      snapshotId,
      attemptId: 'att1',
      now: 1_700_000_000_000,
    });
    expect(product.change.requirements).toEqual([
      { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
    ]);
    expect(product.change.updates).toEqual([
      { action: 'add-snapshot', snapshot: product.snapshot },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId },
    ]);
    expect(product.snapshot['sequence-number']).toBe(1n);
    expect(product.snapshot['parent-snapshot-id']).toBeUndefined();
    expect(product.snapshot['timestamp-ms']).toBe(1_700_000_000_000);
    expect(product.files.map((f) => f.path)).toEqual([
      `${location}/metadata/att1-m0.avro`,
      `${location}/metadata/snap-${snapshotId}-1-att1.avro`,
    ]);
    expect(product.snapshot.summary).toMatchObject({
      operation: 'append',
      'added-data-files': '1',
      'added-records': '3',
      'added-files-size': '300',
      'changed-partition-count': '1',
      'total-records': '3',
      'total-data-files': '1',
      'total-files-size': '300',
      'total-delete-files': '0',
    });
    const list = readManifestListFile(product.files[1]?.bytes as Uint8Array);
    expect(list.header['parent-snapshot-id']).toBe('null');
    expect(list.header['sequence-number']).toBe('1');
    checkRequirements(metadata, product.change.requirements);
  });

  it('a retry keeps the snapshot id but writes new file names; a stale base fails the requirement', async () => {
    const snapshotId = newSnapshotId();
    const first = await fastAppend({ metadata, io, dataFiles: [file], snapshotId, attemptId: 'try1' });
    const second = await fastAppend({ metadata, io, dataFiles: [file], snapshotId, attemptId: 'try2' });
    expect(second.snapshot['snapshot-id']).toBe(first.snapshot['snapshot-id']);
    expect(second.files.map((f) => f.path).some((p) => first.files.some((f) => f.path === p))).toBe(false);

    for (const f of first.files) await io.write(f.path, f.bytes);
    const committed = applyUpdates(metadata, first.change.updates);
    // The second attempt was built on the old base: the catalog must refuse it.
    expect(() => checkRequirements(committed, second.change.requirements)).toThrow();
    const rebuilt = await fastAppend({
      metadata: committed,
      io: readOnly,
      dataFiles: [file],
      snapshotId: newSnapshotId(),
      attemptId: 'try3',
    });
    expect(rebuilt.change.requirements[1]).toEqual({
      type: 'assert-ref-snapshot-id',
      ref: 'main',
      'snapshot-id': snapshotId,
    });
    expect(rebuilt.snapshot['sequence-number']).toBe(2n);
    expect(rebuilt.snapshot['parent-snapshot-id']).toBe(snapshotId);
    expect(rebuilt.snapshot.summary['total-records']).toBe('6');
  });

  it('appends to another branch without touching main', async () => {
    const product = await fastAppend({
      metadata,
      io,
      dataFiles: [file],
      snapshotId: newSnapshotId(),
      attemptId: 'b1',
      branch: 'audit',
    });
    expect(product.change.requirements[1]).toEqual({
      type: 'assert-ref-snapshot-id',
      ref: 'audit',
      'snapshot-id': null,
    });
    expect(product.change.updates[1]).toMatchObject({ 'ref-name': 'audit' });
  });

  it('rejects a data file whose partition does not fit the spec', async () => {
    await expect(
      fastAppend({
        metadata,
        io,
        dataFiles: [{ ...file, partition: [1] }],
        snapshotId: newSnapshotId(),
        attemptId: 'bad',
      }),
    ).rejects.toThrow(SnapshotProducerError);
  });

  it('appends to a v1 snapshot that lists `manifests` inline (duckdb-legacy_v1): they move into a manifest list', async () => {
    const table = await openLocalTable(join(import.meta.dirname, '../fixtures/tables/duckdb-legacy_v1'));
    const base = table.metadata.snapshots.find((s) => s['snapshot-id'] === table.metadata['current-snapshot-id']);
    expect(base?.['manifest-list']).toBeUndefined();
    const live = await liveDataFiles(table.io, table.metadata);
    const product = await fastAppend({
      metadata: table.metadata,
      io: table.io,
      dataFiles: [{ ...(live[0]?.data_file as DataFile), file_path: 'x.parquet' }],
      snapshotId: newSnapshotId(),
      attemptId: 'v1',
    });
    const list = readManifestListFile(product.files.at(-1)?.bytes as Uint8Array);
    expect(list.header['format-version']).toBe('1');
    expect(list.manifests.slice(1).map((m) => m.manifest_path)).toEqual(base?.manifests);
    expect(list.manifests.slice(1).every((m) => m.added_files_count !== null && m.sequence_number === 0n)).toBe(true);
    expect(product.snapshot['sequence-number']).toBeUndefined();
  });

  it('honours write.metadata.path for manifests and the manifest list', async () => {
    const custom = {
      ...metadata,
      properties: { ...metadata.properties, 'write.metadata.path': `${scratch}/elsewhere/` },
    };
    const product = await fastAppend({
      metadata: custom,
      io,
      dataFiles: [file],
      snapshotId: newSnapshotId(),
      attemptId: 'w1',
    });
    expect(product.files.every((f) => f.path.startsWith(`${scratch}/elsewhere/`) && !f.path.includes('//w1'))).toBe(
      true,
    );
  });
});
