/**
 * Proportionate retry delays for SQS-triggered handlers. A record reported in
 * `batchItemFailures` would otherwise reappear only after the queue's visibility timeout (6× the
 * function timeout: 60 min for `landed`, 30 min for `commits`, where it also holds back its whole
 * FIFO group). AWS's advice for SQS with Lambda is to set the failed message's visibility with
 * backoff instead: here `base · 2^(receives − 1)`, capped, so a blip is retried in seconds and a
 * long outage is not hammered. The DLQ still comes after `maxReceiveCount` receives.
 */
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Backoff of one queue, in seconds. */
export interface RetryBackoff {
  baseSeconds: number;
  maxSeconds: number;
}

/** `landed`: converting is idempotent, so retry soon; cap at 15 minutes. */
export const CONVERT_BACKOFF: RetryBackoff = { baseSeconds: 10, maxSeconds: 900 };
/** `commits`: a failed table group waits; conflicts and catalog blips clear in seconds. */
export const COMMIT_BACKOFF: RetryBackoff = { baseSeconds: 5, maxSeconds: 300 };

/** The visibility timeout (s) after the `receiveCount`-th failed receive. */
export function retryDelaySeconds(receiveCount: number, backoff: RetryBackoff): number {
  const attempt = Math.max(1, Math.floor(receiveCount) || 1);
  return Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.min(attempt - 1, 30));
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` from a record's `eventSourceARN`. */
export function queueUrlOf(eventSourceArn: string): string {
  const [, partition, , region, account, name] = eventSourceArn.split(':');
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/**
 * Sets each failed record's visibility to its backoff delay. Best effort: if this fails, the
 * record still comes back after the queue's own visibility timeout.
 */
export async function delayRetries(
  sqs: SQSClient,
  records: SQSRecord[],
  backoff: RetryBackoff,
  onError: (record: SQSRecord, error: Error) => void,
): Promise<void> {
  await Promise.all(
    records.map(async (record) => {
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrlOf(record.eventSourceARN),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: retryDelaySeconds(Number(record.attributes.ApproximateReceiveCount), backoff),
          }),
        );
      } catch (error) {
        onError(record, error as Error);
      }
    }),
  );
}
