/**
 * `npm run bench:maintain` (issue 13). Two runs over floe's embedded catalog (LocalFileIO
 * warehouse in a temp dir), files landed through the real convert and commit code (one
 * merge-append snapshot per batch of 10, as the commit Lambda):
 *
 * 1. **Compaction**: FILES small CSV files (~10 KB each) into a table partitioned by day, no
 *    maintenance; then `maintainTable` (compact + expire + orphans). Prints files per partition
 *    against ⌈bytes / target⌉ + 1, a full scan of the table by DuckDB (`read_parquet` over the live
 *    data files, the peer) before and after as a ratio, and `metadata.json` size before and after.
 * 2. **Continuous ingest with scheduled maintenance**: FILES more files, maintenance (compact +
 *    expire keeping the last `KEEP` snapshots) every `EVERY` commits. Prints the largest
 *    `metadata.json` seen and the mean commit latency of the first and last 100 commits.
 *
 * Reported, not asserted. FLOE_BENCH_FILES (default 10,000), FLOE_BENCH_EVERY (default 50 commits),
 * FLOE_BENCH_KEEP (default 20 snapshots), FLOE_BENCH_TARGET (compaction target bytes, default 1 MiB so
 * that the small test days hold several target files).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { RestCatalog } from '../lib/catalog/rest/client.js';
import { startCatalogServer } from '../lib/catalog/server/server.js';
import { convertFile } from '../lib/ingest/convert-file.js';
import { currentSchema, defaultSpec } from '../lib/iceberg/metadata.js';
import { liveDataFiles } from '../lib/iceberg/scan.js';
import { partitionKey } from '../lib/iceberg/snapshot/index.js';
import { commitBatch } from '../lib/ingest/commit-batch.js';
import type { CommitRequest } from '../lib/ingest/commit-request.js';
import { ingestId } from '../lib/ingest/ingest-id.js';
import { IngestLedger } from '../lib/ingest/ingest-ledger.js';
import { maintainTable } from '../lib/ingest/maintain/maintain-table.js';
import { LocalFileIO } from '../lib/storage/local.js';

const FILES = Number(process.env.FLOE_BENCH_FILES ?? 10_000);
const EVERY = Number(process.env.FLOE_BENCH_EVERY ?? 50);
const KEEP = Number(process.env.FLOE_BENCH_KEEP ?? 20);
const TARGET = Number(process.env.FLOE_BENCH_TARGET ?? 1024 * 1024);
const DAYS = 10;
const ROWS_PER_FILE = 320; // ~10 KB of CSV

const warehouse = await mkdtemp(join(tmpdir(), 'floe-bench-maintain-'));
const io = new LocalFileIO();
const server = await startCatalogServer({ warehouse, io });
const catalog = new RestCatalog({ uri: server.url });
const ledger = new IngestLedger(io, join(warehouse, '_ledger'));
await catalog.createNamespace(['bench']);

async function createTable(name: string) {
  await catalog.createTable(['bench'], {
    name,
    schema: {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'day', required: false, type: 'date' },
        { id: 3, name: 'payload', required: false, type: 'string' },
      ],
    },
    'partition-spec': {
      'spec-id': 0,
      fields: [{ 'source-id': 2, 'field-id': 1000, name: 'day', transform: 'identity' }],
    },
    properties: { 'write.target-file-size-bytes': String(TARGET), 'floe.maintenance.compact.min-input-files': '2' },
  });
  return { namespace: ['bench'], name };
}

async function land(id: { namespace: string[]; name: string }, n: number): Promise<CommitRequest> {
  const table = await catalog.loadTable(id);
  const day = `2026-01-${String(1 + (n % DAYS)).padStart(2, '0')}`;
  const lines = ['id,day,payload'];
  for (let r = 0; r < ROWS_PER_FILE; r++) lines.push(`${n * ROWS_PER_FILE + r},${day},p${n}-${r}-abcdefghijklmnop`);
  const key = `${id.name}/${n}.csv`;
  const ingest = ingestId({ bucket: 'landing', key, etag: key });
  const { dataFiles, rows } = await convertFile({
    source: (async function* () {
      yield new TextEncoder().encode(`${lines.join('\n')}\n`);
    })(),
    fileName: key,
    schema: currentSchema(table.metadata),
    spec: defaultSpec(table.metadata),
    formatVersion: table.metadata['format-version'],
    io,
    dataLocation: `${table.metadata.location}/data`,
    namePrefix: ingest,
    properties: table.metadata.properties,
    encoder: 'inline',
  });
  return {
    ingestId: ingest,
    table: id,
    sourceBucket: 'landing',
    sourceKey: key,
    dataFiles,
    rows,
    bytes: 0,
    landedAt: Date.now(),
    schemaId: 0,
    specId: 0,
  };
}

/** Lands `count` files, 10 per commit; returns each commit's latency (ms) and the largest metadata.json. */
async function ingest(id: { namespace: string[]; name: string }, start: number, count: number, maintainEvery = 0) {
  const latencies: number[] = [];
  let maxMetadata = 0;
  for (let i = 0; i < count; i += 10) {
    const batch: CommitRequest[] = [];
    for (let j = i; j < Math.min(count, i + 10); j++) batch.push(await land(id, start + j));
    const t0 = performance.now();
    await commitBatch(batch, { catalog, tableIo: () => io, dedupWindowMs: () => 7 * 86_400_000, ledger });
    latencies.push(performance.now() - t0);
    const loaded = await catalog.loadTable(id);
    maxMetadata = Math.max(maxMetadata, (await stat(loaded.metadataLocation)).size);
    if (maintainEvery > 0 && latencies.length % maintainEvery === 0) {
      await maintainTable(
        id,
        { catalog, tableIo: () => io, ledger },
        { operations: ['compact', 'expire'], expiry: { maxSnapshotAgeMs: 0, minSnapshotsToKeep: KEEP } },
      );
    }
  }
  return { latencies, maxMetadata };
}

async function duckScanMs(id: {
  namespace: string[];
  name: string;
}): Promise<{ ms: number; rows: number; files: number }> {
  const loaded = await catalog.loadTable(id);
  const files = (await liveDataFiles(io, loaded.metadata)).map((e) => `'${e.data_file.file_path}'`);
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await instance.connect();
  const t0 = performance.now();
  const reader = await db.runAndReadAll(
    `select count(*)::int n, sum(length(payload))::bigint b from read_parquet([${files.join(',')}])`,
  );
  const ms = performance.now() - t0;
  const rows = Number(reader.getRowObjectsJS()[0]?.n);
  db.closeSync();
  instance.closeSync();
  return { ms, rows, files: files.length };
}

async function filesPerPartition(id: { namespace: string[]; name: string }) {
  const loaded = await catalog.loadTable(id);
  const parts = new Map<string, { files: number; bytes: number }>();
  for (const e of await liveDataFiles(io, loaded.metadata)) {
    const key = partitionKey(0, e.data_file.partition);
    const p = parts.get(key) ?? { files: 0, bytes: 0 };
    p.files++;
    p.bytes += e.data_file.file_size_in_bytes;
    parts.set(key, p);
  }
  return [...parts.values()];
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
try {
  console.log(`bench:maintain — ${FILES} files of ~10 KB, ${DAYS} day partitions, target ${kib(TARGET)}`);
  console.log('(machine shared and loaded: compare the ratios, not the absolute times)\n');

  // 1. Compaction.
  const a = await createTable('compaction');
  const t0 = performance.now();
  await ingest(a, 0, FILES);
  const ingestS = (performance.now() - t0) / 1000;
  const metaBefore = (await stat((await catalog.loadTable(a)).metadataLocation)).size;
  const before = await duckScanMs(a);
  const tm = performance.now();
  const report = await maintainTable(
    a,
    { catalog, tableIo: () => io, ledger },
    { expiry: { maxSnapshotAgeMs: 0 }, orphanAgeMs: 0 },
  );
  const maintainS = (performance.now() - tm) / 1000;
  const after = await duckScanMs(a);
  const metaAfter = (await stat((await catalog.loadTable(a)).metadataLocation)).size;
  const parts = await filesPerPartition(a);
  const worst = Math.max(...parts.map((p) => p.files - (Math.ceil(p.bytes / TARGET) + 1)));
  console.log(
    `1. compaction (ingest ${ingestS.toFixed(1)} s, maintenance ${maintainS.toFixed(1)} s; failures: ${report.failures.length})`,
  );
  console.log(`   live data files: ${before.files} → ${after.files}; rows ${before.rows} → ${after.rows}`);
  console.log(
    `   files per partition: max ${Math.max(...parts.map((p) => p.files))}; bound ⌈bytes/target⌉+1 ${worst <= 0 ? 'holds' : `exceeded by ${worst}`} in all ${parts.length} partitions`,
  );
  console.log(
    `   DuckDB full scan: ${before.ms.toFixed(0)} ms → ${after.ms.toFixed(0)} ms (after/before ${(after.ms / before.ms).toFixed(2)})`,
  );
  console.log(`   metadata.json: ${kib(metaBefore)} → ${kib(metaAfter)}\n`);

  // 2. Continuous ingest with maintenance every EVERY commits.
  const b = await createTable('continuous');
  const { latencies, maxMetadata } = await ingest(b, 0, FILES, EVERY);
  const window = Math.min(100, Math.floor(latencies.length / 2));
  const first = mean(latencies.slice(0, window));
  const last = mean(latencies.slice(-window));
  console.log(`2. continuous ingest, maintenance every ${EVERY} commits (keep ${KEEP} snapshots)`);
  console.log(`   commits: ${latencies.length}; largest metadata.json: ${kib(maxMetadata)}`);
  console.log(
    `   mean commit latency, first ${window}: ${first.toFixed(1)} ms, last ${window}: ${last.toFixed(1)} ms (last/first ${(last / first).toFixed(2)})`,
  );
} finally {
  await server.close();
  await rm(warehouse, { recursive: true, force: true });
}
