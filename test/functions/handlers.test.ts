import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { SUMMARY_INGEST_IDS, SUMMARY_SOURCE_KEYS } from '../../lib/ingest/ingest-ledger.js';
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

describe('convert and commit handlers (s3rver + embedded catalog over HTTP; SQS and Secrets Manager mocked)', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  beforeAll(async () => {
    p = await startPipeline({ FLOE_SPILL_PREFIX: '_floe/commit-requests/' });
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
  });
  afterAll(async () => p?.stop());

  async function land(key: string, body: string): Promise<ReturnType<typeof s3EventNotification>> {
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return s3EventNotification('landing', key, {
      size: Buffer.byteLength(body),
      eTag: (out.ETag ?? '').replace(/"/g, ''),
    });
  }

  async function readReport(key: string): Promise<Record<string, unknown>> {
    return JSON.parse(
      new TextDecoder().decode(await p.warehouseIo.read(`s3://landing/_floe/errors/${key}.error.json`)),
    );
  }

  it('converts landed objects, commits one snapshot per table per batch, and keeps bad input from blocking good input', async () => {
    // The convert handler works on a batch's records concurrently, and the first file to arrive
    // defines an auto-created table's types; the table exists here so that `bad.csv` is bad
    // whichever record is first (auto-create races are covered in test/ingest/convert-object).
    await catalog.createNamespace(['sales']);
    await catalog.createTable(['sales'], {
      name: 'orders',
      schema: {
        type: 'struct',
        'schema-id': 0,
        fields: [
          { id: 1, name: 'id', required: false, type: 'int' },
          { id: 2, name: 'amount', required: false, type: 'double' },
        ],
      },
    });
    const good1 = await land('sales/orders/2026/a.csv', 'id,amount\n1,10.5\n2,11\n');
    const good2 = await land('sales/orders/2026/b.csv', 'id,amount\n3,12\n');
    const bad = await land('sales/orders/2026/bad.csv', 'id,amount\n4,x\n');
    const evil = await land('sales/or-ders/x.csv', 'id\n1\n');
    const clicks = await land('web/clicks/c.json', '{"user":"u1","n":1}\n{"user":"u2","n":2}\n');
    const marker = await land('sales/orders/_SUCCESS', 'x');
    const test = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-01-01T00:00:00.000Z',
      Bucket: 'landing',
      RequestId: 'r',
      HostId: 'h',
    };
    const eventBridge = {
      version: '0',
      id: 'e1',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2026-01-02T03:04:05Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::landing'],
      detail: {
        version: '0',
        bucket: { name: 'landing' },
        object: {
          key: 'sales/orders/2026/b.csv',
          size: good2.Records[0] ? 16 : 0,
          etag: (good2.Records[0] as { s3: { object: { eTag: string } } }).s3.object.eTag,
          sequencer: '1',
        },
        reason: 'PutObject',
      },
    };
    const records = [good1, good2, bad, evil, clicks, marker, test, eventBridge].map((body) =>
      sqsRecord(JSON.stringify(body)),
    );

    const convertResponse = await p.convert(sqsEvent(records), lambdaContext('floe-convert'));
    expect(convertResponse.batchItemFailures).toEqual([]);
    // good1, good2, clicks, and the EventBridge duplicate of good2 (same ETag → same ingest id)
    const sends = p.sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sends).toHaveLength(4);
    expect(new Set(sends.map((s) => s.MessageGroupId))).toEqual(new Set(['sales.orders', 'web.clicks']));
    expect(new Set(sends.map((s) => s.MessageDeduplicationId)).size).toBe(3);

    const badReport = await readReport('sales/orders/2026/bad.csv');
    expect(badReport).toMatchObject({
      object: 's3://landing/sales/orders/2026/bad.csv',
      table: 'sales.orders',
      outcome: 'rejected',
      line: 2,
      column: 'amount',
      value: 'x',
    });
    expect(await readReport('sales/or-ders/x.csv')).toMatchObject({ error: 'RouteError' });
    // the landed objects are untouched
    expect((await p.warehouseIo.stat('s3://landing/sales/orders/2026/bad.csv')).size).toBe(14);

    const batch = takeFifoBatch(p);
    expect(batch).toHaveLength(4);
    const failed = await deliverCommitBatch(p, batch);
    expect(failed).toEqual([]);

    const orders = await catalog.loadTable({ namespace: ['sales'], name: 'orders' });
    expect(orders.metadata.snapshots).toHaveLength(1);
    const summary = orders.metadata.snapshots[0]?.summary ?? {};
    expect(summary[SUMMARY_INGEST_IDS]?.split(',')).toHaveLength(2);
    expect(summary[SUMMARY_SOURCE_KEYS]).toContain('landing/sales/orders/2026/a.csv');
    expect(orders.metadata.location.startsWith('s3://warehouse/')).toBe(true);
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['sales'], name: 'orders' },
      'select id, amount from t order by id',
    );
    expect(rows).toEqual([
      { id: 1, amount: 10.5 },
      { id: 2, amount: 11 },
      { id: 3, amount: 12 },
    ]);
    const clickRows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['web'], name: 'clicks' },
      'select count(*)::int n from t',
    );
    expect(clickRows).toEqual([{ n: 2 }]);

    // Redelivery of the whole landed batch, and of the commit batch: nothing changes.
    await p.convert(sqsEvent(records.map((r) => ({ ...r }))), lambdaContext('floe-convert'));
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    const again = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['sales'], name: 'orders' },
      'select count(*)::int n from t',
    );
    expect(again).toEqual([{ n: 3 }]);
    expect((await catalog.loadTable({ namespace: ['sales'], name: 'orders' })).metadata.snapshots).toHaveLength(1);
    // the PAT was read once for the cold start of each handler
    expect(p.secrets.commandCalls(GetSecretValueCommand).length).toBeLessThanOrEqual(2);
  });

  it('re-reads the PAT after the catalog revokes tokens (401)', async () => {
    const before = p.secrets.commandCalls(GetSecretValueCommand).length;
    p.server.faults.revokeTokens();
    const event = await land('sales/orders/2026/c.csv', 'id,amount\n5,1\n');
    const response = await p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert'));
    expect(response.batchItemFailures).toEqual([]);
    expect(p.secrets.commandCalls(GetSecretValueCommand).length).toBeGreaterThan(before);
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
  });

  it('reports a transient failure in batchItemFailures and fails the whole table group on commit failure', async () => {
    const event = await land('sales/orders/2026/d.csv', 'id,amount\n6,1\n');
    p.sendFault = () => 'before';
    const record = sqsRecord(JSON.stringify(event));
    const response = await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    p.sendFault = () => undefined;
    expect((await p.convert(sqsEvent([record]), lambdaContext('floe-convert'))).batchItemFailures).toEqual([]);

    p.server.faults.failNextCommits(10, 503);
    const batch = takeFifoBatch(p);
    const failed = await deliverCommitBatch(p, batch);
    expect(failed.map((r) => r.messageId)).toEqual(batch.map((r) => r.messageId));
    p.server.faults.reset();
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['sales'], name: 'orders' },
      'select count(*)::int n from t',
    );
    expect(rows).toEqual([{ n: 5 }]);
  });

  it('FIFO: a failed message fails the rest of its table group, in order; other groups of the batch commit', async () => {
    const events = [
      await land('fifo/a/1.csv', 'n\n1\n'),
      await land('fifo/a/2.csv', 'n\n2\n'),
      await land('fifo/b/1.csv', 'n\n10\n'),
    ];
    for (const event of events)
      expect(
        (await p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert')))
          .batchItemFailures,
      ).toEqual([]);
    // The head of group fifo.a points at a spilled request that cannot be read yet (transient).
    const head = p.fifo.get('fifo.a')?.[0];
    const original = head?.MessageBody as string;
    const request = JSON.parse(original);
    if (head)
      head.MessageBody = JSON.stringify({
        spilled: 's3://landing/_floe/commit-requests/not-there-yet.json',
        ingestId: request.ingestId,
        table: request.table,
      });
    const batch = takeFifoBatch(p);
    expect(batch.map((r) => r.attributes.MessageGroupId)).toEqual(['fifo.a', 'fifo.a', 'fifo.b']);
    const failed = await deliverCommitBatch(p, batch);
    expect(failed.map((r) => r.messageId)).toEqual([batch[0]?.messageId, batch[1]?.messageId]);
    const rowsOf = (name: string) =>
      queryTable(catalog, p.warehouseIo, { namespace: ['fifo'], name }, 'select n from t order by n');
    expect(await rowsOf('b')).toEqual([{ n: 10 }]);
    expect((await catalog.loadTable({ namespace: ['fifo'], name: 'a' })).metadata.snapshots).toHaveLength(0);

    // redelivered in order once the request is readable: both files of fifo.a land
    if (head) head.MessageBody = original;
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    expect(await rowsOf('a')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('commits a request that was spilled to S3 (pointer message)', async () => {
    const event = await land('wide/table1/w.csv', 'a,b\n1,2\n');
    expect(
      (await p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert'))).batchItemFailures,
    ).toEqual([]);
    const queued = p.fifo.get('wide.table1')?.[0];
    const request = JSON.parse(queued?.MessageBody as string);
    // what SqsCommitQueue does past 250 KB (covered byte-for-byte in test/ingest/sqs-commit-queue.test.ts)
    const location = `s3://landing/_floe/commit-requests/${request.ingestId}.json`;
    await p.warehouseIo.write(location, new TextEncoder().encode(queued?.MessageBody as string));
    if (queued)
      queued.MessageBody = JSON.stringify({ spilled: location, ingestId: request.ingestId, table: request.table });
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['wide'], name: 'table1' },
      'select a, b from t',
    );
    expect(rows).toEqual([{ a: 1, b: 2 }]);
  });
});
