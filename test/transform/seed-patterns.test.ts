/**
 * The ingestion guide's write patterns with floe transforms (issue 17), end to end through the
 * embedded REST catalog over HTTP: the table's data files are read back by DuckDB and compared
 * cell by cell with DuckDB's own SELECT over the same input files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { runLocalIngest } from '../../lib/ingest/local-ingest.js';
import { currentSchema } from '../../lib/iceberg/metadata.js';
import { snapshotFiles } from '../../lib/iceberg/scan.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { type DuckDb, openDuckDb, sqlString } from '../support/duckdb.js';
import { sameCell } from './harness.js';

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

/** Paths of the live data files of a table's current snapshot (local warehouse). */
export async function tableFiles(catalog: TestCatalog['catalog'], name: string): Promise<string[]> {
  const [namespace, table] = name.split('.') as [string, string];
  const loaded = await catalog.loadTable({ namespace: [namespace], name: table });
  const io = fileIOForTable(loaded, { catalog });
  const files = await snapshotFiles(io, loaded.metadata);
  return (files?.dataEntries ?? []).map((e) => e.data_file.file_path.replace(/^file:\/\//, ''));
}

/** Compares two row lists cell by cell (as text). */
function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length);
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  actual.forEach((row, i) => {
    for (const [k, v] of Object.entries(expected[i]!)) {
      expect(sameCell(text(row[k]), text(v)), `row ${i} column ${k}: floe ${text(row[k])}, duckdb ${text(v)}`).toBe(true);
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
    await writeFile(b, 'order_id,customer_id,amount,order_ts,status\n5,13,100.125,2024-01-17 00:00:00,Returned\n6,14,,2024-01-17 01:00:00,new\n');
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
});
