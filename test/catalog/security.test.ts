/**
 * The embedded catalog refuses each attack of the issue-12 audit, and touches nothing outside a
 * table's own files: locations confined to the warehouse, purge of referenced files only, names
 * that cannot reach the file system, special files, body caps after authentication, a real token
 * allow-list, content types, the Host check.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../lib/catalog/catalog.js';
import { commitWithRetry } from '../../lib/catalog/commit-driver.js';
import { BadRequestError } from '../../lib/catalog/errors.js';
import { CatalogServerConfigError, startCatalogServer } from '../../lib/catalog/server/server.js';
import { fastAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import { DataFileContent } from '../../lib/iceberg/types.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const schema = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [{ id: 1, name: 'id', required: true, type: 'long' }],
};

/** A raw HTTP exchange (so headers and bodies can be anything a hostile client sends). */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    // A body shorter than its content-length: the server must answer without waiting for the rest.
    if (!(options.headers && 'x-keep-open' in options.headers)) req.end();
  });
}

describe('embedded catalog: confinement', () => {
  let env: TestCatalog;
  let outside: string;

  beforeAll(async () => {
    env = await startTestCatalog();
    outside = await mkdtemp(join(tmpdir(), 'floe-victim-'));
    await writeFile(join(outside, 'precious.txt'), 'keep me');
    await env.catalog.createNamespace(['db']);
  });
  afterAll(async () => {
    await env.close();
    await rm(outside, { recursive: true, force: true });
  });

  it('refuses table locations outside the warehouse, after resolving .. and symlinks', async () => {
    await symlink(outside, join(env.warehouse, 'link-out'));
    const refused = [
      env.warehouse,
      outside,
      `${env.warehouse}/db/../../${outside.split('/').pop()}`,
      join(env.warehouse, 'link-out', 't'),
      'relative/t',
      '/proc/self',
      join(env.warehouse, '_catalog', 't'),
    ];
    for (const location of refused) {
      const error = await env.catalog
        .createTable(['db'], { name: `t${randomUUID().slice(0, 8)}`, schema, location })
        .catch((e: unknown) => e);
      expect(error, location).toBeInstanceOf(BadRequestError);
      expect((error as Error).message).not.toContain(env.warehouse);
    }
    const inside = await env.catalog.createTable(['db'], { name: 'ok', schema, location: `${env.warehouse}/own/ok` });
    expect(inside.metadata.location).toMatch(/\/own\/ok$/);
    const moved = await env.catalog
      .commitTable(
        { namespace: ['db'], name: 'ok' },
        { requirements: [], updates: [{ action: 'set-location', location: outside }] },
      )
      .catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(BadRequestError);
  });

  it('refuses a location that is a FIFO (a special file) instead of hanging', async () => {
    const fifo = join(env.warehouse, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(env.catalog.createTable(['db'], { name: 'fifo', schema, location: fifo })).rejects.toBeInstanceOf(
      BadRequestError,
    );
  });

  it('purge deletes only the files the metadata references, never a directory or another table', async () => {
    const a = await env.catalog.createTable(['db'], { name: 'a', schema });
    const b = await env.catalog.createTable(['db'], { name: 'b', schema });
    const idA: TableIdentifier = { namespace: ['db'], name: 'a' };
    const dataPath = `${a.metadata.location}/data/f1.parquet`;
    await env.io.write(dataPath, new Uint8Array([1, 2, 3]));
    const stray = `${a.metadata.location}/data/not-referenced.bin`;
    await env.io.write(stray, new Uint8Array([4]));
    const snapshotId = newSnapshotId();
    await commitWithRetry(env.catalog, idA, async (base) => {
      const product = await fastAppend({
        metadata: base.metadata,
        io: env.io,
        dataFiles: [
          {
            content: DataFileContent.Data,
            file_path: dataPath,
            file_format: 'PARQUET',
            partition: [],
            record_count: 1,
            file_size_in_bytes: 3,
          },
          // A hostile client references a file outside the warehouse: purge must not touch it.
          {
            content: DataFileContent.Data,
            file_path: join(outside, 'precious.txt'),
            file_format: 'PARQUET',
            partition: [],
            record_count: 1,
            file_size_in_bytes: 7,
          },
          // … and one of table b.
          {
            content: DataFileContent.Data,
            file_path: b.metadataLocation as string,
            file_format: 'PARQUET',
            partition: [],
            record_count: 1,
            file_size_in_bytes: 7,
          },
        ],
        snapshotId,
        attemptId: randomUUID(),
      });
      for (const f of product.files) await env.io.write(f.path, f.bytes);
      return { change: product.change, snapshotId };
    });
    const loaded = await env.catalog.loadTable(idA);
    const manifestList = loaded.metadata.snapshots[0]?.['manifest-list'] as string;
    expect(existsSync(manifestList)).toBe(true);

    await env.catalog.dropTable(idA, true);
    expect(existsSync(dataPath)).toBe(false);
    expect(existsSync(manifestList)).toBe(false);
    expect(existsSync(loaded.metadataLocation as string)).toBe(false);
    expect(existsSync(stray)).toBe(true); // not referenced: left alone (Java dropTableData)
    expect(existsSync(join(outside, 'precious.txt'))).toBe(true);
    expect(existsSync(env.warehouse)).toBe(true);
    // Table b's metadata was referenced as a "data file" of a, but lies inside the warehouse: this
    // is the one thing a client can do to itself; its pointer still loads b from the cache-free path.
    expect((await env.catalog.listTables(['db'])).items.map((t) => t.name)).not.toContain('a');
  });

  it('gives unique default locations: n.a and n.a.b, a table and a namespace never share a folder', async () => {
    await env.catalog.createNamespace(['n']);
    await env.catalog.createNamespace(['n', 'a']);
    const t1 = await env.catalog.createTable(['n'], { name: 'a', schema });
    const t2 = await env.catalog.createTable(['n', 'a'], { name: 'b', schema });
    expect(t2.metadata.location.startsWith(`${t1.metadata.location}/`)).toBe(false);
    expect(t1.metadata.location).not.toBe(`${env.warehouse}/n/a`);
  });

  it('refuses names that would reach the file system, with the error model and no server path', async () => {
    const bad: Array<[string[], string]> = [
      [['..', '..', '..'], 'x'],
      [['db'], 'x/../../victim'],
      [['db'], '..'],
      [['db'], 'nul\u0000name'],
      [['db'], 'x'.repeat(300)],
      [['a/b'], 't'],
      [['a\\b'], 't'],
    ];
    for (const [namespace, name] of bad) {
      const created = await env.catalog.createNamespace(namespace).catch((e: unknown) => e);
      if (namespace[0] !== 'db') {
        expect(created, namespace.join('|')).toBeInstanceOf(BadRequestError);
        continue;
      }
      const error = await env.catalog.createTable(namespace, { name, schema }).catch((e: unknown) => e);
      expect(error, name.slice(0, 20)).toBeInstanceOf(BadRequestError);
      expect((error as Error).message).not.toContain(env.warehouse);
    }
    const res = await raw(env.server.url, { path: '/v1/namespaces/%00/tables/x' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'BadRequestException', code: 400 } });
    expect(res.body).not.toContain(env.warehouse);
    expect(await readdir(join(env.warehouse, '..'))).not.toContain('victim');
  });

  it('answers JSON nested too deep with 400, not 500', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await raw(env.server.url, {
      method: 'POST',
      path: '/v1/namespaces',
      headers: { 'content-type': 'application/json' },
      body: `{"namespace":${deep}}`,
    });
    expect(res.status).toBe(400);
  });

  it('refuses non-JSON bodies on JSON routes (415) and foreign Host headers (403)', async () => {
    const body = JSON.stringify({ namespace: ['ct'] });
    const plain = await raw(env.server.url, {
      method: 'POST',
      path: '/v1/namespaces',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    // Bound to the loopback interface unless told otherwise.
    expect(new URL(env.server.url).hostname).toBe('127.0.0.1');
    const rebound = await raw(env.server.url, { path: '/v1/namespaces', headers: { host: 'evil.example:8181' } });
    expect(rebound.status).toBe(403);
    const local = await raw(env.server.url, {
      path: '/v1/namespaces',
      headers: { host: `localhost:${new URL(env.server.url).port}` },
    });
    expect(local.status).toBe(200);
  });
});

describe('embedded catalog: authentication and body limits', () => {
  const SECRET = 'a-long-enough-secret-123';
  let env: TestCatalog;

  beforeAll(async () => {
    env = await startTestCatalog({
      auth: 'token',
      acceptedSubjectTokens: [SECRET],
      clients: { floe: SECRET },
      maxBodyBytes: 4096,
    });
  });
  afterAll(async () => {
    await env.close();
  });

  it('refuses token auth without an allow-list', async () => {
    const warehouse = await mkdtemp(join(tmpdir(), 'floe-wh-'));
    await expect(startCatalogServer({ warehouse, io: new LocalFileIO(), auth: 'token' })).rejects.toBeInstanceOf(
      CatalogServerConfigError,
    );
    await rm(warehouse, { recursive: true, force: true });
  });

  it('issues tokens only for the allowed subject token and client', async () => {
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      path: '/v1/oauth/tokens',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const exchange = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token_type: 'urn:x' };
    expect((await raw(env.server.url, form({ ...exchange, subject_token: 'anything-at-all' }))).status).toBe(400);
    expect((await raw(env.server.url, form({ ...exchange, subject_token: SECRET }))).status).toBe(200);
    const cc = { grant_type: 'client_credentials', client_secret: SECRET };
    expect((await raw(env.server.url, form({ ...cc, client_id: 'someone-else' }))).status).toBe(401);
    expect((await raw(env.server.url, form({ ...cc, client_id: 'constructor' }))).status).toBe(401);
    expect((await raw(env.server.url, form({ ...cc, client_id: 'floe' }))).status).toBe(200);
  });

  it('authenticates before reading the body: 401 with WWW-Authenticate for a huge unauthenticated POST', async () => {
    const res = await raw(env.server.url, {
      method: 'POST',
      path: '/v1/namespaces',
      headers: { 'content-type': 'application/json', 'content-length': 600 * 1024 * 1024, 'x-keep-open': 1 },
      body: '{"namespace":',
    });
    expect(res.status).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
  });

  it('caps bodies after authentication: 413', async () => {
    const res = await raw(env.server.url, {
      method: 'POST',
      path: '/v1/namespaces',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(env.server.tokenUrl)}` },
      body: JSON.stringify({ namespace: ['big'], properties: { x: 'y'.repeat(10_000) } }),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 413 } });
  });

  async function token(tokenUrl: string): Promise<string> {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'floe', client_secret: SECRET }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }
});

describe('one warehouse, one server', () => {
  it('a second server on the same warehouse refuses to start; a stale lock is recovered', async () => {
    const warehouse = await mkdtemp(join(tmpdir(), 'floe-wh-'));
    const first = await startCatalogServer({ warehouse, io: new LocalFileIO() });
    try {
      await expect(startCatalogServer({ warehouse, io: new LocalFileIO() })).rejects.toThrow(
        /is in use by another floe catalog \(pid \d+/,
      );
    } finally {
      await first.close();
    }
    // A lock left by a process that died (its pid no longer runs) is taken over.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    await mkdir(join(warehouse, '_catalog'), { recursive: true });
    await writeFile(
      join(warehouse, '_catalog', 'server.lock'),
      JSON.stringify({ pid: dead, host: (await import('node:os')).hostname() }),
    );
    const second = await startCatalogServer({ warehouse, io: new LocalFileIO() });
    await second.close();
    expect(existsSync(join(warehouse, '_catalog', 'server.lock'))).toBe(false);
    await rm(warehouse, { recursive: true, force: true });
  });
});
