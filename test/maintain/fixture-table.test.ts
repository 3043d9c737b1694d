/**
 * A table written by another engine (Impala, format v1, 20 small files) can be compacted and
 * expired without breaking it: icebird reads the same rows after each step, and every file the
 * metadata references still exists. The table is a copy on local disk, committed the way a
 * Hadoop catalog would (a test-only `Catalog` over `commitToLocalTable`).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog, LoadedTable, TableIdentifier } from '../../lib/catalog/catalog.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { type LocalTable, openLocalTable } from '../../lib/local/table-paths.js';
import type { TableChange } from '../../lib/iceberg/types.js';
import { compactTable } from '../../lib/ingest/maintain/compact.js';
import { expireSnapshots } from '../../lib/ingest/maintain/expire.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { commitToLocalTable, fixtureTableIo, readTableWithIcebird } from '../support/icebird.js';

const scratch = mkdtempSync(join(tmpdir(), 'floe-maintain-fixture-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const tablesDir = join(import.meta.dirname, '../fixtures/tables');

/** A one-table catalog over a table directory (tests only). */
function localTableCatalog(table: LocalTable, io: FileIO): Catalog {
  const loaded = (): LoadedTable => ({
    identifier: { namespace: ['fixture'], name: 't' },
    metadataLocation: table.metadataPath,
    metadata: table.metadata,
    config: {},
  });
  const unsupported = () => Promise.reject(new Error('not in this test catalog'));
  return {
    loadTable: async () => loaded(),
    commitTable: async (_id: TableIdentifier, change: TableChange) => {
      await commitToLocalTable(table, io, { change, files: [] });
      return loaded();
    },
    listNamespaces: unsupported,
    createNamespace: unsupported,
    loadNamespace: unsupported,
    dropNamespace: unsupported,
    listTables: unsupported,
    tableExists: async () => true,
    createTable: unsupported,
    dropTable: unsupported,
    commitTransaction: unsupported,
    loadCredentials: unsupported,
  };
}

const sortRows = (rows: Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).sort();

/** The live rows as DuckDB reads the live data files (`id`, `user`, `action`). */
async function duckRows(io: FileIO, table: LocalTable): Promise<string[]> {
  const entries = await liveDataFiles(io, table.metadata);
  const db = await openDuckDb();
  try {
    const local = entries.map((e) => sqlString(table.io.resolve(e.data_file.file_path)));
    const rows = await db.queryJson(
      `select id, "user", action from read_parquet([${local.join(',')}]) order by id, "user", action`,
    );
    return sortRows(rows);
  } finally {
    db.close();
  }
}

describe('maintenance of a table another engine wrote', () => {
  // icebird cannot read v1 manifests (no sequence numbers), so this v1 table is checked with DuckDB.
  it('impala-iceberg_non_partitioned (v1): compact then expire, DuckDB reads the same rows', async () => {
    const dir = join(scratch, 'impala');
    cpSync(join(tablesDir, 'impala-iceberg_non_partitioned'), dir, { recursive: true });
    const table = await openLocalTable(dir);
    const io = fixtureTableIo(table);
    const catalog = localTableCatalog(table, io);
    const id = { namespace: ['fixture'], name: 't' };
    const context = { catalog, tableIo: () => io, now: () => Date.now() };
    const before = await duckRows(io, table);
    expect(before.length).toBeGreaterThan(0);
    const filesBefore = await liveDataFiles(io, table.metadata);
    expect(filesBefore.length).toBe(20);

    const compacted = await compactTable(id, context, { minInputFiles: 2 });
    expect(compacted.groups).toHaveLength(1);
    expect(compacted.groups[0]).toMatchObject({ inputFiles: 20, outputFiles: 1, outcome: 'committed' });
    expect(await duckRows(io, table)).toEqual(before);

    const expired = await expireSnapshots(id, context, { maxSnapshotAgeMs: 0 });
    expect(expired.expiredSnapshots).toBe(1);
    expect(expired.deletedFiles).toBeGreaterThanOrEqual(20 + 2); // data files, manifest, manifest list
    expect(await duckRows(io, table)).toEqual(before);
    for (const entry of await liveDataFiles(io, table.metadata))
      expect(await io.exists(entry.data_file.file_path)).toBe(true);
    for (const entry of filesBefore) expect(await io.exists(entry.data_file.file_path)).toBe(false);
  });

  it('icebird-java-bunnies (v2, Java, with delete files): compaction skips, expiry keeps the rows icebird reads', async () => {
    const dir = join(scratch, 'bunnies');
    cpSync(join(tablesDir, 'icebird-java-bunnies'), dir, { recursive: true });
    const table = await openLocalTable(dir);
    const io = fixtureTableIo(table);
    const catalog = localTableCatalog(table, io);
    const id = { namespace: ['fixture'], name: 't' };
    const context = { catalog, tableIo: () => io, now: () => Date.now() };
    const before = sortRows(await readTableWithIcebird(dir));
    expect(before.length).toBeGreaterThan(0);
    const filesBefore = await liveDataFiles(io, table.metadata);

    const compacted = await compactTable(id, context, { minInputFiles: 2 });
    // Its one partition holds position and equality deletes Java wrote: skipped and reported.
    expect(compacted.groups).toEqual([]);
    expect(compacted.skippedWithDeletes).toHaveLength(1);
    expect(await liveDataFiles(io, table.metadata)).toHaveLength(filesBefore.length);
    expect(sortRows(await readTableWithIcebird(dir))).toEqual(before);

    await expireSnapshots(id, context, { maxSnapshotAgeMs: 0 });
    expect(table.metadata.snapshots).toHaveLength(1);
    expect(sortRows(await readTableWithIcebird(dir))).toEqual(before);
    for (const entry of await liveDataFiles(io, table.metadata))
      expect(await io.exists(entry.data_file.file_path)).toBe(true);
  });
});
