/**
 * `npm run bench:ingest`: the local pipeline end to end, as `floe dev` runs it: floe's
 * embedded REST catalog over HTTP on a local warehouse, `convertObject` workers, the in-process
 * FIFO queue (group = table) and `commitBatch`. Two workloads:
 *
 * 1. 1,000 small CSV files (~10 KB each) landing at once (a burst);
 * 2. one ~100 MB CSV file that creates its table (inference pass + conversion pass);
 * 3. a second ~100 MB CSV file into that existing table (its header fits: one pass).
 *
 * Prints files/s, rows/s, snapshots created and landing-to-visible latency (p50/p95: from the
 * moment a file is in the landing directory to the commit that makes it visible). The peer is
 * DuckDB converting the same CSV files to one Parquet file in the same run (no catalog, no
 * exactly-once bookkeeping): an upper bound for the conversion work alone.
 *
 * 4. the load history table under hundreds of tables committing at once (bench/history-load.ts):
 *    history commits per minute.
 *
 * Knobs: BENCH_SMALL_FILES (1000), BENCH_BIG_MB (100), BENCH_WORKERS (2), BENCH_COMMIT_BATCH (10),
 * BENCH_COMMIT_WINDOW_MS (250: the local queue's batching window; 0 = none), BENCH_HISTORY_ONLY
 * (1: only workload 4), BENCH_HISTORY_TABLES (200), BENCH_HISTORY_COMMITS (3).
 */
import { mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { TableIdentifier } from '../lib/catalog/catalog.js';
import { RestCatalog } from '../lib/catalog/rest/client.js';
import { startCatalogServer } from '../lib/catalog/server/server.js';
import { commitBatch } from '../lib/ingest/commit-batch.js';
import { commitGroupOf } from '../lib/ingest/commit-queue.js';
import type { CommitRequest } from '../lib/ingest/commit-request.js';
import { defaultIngestConfig, settingsForTable } from '../lib/ingest/config.js';
import { type ConvertContext, convertObject } from '../lib/ingest/convert-object.js';
import type { LandedObject } from '../lib/ingest/landed-event.js';
import { loadTableIfExists } from '../lib/ingest/table-setup.js';
import { LocalFifoQueue } from '../lib/local/fifo-queue.js';
import { LocalFileIO } from '../lib/storage/local.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { benchHistory } from './history-load.js';

const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 1000);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 100);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const COMMIT_BATCH = Number(process.env.BENCH_COMMIT_BATCH ?? 10);
const COMMIT_WINDOW_MS = Number(process.env.BENCH_COMMIT_WINDOW_MS ?? 250);
const HISTORY_ONLY = process.env.BENCH_HISTORY_ONLY === '1';

function row(i: number): string {
  const day = 1 + (i % 28);
  return `${i},2026-01-${String(day).padStart(2, '0')}T12:${String(i % 60).padStart(2, '0')}:00Z,customer-${i % 977},${(i % 10_000) / 100},note ${i % 13}\n`;
}
const HEADER = 'id,ts,customer,amount,note\n';

async function writeCsv(path: string, targetBytes: number, start: number): Promise<number> {
  const handle = await open(path, 'w');
  let bytes = HEADER.length;
  let rows = 0;
  let chunk = HEADER;
  while (bytes < targetBytes) {
    const line = row(start + rows++);
    chunk += line;
    bytes += line.length;
    if (chunk.length > 1 << 20) {
      await handle.write(chunk);
      chunk = '';
    }
  }
  await handle.write(chunk);
  await handle.close();
  return rows;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface RunResult {
  seconds: number;
  files: number;
  rows: number;
  snapshots: number;
  /** Files converted in one read (existing table, columns fit). */
  onePass: number;
  latencies: number[];
}

async function runPipeline(
  catalog: RestCatalog,
  landing: string,
  keys: string[],
  table: TableIdentifier,
): Promise<RunResult> {
  const config = defaultIngestConfig();
  const visibleAt = new Map<string, number>();
  let snapshots = 0;
  const queue = new LocalFifoQueue<CommitRequest>({
    groupOf: commitGroupOf,
    batchSize: COMMIT_BATCH,
    batchWindowMs: COMMIT_WINDOW_MS,
    consume: async (_group, batch) => {
      const result = await commitBatch(batch, {
        catalog,
        tableIo: (t) => fileIOForTable(t),
        dedupWindowMs: (t) => settingsForTable(config, t).dedupWindowMs,
      });
      const failed = result.tables.find((t) => t.outcome === 'failed');
      if (failed) throw failed.error;
      snapshots += result.tables.filter((t) => t.outcome === 'committed' || t.outcome === 'already-committed').length;
      const now = performance.now();
      for (const r of result.requests) visibleAt.set(r.request.ingestId, now);
    },
  });
  const context: ConvertContext = {
    catalog,
    config,
    landingIo: new LocalFileIO(),
    objectUri: (o) => join(landing, o.key),
    errorsLocation: () => join(landing, '_floe/errors/'),
    reservedPrefixes: ['_floe/'],
    tableIo: (t) => fileIOForTable(t),
    queue,
  };
  const snapshotsBefore = (await loadTableIfExists(catalog, table))?.metadata.snapshots.length ?? 0;
  const landedAt = performance.now();
  const started = performance.now();
  const pending = [...keys];
  const ids: string[] = [];
  let rows = 0;
  let onePass = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (let key = pending.shift(); key !== undefined; key = pending.shift()) {
        const size = (await stat(join(landing, key))).size;
        const object: LandedObject = { bucket: 'landing', key, size, etag: `${key}-${size}`, eventTime: Date.now() };
        const outcome = await convertObject(object, context);
        if (outcome.status !== 'enqueued')
          throw new Error(`${key}: ${outcome.status} ${'reason' in outcome ? outcome.reason : ''}`);
        rows += outcome.rows;
        onePass += outcome.passes === 1 ? 1 : 0;
        ids.push(outcome.ingestId);
      }
    }),
  );
  await queue.drain();
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  const loaded = await catalog.loadTable(table);
  if (loaded.metadata.snapshots.length - snapshotsBefore !== snapshots) throw new Error('snapshot count mismatch');
  return {
    seconds,
    files: keys.length,
    rows,
    snapshots,
    onePass,
    latencies: ids.map((id) => ((visibleAt.get(id) ?? Number.NaN) - landedAt) / 1000),
  };
}

async function duckdbPeer(paths: string[], out: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(WORKERS) });
  const connection = await instance.connect();
  const list = paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(',');
  const started = performance.now();
  await connection.run(
    `copy (select * from read_csv([${list}], header = true)) to '${out}' (format parquet, compression zstd)`,
  );
  const seconds = (performance.now() - started) / 1000;
  connection.closeSync();
  return seconds;
}

function report(name: string, r: RunResult, peerSeconds: number): void {
  const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });
  console.log(`\n${name}`);
  console.log(
    `  floe     ${fmt(r.seconds, 2)} s  ${fmt(r.files / r.seconds)} files/s  ${fmt(r.rows / r.seconds, 0)} rows/s  snapshots ${r.snapshots} (for ${r.files} files), ${r.onePass} converted in one read`,
  );
  console.log(
    `           landing→visible p50 ${fmt(percentile(r.latencies, 50), 2)} s  p95 ${fmt(percentile(r.latencies, 95), 2)} s`,
  );
  console.log(
    `  duckdb   ${fmt(peerSeconds, 2)} s  ${fmt(r.files / peerSeconds)} files/s  ${fmt(r.rows / peerSeconds, 0)} rows/s  (CSV → one Parquet file, no catalog)`,
  );
  console.log(`  ratio    floe takes ${fmt(r.seconds / peerSeconds, 2)}× DuckDB's time`);
}

const root = await mkdtemp(join(tmpdir(), 'floe-bench-ingest-'));
try {
  const landing = join(root, 'landing');
  const server = await startCatalogServer({ warehouse: join(root, 'warehouse'), io: new LocalFileIO() });
  const catalog = new RestCatalog({ uri: server.url });
  console.log(
    `floe ingest bench: ${SMALL_FILES} × ~10 KB CSV, 1 × ${BIG_MB} MB CSV; ${WORKERS} convert workers, commit batches ≤ ${COMMIT_BATCH}, batching window ${COMMIT_WINDOW_MS} ms`,
  );

  if (!HISTORY_ONLY) await benchIngest(catalog, landing);
  await benchHistory(catalog, new LocalFileIO());
  await server.close();
} finally {
  await rm(root, { recursive: true, force: true });
}

async function benchIngest(catalog: RestCatalog, landing: string): Promise<void> {
  await mkdir(join(landing, 'bench', 'small'), { recursive: true });
  const smallKeys: string[] = [];
  for (let i = 0; i < SMALL_FILES; i++) {
    const key = `bench/small/part-${String(i).padStart(5, '0')}.csv`;
    await writeCsv(join(landing, key), 10_000, i * 1000);
    smallKeys.push(key);
  }
  const small = await runPipeline(catalog, landing, smallKeys, { namespace: ['bench'], name: 'small' });
  const smallPeer = await duckdbPeer(
    smallKeys.map((k) => join(landing, k)),
    join(root, 'peer-small.parquet'),
  );
  report(`${SMALL_FILES} small files`, small, smallPeer);

  await mkdir(join(landing, 'bench', 'big'), { recursive: true });
  const bigKey = 'bench/big/big.csv';
  await writeCsv(join(landing, bigKey), BIG_MB * 1024 * 1024, 0);
  const big = await runPipeline(catalog, landing, [bigKey], { namespace: ['bench'], name: 'big' });
  const bigPeer = await duckdbPeer([join(landing, bigKey)], join(root, 'peer-big.parquet'));
  report(`one ${BIG_MB} MB file (creates the table: inference + conversion)`, big, bigPeer);

  // Ids continue after the first file's, so they still fit the inferred int column.
  const big2Key = 'bench/big/big-2.csv';
  await writeCsv(join(landing, big2Key), BIG_MB * 1024 * 1024, 2_000_000);
  const big2 = await runPipeline(catalog, landing, [big2Key], { namespace: ['bench'], name: 'big' });
  const big2Peer = await duckdbPeer([join(landing, big2Key)], join(root, 'peer-big-2.parquet'));
  report(`one more ${BIG_MB} MB file (existing table: one pass)`, big2, big2Peer);
}
