/**
 * `npm run bench:commit`: 1,000 appends of one small data file each through floe's REST client
 * and embedded server (LocalFileIO warehouse in a temp dir), with merge append (floe's default)
 * next to fast append (the peer: one more manifest per commit). Prints the mean (and median)
 * commit time of the first and last 100 commits, the final manifest count and the size of the
 * final metadata.json (it grows with the snapshot history). Reported, not asserted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitWithRetry } from '../lib/catalog/commit-driver.js';
import { RestCatalog } from '../lib/catalog/rest/client.js';
import { startCatalogServer } from '../lib/catalog/server/server.js';
import { snapshotManifests } from '../lib/iceberg/scan.js';
import type { SnapshotProducerInput, SnapshotProduct } from '../lib/iceberg/snapshot/index.js';
import { fastAppend, mergeAppend, newSnapshotId } from '../lib/iceberg/snapshot/index.js';
import { DataFileContent } from '../lib/iceberg/types.js';
import { LocalFileIO } from '../lib/storage/local.js';

const COMMITS = Number(process.env.BENCH_COMMITS ?? 1000);
const WINDOW = Math.min(100, Math.floor(COMMITS / 2));

async function run(name: string, producer: (input: SnapshotProducerInput) => Promise<SnapshotProduct>) {
  const warehouse = await mkdtemp(join(tmpdir(), 'floe-bench-commit-'));
  const io = new LocalFileIO();
  const server = await startCatalogServer({ warehouse, io });
  try {
    const catalog = new RestCatalog({ uri: server.url });
    await catalog.createNamespace(['bench']);
    const id = { namespace: ['bench'], name: name.replace(/\W/g, '_') };
    let table = await catalog.createTable(['bench'], {
      name: id.name,
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] },
    });
    const times: number[] = [];
    for (let i = 0; i < COMMITS; i++) {
      const snapshotId = newSnapshotId();
      const started = performance.now();
      const result = await commitWithRetry(
        catalog,
        id,
        async (base) => {
          const product = await producer({
            metadata: base.metadata,
            io,
            snapshotId,
            attemptId: randomUUID(),
            dataFiles: [
              {
                content: DataFileContent.Data,
                file_path: `${base.metadata.location}/data/${i}.parquet`,
                file_format: 'PARQUET',
                partition: [],
                record_count: 10,
                file_size_in_bytes: 1024,
              },
            ],
          });
          for (const f of product.files) await io.write(f.path, f.bytes);
          return { change: product.change, snapshotId };
        },
        { base: table },
      );
      table = result.table;
      times.push(performance.now() - started);
    }
    const current = table.metadata.snapshots.find((s) => s['snapshot-id'] === table.metadata['current-snapshot-id']);
    const manifests = current ? (await snapshotManifests(io, current)).length : 0;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return (
        ((sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) + (sorted[Math.ceil((sorted.length - 1) / 2)] ?? 0)) / 2
      );
    };
    return {
      name,
      first: mean(times.slice(0, WINDOW)),
      last: mean(times.slice(-WINDOW)),
      firstMedian: median(times.slice(0, WINDOW)),
      lastMedian: median(times.slice(-WINDOW)),
      manifests,
      snapshots: table.metadata.snapshots.length,
      metadataBytes: (await io.stat(table.metadataLocation)).size,
    };
  } finally {
    await server.close();
    await rm(warehouse, { recursive: true, force: true });
  }
}

const rows = [await run('merge append (floe)', mergeAppend), await run('fast append (peer)', fastAppend)];
console.log(
  `bench:commit — ${COMMITS} appends of one data file each, client + embedded server over HTTP, local warehouse`,
);
console.log(
  `${'producer'.padEnd(22)} ${`first ${WINDOW} ms`.padStart(14)} ${`last ${WINDOW} ms`.padStart(14)} ${'last/first'.padStart(11)} ${'median f/l ms'.padStart(15)} ${'manifests'.padStart(10)} ${'snapshots'.padStart(10)} ${'metadata.json'.padStart(14)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(22)} ${r.first.toFixed(2).padStart(14)} ${r.last.toFixed(2).padStart(14)} ${`${(r.last / r.first).toFixed(2)}×`.padStart(11)} ${`${r.firstMedian.toFixed(1)}/${r.lastMedian.toFixed(1)}`.padStart(15)} ${String(r.manifests).padStart(10)} ${String(r.snapshots).padStart(10)} ${`${(r.metadataBytes / 1024).toFixed(0)} KiB`.padStart(14)}`,
  );
}
