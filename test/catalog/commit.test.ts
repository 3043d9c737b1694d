import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../lib/catalog/catalog.js';
import { backoffMs, commitWithRetry, type RetryInfo, retryPolicyFrom } from '../../lib/catalog/commit-driver.js';
import { CommitConflictError, CommitStateUnknownError, ServiceUnavailableError } from '../../lib/catalog/errors.js';
import type { RestCatalog } from '../../lib/catalog/rest/client.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { fastAppend, mergeAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import { type DataFile, DataFileContent } from '../../lib/iceberg/types.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const fastRetry = { numRetries: 500, minWaitMs: 1, maxWaitMs: 10 };

describe('commitWithRetry against the embedded server', () => {
  let env: TestCatalog;
  let n = 0;

  beforeAll(async () => {
    env = await startTestCatalog();
    await env.catalog.createNamespace(['db']);
  });
  afterAll(async () => {
    await env.close();
  });

  async function newTable(): Promise<TableIdentifier> {
    const id = { namespace: ['db'], name: `t${++n}` };
    await env.catalog.createTable(['db'], {
      name: id.name,
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] },
    });
    return id;
  }

  function dataFile(location: string, name: string): DataFile {
    return {
      content: DataFileContent.Data,
      file_path: `${location}/data/${name}.parquet`,
      file_format: 'PARQUET',
      partition: [],
      record_count: 1,
      file_size_in_bytes: 128,
    };
  }

  /** Appends one data file through the driver, the way lib/ingest's committer does. */
  function append(
    catalog: RestCatalog,
    id: TableIdentifier,
    name: string,
    producer = fastAppend,
    onRetry?: (i: RetryInfo) => void,
  ) {
    const snapshotId = newSnapshotId();
    return commitWithRetry(
      catalog,
      id,
      async (base) => {
        const product = await producer({
          metadata: base.metadata,
          io: env.io,
          dataFiles: [dataFile(base.metadata.location, name)],
          snapshotId,
          attemptId: randomUUID(),
        });
        for (const file of product.files) await env.io.write(file.path, file.bytes);
        return { change: product.change, snapshotId };
      },
      { retry: fastRetry, onRetry },
    );
  }

  it('two clients appending in parallel, 50 commits each, lose nothing', async () => {
    const id = await newTable();
    const clients = [env.client(), env.client()];
    const conflicts = [0, 0];
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < 50; i++) {
          await append(client, id, `c${c}-${i}`, c === 0 ? fastAppend : mergeAppend, () => {
            conflicts[c] = (conflicts[c] ?? 0) + 1;
          });
        }
      }),
    );
    const table = await env.catalog.loadTable(id);
    expect(table.metadata.snapshots).toHaveLength(100);
    expect(table.metadata['last-sequence-number']).toBe(100n);
    const files = (await liveDataFiles(env.io, table.metadata)).map((e) => e.data_file.file_path.split('/').pop());
    const expected = [0, 1].flatMap((c) => Array.from({ length: 50 }, (_, i) => `c${c}-${i}.parquet`));
    expect(files.sort()).toEqual(expected.sort());
  });

  it('apply-then-500 is recognised by snapshot id: no duplicate snapshot', async () => {
    const id = await newTable();
    await append(env.catalog, id, 'first');
    env.server.faults.applyThenFail(1, 500);
    const result = await append(env.catalog, id, 'second');
    expect(result.outcome).toBe('already-committed');
    expect(result.attempts).toBe(1);
    const table = await env.catalog.loadTable(id);
    expect(table.metadata.snapshots).toHaveLength(2);
    expect(table.metadata['current-snapshot-id']).toBe(result.snapshotId);
    expect(await liveDataFiles(env.io, table.metadata)).toHaveLength(2);
  });

  it('a 503 with nothing applied is retried and applied once', async () => {
    const id = await newTable();
    const retries: RetryInfo[] = [];
    env.server.faults.failNextCommits(1, 503);
    const result = await append(env.catalog, id, 'x', fastAppend, (i) => retries.push(i));
    expect(result).toMatchObject({ outcome: 'committed', attempts: 2 });
    expect(retries.map((r) => [r.reason, r.error.name])).toEqual([['unknown', 'CommitStateUnknownError']]);
    expect((await env.catalog.loadTable(id)).metadata.snapshots).toHaveLength(1);
  });

  it('a dropped connection is an unknown outcome, reconciled either way', async () => {
    const id = await newTable();
    env.server.faults.dropConnection(1);
    expect(await append(env.catalog, id, 'a')).toMatchObject({ outcome: 'committed', attempts: 2 });
    env.server.faults.dropConnection(1, { apply: true });
    expect(await append(env.catalog, id, 'b')).toMatchObject({ outcome: 'already-committed', attempts: 1 });
    const table = await env.catalog.loadTable(id);
    expect(table.metadata.snapshots).toHaveLength(2);
    expect(await liveDataFiles(env.io, table.metadata)).toHaveLength(2);
  });

  it('409s are retried on a reloaded base until the retries run out', async () => {
    const id = await newTable();
    env.server.faults.failNextCommits(2, 409);
    const reasons: string[] = [];
    const ok = await append(env.catalog, id, 'a', fastAppend, (i) => reasons.push(i.reason));
    expect(ok).toMatchObject({ outcome: 'committed', attempts: 3 });
    expect(reasons).toEqual(['conflict', 'conflict']);

    env.server.faults.failNextCommits(3, 409);
    const failed = await commitWithRetry(
      env.catalog,
      id,
      async (base) => ({
        change: { requirements: [{ type: 'assert-table-uuid', uuid: base.metadata['table-uuid'] }], updates: [] },
      }),
      { retry: { numRetries: 1, minWaitMs: 1 } },
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CommitConflictError);
    env.server.faults.reset();
  });

  it('an unknown outcome without a snapshot id cannot be reconciled and is surfaced', async () => {
    const id = await newTable();
    env.server.faults.failNextCommits(1, 502);
    const error = await commitWithRetry(env.catalog, id, async () => ({
      change: { requirements: [], updates: [{ action: 'set-properties', updates: { a: 'b' } }] },
    })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitStateUnknownError);
    expect((error as CommitStateUnknownError).status).toBe(502);
  });

  it('times out a slow request: unknown on a commit, unavailable elsewhere', async () => {
    const id = await newTable();
    const impatient = env.client({ timeoutMs: 150, retry: { maxRetries: 0 } });
    await impatient.loadTable(id);
    env.server.faults.addLatency(400);
    try {
      await expect(impatient.loadTable(id)).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(impatient.commitTable(id, { requirements: [], updates: [] })).rejects.toBeInstanceOf(
        CommitStateUnknownError,
      );
    } finally {
      env.server.faults.reset();
    }
  });
});

describe('retry policy', () => {
  it('reads commit.retry.* with Iceberg defaults and backs off exponentially with jitter', () => {
    expect(retryPolicyFrom({})).toEqual({
      numRetries: 4,
      minWaitMs: 100,
      maxWaitMs: 60_000,
      totalTimeoutMs: 1_800_000,
    });
    const p = retryPolicyFrom(
      { 'commit.retry.num-retries': '7', 'commit.retry.max-wait-ms': '500' },
      { minWaitMs: 50 },
    );
    expect(p).toMatchObject({ numRetries: 7, minWaitMs: 50, maxWaitMs: 500 });
    expect([1, 2, 3, 4, 5].map((r) => backoffMs(p, r, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffMs(p, 2, () => 1)).toBe(110);
  });
});
