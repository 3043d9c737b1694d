/**
 * Commit events are at least once (issue #14, docs/events.md): when EventBridge does not take
 * them (PutEvents fails, or reports failed entries after the sink's retry), the handler fails the
 * table's FIFO group; the redelivery finds the commit already applied (ingest-id ledger), commits
 * nothing new, and sends the same events again with the same event ids.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from '../functions/pipeline-harness.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';

const ORDERS = { namespace: ['sales'], name: 'orders' };

describe('commit events are delivered at least once', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  beforeAll(async () => {
    p = await startPipeline({ FLOE_EVENT_BUS: 'floe-bus' });
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
  });
  afterAll(async () => {
    await p?.stop();
  });
  beforeEach(() => {
    p.events.reset();
  });

  async function land(key: string, body: string) {
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return sqsRecord(
      JSON.stringify(
        s3EventNotification('landing', key, {
          size: Buffer.byteLength(body),
          eTag: (out.ETag ?? '').replace(/"/g, ''),
        }),
      ),
    );
  }

  async function convert(key: string, body: string) {
    const response = await p.convert(sqsEvent([await land(key, body)]), lambdaContext('floe-convert'));
    expect(response.batchItemFailures).toEqual([]);
  }

  /** Every entry of every PutEvents call, accepted or not. */
  function attempts(type: string): Array<{ eventId: string; snapshotId?: string; sourceKeys?: string[] }> {
    return p.events
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .filter((e: PutEventsRequestEntry) => e.DetailType === type)
      .map((e: PutEventsRequestEntry) => JSON.parse(e.Detail ?? '{}'));
  }

  async function snapshots(): Promise<string[]> {
    const table = await catalog.loadTable(ORDERS);
    return table.metadata.snapshots.map((s) => s['snapshot-id'].toString());
  }

  it('PutEvents fails once: the group is redelivered, one snapshot, the same event sent again', async () => {
    await convert('sales/orders/a.csv', 'id,amount\n1,10.5\n2,11\n');
    p.events
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('injected: EventBridge unavailable'), { name: 'InternalException' }))
      .resolves({ FailedEntryCount: 0, Entries: [] });

    const batch = takeFifoBatch(p);
    expect(batch).toHaveLength(1);
    // Before the fix the batch was acknowledged and the event lost.
    expect(await deliverCommitBatch(p, batch)).toHaveLength(1);
    expect(p.fifo.size).toBe(1);
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    expect(p.fifo.size).toBe(0);

    const ids = await snapshots();
    expect(ids).toHaveLength(1);
    const sent = attempts('floe.TableCommitted');
    expect(sent).toHaveLength(2); // the failed call, then the redelivery's
    expect(sent.map((e) => e.eventId)).toEqual([`sales.orders@${ids[0]}`, `sales.orders@${ids[0]}`]);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('failed entries after the retry: redelivered with a new file in its group, both snapshots announced', async () => {
    await convert('sales/orders/b.csv', 'id,amount\n3,1\n');
    const failedEntry = { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'injected' }] };
    p.events
      .on(PutEventsCommand)
      .resolvesOnce(failedEntry)
      .resolvesOnce(failedEntry) // the sink's own retry of the failed entry
      .resolves({ FailedEntryCount: 0, Entries: [] });
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toHaveLength(1);
    const [, bSnapshot] = await snapshots();

    // A new file joins the group before the redelivery: b is a duplicate now, c is committed.
    await convert('sales/orders/c.csv', 'id,amount\n4,2\n');
    const redelivery = takeFifoBatch(p);
    expect(redelivery).toHaveLength(2);
    expect(await deliverCommitBatch(p, redelivery)).toEqual([]);

    const ids = await snapshots();
    expect(ids).toHaveLength(3); // a, b, c: b once
    const delivered = p.events
      .commandCalls(PutEventsCommand)
      .slice(2)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e: PutEventsRequestEntry) => JSON.parse(e.Detail ?? '{}'));
    expect(delivered.map((e) => e.eventId).sort()).toEqual(
      [`sales.orders@${bSnapshot}`, `sales.orders@${ids[2]}`].sort(),
    );
    const first = attempts('floe.TableCommitted').find((e) => e.snapshotId === bSnapshot);
    expect(delivered.find((e) => e.snapshotId === bSnapshot)).toEqual(first);
    expect(delivered.find((e) => e.snapshotId === ids[2])?.sourceKeys).toEqual(['landing/sales/orders/c.csv']);
  });

  it('FileRejected that EventBridge did not take: the landed record is retried, same event id', async () => {
    p.events
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('injected: EventBridge unavailable'), { name: 'InternalException' }))
      .resolves({ FailedEntryCount: 0, Entries: [] });
    const record = await land('sales/orders/bad.csv', 'id,amount\n1,2\n4,x\n');
    const first = await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    const retry = await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
    expect(retry.batchItemFailures).toEqual([]);
    const sent = attempts('floe.FileRejected');
    expect(sent).toHaveLength(2);
    expect(sent[1]?.eventId).toBe(sent[0]?.eventId);
    expect(sent[0]?.eventId).toMatch(/^rejected@/);
  });
});
