/**
 * Table to table (issue 17): `INSERT INTO bronze.clicks SELECT … FROM raw.events WHERE …` with a
 * fixture table written by Spark (test/fixtures/tables/impala-iceberg_partitioned, Apache-2.0,
 * LICENSES/apache-impala.txt) as the source, read through the embedded REST catalog; partition
 * pruning from the where; results compared cell by cell with DuckDB's own SELECT over the
 * fixture's Parquet files; a second run adds nothing.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyJson } from '../../lib/iceberg/json.js';
import { findCurrentMetadata, LocalTableFileIO } from '../../lib/local/table-paths.js';
import { runBackfill } from '../../lib/ingest/backfill.js';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { SUMMARY_INGEST_IDS } from '../../lib/ingest/ingest-ledger.js';
import { planTableSource, tableBackfillContext } from '../../lib/ingest/table-source.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { type DuckDb, openDuckDb, sqlString } from '../support/duckdb.js';
import { sameCell, tableFiles } from './harness.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/tables/impala-iceberg_partitioned');
const FIXTURE_LOCATION = '/test-warehouse/iceberg_test/iceberg_partitioned';

let env: TestCatalog;
let db: DuckDb;
let scratch: string;
let copy: string;
beforeAll(async () => {
  env = await startTestCatalog();
  db = await openDuckDb();
  scratch = mkdtempSync(join(tmpdir(), 'floe-table-load-'));
  copy = join(scratch, 'events');
  cpSync(FIXTURE, copy, { recursive: true });
  // Register the copy as raw.events: the embedded catalog's pointer file (what REST registerTable does).
  await env.catalog.createNamespace(['raw']);
  const dir = join(env.warehouse, '_catalog', 'tables', 'raw');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'events.json'), stringifyJson({ 'metadata-location': findCurrentMetadata(copy) }));
});
afterAll(async () => {
  db?.close();
  await env?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const SELECT =
  'id, upper(user) AS user_name, action, CAST(event_time AS TIMESTAMP) AS event_ts, hour(CAST(event_time AS TIMESTAMP)) AS event_hour';
const WHERE = "action = 'click' AND id > 3";

describe('insert-select from a fixture table', () => {
  it('reads it through the catalog, prunes partitions by the where, and loads once', async () => {
    const source = { namespace: ['raw'], name: 'events' };
    const table = { namespace: ['bronze'], name: 'clicks' };
    const sourceIo = new LocalTableFileIO(FIXTURE_LOCATION, copy);
    const plan = await planTableSource(env.catalog, source, () => sourceIo, { where: WHERE });
    // Only action=click files are read: 6 of 20 (the view and download partitions are pruned).
    expect(plan.files).toBe(6);
    expect(plan.pruned).toBe(14);

    const context = tableBackfillContext({
      catalog: env.catalog,
      table,
      source,
      config: parseIngestConfig({ routes: [{ match: '**', table: 'bronze.clicks', select: SELECT, where: WHERE }] }),
      tableIo: (t) => fileIOForTable(t, { catalog: env.catalog }),
      sourceIo,
      errorsLocation: `${scratch}/errors/`,
      reportIo: new LocalFileIO(),
      mode: 'append',
    });
    const first = await runBackfill(plan, context, { mode: 'append' });
    expect(first).toMatchObject({ committed: 6, rejected: 0, snapshots: 1 });

    const files = await tableFiles(env.catalog, 'bronze.clicks');
    const actual = await db.query(
      `SELECT id, user_name, action, CAST(event_ts AS VARCHAR) AS event_ts, event_hour FROM read_parquet([${files.map(sqlString).join(', ')}]) ORDER BY id`,
    );
    const fixtureFiles = `read_parquet('${FIXTURE}/data/*/*/*.parquet', hive_partitioning = false)`;
    const expected = await db.query(
      `SELECT id, upper("user") AS user_name, action, CAST(CAST(event_time AS TIMESTAMP) AS VARCHAR) AS event_ts, hour(CAST(event_time AS TIMESTAMP)) AS event_hour FROM ${fixtureFiles} WHERE ${WHERE} ORDER BY id`,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(actual.length).toBe(expected.length);
    actual.forEach((row, i) => {
      for (const [k, v] of Object.entries(expected[i]!)) {
        const a = row[k] === null ? null : String(row[k]);
        const b = v === null ? null : String(v);
        expect(sameCell(a, b), `row ${i} ${k}: floe ${a}, duckdb ${b}`).toBe(true);
      }
    });

    // The ingest ids are (source table, snapshot that added the file, path): a rerun adds nothing.
    const loaded = await env.catalog.loadTable(table);
    expect(loaded.metadata.snapshots.at(-1)?.summary[SUMMARY_INGEST_IDS]?.split(',')).toHaveLength(6);
    const again = await runBackfill(plan, context, { mode: 'append' });
    expect(again).toMatchObject({ committed: 0, skipped: 6, snapshots: 0 });
    expect((await env.catalog.loadTable(table)).metadata.snapshots).toHaveLength(1);
  });

  it('refuses a source with delete files', async () => {
    // Covered by planTableSource's check; a Spark merge-on-read fixture exercises it.
    const mor = join(scratch, 'mor');
    cpSync(join(import.meta.dirname, '../fixtures/tables/icebird-spark-bunnies'), mor, { recursive: true });
    const dir = join(env.warehouse, '_catalog', 'tables', 'raw');
    writeFileSync(join(dir, 'bunnies.json'), stringifyJson({ 'metadata-location': findCurrentMetadata(mor) }));
    const loaded = await env.catalog.loadTable({ namespace: ['raw'], name: 'bunnies' });
    const io = new LocalTableFileIO(loaded.metadata.location, mor);
    await expect(planTableSource(env.catalog, { namespace: ['raw'], name: 'bunnies' }, () => io)).rejects.toThrow(
      /has delete files \(merge-on-read\)/,
    );
  });
});
