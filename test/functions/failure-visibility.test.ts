/**
 * Issue #11: failures the deployed stack used to hide or stretch. Through the real convert and
 * commit handlers (s3rver, embedded catalog over HTTP; SQS and Secrets Manager mocked):
 * - a failed convert record is logged with key, table and error, counted as `RecordFailures`;
 * - a key outside the landing prefix is logged at info and counted as `FilesUnrouted`;
 * - failed records come back after a backoff delay (ChangeMessageVisibility), not the queue's
 *   visibility timeout.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import { deliverCommitBatch, lambdaContext, type Pipeline, startPipeline, takeFifoBatch } from './pipeline-harness.js';

describe('convert/commit failure visibility and retry delays', () => {
  let p: Pipeline;
  let errors: MockInstance;
  let infos: MockInstance;
  let added: MockInstance;
  let logger: typeof import('../../functions/observability.js').logger;
  let metrics: typeof import('../../functions/observability.js').metrics;
  beforeAll(async () => {
    p = await startPipeline({ FLOE_LANDING_PREFIX: 'landing/' });
    // Imported after the harness set POWERTOOLS_LOG_LEVEL, as the handlers were.
    ({ logger, metrics } = await import('../../functions/observability.js'));
  });
  afterAll(async () => p?.stop());
  beforeEach(() => {
    vi.restoreAllMocks();
    errors = vi.spyOn(logger, 'error');
    infos = vi.spyOn(logger, 'info');
    added = vi.spyOn(metrics, 'addMetric');
    p.sqs.resetHistory();
  });
  const metricNames = () => added.mock.calls.map((c) => c[0]);

  async function land(key: string, body: string) {
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return s3EventNotification('landing', key, {
      size: Buffer.byteLength(body),
      eTag: (out.ETag ?? '').replace(/"/g, ''),
    });
  }

  it('logs a failed record with key, table and error, counts it, and delays its retry by backoff', async () => {
    const event = await land('landing/sales/orders/a.csv', 'id\n1\n');
    p.sendFault = () => 'before';
    try {
      const record = sqsRecord(JSON.stringify(event), { receiveCount: 3 });
      const response = await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);

      const failure = errors.mock.calls.find((c) => c[0] === 'record failed; it will be retried');
      expect(failure?.[1]).toMatchObject({
        messageId: record.messageId,
        key: 'landing/sales/orders/a.csv',
        table: 'sales.orders',
        receiveCount: 3,
        error: expect.objectContaining({ name: 'InjectedCrash' }),
      });
      expect(metricNames()).toContain('RecordFailures');

      const delays = p.sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
      // Third receive: 10 s · 2² (functions/retry-delay.ts CONVERT_BACKOFF).
      expect(delays).toEqual([
        {
          QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/floe-landed',
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 40,
        },
      ]);
    } finally {
      p.sendFault = () => undefined;
    }
  });

  it('does not touch the visibility of records that succeeded', async () => {
    const event = await land('landing/sales/orders/b.csv', 'id\n2\n');
    const response = await p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert'));
    expect(response.batchItemFailures).toEqual([]);
    expect(p.sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    expect(metricNames()).not.toContain('RecordFailures');
  });

  it('logs an object outside the landing prefix at info and counts it as unrouted', async () => {
    const event = await land('incoming/sales/orders/c.csv', 'id\n3\n');
    const response = await p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert'));
    expect(response.batchItemFailures).toEqual([]);
    expect(infos.mock.calls.find((c) => c[0] === 'unrouted object')?.[1]).toMatchObject({
      key: 'incoming/sales/orders/c.csv',
      reason: expect.stringContaining('outside landing prefix landing/'),
    });
    expect(metricNames()).toEqual(expect.arrayContaining(['FilesSkipped', 'FilesUnrouted']));
  });

  it('delays a failed commit group by backoff instead of the 30-minute visibility timeout', async () => {
    await takeFifoBatch(p); // drop anything left from earlier tests' successes
    const event = await land('landing/sales/orders/d.csv', 'id\n4\n');
    expect(
      (await p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert'))).batchItemFailures,
    ).toEqual([]);
    p.sqs.resetHistory();
    p.server.faults.failNextCommits(10, 503);
    try {
      const batch = takeFifoBatch(p);
      expect(batch.length).toBeGreaterThan(0);
      const failed = await deliverCommitBatch(p, batch);
      expect(failed).toHaveLength(batch.length);
      const delays = p.sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
      expect(delays.map((d) => d.VisibilityTimeout)).toEqual(batch.map(() => 5));
      expect(new Set(delays.map((d) => d.QueueUrl))).toEqual(
        new Set(['https://sqs.us-east-1.amazonaws.com/123456789012/floe-commits.fifo']),
      );
    } finally {
      p.server.faults.reset();
    }
  });
});
