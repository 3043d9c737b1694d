/**
 * Issue #11: a route with `archive: true` copies the landed object before the commit request is
 * sent, so a failed copy (on AWS: a role that may not write the archive prefix) retries the
 * message before any commit request exists. Through the real convert handler; the archive write
 * is denied by a proxy in front of s3rver as IAM would deny it.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import { startVersionedS3Proxy, type VersionedS3Proxy } from '../support/versioned-s3-proxy.js';
import { lambdaContext, type Pipeline, startPipeline } from './pipeline-harness.js';

describe('convert with archive: true', () => {
  let p: Pipeline;
  let proxy: VersionedS3Proxy;
  beforeAll(async () => {
    proxy = await startVersionedS3Proxy();
    p = await startPipeline({
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      FLOE_ARCHIVE_PREFIX: '_floe/archive/',
      FLOE_CONFIG: JSON.stringify({ routes: [{ prefix: 'in/', table: 'arch.items', archive: true }] }),
    });
    proxy.target = p.s3.endpoint;
  });
  afterAll(async () => {
    await p?.stop();
    await proxy?.stop();
  });

  it('sends no commit request while the archive copy fails, and one after it succeeds', async () => {
    const body = 'id\n1\n2\n';
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: 'in/a.csv', Body: body }));
    const event = s3EventNotification('landing', 'in/a.csv', {
      size: Buffer.byteLength(body),
      eTag: (out.ETag ?? '').replace(/"/g, ''),
    });
    const record = sqsRecord(JSON.stringify(event));

    proxy.deny = (method, path) => method !== 'GET' && method !== 'HEAD' && path.startsWith('landing/_floe/archive/');
    const denied = await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
    expect(denied.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(p.sqs.commandCalls(SendMessageCommand)).toHaveLength(0);

    proxy.deny = () => false;
    const allowed = await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
    expect(allowed.batchItemFailures).toEqual([]);
    expect(p.sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(new TextDecoder().decode(await p.warehouseIo.read('s3://landing/_floe/archive/in/a.csv'))).toBe(body);
  });
});
