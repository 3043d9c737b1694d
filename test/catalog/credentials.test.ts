import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCredentials, credentialsFor, parseVendedCredentials } from '../../lib/catalog/rest/credentials.js';
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

  beforeAll(async () => {
    env = await startTestCatalog({
      vend: (location) => {
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
    // The credentials endpoint answers the same sets.
    const fresh = await env.catalog.loadCredentials({ namespace: ['db'], name: 't' });
    expect(fresh.map((c) => c.accessKeyId).sort()).toEqual(['AKIADAY', 'AKIANAMESPACE', 'AKIATABLE']);
    // Without the delegation header, nothing is vended.
    expect(
      (await env.client({ vendedCredentials: false }).loadTable({ namespace: ['db'], name: 't' })).credentials,
    ).toBeUndefined();
  });

  it('falls back to the table config when no storage-credentials are sent', () => {
    const config = keys('CONFIG', { 's3.session-token-expires-at-ms': '1700000000000' });
    expect(parseVendedCredentials(undefined, config, 's3://b/t')).toEqual([
      {
        prefix: 's3://b/t',
        accessKeyId: 'AKIACONFIG',
        secretAccessKey: 'secret-CONFIG-0000',
        sessionToken: 'session-CONFIG-0000',
        region: 'eu-central-1',
        expiresAtMs: 1_700_000_000_000,
      },
    ]);
    // storage-credentials come first; the config still covers the rest of the table location.
    const both = parseVendedCredentials([{ prefix: 's3://b/t/data', config: keys('DATA') }], config, 's3://b/t');
    expect(chooseCredentials(both, 's3://b/t/data/f.parquet')?.accessKeyId).toBe('AKIADATA');
    expect(chooseCredentials(both, 's3://b/t/metadata/m.json')?.accessKeyId).toBe('AKIACONFIG');
    // A config without keys vends nothing: ambient credentials apply.
    expect(parseVendedCredentials(undefined, { 'client.region': 'x' }, 's3://b/t')).toBeUndefined();
    expect(chooseCredentials(undefined, 's3://b/x')).toBeUndefined();
  });
});
