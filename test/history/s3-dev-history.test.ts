/**
 * `floe history` and `floe errors` keep working with `--s3-endpoint`: the dev stack against
 * s3rver writes `floe.ingest_history` into the warehouse bucket, and the CLI's reader (through
 * the running stack's catalog and vended credentials) finds one row per outcome.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultIngestConfig } from '../../lib/ingest/config.js';
import { connectCatalog } from '../../lib/local/catalog-connection.js';
import { type DevEvent, startDevStack } from '../../lib/local/dev-stack.js';
import { readHistory } from '../../lib/local/history-reader.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

describe('load history with --s3-endpoint (s3rver)', () => {
  let s3: S3rverHandle;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3rver(['landing', 'warehouse']);
    dir = await mkdtemp(join(tmpdir(), 'floe-s3dev-history-'));
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('records outcomes in the warehouse bucket and reads them back through the catalog', async () => {
    const events: DevEvent[] = [];
    const stack = await startDevStack({
      dir,
      port: 0,
      config: defaultIngestConfig(),
      onEvent: (e) => events.push(e),
      historyWindowMs: 20,
      commitWindowMs: 20,
      s3: { endpoint: s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', pollMs: 100 },
    });
    try {
      const put = (key: string, body: string) =>
        s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
      await put('sales/orders/a.csv', 'id,amount\n1,10.5\n');
      const end = Date.now() + 20_000;
      while (!events.some((e) => e.kind === 'committed') && Date.now() < end)
        await new Promise((r) => setTimeout(r, 100));
      await put('sales/orders/bad.csv', 'id,amount\n2,x\n');
      while (!events.some((e) => e.kind === 'rejected') && Date.now() < end)
        await new Promise((r) => setTimeout(r, 100));
      await stack.idle();

      // What `floe history` / `floe errors` do: connect through the running stack (dev.json).
      const connection = await connectCatalog({ dir });
      try {
        const all = await readHistory(connection, { table: 'sales.orders' });
        expect(all?.map((r) => `${r.key} ${r.outcome}`).sort()).toEqual([
          'sales/orders/a.csv committed',
          'sales/orders/bad.csv rejected',
        ]);
        const errors = await readHistory(connection, { outcomes: ['rejected', 'partial'] });
        expect(errors).toEqual([
          expect.objectContaining({
            key: 'sales/orders/bad.csv',
            line: 2n,
            column: 'amount',
            value: 'x',
            error_report: expect.stringMatching(/^s3:\/\/landing\/.*bad\.csv\.error\.json$/),
          }),
        ]);
      } finally {
        await connection.close();
      }
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
