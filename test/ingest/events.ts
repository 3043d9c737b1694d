/**
 * Event factories shaped like AWS's documented examples (S3 "Event message structure", Lambda
 * "Using Lambda with Amazon SQS"), for handler tests.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** An S3 event notification for one created object; the key is URL-encoded as S3 does. */
export function s3EventNotification(
  bucket: string,
  key: string,
  object: { size: number; eTag: string; versionId?: string },
  eventTime = '2026-01-02T03:04:05.000Z',
): { Records: Array<Record<string, unknown>> } {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime,
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAJDPLRKLG7UEXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'floe-landed',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: object.size,
            eTag: object.eTag,
            ...(object.versionId ? { versionId: object.versionId } : {}),
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}

/** An SQS record carrying `body`, as Lambda's SQS event source delivers it. */
export function sqsRecord(
  body: string,
  options: { groupId?: string; dedupId?: string; queue?: string; receiveCount?: number } = {},
): SQSRecord {
  const fifo = options.groupId !== undefined;
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID().replace(/-/g, '')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(fifo
        ? {
            MessageGroupId: options.groupId,
            MessageDeduplicationId: options.dedupId,
            SequenceNumber: '18849496460467696128',
          }
        : {}),
    } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${options.queue ?? (fifo ? 'floe-commits.fifo' : 'floe-landed')}`,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event of records. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
