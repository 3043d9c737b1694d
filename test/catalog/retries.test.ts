/**
 * What the client retries (issue 12): a 429 on a commit after `Retry-After`; loads, config and
 * the token endpoint on 429/502/503/504 and connection errors; a 429 from the token endpoint is
 * a throttle; a commit that lands after the client gave up on it is reported committed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../lib/catalog/catalog.js';
import { commitWithRetry, type RetryInfo } from '../../lib/catalog/commit-driver.js';
import { NotAuthorizedError, ThrottledError } from '../../lib/catalog/errors.js';
import { clientCredentialsAuth } from '../../lib/catalog/rest/auth.js';
import type { RestCatalog } from '../../lib/catalog/rest/client.js';
import { fastAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import { DataFileContent } from '../../lib/iceberg/types.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const schema = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [{ id: 1, name: 'id', required: true, type: 'long' }],
};
const quick = { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 2_000 };

/** fetch that answers the first `times` matching requests itself, then passes through. */
function failing(
  match: (url: string, method: string) => boolean,
  times: number,
  answer: () => Response | Promise<never>,
) {
  let left = times;
  const seen: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    seen.push(`${method} ${new URL(url).pathname}`);
    if (left > 0 && match(url, method)) {
      left--;
      return answer();
    }
    return fetch(input, init);
  };
  return { fetch: wrapped, seen };
}

describe('client retries', () => {
  let env: TestCatalog;
  let n = 0;

  beforeAll(async () => {
    env = await startTestCatalog({ clients: { floe: 'client-secret-1234' } });
    await env.catalog.createNamespace(['db']);
  });
  afterAll(async () => {
    await env.close();
  });

  async function newTable(): Promise<TableIdentifier> {
    const id = { namespace: ['db'], name: `t${++n}` };
    await env.catalog.createTable(['db'], { name: id.name, schema });
    return id;
  }

  function append(catalog: RestCatalog, id: TableIdentifier, onRetry?: (i: RetryInfo) => void) {
    const snapshotId = newSnapshotId();
    return commitWithRetry(
      catalog,
      id,
      async (base) => {
        const product = await fastAppend({
          metadata: base.metadata,
          io: env.io,
          dataFiles: [
            {
              content: DataFileContent.Data,
              file_path: `${base.metadata.location}/data/${randomUUID()}.parquet`,
              file_format: 'PARQUET',
              partition: [],
              record_count: 1,
              file_size_in_bytes: 1,
            },
          ],
          snapshotId,
          attemptId: randomUUID(),
        });
        for (const f of product.files) await env.io.write(f.path, f.bytes);
        return { change: product.change, snapshotId };
      },
      { retry: { numRetries: 5, minWaitMs: 1, maxWaitMs: 5 }, onRetry },
    );
  }

  it('retries a commit answered 429 after Retry-After, and applies it once', async () => {
    const id = await newTable();
    env.server.faults.failNextCommits(1, 429);
    const retries: RetryInfo[] = [];
    const result = await append(env.catalog, id, (i) => retries.push(i));
    expect(result.outcome).toBe('committed');
    expect(retries).toHaveLength(1);
    expect(retries[0]?.error).toBeInstanceOf(ThrottledError);
    expect(retries[0]?.waitMs).toBeGreaterThanOrEqual(1000); // Retry-After: 1
    expect((await env.catalog.loadTable(id)).metadata.snapshots).toHaveLength(1);
  });

  it('retries loadTable and /v1/config on 429/502/503/504 and connection errors', async () => {
    const id = await newTable();
    const statuses = [429, 502, 503, 504];
    const f = failing(
      (_url, method) => method === 'GET',
      5,
      () => {
        const status = statuses.shift();
        if (status === undefined)
          return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }));
        return new Response('{}', { status, headers: status === 429 ? { 'retry-after': '0' } : {} });
      },
    );
    const client = env.client({ fetch: f.fetch, retry: quick });
    const loaded = await client.loadTable(id);
    expect(loaded.identifier).toEqual(id);
    // config: 429, 502, 503, 504, reset, then it passes; then one load.
    expect(f.seen.filter((s) => s.endsWith('/v1/config'))).toHaveLength(6);
  });

  it('gives up after the retries, and does not retry a 404', async () => {
    const f = failing(
      () => true,
      100,
      () => new Response('{}', { status: 503 }),
    );
    const client = env.client({ fetch: f.fetch, retry: { ...quick, maxRetries: 2 } });
    await expect(client.loadTable({ namespace: ['db'], name: 'x' })).rejects.toThrow(/503/);
    expect(f.seen).toHaveLength(3);
  });

  it('treats 429 from the token endpoint as a throttle: retried, then ThrottledError (not NotAuthorized)', async () => {
    const f = failing(
      () => true,
      2,
      () => new Response('{"error":"slow_down"}', { status: 429, headers: { 'retry-after': '0' } }),
    );
    const auth = clientCredentialsAuth({
      tokenEndpoint: env.server.tokenUrl,
      clientId: 'floe',
      clientSecret: 'client-secret-1234',
      fetch: f.fetch,
      retry: quick,
    });
    await expect(auth.authorization()).resolves.toMatch(/^Bearer /);
    expect(f.seen).toHaveLength(3);
    const always = failing(
      () => true,
      100,
      () => new Response('{}', { status: 429 }),
    );
    const throttled = clientCredentialsAuth({
      tokenEndpoint: env.server.tokenUrl,
      clientId: 'floe',
      clientSecret: 'x',
      fetch: always.fetch,
      retry: { ...quick, maxRetries: 1 },
    });
    const error = await throttled.authorization().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).not.toBeInstanceOf(NotAuthorizedError);
  });

  it('reports committed when the commit landed after the client timed out (409, then snapshot exists)', async () => {
    const id = await newTable();
    let firstCommit: Promise<Response> | undefined;
    let reloaded!: () => void;
    const reloadDone = new Promise<void>((r) => {
      reloaded = r;
    });
    let loads = 0;
    const lateFetch: typeof fetch = async (input, init) => {
      const method = init?.method ?? 'GET';
      const path = new URL(String(input)).pathname;
      if (method === 'POST' && path.endsWith(`/tables/${id.name}`)) {
        if (!firstCommit) {
          // Deliver the commit only after the client reloaded: it lands "late".
          firstCommit = reloadDone.then(() => fetch(input, init));
          throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
        }
        await firstCommit; // the late commit has landed before the retry arrives
      }
      const response = await fetch(input, init);
      if (method === 'GET' && path.endsWith(`/tables/${id.name}`) && ++loads === 2) reloaded();
      return response;
    };
    const client = env.client({ fetch: lateFetch });
    const result = await append(client, id);
    expect(result.outcome).toBe('already-committed');
    expect((await env.catalog.loadTable(id)).metadata.snapshots).toHaveLength(1);
  });
});
