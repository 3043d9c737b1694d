/**
 * Appending a snapshot to copies of real tables (v1 with a day partition, v2, v3 with row
 * lineage): every existing manifest is carried forward unchanged and icebird, an independent
 * reader, returns the old rows plus the new ones.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { toArrowSchema } from '../../lib/iceberg/arrow-schema.js';
import { readManifest, readManifestListFile } from '../../lib/iceberg/avro/index.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { DataFileWriter } from '../../lib/iceberg/parquet/data-file-writer.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { fastAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import type { DataFile, ManifestFile, Schema, TableMetadata } from '../../lib/iceberg/types.js';
import { openLocalTable } from '../../lib/local/table-paths.js';
import { commitToLocalTable, readTableWithIcebird } from '../support/icebird.js';

const tablesDir = join(import.meta.dirname, '../fixtures/tables');
const scratch = mkdtempSync(join(tmpdir(), 'floe-append-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * One Arrow batch of `rows` with the table schema's real column names (`Breed Name`): the writer
 * stores them as Iceberg Java does (`Breed_x20Name`), which is the name icebird looks up.
 */
function batchOf(schema: Schema, rows: Record<string, unknown>[]): arrow.RecordBatch {
  const arrowSchema = toArrowSchema(schema);
  const children = arrowSchema.fields.map(
    (f) =>
      arrow.vectorFromArray(
        rows.map((r) => r[f.name] ?? null),
        f.type,
      ).data[0] as arrow.Data,
  );
  const data = arrow.makeData({
    type: new arrow.Struct(arrowSchema.fields),
    length: rows.length,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(arrowSchema, data);
}

async function writeDataFiles(
  io: FileIO,
  metadata: TableMetadata,
  rows: Record<string, unknown>[],
): Promise<DataFile[]> {
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']) as Schema;
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id']);
  if (!spec) throw new Error('no default spec');
  const writer = new DataFileWriter({
    io,
    schema,
    spec,
    formatVersion: metadata['format-version'],
    dataLocation: `${metadata.location.replace(/\/+$/, '')}/data`,
    namePrefix: `floe-${randomUUID()}`,
    properties: metadata.properties,
  });
  await writer.write(batchOf(schema, rows));
  return writer.close();
}

const sortRows = (rows: Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort();

const cases: { name: string; rows: Record<string, unknown>[] }[] = [
  {
    name: 'icebird-spark-bunnies',
    rows: [
      {
        'Breed Name': 'Floe Lop',
        'Average Weight': 2.5,
        'Fur Length': 3.25,
        Lifespan: 9n,
        'Origin Country': 'Iceland',
        'Ear Type': 'Lop',
        Temperament: 'Calm',
        'Popularity Rank': 99n,
        breed_name_length: 8,
      },
      {
        'Breed Name': 'Arctic Rex',
        'Average Weight': 3,
        'Fur Length': 1.5,
        Lifespan: 11n,
        'Origin Country': 'Norway',
        'Ear Type': 'Erect',
        Temperament: 'Curious',
        'Popularity Rank': 100n,
        breed_name_length: 10,
      },
    ],
  },
  {
    name: 'polars-iceberg-table',
    // Two days: one that exists already (2023-03-02) and a new one.
    rows: [
      { id: 10, str: 'ten', ts: Date.UTC(2023, 2, 2, 8, 0, 0) },
      { id: 11, str: 'eleven', ts: Date.UTC(2023, 2, 5, 23, 59, 0) },
    ],
  },
  { name: 'impala-iceberg_v3_row_lineage', rows: [{ i: 41 }, { i: 42 }, { i: 43 }] },
];

describe('fast append on copies of real tables', () => {
  it.each(cases)('$name: old manifests carried unchanged, icebird reads old + new rows', async ({ name, rows }) => {
    const dir = join(scratch, name);
    cpSync(join(tablesDir, name), dir, { recursive: true });
    const table = await openLocalTable(dir);
    const io = table.io;
    const before = table.metadata;
    const oldRows = await readTableWithIcebird(dir);
    const base = before.snapshots.find((s) => s['snapshot-id'] === before['current-snapshot-id']);
    const baseManifests = readManifestListFile(await io.read(base?.['manifest-list'] as string)).manifests;
    const baseBytes = await Promise.all(baseManifests.map((m) => io.read(m.manifest_path)));

    const dataFiles = await writeDataFiles(io, before, rows);
    const snapshotId = newSnapshotId();
    const product = await fastAppend({
      metadata: before,
      io,
      dataFiles,
      snapshotId,
      attemptId: randomUUID(),
      extraSummary: { 'floe.ingest-ids': 'test-1' },
    });
    const after = await commitToLocalTable(table, io, product);

    // The new list = one new manifest + every old manifest record, byte for byte the same files.
    const list = readManifestListFile(await io.read(product.snapshot['manifest-list'] as string));
    expect(list.header['format-version']).toBe(String(before['format-version']));
    expect(list.manifests).toHaveLength(baseManifests.length + 1);
    const carried = list.manifests.slice(1);
    // Fields the old writer's schema lacked read back as null once written by floe's schema.
    const comparable = ({ first_row_id, key_metadata, ...m }: ManifestFile) => ({
      ...m,
      key_metadata: key_metadata ?? null,
      ...(before['format-version'] >= 3 ? { first_row_id } : {}),
    });
    expect(carried.map(comparable)).toEqual(baseManifests.map(comparable));
    for (const [i, m] of baseManifests.entries()) expect(await io.read(m.manifest_path)).toEqual(baseBytes[i]);
    const fresh = list.manifests[0];
    expect(fresh?.added_snapshot_id).toBe(snapshotId);
    expect(fresh?.added_rows_count).toBe(rows.length);
    const { header, entries } = readManifest(await io.read(fresh?.manifest_path as string), { manifest: fresh });
    expect(header['format-version']).toBe(String(before['format-version']));
    expect(entries.every((e) => e.status === 1 && e.snapshot_id === snapshotId)).toBe(true);

    // Summary totals continue the parent's.
    const summary = product.snapshot.summary;
    expect(summary.operation).toBe('append');
    expect(summary['added-records']).toBe(String(rows.length));
    expect(summary['total-records']).toBe(String(Number(base?.summary['total-records']) + rows.length));
    expect(summary['floe.ingest-ids']).toBe('test-1');
    expect(after['current-snapshot-id']).toBe(snapshotId);
    if (before['format-version'] >= 2)
      expect(product.snapshot['sequence-number']).toBe(before['last-sequence-number'] + 1n);
    else expect(product.snapshot['sequence-number']).toBeUndefined();

    // The independent reader sees the old rows plus the new ones.
    const newRows = await readTableWithIcebird(dir);
    expect(newRows).toHaveLength(oldRows.length + rows.length);
    const asRead = rows.map((r) => ({ ...r, ...(typeof r.ts === 'number' ? { ts: new Date(r.ts) } : {}) }));
    expect(sortRows(newRows)).toEqual(sortRows([...oldRows, ...asRead]));

    // floe's own scan agrees with the summary.
    const live = await liveDataFiles(io, after);
    expect(String(live.reduce((n, e) => n + e.data_file.record_count, 0))).toBe(summary['total-records']);
  });

  it('v3: the new snapshot continues row lineage from next-row-id', async () => {
    const dir = join(scratch, 'v3-lineage');
    cpSync(join(tablesDir, 'impala-iceberg_v3_row_lineage'), dir, { recursive: true });
    const table = await openLocalTable(dir);
    const before = table.metadata;
    const dataFiles = await writeDataFiles(table.io, before, [{ i: 7 }, { i: 8 }]);
    const product = await fastAppend({
      metadata: before,
      io: table.io,
      dataFiles,
      snapshotId: newSnapshotId(),
      attemptId: randomUUID(),
    });
    expect(product.snapshot['first-row-id']).toBe(before['next-row-id']);
    expect(product.snapshot['added-rows']).toBe(2n);
    const after = await commitToLocalTable(table, table.io, product);
    expect(after['next-row-id']).toBe((before['next-row-id'] as bigint) + 2n);
    const list = readManifestListFile(await table.io.read(product.snapshot['manifest-list'] as string));
    expect(list.header['first-row-id']).toBe(String(before['next-row-id']));
    expect(list.manifests[0]?.first_row_id).toBe(before['next-row-id']);
    // Inherited by the data file on read (spec: Row Lineage).
    const live = await liveDataFiles(table.io, after);
    const mine = live.find((e) => e.data_file.file_path === dataFiles[0]?.file_path);
    expect(mine?.data_file.first_row_id).toBe(before['next-row-id']);
    // Written metadata stays readable by another engine's parser: the file on disk is lossless.
    expect(readFileSync(table.metadataPath, 'utf8')).toContain(`"next-row-id": ${after['next-row-id']}`);
  });
});
