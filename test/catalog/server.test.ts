import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  BadRequestError,
  CatalogError,
  CommitConflictError,
  NoSuchNamespaceError,
  NoSuchTableError,
} from '../../lib/catalog/errors.js';
import { allPages, type RestCatalog } from '../../lib/catalog/rest/client.js';
import { uuidv7 } from '../../lib/catalog/rest/http.js';
import { readTableMetadata } from '../../lib/iceberg/metadata.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { validatingFetch } from './openapi.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 10, name: 'id', required: true, type: 'long' },
    { id: 11, name: 'ts', required: false, type: 'timestamptz' },
    {
      id: 12,
      name: 'tags',
      required: false,
      type: { type: 'list', 'element-id': 13, 'element-required': false, element: 'string' },
    },
  ],
};

describe('embedded REST catalog server (validated against the OpenAPI spec)', () => {
  let env: TestCatalog;
  let catalog: RestCatalog;
  const problems: string[] = [];
  const counter = { count: 0 };
  const events = { namespace: ['a', 'x'], name: 'events' };

  beforeAll(async () => {
    env = await startTestCatalog({ prefix: 'main', pageSize: 2 });
    catalog = env.client({ fetch: validatingFetch(problems, counter) });
  });
  afterAll(async () => {
    await env.close();
    // Every response any test received conformed to the spec.
    expect(counter.count).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  /** Creates the namespace (and its parents) unless it exists: each test also runs alone (`-t`). */
  async function ensureNamespace(namespace: string[]): Promise<void> {
    for (let depth = 1; depth <= namespace.length; depth++) {
      await catalog.createNamespace(namespace.slice(0, depth), { owner: 'floe' }).catch((error: unknown) => {
        if (!(error instanceof AlreadyExistsError)) throw error;
      });
    }
  }

  /** The `a.x.events` table of the tests below, created unless it exists. */
  async function ensureEvents(): Promise<void> {
    await ensureNamespace(events.namespace);
    if (!(await catalog.tableExists(events))) await catalog.createTable(events.namespace, { name: 'events', schema });
  }

  it('serves namespaces with pagination and properties', async () => {
    for (const ns of [['a'], ['b'], ['c'], ['a', 'x']]) await catalog.createNamespace(ns, { owner: 'floe' });
    await expect(catalog.createNamespace(['a'])).rejects.toBeInstanceOf(AlreadyExistsError);
    // Without pageToken everything comes at once (spec: page-token); an empty one starts paging.
    expect((await catalog.listNamespaces()).items).toEqual([['a'], ['b'], ['c']]);
    const first = await catalog.listNamespaces(undefined, '');
    expect(first.items).toEqual([['a'], ['b']]);
    expect(first.nextPageToken).toBeDefined();
    const last = await catalog.listNamespaces(undefined, first.nextPageToken);
    expect(last).toEqual({ items: [['c']] });
    expect(await allPages((t) => catalog.listNamespaces(undefined, t))).toEqual([['a'], ['b'], ['c']]);
    expect((await catalog.listNamespaces(['a'])).items).toEqual([['a', 'x']]);
    expect(await catalog.loadNamespace(['a', 'x'])).toEqual({ owner: 'floe' });
    const update = await catalog.updateNamespaceProperties(['b'], { k: 'v' }, ['owner', 'nope']);
    expect(update).toEqual({ updated: ['k'], removed: ['owner'], missing: ['nope'] });
    expect(await catalog.loadNamespace(['b'])).toEqual({ k: 'v' });
    await catalog.dropNamespace(['c']);
    await expect(catalog.loadNamespace(['c'])).rejects.toBeInstanceOf(NoSuchNamespaceError);
  });

  it('creates a table with fresh ids, lists, loads and commits', async () => {
    await ensureNamespace(['a', 'x']);
    const created = await catalog.createTable(['a', 'x'], {
      name: 'events',
      schema,
      'partition-spec': {
        'spec-id': 0,
        fields: [{ 'source-id': 11, 'field-id': 5, name: 'ts_day', transform: 'day' }],
      },
      'write-order': {
        'order-id': 7,
        fields: [{ 'source-id': 10, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }],
      },
      properties: { 'format-version': '2', owner: 'floe' },
    });
    const m = created.metadata;
    expect(m['format-version']).toBe(2);
    expect(m.schemas[0]?.fields.map((f) => f.id)).toEqual([1, 2, 3]);
    expect(m['last-column-id']).toBe(4);
    expect(m['partition-specs'][0]?.fields[0]).toMatchObject({ 'source-id': 2, 'field-id': 1000 });
    expect(m['sort-orders'][0]).toMatchObject({ 'order-id': 1, fields: [{ 'source-id': 1 }] });
    expect(m.properties).toEqual({ owner: 'floe' });
    expect(created.metadataLocation).toMatch(
      /\/a\/x\/events-[0-9a-f]{32}\/metadata\/00000-[0-9a-f-]+\.metadata\.json$/,
    );
    await expect(catalog.createTable(['a', 'x'], { name: 'events', schema })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    await expect(catalog.createTable(['nope'], { name: 't', schema })).rejects.toBeInstanceOf(NoSuchNamespaceError);

    const id = { namespace: ['a', 'x'], name: 'events' };
    expect(await catalog.tableExists(id)).toBe(true);
    expect(await catalog.tableExists({ namespace: ['a', 'x'], name: 'missing' })).toBe(false);
    expect((await catalog.listTables(['a', 'x'])).items).toEqual([id]);

    const committed = await catalog.commitTable(id, {
      requirements: [{ type: 'assert-table-uuid', uuid: m['table-uuid'] }],
      updates: [{ action: 'set-properties', updates: { 'commit.retry.num-retries': '9' } }],
    });
    expect(committed.metadataLocation).toMatch(/\/00001-/);
    expect(committed.metadata['metadata-log'].map((e) => e['metadata-file'])).toEqual([created.metadataLocation]);
    const onDisk = await readTableMetadata(env.io, committed.metadataLocation);
    expect(onDisk.properties['commit.retry.num-retries']).toBe('9');
    expect((await catalog.loadTable(id)).metadataLocation).toBe(committed.metadataLocation);
  });

  it('refuses unknown updates and requirements with 400 and failed requirements with 409', async () => {
    await ensureEvents();
    const id = { namespace: ['a', 'x'], name: 'events' };
    const base = await catalog.loadTable(id);
    await expect(
      catalog.commitTable(id, { requirements: [], updates: [{ action: 'frobnicate' } as never] }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      catalog.commitTable(id, { requirements: [{ type: 'assert-nothing' } as never], updates: [] }),
    ).rejects.toBeInstanceOf(BadRequestError);
    const conflict = await catalog
      .commitTable(id, { requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 5 }], updates: [] })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(CommitConflictError);
    expect((conflict as Error).message).toContain('assert-current-schema-id');
    expect((await catalog.loadTable(id)).metadataLocation).toBe(base.metadataLocation);
  });

  it('stage-creates and commits with assert-create, renames, runs atomic transactions, drops with purge', async () => {
    await ensureNamespace(['b']);
    await ensureEvents(); // the transaction below also commits to a.x.events
    const staged = await catalog.createTable(['b'], { name: 'staged', schema, 'stage-create': true });
    expect(await catalog.tableExists({ namespace: ['b'], name: 'staged' })).toBe(false);
    const sm = staged.metadata;
    await catalog.commitTable(
      { namespace: ['b'], name: 'staged' },
      {
        requirements: [{ type: 'assert-create' }],
        updates: [
          { action: 'assign-uuid', uuid: sm['table-uuid'] },
          { action: 'upgrade-format-version', 'format-version': 2 },
          { action: 'add-schema', schema: sm.schemas[0] as Schema },
          { action: 'set-current-schema', 'schema-id': -1 },
          { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } },
          { action: 'set-default-spec', 'spec-id': -1 },
          { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
          { action: 'set-default-sort-order', 'sort-order-id': -1 },
          { action: 'set-location', location: sm.location },
        ],
      },
    );
    const t1 = { namespace: ['b'], name: 'staged' };
    const loaded = await catalog.loadTable(t1);
    expect(loaded.metadata['table-uuid']).toBe(sm['table-uuid']);

    await catalog.renameTable(t1, { namespace: ['b'], name: 'moved' });
    await expect(catalog.loadTable(t1)).rejects.toBeInstanceOf(NoSuchTableError);
    const t2 = { namespace: ['b'], name: 'moved' };
    const before = await catalog.loadTable(events);

    // One failed requirement fails the whole transaction.
    await expect(
      catalog.commitTransaction([
        { identifier: t2, requirements: [], updates: [{ action: 'set-properties', updates: { tx: '1' } }] },
        {
          identifier: events,
          requirements: [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }],
          updates: [],
        },
      ]),
    ).rejects.toBeInstanceOf(CommitConflictError);
    expect((await catalog.loadTable(t2)).metadata.properties.tx).toBeUndefined();
    await catalog.commitTransaction([
      { identifier: t2, requirements: [], updates: [{ action: 'set-properties', updates: { tx: '1' } }] },
      {
        identifier: events,
        requirements: [{ type: 'assert-table-uuid', uuid: before.metadata['table-uuid'] }],
        updates: [{ action: 'set-properties', updates: { tx: '1' } }],
      },
    ]);
    expect((await catalog.loadTable(t2)).metadata.properties.tx).toBe('1');
    expect((await catalog.loadTable(events)).metadata.properties.tx).toBe('1');

    expect(await catalog.loadCredentials(t2)).toEqual([]);
    await expect(catalog.dropNamespace(['b'])).rejects.toBeInstanceOf(CatalogError);
    const location = (await catalog.loadTable(t2)).metadataLocation;
    await catalog.dropTable(t2, true);
    expect(await env.io.exists(location)).toBe(false);
    await catalog.dropNamespace(['b']);
  });

  it('keeps its state across a restart', async () => {
    await ensureEvents();
    const before = await catalog.loadTable(events);
    await env.server.close();
    const again = await startTestCatalog({ warehouse: env.warehouse, prefix: 'main' });
    try {
      const reloaded = await again.catalog.loadTable(events);
      expect(reloaded.metadataLocation).toBe(before.metadataLocation);
      expect(reloaded.metadata['table-uuid']).toBe(before.metadata['table-uuid']);
      expect(await again.catalog.loadNamespace(['a', 'x'])).toEqual({ owner: 'floe' });
    } finally {
      await again.close();
    }
  });
});

describe('RestCatalog config', () => {
  it('uses the prefix from /v1/config and encodes multi-level namespaces with %1F', async () => {
    const env = await startTestCatalog({ prefix: 'wh', idempotencyKeyLifetime: 'PT30M' });
    const seen: Array<{ url: string; headers: Record<string, string> }> = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
      return fetch(input, init);
    };
    try {
      const catalog = env.client({ fetch: spy, warehouse: 'w 1' });
      await catalog.createNamespace(['p q', 'r?s']);
      expect(await catalog.loadNamespace(['p q', 'r?s'])).toEqual({});
      expect(seen[0]?.url).toBe(`${env.server.url}/v1/config?warehouse=w+1`);
      expect(seen[1]?.url).toBe(`${env.server.url}/v1/wh/namespaces`);
      expect(seen[1]?.headers['idempotency-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
      expect(seen[2]?.url).toBe(`${env.server.url}/v1/wh/namespaces/p%20q%1Fr%3Fs`);
      expect(seen[2]?.headers['idempotency-key']).toBeUndefined();
    } finally {
      await env.close();
    }
  });
});

describe('Idempotency-Key on the embedded server', () => {
  it('replays a finalized response for a repeated key without running the operation again', async () => {
    const env = await startTestCatalog({ idempotencyKeyLifetime: 'PT30M' });
    try {
      await env.catalog.createNamespace(['db']);
      const created = await env.catalog.createTable(['db'], {
        name: 't',
        schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int' }] },
      });
      const post = (path: string, key: string, body: unknown) =>
        fetch(`${env.server.url}/v1/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(body),
        });
      // A commit retried with the same key (its response was lost): applied once, same answer.
      const commit = {
        requirements: [{ type: 'assert-table-uuid', uuid: created.metadata['table-uuid'] }],
        updates: [{ action: 'set-properties', updates: { n: '1' } }],
      };
      const key = uuidv7();
      const applied = env.server.faults.commitsApplied;
      const first = await post('namespaces/db/tables/t', key, commit);
      const again = await post('namespaces/db/tables/t', key, commit);
      expect([first.status, again.status]).toEqual([200, 200]);
      const [a, b] = [(await first.json()) as Record<string, unknown>, (await again.json()) as Record<string, unknown>];
      expect(b['metadata-location']).toBe(a['metadata-location']);
      expect(env.server.faults.commitsApplied).toBe(applied + 1);
      expect((await env.catalog.loadTable({ namespace: ['db'], name: 't' })).metadata['metadata-log']).toHaveLength(1);
      // A new key is a new operation.
      expect((await post('namespaces/db/tables/t', uuidv7(), commit)).status).toBe(200);
      expect(env.server.faults.commitsApplied).toBe(applied + 2);

      // A create replayed with its key answers 200 again, not 409; a terminal 409 is replayed too.
      const nsKey = uuidv7();
      expect((await post('namespaces', nsKey, { namespace: ['other'] })).status).toBe(200);
      expect((await post('namespaces', nsKey, { namespace: ['other'] })).status).toBe(200);
      const conflictKey = uuidv7();
      expect((await post('namespaces', conflictKey, { namespace: ['other'] })).status).toBe(409);
      await env.catalog.dropNamespace(['other']);
      // Run again, this create would now succeed: the 409 comes from the replay.
      const replayed = await post('namespaces', conflictKey, { namespace: ['other'] });
      expect(replayed.status).toBe(409);
      expect(((await replayed.json()) as { error: { type: string } }).error.type).toBe('AlreadyExistsException');

      // 5xx is not finalized: the retry with the same key runs the commit.
      env.server.faults.failNextCommits(1, 503);
      const retryKey = uuidv7();
      expect((await post('namespaces/db/tables/t', retryKey, commit)).status).toBe(503);
      expect((await post('namespaces/db/tables/t', retryKey, commit)).status).toBe(200);
    } finally {
      await env.close();
    }
  });

  it('is not honoured (nor advertised) when no lifetime is configured', async () => {
    const env = await startTestCatalog();
    const seen: string[] = [];
    try {
      const catalog = env.client({
        fetch: async (input, init) => {
          const key = new Headers(init?.headers).get('idempotency-key');
          if (key) seen.push(key);
          return fetch(input, init);
        },
      });
      await catalog.createNamespace(['db']);
      expect(seen).toEqual([]);
      expect((await catalog.resolvedConfig()).idempotencyKeyLifetime).toBeUndefined();
    } finally {
      await env.close();
    }
  });
});
