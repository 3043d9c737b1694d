/**
 * `floe dev` as a new user runs it: a child process in a temporary directory, files dropped into
 * landing, rows checked through `floe scan` and the whole table through icebird (an independent
 * reader). A second test SIGKILLs the stack mid-ingestion and restarts it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { readTableWithIcebird } from '../support/icebird.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
const run = promisify(execFile);
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-dev-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function startDev(cwd: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function floe(cwd: string, ...args: string[]): Promise<string> {
  return (await run(process.execPath, [BIN, ...args], { cwd })).stdout;
}

/** Drops a file the way a copy tool should: write aside, then rename into place. */
async function drop(landing: string, key: string, content: string | Uint8Array): Promise<void> {
  const target = join(landing, key);
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(`${target}.part`, content);
  await rename(`${target}.part`, target);
}

async function scanIds(cwd: string, table: string): Promise<number[]> {
  const out = await floe(cwd, 'scan', table, '--json', '--limit', '0');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(JSON.parse(line).id))
    .sort((a, b) => a - b);
}

describe('floe dev', () => {
  it('ingests CSV, NDJSON and Parquet, rejects a bad file without blocking, and reads back through scan and icebird', async () => {
    const cwd = join(dir, 'one');
    await mkdir(cwd);
    const dev = startDev(cwd);
    let log = '';
    dev.stdout?.on('data', (chunk) => {
      log += chunk;
    });
    await waitFor(async () => (/catalog\s+http/.test(log) ? true : undefined));
    const landing = join(cwd, '.floe', 'landing');

    // Prepare: a Parquet file written by DuckDB.
    const db = await openDuckDb();
    const parquetPath = join(dir, 'p.parquet');
    await db.query(
      `COPY (SELECT 5::INTEGER AS id, 'parquet' AS name UNION ALL SELECT 6, 'parquet') TO ${sqlString(parquetPath)} (FORMAT parquet)`,
    );
    db.close();

    // Act
    await drop(landing, 'shop/items/a.csv', 'id,name\n1,csv\n2,csv\n');
    await waitFor(async () => ((await scanIds(cwd, 'shop.items')).length === 2 ? true : undefined));
    await drop(landing, 'shop/items/b.ndjson', '{"id":3,"name":"ndjson"}\n{"id":4,"name":"ndjson"}\n');
    await drop(landing, 'shop/items/bad.csv', 'id,name\nnot-an-int,x\n');
    await drop(landing, 'shop/items/c.parquet', await readFile(parquetPath));
    await drop(landing, 'shop/items/d.csv', 'id,name\n7,csv\n');

    // Assess: every good file's rows, through floe scan …
    const ids = await waitFor(async () => {
      const got = await scanIds(cwd, 'shop.items');
      return got.length === 7 ? got : undefined;
    });
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // … and through icebird, reading the table files independently.
    // The catalog's default location is <warehouse>/<ns>/<table>-<uuid> (unique per table).
    const shop = join(cwd, '.floe', 'warehouse', 'shop');
    const items = (await readdir(shop)).find((n) => n.startsWith('items-')) as string;
    const rows = await readTableWithIcebird(join(shop, items));
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // The bad file has an error report, listed by floe errors.
    const errors = await waitFor(async () => {
      const out = await floe(cwd, 'errors', '--json');
      return out.includes('bad.csv') ? out : undefined;
    });
    expect(JSON.parse(errors.trim().split('\n')[0] as string)).toMatchObject({
      key: 'shop/items/bad.csv',
      outcome: 'rejected',
      column: 'id',
    });
    expect(log).toMatch(/✘ shop\/items\/bad\.csv → shop\.items: rejected: line 2, column id: .*"not-an-int"/);
    expect(log).toMatch(/✔ shop\/items\/c\.parquet → shop\.items: 2 rows, snapshot \d+/);

    // Backfilling the files dev already ingested adds nothing (same ingest ids).
    // It exits 1 because bad.csv is rejected again.
    const backfill = await floe(
      cwd,
      'backfill',
      join(landing, 'shop', 'items'),
      '--table',
      'shop.items',
      '--json',
    ).catch((error: { code: number; stdout: string }) => (error.code === 1 ? error.stdout : Promise.reject(error)));
    expect(JSON.parse(backfill)).toMatchObject({ committed: 0, rejected: 1 });
    expect(await scanIds(cwd, 'shop.items')).toHaveLength(7);

    // Ctrl-C stops cleanly.
    dev.kill('SIGINT');
    const code = await new Promise((resolve) => dev.on('exit', resolve));
    expect(code).toBe(0);
    expect(log).toContain('floe dev stopped');
  });

  it('--demo shows ingested and rejected files within seconds; tables, history and scan --csv read them', async () => {
    const cwd = join(dir, 'demo');
    await mkdir(cwd);
    const dev = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--demo'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(dev);
    let log = '';
    dev.stdout?.on('data', (chunk) => {
      log += chunk;
    });
    // The banner names the catalog URI and how to attach engines to it.
    await waitFor(async () =>
      /✘ demo\/orders\/orders-bad\.csv/.test(log) && (log.match(/✔/g)?.length ?? 0) >= 3 ? true : undefined,
    );
    const uri = /catalog\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
    expect(uri).toBeDefined();
    expect(log).toContain(`ENDPOINT '${uri}'`);
    expect(log).toContain(`uri="${uri}"`);
    expect(log).toMatch(/✔ demo\/orders\/orders-2024-06-01\.csv → demo\.orders: 4 rows, snapshot \d+/);
    expect(log).toMatch(/✘ demo\/orders\/orders-bad\.csv → demo\.orders: rejected: .*amount/);

    // floe.ingest_history: the load history is a table of the same catalog (issue #14), committed
    // in its own batch a moment after the data.
    const tables = await waitFor(async () => {
      const listed = (await floe(cwd, 'tables', '--json'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      return listed.some((t) => t.table === 'floe.ingest_history') ? listed : undefined;
    });
    expect(tables.map((t) => t.table).sort()).toEqual(['demo.clicks', 'demo.orders', 'floe.ingest_history']);
    expect(tables.find((t) => t.table === 'demo.orders')?.records).toBe(7); // a number, like the snapshot id
    const history = (await floe(cwd, 'history', 'demo.orders', '--snapshots', '--json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history.flatMap((h) => h.sources).sort()).toEqual([
      'landing/demo/orders/orders-2024-06-01.csv',
      'landing/demo/orders/orders-2024-06-02.csv',
    ]);
    // The load history (floe.ingest_history): one row per file and outcome (issue #14).
    const loads = await waitFor(async () => {
      const out = await floe(cwd, 'history', 'demo.orders', '--json');
      const rows = out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return rows.length >= 3 ? rows : undefined;
    }, 30_000);
    expect(loads.map((r) => `${r.key} ${r.outcome}`).sort()).toEqual([
      'demo/orders/orders-2024-06-01.csv committed',
      'demo/orders/orders-2024-06-02.csv committed',
      'demo/orders/orders-bad.csv rejected',
    ]);
    const csv = await floe(cwd, 'scan', 'demo.orders', '--where', 'country=DE', '--csv');
    const [header, ...rows] = csv.trim().split('\n');
    expect(header).toBe('order_id,customer,amount,order_ts,country');
    expect(rows.map((r) => r.split(',')[0]).sort()).toEqual(['1001', '1003', '1006']);

    dev.kill('SIGINT');
    expect(await new Promise((resolve) => dev.on('exit', resolve))).toBe(0);
  });

  it('after a SIGKILL during ingestion, a restart ends with every file exactly once', async () => {
    const cwd = join(dir, 'two');
    await mkdir(join(cwd, '.floe', 'landing', 'k', 't'), { recursive: true });
    const landing = join(cwd, '.floe', 'landing');
    const first = startDev(cwd);
    let log = '';
    first.stdout?.on('data', (chunk) => {
      log += chunk;
    });
    await waitFor(async () => (/catalog\s+http/.test(log) ? true : undefined));
    for (let i = 0; i < 30; i++) await drop(landing, `k/t/f${String(i).padStart(2, '0')}.csv`, `id\n${i}\n`);
    // Kill once some, but not all, files are committed.
    await waitFor(async () => ((log.match(/✔/g)?.length ?? 0) >= 3 ? true : undefined));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));
    // A file that lands while floe is down is picked up on restart.
    await drop(landing, 'k/t/f30.csv', 'id\n30\n');

    const second = startDev(cwd);
    let log2 = '';
    second.stdout?.on('data', (chunk) => {
      log2 += chunk;
    });
    const ids = await waitFor(async () => {
      const got = await scanIds(cwd, 'k.t');
      return got.length >= 31 ? got : undefined;
    }, 30_000);
    expect(ids).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(log2).toMatch(/already ingested/);
    second.kill('SIGTERM');
    await new Promise((resolve) => second.on('exit', resolve));
  });
});
