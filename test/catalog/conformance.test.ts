/**
 * Conformance: one full session against the embedded server over HTTP (namespaces, multi-level,
 * create with spec/sort/properties, every commit update, rename, exists, drop and purge,
 * pagination, every error path), every response validated against the official OpenAPI spec
 * (test/fixtures/rest-catalog-open-api.yaml); then the same session through iceberg-js, an
 * independent client, including a listing of 105 tables (it once saw only 100).
 */
import { IcebergRestCatalog } from 'iceberg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { validatingFetch } from './openapi.js';

const schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    {
      id: 3,
      name: 'tags',
      required: false,
      type: { type: 'map', 'key-id': 4, key: 'string', 'value-id': 5, value: 'decimal(9, 2)', 'value-required': false },
    },
  ],
};

describe('conformance session, every response validated against the OpenAPI spec', () => {
  let env: TestCatalog;
  const problems: string[] = [];
  const counter = { count: 0 };
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked against the spec, then read freely
  let call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

  beforeAll(async () => {
    env = await startTestCatalog({ prefix: 'p' });
    const validated = validatingFetch(problems, counter);
    call = async (method, path, body) => {
      const res = await validated(`${env.server.url}/v1/${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
  });
  afterAll(async () => {
    await env.close();
  });

  it('runs the session', async () => {
    const expectStatus = async (status: number, method: string, path: string, body?: unknown) => {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
      return res.body;
    };
    const ns = (levels: string[]) => encodeURIComponent(levels.join('\u001f'));

    // config, namespaces, multi-level, paging
    await expectStatus(200, 'GET', 'config');
    await expectStatus(200, 'POST', 'p/namespaces', { namespace: ['conf'], properties: { owner: 'floe' } });
    await expectStatus(409, 'POST', 'p/namespaces', { namespace: ['conf'] });
    await expectStatus(400, 'POST', 'p/namespaces', { namespace: ['..'] });
    await expectStatus(400, 'POST', 'p/namespaces', { namespace: ['x'], properties: { n: 1 } });
    await expectStatus(400, 'POST', 'p/namespaces', `{"namespace":${'['.repeat(1000)}${']'.repeat(1000)}}`);
    for (const child of ['a', 'b', 'c'])
      await expectStatus(200, 'POST', 'p/namespaces', { namespace: ['conf', child] });
    expect((await expectStatus(200, 'GET', `p/namespaces?parent=${ns(['conf'])}`)).namespaces).toHaveLength(3);
    const page1 = await expectStatus(200, 'GET', `p/namespaces?parent=${ns(['conf'])}&pageToken=&pageSize=2`);
    expect(page1.namespaces).toHaveLength(2);
    const page2 = await expectStatus(
      200,
      'GET',
      `p/namespaces?parent=${ns(['conf'])}&pageToken=${page1['next-page-token']}&pageSize=2`,
    );
    expect(page2).toEqual({ namespaces: [['conf', 'c']], 'next-page-token': null });
    await expectStatus(400, 'GET', 'p/namespaces?pageToken=zz');
    await expectStatus(404, 'GET', `p/namespaces?parent=${ns(['nope'])}`);
    await expectStatus(204, 'HEAD', `p/namespaces/${ns(['conf', 'a'])}`);
    await expectStatus(404, 'HEAD', `p/namespaces/${ns(['nope'])}`);
    expect((await expectStatus(200, 'GET', `p/namespaces/${ns(['conf'])}`)).properties).toEqual({ owner: 'floe' });
    await expectStatus(404, 'GET', `p/namespaces/${ns(['nope'])}`);
    expect(
      await expectStatus(200, 'POST', `p/namespaces/${ns(['conf'])}/properties`, {
        updates: { k: 'v' },
        removals: ['owner', 'gone'],
      }),
    ).toEqual({ updated: ['k'], removed: ['owner'], missing: ['gone'] });
    await expectStatus(422, 'POST', `p/namespaces/${ns(['conf'])}/properties`, {
      updates: { k: 'v' },
      removals: ['k'],
    });
    await expectStatus(404, 'POST', `p/namespaces/${ns(['nope'])}/properties`, { updates: {} });

    // create with spec, sort order, properties; its error paths
    const tables = `p/namespaces/${ns(['conf', 'a'])}/tables`;
    const create = {
      name: 't',
      schema,
      'partition-spec': {
        'spec-id': 0,
        fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }],
      },
      'write-order': {
        'order-id': 1,
        fields: [{ 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }],
      },
      properties: { 'format-version': '2', owner: 'floe' },
    };
    const created = await expectStatus(200, 'POST', tables, create);
    const uuid = created.metadata['table-uuid'] as string;
    await expectStatus(409, 'POST', tables, create);
    await expectStatus(404, 'POST', `p/namespaces/${ns(['nope'])}/tables`, create);
    await expectStatus(400, 'POST', tables, {
      ...create,
      name: 'u',
      schema: { type: 'struct', fields: [{ id: 1, name: 'x', required: true, type: 'float128' }] },
    });
    await expectStatus(400, 'POST', tables, { ...create, name: 'u', properties: { 'format-version': '9' } });
    await expectStatus(400, 'POST', tables, { ...create, name: 'u', properties: { a: 1 } });
    await expectStatus(400, 'POST', tables, { ...create, name: 'u', location: '/tmp' });
    await expectStatus(200, 'POST', tables, { ...create, name: 'staged', 'stage-create': true });
    await expectStatus(404, 'GET', `${tables}/staged`);
    await expectStatus(204, 'HEAD', `${tables}/t`);
    await expectStatus(404, 'HEAD', `${tables}/nope`);
    await expectStatus(404, 'GET', `${tables}/nope`);

    // every commit update, in one commit and a few more
    const location = created.metadata.location as string;
    const snap = (id: number, seq: number, parent?: number) => ({
      'snapshot-id': id,
      ...(parent ? { 'parent-snapshot-id': parent } : {}),
      'sequence-number': seq,
      'timestamp-ms': 1_700_000_000_000 + seq,
      'manifest-list': `${location}/metadata/snap-${id}.avro`,
      summary: { operation: 'append' },
      'schema-id': 0,
    });
    const stats = (id: number) => ({
      'snapshot-id': id,
      'statistics-path': `${location}/metadata/${id}.stats`,
      'file-size-in-bytes': 10,
      'file-footer-size-in-bytes': 5,
      'blob-metadata': [],
    });
    const pstats = (id: number) => ({
      'snapshot-id': id,
      'statistics-path': `${location}/metadata/${id}.pstats`,
      'file-size-in-bytes': 10,
    });
    const commit = (updates: unknown[], requirements: unknown[] = []) =>
      call('POST', `${tables}/t`, { requirements: [{ type: 'assert-table-uuid', uuid }, ...requirements], updates });
    let res = await commit(
      [
        { action: 'assign-uuid', uuid },
        {
          action: 'add-schema',
          schema: {
            ...schema,
            'schema-id': 1,
            fields: [...schema.fields, { id: 6, name: 'extra', required: false, type: 'string' }],
          },
          'last-column-id': 6,
        },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-spec', spec: { 'spec-id': 1, fields: [] } },
        { action: 'set-default-spec', 'spec-id': -1 },
        { action: 'add-sort-order', 'sort-order': { 'order-id': 2, fields: [] } },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
        { action: 'add-snapshot', snapshot: snap(101, 1) },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 101 },
        { action: 'add-snapshot', snapshot: snap(102, 2, 101) },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 102 },
        { action: 'add-snapshot', snapshot: snap(103, 3, 102) },
        { action: 'set-snapshot-ref', 'ref-name': 'keep', type: 'tag', 'snapshot-id': 103 },
        { action: 'set-statistics', 'snapshot-id': 101, statistics: stats(101) },
        { action: 'set-statistics', statistics: stats(102) },
        { action: 'set-partition-statistics', 'partition-statistics': pstats(101) },
        { action: 'set-partition-statistics', 'partition-statistics': pstats(102) },
        { action: 'set-properties', updates: { a: '1', b: '2' } },
        { action: 'remove-properties', removals: ['a'] },
        { action: 'set-location', location: `${location}-moved` },
        { action: 'upgrade-format-version', 'format-version': 3 },
      ],
      [
        { type: 'assert-current-schema-id', 'current-schema-id': 0 },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
      ],
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.metadata['format-version']).toBe(3);
    const refs = await expectStatus(200, 'GET', `${tables}/t?snapshots=refs`);
    expect(refs.metadata.snapshots.map((s: { 'snapshot-id': number }) => s['snapshot-id']).sort()).toEqual([102, 103]);
    expect((await expectStatus(200, 'GET', `${tables}/t?snapshots=all`)).metadata.snapshots).toHaveLength(3);
    await expectStatus(400, 'GET', `${tables}/t?snapshots=some`);
    res = await commit([
      { action: 'remove-statistics', 'snapshot-id': 101 },
      { action: 'remove-partition-statistics', 'snapshot-id': 101 },
      { action: 'remove-snapshot-ref', 'ref-name': 'keep' },
      { action: 'remove-snapshots', 'snapshot-ids': [103] },
      { action: 'remove-schemas', 'schema-ids': [0] },
      { action: 'remove-partition-specs', 'spec-ids': [0] },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const m = res.body.metadata;
    expect(m.schemas.map((s: { 'schema-id': number }) => s['schema-id'])).toEqual([1]);
    expect(m['partition-specs'].map((s: { 'spec-id': number }) => s['spec-id'])).toEqual([1]);
    expect(m.statistics.map((s: { 'snapshot-id': number }) => s['snapshot-id'])).toEqual([102]);
    expect(m['partition-statistics'].map((s: { 'snapshot-id': number }) => s['snapshot-id'])).toEqual([102]);
    expect(m.refs).toEqual({ main: expect.objectContaining({ 'snapshot-id': 102 }) });
    expect((await commit([{ action: 'remove-schemas', 'schema-ids': [1] }])).status).toBe(400); // the current one
    expect((await commit([], [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }])).status).toBe(409);
    expect((await commit([{ action: 'no-such-update' }])).status).toBe(400);
    expect((await commit([{ action: 'set-location', location: '/etc' }])).status).toBe(400);
    expect((await call('POST', `${tables}/nope`, { requirements: [], updates: [] })).status).toBe(404);
    await expectStatus(200, 'GET', `${tables}/t/credentials`);
    await expectStatus(204, 'POST', `${tables}/t/metrics`, {
      'report-type': 'commit-report',
      'table-name': 't',
      'snapshot-id': 102,
      sequence: 2,
      operation: 'append',
      metrics: {},
    });

    // list with paging, rename, transactions, drop and purge
    await expectStatus(200, 'POST', tables, { name: 't2', schema });
    expect((await expectStatus(200, 'GET', tables)).identifiers).toHaveLength(2);
    const tp = await expectStatus(200, 'GET', `${tables}?pageToken=&pageSize=1`);
    expect(tp.identifiers).toHaveLength(1);
    expect(
      (await expectStatus(200, 'GET', `${tables}?pageToken=${tp['next-page-token']}&pageSize=1`))['next-page-token'],
    ).toBeNull();
    const id = (name: string, levels = ['conf', 'a']) => ({ namespace: levels, name });
    await expectStatus(204, 'POST', 'p/tables/rename', { source: id('t2'), destination: id('t3', ['conf', 'b']) });
    await expectStatus(409, 'POST', 'p/tables/rename', { source: id('t'), destination: id('t3', ['conf', 'b']) });
    await expectStatus(404, 'POST', 'p/tables/rename', { source: id('gone'), destination: id('t4') });
    await expectStatus(400, 'POST', 'p/tables/rename', { source: id('t'), destination: id('../x') });
    const t3 = await expectStatus(200, 'GET', `p/namespaces/${ns(['conf', 'b'])}/tables/t3`);
    await expectStatus(204, 'POST', 'p/transactions/commit', {
      'table-changes': [
        { identifier: id('t'), requirements: [], updates: [{ action: 'set-properties', updates: { tx: '1' } }] },
        {
          identifier: id('t3', ['conf', 'b']),
          requirements: [{ type: 'assert-table-uuid', uuid: t3.metadata['table-uuid'] }],
          updates: [{ action: 'set-properties', updates: { tx: '1' } }],
        },
      ],
    });
    await expectStatus(409, 'POST', 'p/transactions/commit', {
      'table-changes': [
        { identifier: id('t'), requirements: [], updates: [{ action: 'set-properties', updates: { tx: '2' } }] },
        { identifier: id('t3', ['conf', 'b']), requirements: [{ type: 'assert-table-uuid', uuid: uuid }], updates: [] },
      ],
    });
    expect((await expectStatus(200, 'GET', `${tables}/t`)).metadata.properties.tx).toBe('1'); // all or nothing
    await expectStatus(409, 'DELETE', `p/namespaces/${ns(['conf', 'a'])}`);
    await expectStatus(204, 'DELETE', `${tables}/t?purgeRequested=true`);
    await expectStatus(404, 'DELETE', `${tables}/t`);
    await expectStatus(204, 'DELETE', `p/namespaces/${ns(['conf', 'a'])}`);
    await expectStatus(404, 'DELETE', `p/namespaces/${ns(['conf', 'a'])}`);

    expect(problems).toEqual([]);
    expect(counter.count).toBeGreaterThan(60);
  });
});

describe('the same session through iceberg-js', () => {
  let env: TestCatalog;
  beforeAll(async () => {
    env = await startTestCatalog({ prefix: 'ij' });
  });
  afterAll(async () => {
    await env.close();
  });

  it('creates, lists 105 tables in full, loads, commits, checks existence, drops and purges', async () => {
    const problems: string[] = [];
    const client = new IcebergRestCatalog({
      baseUrl: env.server.url,
      catalogName: 'ij',
      auth: { type: 'none' },
      fetch: validatingFetch(problems, { count: 0 }),
    });
    await client.createNamespace({ namespace: ['ij'] }, { properties: { owner: 'x' } });
    await client.createNamespace({ namespace: ['ij', 'deep'] });
    expect(await client.listNamespaces({ namespace: ['ij'] })).toEqual([{ namespace: ['ij', 'deep'] }]);
    expect(await client.loadNamespaceMetadata({ namespace: ['ij'] })).toEqual({ properties: { owner: 'x' } });
    for (let i = 0; i < 105; i++)
      await client.createTable(
        { namespace: ['ij'] },
        { name: `t${String(i).padStart(3, '0')}`, schema: schema as never },
      );
    expect(await client.listTables({ namespace: ['ij'] })).toHaveLength(105);
    const id = { namespace: ['ij'], name: 't000' };
    const loaded = (await client.loadTable(id)) as unknown as { 'table-uuid': string };
    const committed = await client.updateTable(id, {
      requirements: [{ type: 'assert-table-uuid', uuid: loaded['table-uuid'] }],
      updates: [{ action: 'set-properties', updates: { k: 'v' } }],
    } as never);
    expect(committed['metadata-location']).toMatch(/00001-/);
    expect(await client.tableExists(id)).toBe(true);
    await client.dropTable(id, { purge: true });
    expect(await client.tableExists(id)).toBe(false);
    expect(await client.namespaceExists({ namespace: ['ij', 'deep'] })).toBe(true);
    await client.dropNamespace({ namespace: ['ij', 'deep'] });
    expect(await client.namespaceExists({ namespace: ['ij', 'deep'] })).toBe(false);
    expect(problems).toEqual([]);
  });
});
