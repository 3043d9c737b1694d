/**
 * Two servers on one S3 warehouse: the pointer is swapped with a conditional PUT (If-Match /
 * If-None-Match), so the server with a stale view loses with a 409 and no acknowledged commit is
 * overwritten. s3rver ignores conditional headers, so a small proxy in front of it enforces them
 * (the check and the PUT under one lock per key, as S3 does).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, CommitConflictError } from '../../lib/catalog/errors.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { type CatalogServer, startCatalogServer } from '../../lib/catalog/server/server.js';
import { S3FileIO } from '../../lib/storage/s3.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';
import { conditionalProxy } from './conditional-proxy.js';

describe('two servers on one S3 warehouse', () => {
  let s3: S3rverHandle;
  let proxy: Awaited<ReturnType<typeof conditionalProxy>>;
  let a: CatalogServer;
  let b: CatalogServer;

  beforeAll(async () => {
    s3 = await startS3rver(['warehouse']);
    proxy = await conditionalProxy(s3);
    const options = () => ({
      warehouse: 's3://warehouse/cas',
      io: new S3FileIO({ credentials: s3.credentials() }),
      s3Client: new S3Client({
        region: 'us-east-1',
        endpoint: proxy.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    });
    a = await startCatalogServer(options());
    b = await startCatalogServer(options());
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    proxy?.server.close();
    await s3?.stop();
  });

  it('a lost pointer race is a 409, never a lost commit', async () => {
    const ca = new RestCatalog({ uri: a.url });
    const cb = new RestCatalog({ uri: b.url });
    await ca.createNamespace(['db']);
    const schema = {
      type: 'struct' as const,
      'schema-id': 0,
      fields: [{ id: 1, name: 'id', required: true, type: 'long' }],
    };
    await ca.createTable(['db'], { name: 't', schema });
    // A second create of the same table through the other server loses too.
    await expect(cb.createTable(['db'], { name: 't', schema })).rejects.toThrow(/already exists/);
    const id = { namespace: ['db'], name: 't' };
    await cb.loadTable(id); // b now holds t's pointer (and its ETag)
    await ca.commitTable(id, { requirements: [], updates: [{ action: 'set-properties', updates: { from: 'a' } }] });
    const refusedBefore = proxy.refused;
    await expect(
      cb.commitTable(id, { requirements: [], updates: [{ action: 'set-properties', updates: { also: 'b' } }] }),
    ).rejects.toBeInstanceOf(CommitConflictError);
    expect(proxy.refused).toBe(refusedBefore + 1);
    // b dropped its stale view: the retry applies on top of a's commit.
    await cb.commitTable(id, { requirements: [], updates: [{ action: 'set-properties', updates: { also: 'b' } }] });
    expect((await ca.loadTable(id)).metadata.properties).toMatchObject({ from: 'a', also: 'b' });
  });

  it('refuses multi-table transactions on S3 with a clear 400', async () => {
    const ca = new RestCatalog({ uri: a.url });
    const schema = {
      type: 'struct' as const,
      'schema-id': 0,
      fields: [{ id: 1, name: 'id', required: true, type: 'long' }],
    };
    await ca.createTable(['db'], { name: 'u', schema });
    const error = await ca
      .commitTransaction([
        { identifier: { namespace: ['db'], name: 't' }, requirements: [], updates: [] },
        { identifier: { namespace: ['db'], name: 'u' }, requirements: [], updates: [] },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toMatch(/not supported on an S3 warehouse/);
  });
});
