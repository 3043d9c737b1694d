/**
 * `npm run bench:backfill`: backfills 2,000 small generated CSV files into a fresh table of the
 * embedded catalog at concurrency 1, 2 and 4, printing files/s, MB/s and snapshots created.
 * Peer, same run: DuckDB reading the same files into one Parquet file (no table, no commits):
 * an upper bound for "read 2,000 small CSVs" on this machine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseIdentifier } from '../lib/catalog/catalog.js';
import { runBackfill } from '../lib/ingest/backfill.js';
import { connectCatalog } from '../lib/local/catalog-connection.js';
import { localBackfillContext, planLocalBackfill } from '../lib/local/local-backfill.js';

const FILES = Number(process.env.FILES ?? 2000);
const dir = await mkdtemp(join(tmpdir(), 'floe-bench-backfill-'));
const source = join(dir, 'src');
await mkdir(source);
for (let i = 0; i < FILES; i++) {
  const lines = ['id,day,customer,amount'];
  for (let r = 0; r < 20; r++)
    lines.push(`${i * 20 + r},2024-01-${String((i % 28) + 1).padStart(2, '0')},c${r},${(r * 1.5).toFixed(2)}`);
  await writeFile(join(source, `f${String(i).padStart(5, '0')}.csv`), `${lines.join('\n')}\n`);
}
const connection = await connectCatalog({ dir: join(dir, '.floe') });
console.log(`backfill of ${FILES} CSV files (20 rows each)`);
console.log('impl                      files/s    MB/s  snapshots  seconds');
for (const concurrency of [1, 2, 4]) {
  const plan = await planLocalBackfill({ prefix: `${source}/` }, { maxChunkFiles: 50 });
  const started = performance.now();
  const result = await runBackfill(
    plan,
    localBackfillContext(connection, parseIdentifier(`bench.c${concurrency}`), source),
    {
      mode: 'append',
      concurrency,
      filesPerSnapshot: 500,
    },
  );
  const s = (performance.now() - started) / 1000;
  console.log(
    `floe concurrency ${concurrency}        ${(result.committed / s).toFixed(0).padStart(7)} ${(plan.bytes / 1e6 / s).toFixed(2).padStart(7)} ${String(result.snapshots).padStart(10)} ${s.toFixed(1).padStart(8)}`,
  );
}
await connection.close();
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const db = await instance.connect();
const started = performance.now();
await db.run(`COPY (SELECT * FROM read_csv('${source}/*.csv')) TO '${join(dir, 'peer.parquet')}' (FORMAT parquet)`);
const s = (performance.now() - started) / 1000;
const plan = await planLocalBackfill({ prefix: `${source}/` });
console.log(
  `duckdb read_csv → 1 file  ${(FILES / s).toFixed(0).padStart(7)} ${(plan.bytes / 1e6 / s).toFixed(2).padStart(7)} ${'-'.padStart(10)} ${s.toFixed(1).padStart(8)}`,
);
db.closeSync();
instance.closeSync();
await rm(dir, { recursive: true, force: true });
