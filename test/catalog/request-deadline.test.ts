/**
 * Every request of the embedded catalog has a deadline (`requestTimeoutMs`, `--request-timeout`):
 * past it the request is answered 503 with the spec's error model, its remaining work is
 * abandoned (a commit answered 503 never lands later), and a request stuck for good in a file
 * system call does not hold up `close()` (issue 12).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileInfo } from '../../lib/iceberg/file-io.js';
import { CatalogServerConfigError, startCatalogServer } from '../../lib/catalog/server/server.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { validateResponse } from './openapi.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] };

/** A local FileIO whose listings never finish once `hang` is set, like a hung network file system. */
class HungListingIO extends LocalFileIO {
  hang = false;
  hung = 0;
  override list(prefix: string): AsyncIterable<FileInfo> {
    if (!this.hang) return super.list(prefix);
    this.hung += 1;
    return {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<FileInfo>>(() => {}) }),
    };
  }
}

let env: TestCatalog | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('request deadline', () => {
  it('answers 503 (spec error model, Retry-After) when a file system call hangs, and close() does not wait for it', async () => {
    const warehouse = await mkdtemp(join(tmpdir(), 'floe-deadline-'));
    const io = new HungListingIO();
    const server = await startCatalogServer({ warehouse, io, requestTimeoutMs: 300, logError: () => {} });
    io.hang = true;
    try {
      const res = await fetch(`${server.url}/v1/namespaces`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const body = (await res.json()) as { error: { type: string } };
      expect(body.error.type).toBe('ServiceUnavailableException');
      expect(JSON.stringify(body)).not.toContain(warehouse);
      expect(validateResponse('/v1/{prefix}/namespaces', 'GET', 503, body)).toBeUndefined();
      expect(io.hung).toBe(1);
    } finally {
      // The listing never ends: close() gives up on it and reports it as still running.
      await server.close();
      expect(server.inFlight).toBe(1);
      await rm(warehouse, { recursive: true, force: true });
    }
  });

  it('abandons the work of a request answered 503: a late commit never lands', async () => {
    env = await startTestCatalog({ requestTimeoutMs: 300 });
    await env.catalog.createNamespace(['db']);
    await env.catalog.createTable(['db'], { name: 't', schema: schema as never });
    env.server.faults.addLatency(900);
    const commit = await fetch(`${env.server.url}/v1/namespaces/db/tables/t`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requirements: [], updates: [{ action: 'set-properties', updates: { late: 'yes' } }] }),
    });
    expect(commit.status).toBe(503);
    const created = await fetch(`${env.server.url}/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: ['late'] }),
    });
    expect(created.status).toBe(503);
    // Let the abandoned requests run past their latency; nothing of them may be applied.
    await new Promise((r) => setTimeout(r, 1_200));
    env.server.faults.reset();
    const table = await env.catalog.loadTable({ namespace: ['db'], name: 't' });
    expect(table.metadata.properties.late).toBeUndefined();
    expect((await env.catalog.listNamespaces()).items).toEqual([['db']]);
    // Requests within the deadline still work.
    await env.catalog.createNamespace(['on-time']);
    expect(await env.catalog.loadNamespace(['on-time'])).toEqual({});
  });

  it('refuses a deadline that is not a positive number', async () => {
    const warehouse = await mkdtemp(join(tmpdir(), 'floe-deadline-'));
    try {
      await expect(
        startCatalogServer({ warehouse, io: new LocalFileIO(), requestTimeoutMs: 0 }),
      ).rejects.toBeInstanceOf(CatalogServerConfigError);
    } finally {
      await rm(warehouse, { recursive: true, force: true });
    }
  });
});
