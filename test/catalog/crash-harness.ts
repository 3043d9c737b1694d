/**
 * Crash harness: `floe catalog serve` in a child process, 8 clients committing appends in
 * bursts, SIGKILL mid-burst, restart on the same warehouse, and check that every acknowledged
 * commit is in the table (and the table loads). Used by crash.test.ts (quick) and
 * crash.full.test.ts (more rounds).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TableIdentifier } from '../../lib/catalog/catalog.js';
import { commitWithRetry } from '../../lib/catalog/commit-driver.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { fastAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import { DataFileContent } from '../../lib/iceberg/types.js';
import { LocalFileIO } from '../../lib/storage/local.js';

const bin = fileURLToPath(new URL('../../bin/floe.mjs', import.meta.url));

/** Starts `floe catalog serve --dir <dir> --port 0` and resolves with its URL. */
export async function serve(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'catalog', 'serve', '--dir', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /at (http:\/\/\S+?),? /.exec(out);
      if (match) resolve(match[1] as string);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`floe catalog serve exited with ${code}: ${out}`)));
  });
  return { child, url };
}

export interface CrashReport {
  acknowledged: number;
  present: number;
  lost: string[];
  rounds: number;
}

/** Runs `rounds` rounds of: serve, 8 clients commit for `burstMs`, SIGKILL, restart and verify. */
export async function crashRounds(dir: string, rounds: number, burstMs: number): Promise<CrashReport> {
  const io = new LocalFileIO();
  const id: TableIdentifier = { namespace: ['crash'], name: 'events' };
  const acked = new Set<bigint>();
  const ackedFiles = new Set<string>();
  let setup = await serve(dir);
  const admin = new RestCatalog({ uri: setup.url });
  await admin.createNamespace(['crash']);
  await admin.createTable(['crash'], {
    name: 'events',
    schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] },
  });
  const lost: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const { child, url } = setup;
    let killed = false;
    const workers = Array.from({ length: 8 }, async (_, w) => {
      const client = new RestCatalog({ uri: url, retry: { maxRetries: 0 }, timeoutMs: 5_000 });
      while (!killed) {
        const snapshotId = newSnapshotId();
        const path = `x/${randomUUID()}.parquet`;
        try {
          await commitWithRetry(
            client,
            id,
            async (base) => {
              const product = await fastAppend({
                metadata: base.metadata,
                io,
                dataFiles: [
                  {
                    content: DataFileContent.Data,
                    file_path: `${base.metadata.location}/data/${path}`,
                    file_format: 'PARQUET',
                    partition: [],
                    record_count: 1,
                    file_size_in_bytes: 1,
                  },
                ],
                snapshotId,
                attemptId: `${w}-${randomUUID()}`,
              });
              for (const f of product.files) await io.write(f.path, f.bytes);
              return { change: product.change, snapshotId };
            },
            { retry: { numRetries: 50, minWaitMs: 1, maxWaitMs: 20, totalTimeoutMs: 10_000 } },
          );
          acked.add(snapshotId);
          ackedFiles.add(path);
        } catch {
          // The server died under this commit: not acknowledged, so either outcome is allowed.
          if (killed) return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, burstMs));
    killed = true;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await Promise.all(workers);
    // Restart on the same warehouse: the dead server's lock is stale and taken over.
    setup = await serve(dir);
    const table = await new RestCatalog({ uri: setup.url }).loadTable(id);
    const snapshots = new Set(table.metadata.snapshots.map((s) => s['snapshot-id']));
    for (const s of acked) if (!snapshots.has(s)) lost.push(`round ${round}: snapshot ${s}`);
    const live = new Set(
      (await liveDataFiles(io, table.metadata)).map((e) =>
        e.data_file.file_path.slice(e.data_file.file_path.indexOf('/data/') + 6),
      ),
    );
    for (const f of ackedFiles) if (!live.has(f)) lost.push(`round ${round}: file ${f}`);
  }
  const final = await new RestCatalog({ uri: setup.url }).loadTable(id);
  setup.child.kill('SIGTERM');
  await new Promise((r) => setup.child.once('exit', r));
  return { acknowledged: acked.size, present: final.metadata.snapshots.length, lost, rounds };
}
