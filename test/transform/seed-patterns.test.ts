/**
 * The ingestion guide's write patterns with floe transforms (issue 17), end to end through the
 * embedded REST catalog over HTTP: the table's data files are read back by DuckDB and compared
 * cell by cell with DuckDB's own SELECT over the same input files.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSchema } from '../../lib/iceberg/metadata.js';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { runLocalIngest } from '../support/local-ingest.js';
import { runStaticOverwrite } from '../../lib/ingest/static-overwrite.js';
import { connectCatalog } from '../../lib/local/catalog-connection.js';
import { localBackfillContext, planLocalFiles } from '../../lib/local/local-backfill.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { type DuckDb, openDuckDb, sqlString } from '../support/duckdb.js';
import { sameCell, tableFiles } from './harness.js';

let env: TestCatalog;
let dir: string;
let db: DuckDb;
beforeAll(async () => {
  env = await startTestCatalog();
  dir = await mkdtemp(join(tmpdir(), 'floe-seed-'));
  db = await openDuckDb();
});
afterAll(async () => {
  db?.close();
  await env?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Compares two row lists cell by cell (as text). */
function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length);
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  actual.forEach((row, i) => {
    for (const [k, v] of Object.entries(expected[i]!)) {
      expect(sameCell(text(row[k]), text(v)), `row ${i} column ${k}: floe ${text(row[k])}, duckdb ${text(v)}`).toBe(
        true,
      );
    }
  });
}

const SELECT =
  'order_id, customer_id, CAST(amount AS DECIMAL(12,2)) AS amount, CAST(order_ts AS DATE) AS order_date, lower(trim(status)) AS status';
const WHERE = 'amount > 0';
const COLUMNS = 'order_id, customer_id, amount, order_date, status';

describe('seed patterns', () => {
  it('CTAS-style create with a derived partition column, then append', async () => {
    await mkdir(join(dir, 'orders'), { recursive: true });
    const a = join(dir, 'orders', 'a.csv');
    const b = join(dir, 'orders', 'b.csv');
    await writeFile(
      a,
      'order_id,customer_id,amount,order_ts,status\n1,10,19.99,2024-01-15 10:00:00, SHIPPED \n2,11,0,2024-01-15 11:00:00,new\n3,,5.5,2024-01-16 09:30:00,\n4,12,-3,2024-01-16 10:00:00,New\n',
    );
    await writeFile(
      b,
      'order_id,customer_id,amount,order_ts,status\n5,13,100.125,2024-01-17 00:00:00,Returned\n6,14,,2024-01-17 01:00:00,new\n',
    );
    const config = parseIngestConfig({
      routes: [
        {
          match: 'orders/**',
          table: 'bronze.orders',
          select: SELECT,
          where: WHERE,
          auto_create: { partition_spec: [{ column: 'order_date', transform: 'identity' }] },
        },
      ],
    });
    const created = await runLocalIngest({ files: [a], config, catalog: env.catalog, root: dir });
    expect(created.files[0]).toMatchObject({ status: 'enqueued', rows: 2 });
    const appended = await runLocalIngest({ files: [b], config, catalog: env.catalog, root: dir });
    expect(appended.files[0]).toMatchObject({ status: 'enqueued', rows: 1 });

    const loaded = await env.catalog.loadTable({ namespace: ['bronze'], name: 'orders' });
    // The created table has the projection's schema, partitioned by the derived column.
    expect(currentSchema(loaded.metadata).fields.map((f) => [f.name, f.type])).toEqual([
      ['order_id', 'int'],
      ['customer_id', 'int'],
      ['amount', 'decimal(12,2)'],
      ['order_date', 'date'],
      ['status', 'string'],
    ]);
    expect(loaded.metadata['partition-specs'].at(-1)?.fields.map((f) => f.name)).toEqual(['order_date']);

    const files = await tableFiles(env.catalog, 'bronze.orders');
    expect(files.length).toBe(3); // one per order_date partition
    const actual = await db.query(
      `SELECT ${COLUMNS} FROM read_parquet([${files.map(sqlString).join(', ')}]) ORDER BY order_id`,
    );
    const expected = await db.query(
      `SELECT ${SELECT} FROM read_csv([${[a, b].map(sqlString).join(', ')}], header = true) WHERE ${WHERE} ORDER BY order_id`,
    );
    expectSameRows(actual, expected);
  });

  it('the dry run shows the projection schema', async () => {
    const c = join(dir, 'orders', 'c.csv');
    await writeFile(c, 'order_id,customer_id,amount,order_ts,status\n7,15,1.5,2024-02-01 00:00:00,x\n');
    const config = parseIngestConfig({
      routes: [{ match: 'orders/**', table: 'bronze.dry', select: SELECT, where: WHERE }],
    });
    const result = await runLocalIngest({ files: [c], config, catalog: env.catalog, root: dir, dryRun: true });
    expect(result.files[0]).toMatchObject({ status: 'dry-run', rows: 1, tableExists: false });
    const schema = (result.files[0] as { schema: { fields: { name: string; type: string }[] } }).schema;
    expect(schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'order_id:int',
      'customer_id:int',
      'amount:decimal(12,2)',
      'order_date:date',
      'status:string',
    ]);
  });

  it('static partition overwrite replaces exactly that partition, even with fewer or no rows', async () => {
    await mkdir(join(dir, 'daily'), { recursive: true });
    const day = join(dir, 'daily', 'day.csv');
    const fix = join(dir, 'daily', 'fix.csv');
    const none = join(dir, 'daily', 'none.csv');
    const stray = join(dir, 'daily', 'stray.csv');
    const header = 'order_id,customer_id,amount,order_ts,status\n';
    await writeFile(
      day,
      `${header}1,10,5,2024-01-15 10:00:00,new\n2,11,6,2024-01-15 11:00:00,new\n3,12,7,2024-01-15 12:00:00,new\n4,13,8,2024-01-16 09:00:00,new\n5,14,9,2024-01-16 10:00:00,new\n`,
    );
    await writeFile(fix, `${header}2,11,60.5,2024-01-15 11:00:00, Corrected \n`);
    await writeFile(none, `${header}9,19,-1,2024-01-16 10:00:00,new\n`); // the where drops it: no rows at all
    await writeFile(stray, `${header}7,17,1,2024-01-17 10:00:00,late\n`);
    const connection = await connectCatalog({ catalog: env.server.url, dir: join(dir, '.floe') });
    const base = parseIngestConfig({
      defaults: { select: SELECT, where: WHERE, auto_create: { partition_spec: [{ column: 'order_date' }] } },
    });
    const table = { namespace: ['silver'], name: 'daily' };
    const run = async (path: string, partition?: Record<string, string>) => {
      const s = await stat(path);
      const plan = await planLocalFiles([{ path, size: s.size, lastModifiedMs: s.mtimeMs }]);
      const context = localBackfillContext(connection, table, join(dir, 'daily'), base, 'replace-partitions');
      return runStaticOverwrite(plan, context, { partition: partition ?? {} });
    };
    const rowsOf = async () => {
      const files = await tableFiles(env.catalog, 'silver.daily');
      return files.length === 0
        ? []
        : db.query(`SELECT ${COLUMNS} FROM read_parquet([${files.map(sqlString).join(', ')}]) ORDER BY order_id`);
    };
    const duck = (paths: string[], extra = 'TRUE') =>
      db.query(
        `SELECT ${SELECT} FROM read_csv([${paths.map(sqlString).join(', ')}], header = true) WHERE ${WHERE} AND ${extra} ORDER BY order_id`,
      );
    try {
      // The first load creates the table (an overwrite of 2024-01-16 would refuse day.csv's other day).
      await expect(run(day, { order_date: '2024-01-16' })).rejects.toThrow(
        /the table is not partitioned|rows outside partition/,
      );
      await runLocalIngest({
        files: [day],
        table: 'silver.daily',
        config: base,
        catalog: env.catalog,
        root: join(dir, 'daily'),
      });
      expect((await rowsOf()).length).toBe(5);

      // INSERT OVERWRITE … PARTITION (order_date = '2024-01-15') with fewer rows: 3 → 1, the 16th untouched.
      const replaced = await run(fix, { order_date: '2024-01-15' });
      expect(replaced).toMatchObject({ committed: 1, rows: 1, snapshots: 1 });
      expectSameRows(
        await rowsOf(),
        await duck([day, fix], "(order_id = 2 AND status <> 'new') OR CAST(order_ts AS DATE) = DATE '2024-01-16'"),
      );
      const head = (await env.catalog.loadTable(table)).metadata.snapshots.at(-1);
      expect(head?.summary).toMatchObject({
        operation: 'overwrite',
        'floe.static-partition': 'order_date=2024-01-15',
        'deleted-data-files': '1',
      });

      // With no rows at all, the partition is emptied.
      const emptied = await run(none, { order_date: '2024-01-16' });
      expect(emptied).toMatchObject({ rows: 0, snapshots: 1 });
      expectSameRows(await rowsOf(), await duck([fix]));

      // A row outside the named partition is an error, and nothing is committed.
      const before = (await env.catalog.loadTable(table)).metadata['current-snapshot-id'];
      await expect(run(stray, { order_date: '2024-01-15' })).rejects.toThrow(
        /stray\.csv: rows outside partition order_date=2024-01-15 \(found order_date=2024-01-17\)/,
      );
      await expect(run(fix, { customer_id: '1' })).rejects.toThrow(/partitioned by \(order_date\)/);
      expect((await env.catalog.loadTable(table)).metadata['current-snapshot-id']).toBe(before);
    } finally {
      await connection.close();
    }
  });
});
