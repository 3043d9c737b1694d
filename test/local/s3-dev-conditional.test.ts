/**
 * `floe dev --s3-endpoint`: the embedded catalog swaps table pointers in the warehouse bucket
 * with conditional writes (`If-None-Match: *` on create, `If-Match: <etag>` on commit), as
 * `floe catalog serve` on S3 does, so a second writer on the bucket loses with a 409 instead of
 * overwriting an acknowledged commit (issue 12). s3rver ignores conditions; the proxy of
 * test/catalog/conditional-proxy.ts enforces and records them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultIngestConfig } from '../../lib/ingest/config.js';
import { type DevEvent, startDevStack } from '../../lib/local/dev-stack.js';
import { conditionalProxy } from '../catalog/conditional-proxy.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

describe('floe dev --s3-endpoint: conditional pointer swaps', () => {
  let s3: S3rverHandle;
  let proxy: Awaited<ReturnType<typeof conditionalProxy>>;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3rver(['landing', 'warehouse']);
    proxy = await conditionalProxy(s3);
    dir = await mkdtemp(join(tmpdir(), 'floe-s3dev-cas-'));
  });
  afterAll(async () => {
    proxy?.server.close();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates tables with If-None-Match and commits with If-Match on the pointer', async () => {
    const events: DevEvent[] = [];
    const stack = await startDevStack({
      dir,
      port: 0,
      config: defaultIngestConfig(),
      onEvent: (e) => events.push(e),
      s3: { endpoint: proxy.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', pollMs: 100 },
    });
    try {
      await s3.client.send(
        new PutObjectCommand({ Bucket: 'landing', Key: 'sales/orders/a.csv', Body: 'id,amount\n1,10.5\n' }),
      );
      const end = Date.now() + 30_000;
      while (!events.some((e) => e.kind === 'committed') && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(events.filter((e) => e.kind === 'committed')).toHaveLength(1);
      await stack.idle();
      const pointer = (p: { path: string }) => /^\/warehouse\/_catalog\/tables\/sales\/orders\.json$/.test(p.path);
      const writes = proxy.conditional.filter(pointer);
      // The create (nothing there yet) and at least one commit (against the ETag it loaded).
      expect(writes.some((w) => w.ifNoneMatch === '*')).toBe(true);
      expect(writes.some((w) => typeof w.ifMatch === 'string' && w.ifMatch.length > 0)).toBe(true);
      expect(proxy.refused).toBe(0);
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
