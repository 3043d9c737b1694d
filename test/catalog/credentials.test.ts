import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCredentials, credentialsFor, VendedCredentials } from '../../lib/catalog/rest/credentials.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const keys = (name: string, extra: Record<string, string> = {}) => ({
  's3.access-key-id': `AKIA${name}`,
  's3.secret-access-key': `secret-${name}-0000`,
  's3.session-token': `session-${name}-0000`,
  'client.region': 'eu-central-1',
  ...extra,
});

describe('vended credentials', () => {
  let env: TestCatalog;
  let credentialCalls = 0;

  beforeAll(async () => {
    env = await startTestCatalog({
      vend: (location) => {
        credentialCalls += 1;
        return [
          { prefix: location.slice(0, location.lastIndexOf('/')), config: keys('NAMESPACE') },
          {
            prefix: `${location}/data/day=1`,
            config: keys('DAY', { 's3.endpoint': 'http://127.0.0.1:4569', 's3.path-style-access': 'true' }),
          },
          {
            prefix: location,
            config: keys('TABLE', { 's3.session-token-expires-at-ms': String(Date.now() + 60_000) }),
          },
        ];
      },
    });
    await env.catalog.createNamespace(['db']);
  });
  afterAll(async () => {
    await env.close();
  });

  it('chooses the longest matching prefix among storage-credentials', async () => {
    const created = await env.catalog.createTable(['db'], {
      name: 't',
      schema: { type: 'struct', 'schema-id': 0, fields: [] },
    });
    const loaded = await env.catalog.loadTable({ namespace: ['db'], name: 't' });
    const location = loaded.metadata.location;
    expect(created.credentials).toHaveLength(3);
    expect(credentialsFor(loaded, `${location}/data/day=1/f.parquet`)).toMatchObject({
      accessKeyId: 'AKIADAY',
      secretAccessKey: 'secret-DAY-0000',
      sessionToken: 'session-DAY-0000',
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:4569',
      pathStyleAccess: true,
    });
    expect(credentialsFor(loaded, `${location}/metadata/x.avro`)).toMatchObject({
      accessKeyId: 'AKIATABLE',
      expiresAtMs: expect.any(Number),
    });
    expect(credentialsFor(loaded, `${location.slice(0, location.lastIndexOf('/'))}/other/x`)?.accessKeyId).toBe(
      'AKIANAMESPACE',
    );
    expect(credentialsFor(loaded, 's3://elsewhere/x')).toBeUndefined();
    // Without the delegation header, nothing is vended.
    expect(
      (await env.client({ vendedCredentials: false }).loadTable({ namespace: ['db'], name: 't' })).credentials,
    ).toBeUndefined();
  });

  it('refreshes through the credentials endpoint before expiry', async () => {
    const id = { namespace: ['db'], name: 't' };
    const loaded = await env.catalog.loadTable(id);
    const location = loaded.metadata.location;
    let clock = Date.now();
    const vended = new VendedCredentials(env.catalog, id, loaded.credentials, {
      refreshAheadMs: 10_000,
      now: () => clock,
    });
    const before = credentialCalls;
    expect((await vended.forPath(`${location}/m.avro`))?.accessKeyId).toBe('AKIATABLE');
    expect(credentialCalls).toBe(before);
    clock += 55_000; // inside the refresh window of the 60 s credentials
    await Promise.all([vended.forPath(`${location}/m.avro`), vended.forPath(`${location}/n.avro`)]);
    expect(credentialCalls).toBe(before + 1);
  });

  it('falls back to the table config when no storage-credentials are sent', () => {
    expect(chooseCredentials(undefined, 's3://b/x')).toBeUndefined();
  });
});
