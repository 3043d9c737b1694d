/**
 * Issue #19 through the convert and commit handlers: one SQS batch lands every hostile file of
 * the corpus (each the first file of its own table, the strictest case) beside good files. Each
 * bad file gets its named error report; every good file is committed; nothing is
 * retried (a bad file is bad input, not a transient failure); no spool directory is left.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { goodCases, hostileCases, TEST_LIMITS } from '../fixtures/hostile/corpus.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from './pipeline-harness.js';
import { queryTable } from './verify-table.js';

describe('convert handler: a batch of every hostile file beside good files (issue #19)', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  let spool: string;
  const tmp = process.env.TMPDIR;
  beforeAll(async () => {
    spool = await mkdtemp(join(tmpdir(), 'floe-hostile-convert-'));
    p = await startPipeline({ FLOE_CONFIG: JSON.stringify({ defaults: { format: { limits: TEST_LIMITS } } }) });
    process.env.TMPDIR = spool; // after start-up: only the conversions spool here
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
  }, 60_000);
  afterAll(async () => {
    process.env.TMPDIR = tmp;
    await p?.stop();
    await rm(spool, { recursive: true, force: true });
  });

  async function land(key: string, body: Uint8Array) {
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return s3EventNotification('landing', key, { size: body.length, eTag: (out.ETag ?? '').replace(/"/g, '') });
  }

  it('rejects each bad file with its named error, commits every good one, retries nothing', {
    timeout: 120_000,
  }, async () => {
    const bad = hostileCases().map((c, i) => ({ ...c, key: `hostile/bad${i}/${c.name}` }));
    const good = goodCases().map((c, i) => ({ ...c, key: `hostile/good${i}/${c.name}` }));
    const records = [];
    for (const c of [...bad, ...good]) records.push(sqsRecord(JSON.stringify(await land(c.key, c.bytes))));

    const response = await p.convert(sqsEvent(records), lambdaContext('floe-convert'));

    expect(response.batchItemFailures).toEqual([]);
    for (const c of bad) {
      const report = JSON.parse(
        new TextDecoder().decode(await p.warehouseIo.read(`s3://landing/_floe/errors/${c.key}.error.json`)),
      );
      expect(report.outcome, c.name).toBe('rejected');
      expect(report.error, c.name).toBe(c.error.name);
      expect(report.reason, c.name).toMatch(c.error.reason);
      if (c.error.line !== undefined) expect(report.line, c.name).toBe(c.error.line);
    }
    expect(await deliverCommitBatch(p, takeFifoBatch(p, 100))).toEqual([]);
    for (const c of good) {
      const [ns, table] = c.key.split('/');
      const rows = await queryTable(
        catalog,
        p.warehouseIo,
        { namespace: [ns!], name: table! },
        'select count(*)::int n from t',
      );
      expect(rows, c.name).toEqual([{ n: c.rows }]);
    }
    expect((await readdir(spool)).filter((n) => n.startsWith('floe-'))).toEqual([]);
  });
});
