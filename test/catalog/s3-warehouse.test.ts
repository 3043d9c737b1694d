import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitWithRetry } from '../../lib/catalog/commit-driver.js';
import { credentialsFor } from '../../lib/catalog/rest/credentials.js';
import { readTableMetadata } from '../../lib/iceberg/metadata.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { fastAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import { DataFileContent } from '../../lib/iceberg/types.js';
import type { LocalFileIO } from '../../lib/storage/local.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';
import { S3FileIO } from '../../lib/storage/s3.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

// The embedded server over an S3 warehouse (s3rver), vending s3rver's keys: the client writes and
// reads the table's files with exactly what the catalog vended, and refreshes them through the
// credentials endpoint before they expire.
describe('embedded server over an S3 warehouse with vended credentials', () => {
  let s3: S3rverHandle;
  let env: TestCatalog;
  let credentialCalls = 0;
  const warehouse = 's3://warehouse/wh';
  const serverOptions = () => ({
    warehouse,
    io: new S3FileIO({ credentials: s3.credentials() }) as unknown as LocalFileIO,
    vend: {
      config: {
        's3.access-key-id': 'S3RVER',
        's3.secret-access-key': 'S3RVER',
        's3.endpoint': s3.endpoint,
        's3.path-style-access': 'true',
        'client.region': 'us-east-1',
      },
      ttlMs: 60_000,
    },
  });
  const counting: typeof fetch = (input, init) => {
    if (new URL(String(input)).pathname.endsWith('/credentials')) credentialCalls += 1;
    return fetch(input, init);
  };

  beforeAll(async () => {
    s3 = await startS3rver(['warehouse']);
    env = await startTestCatalog(serverOptions());
  });
  afterAll(async () => {
    await env?.close();
    await s3?.stop();
  });

  it('vends s3rver credentials that read and write the table, refreshed before expiry', async () => {
    const catalog = env.client({ fetch: counting });
    await catalog.createNamespace(['db']);
    const created = await catalog.createTable(['db'], {
      name: 'events',
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] },
    });
    const location = created.metadata.location;
    expect(location).toMatch(new RegExp(`^${warehouse}/db/events-[0-9a-f]{32}$`));
    expect(created.metadataLocation.startsWith(`${location}/metadata/00000-`)).toBe(true);
    const vended = credentialsFor(created, `${location}/data/a.parquet`);
    expect(vended).toMatchObject({
      prefix: location,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      endpoint: s3.endpoint,
      pathStyleAccess: true,
      region: 'us-east-1',
    });
    expect(vended?.expiresAtMs).toBeGreaterThan(Date.now());

    // Only the vended credentials reach s3rver: no endpoint or keys are configured otherwise.
    let clock = Date.now();
    const id = { namespace: ['db'], name: 'events' };
    const loaded = await catalog.loadTable(id);
    const io = fileIOForTable(loaded, { catalog, s3: { refreshMarginMs: 30_000, now: () => clock } });
    expect((await readTableMetadata(io, loaded.metadataLocation))['table-uuid']).toBe(created.metadata['table-uuid']);
    expect(credentialCalls).toBe(0);

    const snapshotId = newSnapshotId();
    const result = await commitWithRetry(catalog, id, async (base) => {
      const dataFile = {
        content: DataFileContent.Data,
        file_path: `${location}/data/a.parquet`,
        file_format: 'PARQUET' as const,
        partition: [],
        record_count: 1,
        file_size_in_bytes: 4,
      };
      await io.write(dataFile.file_path, new Uint8Array([80, 65, 82, 49]));
      const product = await fastAppend({
        metadata: base.metadata,
        io,
        dataFiles: [dataFile],
        snapshotId,
        attemptId: randomUUID(),
      });
      for (const file of product.files) await io.write(file.path, file.bytes);
      return { change: product.change, snapshotId };
    });
    expect(result.outcome).toBe('committed');

    // 45 s later the 60 s credentials are inside the 30 s margin: the credentials endpoint is called
    // (again for each read, as the server's fresh ones are also due on this shifted clock).
    clock += 45_000;
    const table = await catalog.loadTable(id);
    expect((await liveDataFiles(io, table.metadata)).map((e) => e.data_file.file_path)).toEqual([
      `${location}/data/a.parquet`,
    ]);
    expect(credentialCalls).toBeGreaterThanOrEqual(1);

    // Without the delegation header nothing is vended: the caller falls back to ambient credentials.
    expect((await env.client({ vendedCredentials: false }).loadTable(id)).credentials).toBeUndefined();
  });

  it('keeps its state in the S3 warehouse across a restart', async () => {
    const id = { namespace: ['db'], name: 'events' };
    const before = await env.catalog.loadTable(id);
    await env.close();
    env = await startTestCatalog(serverOptions());
    const after = await env.catalog.loadTable(id);
    expect(after.metadataLocation).toBe(before.metadataLocation);
    expect(after.metadata['current-snapshot-id']).toBe(before.metadata['current-snapshot-id']);
    expect(after.credentials?.[0]?.accessKeyId).toBe('S3RVER');
  });
});
