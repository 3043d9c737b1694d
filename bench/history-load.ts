/**
 * The load history table under many tables committing at once (issue #14), part of
 * `npm run bench:ingest`: BENCH_HISTORY_TABLES tables each report BENCH_HISTORY_COMMITS commit
 * batches of 10 outcomes, all at once. The rows go through the history table's own FIFO group
 * (the in-process queue `floe dev` uses; on AWS the commits queue), batched up to 100 rows per
 * history commit (10 messages × 10 rows, as one commit invocation of that group), so the
 * history table sees one writer and no 409 storm. Prints history commits per minute and rows per
 * second; the peer is DuckDB appending the same rows in transactions of the same size.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { Catalog } from '../lib/catalog/catalog.js';
import { type HistoryRow, historyId } from '../lib/ingest/history-row.js';
import { commitHistoryRows } from '../lib/ingest/history-table.js';
import { LocalFifoQueue } from '../lib/local/fifo-queue.js';
import type { FileIO } from '../lib/iceberg/file-io.js';

const TABLES = Number(process.env.BENCH_HISTORY_TABLES ?? 200);
const COMMITS = Number(process.env.BENCH_HISTORY_COMMITS ?? 3);
const ROWS_PER_HISTORY_COMMIT = 100;

function outcome(table: number, commit: number, file: number, now: number): HistoryRow {
  const key = `t${table}/c${commit}/f${file}.csv`;
  return {
    history_id: historyId({ bucket: 'landing', key, etag: 'e' }, 'committed'),
    key,
    bucket: 'landing',
    version_id: null,
    etag: 'e',
    ingest_id: `i${table}-${commit}-${file}`,
    target_table: `bench.t${table}`,
    outcome: 'committed',
    rows: 100,
    bytes: 10_000,
    rejected_rows: 0,
    error_class: null,
    reason: null,
    line: null,
    column: null,
    value: null,
    error_report: null,
    snapshot_id: String(1_000_000 + table * 100 + commit),
    landed_at: now - 1500,
    committed_at: now,
    recorded_at: now,
    latency_ms: 1500,
  };
}

/** Runs the history workload against `catalog` and prints its figures. */
export async function benchHistory(catalog: Catalog, io: FileIO): Promise<void> {
  const now = Date.now();
  const batches: HistoryRow[][] = [];
  for (let c = 0; c < COMMITS; c++)
    for (let t = 0; t < TABLES; t++) batches.push(Array.from({ length: 10 }, (_, f) => outcome(t, c, f, now)));
  const total = batches.length * 10;

  let historyCommits = 0;
  const queue = new LocalFifoQueue<HistoryRow>({
    groupOf: () => 'floe.ingest_history',
    batchSize: ROWS_PER_HISTORY_COMMIT,
    consume: async (_group, rows) => {
      const result = await commitHistoryRows(rows, { catalog, tableIo: () => io, table: 'bench_floe.ingest_history' });
      if (result.added > 0) historyCommits++;
    },
  });
  const started = performance.now();
  // Every table's commit batch reports its outcomes at once.
  await Promise.all(batches.map(async (rows) => Promise.all(rows.map((r) => queue.send(r)))));
  await queue.drain();
  const seconds = (performance.now() - started) / 1000;
  const loaded = await catalog.loadTable({ namespace: ['bench_floe'], name: 'ingest_history' });
  const recorded = Number(loaded.metadata.snapshots.at(-1)?.summary['total-records'] ?? 0);

  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  await connection.run(
    'create table history (history_id varchar, key varchar, target_table varchar, outcome varchar, rows bigint, recorded_at timestamptz)',
  );
  const all = batches.flat();
  const peerStarted = performance.now();
  let peerCommits = 0;
  for (let i = 0; i < all.length; i += ROWS_PER_HISTORY_COMMIT) {
    const values = all
      .slice(i, i + ROWS_PER_HISTORY_COMMIT)
      .map(
        (r) =>
          `('${r.history_id}','${r.key}','${r.target_table}','${r.outcome}',${r.rows},to_timestamp(${r.recorded_at / 1000}))`,
      )
      .join(',');
    await connection.run(`begin; insert into history values ${values}; commit;`);
    peerCommits++;
  }
  const peerSeconds = (performance.now() - peerStarted) / 1000;
  connection.closeSync();

  const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d });
  console.log(`\nload history: ${TABLES} tables × ${COMMITS} commit batches × 10 outcomes = ${total} rows at once`);
  console.log(
    `  floe     ${fmt(seconds, 2)} s  ${historyCommits} history commits (${fmt(total / historyCommits, 1)} rows each)  ${fmt((historyCommits / seconds) * 60)} commits/min  ${fmt(total / seconds)} rows/s  ${recorded} rows in the table (one writer: its own FIFO group)`,
  );
  console.log(
    `  duckdb   ${fmt(peerSeconds, 2)} s  ${peerCommits} transactions of ≤ ${ROWS_PER_HISTORY_COMMIT} rows  ${fmt((peerCommits / peerSeconds) * 60)} commits/min  ${fmt(total / peerSeconds)} rows/s  (in-memory table, no catalog, no Parquet)`,
  );
  console.log(`  ratio    floe takes ${fmt(seconds / peerSeconds, 1)}× DuckDB's time`);
}
