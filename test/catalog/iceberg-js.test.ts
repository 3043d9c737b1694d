import { IcebergRestCatalog } from 'iceberg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

// iceberg-js (supabase) is an independent REST client: if it works against floe's server, the
// server speaks the protocol as others read it, not only as floe's own client does.
describe('iceberg-js against the embedded server', () => {
  let env: TestCatalog;
  beforeAll(async () => {
    env = await startTestCatalog();
  });
  afterAll(async () => {
    await env.close();
  });

  it('creates a namespace and a table, loads it and commits to it', async () => {
    const client = new IcebergRestCatalog({ baseUrl: env.server.url, auth: { type: 'none' } });
    await client.createNamespace({ namespace: ['analytics'] }, { properties: { owner: 'data-team' } });
    expect(await client.listNamespaces()).toEqual([{ namespace: ['analytics'] }]);
    const created = await client.createTable(
      { namespace: ['analytics'] },
      {
        name: 'events',
        schema: {
          type: 'struct',
          'schema-id': 0,
          fields: [
            { id: 1, name: 'id', type: 'long', required: true },
            { id: 2, name: 'ts', type: 'timestamp', required: true },
            { id: 3, name: 'user_id', type: 'string', required: false },
          ],
          'identifier-field-ids': [1],
        },
        // iceberg-js types partition fields in snake_case; the spec (and the wire) use kebab-case.
        'partition-spec': {
          'spec-id': 0,
          fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }],
        } as never,
        'write-order': { 'order-id': 0, fields: [] },
        properties: { 'write.format.default': 'parquet' },
      },
    );
    expect(created['current-schema-id']).toBe(0);
    const id = { namespace: ['analytics'], name: 'events' };
    expect(await client.tableExists(id)).toBe(true);
    const loaded = (await client.loadTable(id)) as unknown as Record<string, unknown>;
    const uuid = loaded['table-uuid'] as string;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);

    // iceberg-js sends the body as given: a spec CommitTableRequest.
    const response = await client.updateTable(id, {
      requirements: [
        { type: 'assert-table-uuid', uuid },
        { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      ],
      updates: [{ action: 'set-properties', updates: { 'commit.retry.num-retries': '10' } }],
    } as never);
    expect(response['metadata-location']).toMatch(/00001-.*\.metadata\.json$/);
    expect(
      ((await client.loadTable(id)) as unknown as { properties: Record<string, string> }).properties,
    ).toMatchObject({
      'write.format.default': 'parquet',
      'commit.retry.num-retries': '10',
    });
    // floe's own client sees the same table.
    expect((await env.catalog.loadTable(id)).metadata.properties['commit.retry.num-retries']).toBe('10');
    await client.dropTable(id, { purge: true });
    expect(await client.tableExists(id)).toBe(false);
  });
});
