/**
 * Issue #11: on a versioned landing bucket each event names one object version, and convert must
 * read that version (the ingest id is derived from it). Through the real handlers, with S3
 * versions served by a proxy in front of s3rver.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import { startVersionedS3Proxy, type VersionedS3Proxy } from '../support/versioned-s3-proxy.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from './pipeline-harness.js';
import { queryTable } from './verify-table.js';

const csv = (from: number) => `id\n${Array.from({ length: 10 }, (_, i) => from + i).join('\n')}\n`;

describe('convert on a versioned landing bucket (handler, S3 versions via a proxy over s3rver)', () => {
  let p: Pipeline;
  let proxy: VersionedS3Proxy;
  let catalog: RestCatalog;
  beforeAll(async () => {
    proxy = await startVersionedS3Proxy();
    p = await startPipeline({ AWS_ENDPOINT_URL_S3: proxy.endpoint });
    proxy.target = p.s3.endpoint;
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
  });
  afterAll(async () => {
    await p?.stop();
    await proxy?.stop();
  });

  /** Lands a new version of `key` (the current object in s3rver is always the latest). */
  async function landVersion(key: string, body: string) {
    const versionId = proxy.putVersion('landing', key, body);
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return s3EventNotification('landing', key, {
      size: Buffer.byteLength(body),
      eTag: (out.ETag ?? '').replace(/"/g, ''),
      versionId,
    });
  }

  async function convert(events: object[]) {
    return p.convert(sqsEvent(events.map((e) => sqsRecord(JSON.stringify(e)))), lambdaContext('floe-convert'));
  }

  it('ingests each version once: v1 (rows 1–10) and v2 (rows 101–110), both events delivered twice', async () => {
    const v1 = await landVersion('sales/items/part.csv', csv(1));
    const v2 = await landVersion('sales/items/part.csv', csv(101));
    expect((await convert([v1])).batchItemFailures).toEqual([]);
    expect((await convert([v2])).batchItemFailures).toEqual([]);
    expect(proxy.versionReads).toContain('v1');
    expect(proxy.versionReads).toContain('v2');
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    // Redelivery of both events adds nothing.
    expect((await convert([v1, v2])).batchItemFailures).toEqual([]);
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);

    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['sales'], name: 'items' },
      'select id, count(*)::int n from t group by id order by id',
    );
    const expected = [...Array.from({ length: 10 }, (_, i) => 1 + i), ...Array.from({ length: 10 }, (_, i) => 101 + i)];
    expect(rows).toEqual(expected.map((id) => ({ id, n: 1 })));
  });

  it('rejects an event whose version is gone with an error report, instead of retrying', async () => {
    const event = await landVersion('sales/gone/part.csv', csv(1));
    proxy.deleteVersion('landing', 'sales/gone/part.csv', 'v3');
    const sendsBefore = p.sqs.commandCalls(SendMessageCommand).length;
    expect((await convert([event])).batchItemFailures).toEqual([]);
    expect(p.sqs.commandCalls(SendMessageCommand).length).toBe(sendsBefore);
    const report = JSON.parse(
      new TextDecoder().decode(await p.warehouseIo.read('s3://landing/_floe/errors/sales/gone/part.csv.error.json')),
    );
    expect(report).toMatchObject({ outcome: 'rejected', error: 'LandedObjectGoneError', key: 'sales/gone/part.csv' });
    expect(report.reason).toContain('v3');
  });

  it('backfill convert reads the planned version, and rejects a vanished version with a report', async () => {
    type Step = (input: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;
    const plan = (await import('../../functions/backfill-plan.js')).handler as unknown as Step;
    const convertChunk = (await import('../../functions/backfill-convert.js')).handler as unknown as Step;
    const commit = (await import('../../functions/backfill-commit.js')).handler as unknown as Step;
    const older = await landVersion('hist/items/a.csv', csv(201));
    await landVersion('hist/items/a.csv', csv(301)); // the current object: must not be read
    const olderVersion = (older.Records[0] as any).s3.object.versionId as string;
    const planned = await plan({ table: 'hist.items', source: 's3://landing/hist/items/' }, lambdaContext('p'));
    const objects = [
      { path: 's3://landing/hist/items/a.csv', size: 40, versionId: olderVersion },
      { path: 's3://landing/hist/items/gone.csv', size: 40, versionId: 'v-deleted' },
    ];
    const converted = await convertChunk(
      { chunk: { index: 0, objects, bytes: 80 }, plan: planned },
      lambdaContext('c'),
    );
    expect(converted).toMatchObject({ converted: 1, rejected: 1 });
    expect(converted.rejections[0]).toMatchObject({
      path: 's3://landing/hist/items/gone.csv',
      reason: expect.stringContaining('v-deleted'),
      reportPath: expect.stringContaining('_floe/errors/hist/items/gone.csv'),
    });
    await commit({ plan: planned, converted: [converted] }, lambdaContext('m'));
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['hist'], name: 'items' },
      'select min(id)::int lo, max(id)::int hi, count(*)::int n from t',
    );
    expect(rows).toEqual([{ lo: 201, hi: 210, n: 10 }]);
  });
});
