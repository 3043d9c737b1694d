import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageGroupId, SQS_MAX_BODY_BYTES, SqsCommitQueue } from '../../functions/sqs-commit-queue.js';
import {
  type CommitRequest,
  decodeCommitMessage,
  encodeCommitRequest,
  isSpilled,
  loadCommitRequest,
} from '../../lib/ingest/commit-request.js';
import { S3FileIO } from '../../lib/storage/s3.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

function request(files: number): CommitRequest {
  return {
    ingestId: 'iabc',
    table: { namespace: ['sales'], name: 'orders' },
    sourceBucket: 'landing',
    sourceKey: 'sales/orders/a.csv',
    etag: 'e',
    dataFiles: Array.from({ length: files }, (_, i) => ({
      content: 0,
      file_path: `s3://warehouse/sales/orders/data/iabc-${i}.parquet`,
      file_format: 'PARQUET',
      partition: [BigInt(i)],
      record_count: 10,
      file_size_in_bytes: 1000,
      lower_bounds: new Map([[1, new Uint8Array(16).fill(i & 255)]]),
    })),
    rows: 10 * files,
    bytes: 100,
    landedAt: 1,
    schemaId: 0,
    specId: 0,
  };
}

describe('SqsCommitQueue', () => {
  const sqs = mockClient(SQSClient);
  let s3: S3rverHandle;
  beforeAll(async () => {
    s3 = await startS3rver(['landing']);
  });
  afterAll(async () => {
    sqs.restore();
    await s3?.stop();
  });

  it('sends FIFO messages grouped by table and deduplicated by ingest id; spills large requests to S3', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const io = new S3FileIO({ credentials: s3.credentials() });
    const queue = new SqsCommitQueue({
      sqs: new SQSClient({}),
      queueUrl: 'q.fifo',
      spillLocation: 's3://landing/_floe/commit-requests',
      spillIo: io,
      maxBodyBytes: 4096,
    });
    await queue.send(request(1));
    await queue.send(request(200));
    const [small, large] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(small).toMatchObject({ QueueUrl: 'q.fifo', MessageGroupId: 'sales.orders', MessageDeduplicationId: 'iabc' });
    expect(isSpilled(decodeCommitMessage(small?.MessageBody as string))).toBe(false);
    const pointer = decodeCommitMessage(large?.MessageBody as string);
    expect(pointer).toEqual({
      spilled: 's3://landing/_floe/commit-requests/iabc.json',
      ingestId: 'iabc',
      table: { namespace: ['sales'], name: 'orders' },
    });
    const loaded = await loadCommitRequest(pointer, io);
    expect(loaded).toEqual(request(200));
  });

  it("spills at SQS's real limit: a request under 256 KB goes inline, one over it as a pointer", async () => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const io = new S3FileIO({ credentials: s3.credentials() });
    const queue = new SqsCommitQueue({
      sqs: new SQSClient({}),
      queueUrl: 'q.fifo',
      spillLocation: 's3://landing/_floe/commit-requests/',
      spillIo: io,
    });
    const size = (n: number) => Buffer.byteLength(encodeCommitRequest(request(n)));
    let fitting = 1;
    while (size(fitting * 2) <= SQS_MAX_BODY_BYTES) fitting *= 2;
    for (let step = fitting / 2; step >= 1; step /= 2) if (size(fitting + step) <= SQS_MAX_BODY_BYTES) fitting += step;
    let over = fitting + 1;
    while (size(over) <= 256 * 1024) over += 64;
    await queue.send(request(fitting));
    await queue.send(request(over));
    const [inline, spilled] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageBody as string);
    expect(Buffer.byteLength(inline as string)).toBeLessThan(256 * 1024);
    expect(isSpilled(decodeCommitMessage(inline as string))).toBe(false);
    expect(size(fitting)).toBeGreaterThan(SQS_MAX_BODY_BYTES - 1024);
    expect(size(over)).toBeGreaterThan(256 * 1024);
    const pointer = decodeCommitMessage(spilled as string);
    expect(isSpilled(pointer)).toBe(true);
    expect((await loadCommitRequest(pointer, io)).dataFiles).toHaveLength(over);
  });

  it('keeps long group ids within the SQS limit', () => {
    expect(messageGroupId('a.b')).toBe('a.b');
    const long = `${'n'.repeat(100)}.${'t'.repeat(100)}`;
    expect(messageGroupId(long).length).toBeLessThanOrEqual(128);
    expect(messageGroupId(long)).not.toBe(messageGroupId(`${long}x`));
  });
});
