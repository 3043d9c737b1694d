/**
 * `SqsCommitQueue`: the commit queue on AWS, an SQS FIFO queue.
 *
 * - `MessageGroupId` = table identifier, so one table's commits are serialized (and different
 *   tables run in parallel).
 * - `MessageDeduplicationId` = ingest id, so a convert retry within SQS's 5-minute window is
 *   dropped by SQS itself; later duplicates are dropped by the commit step (invariant 1).
 * - A request over SQS's 256 KB message limit (a file that rolled into many data files with wide
 *   bounds) is written to the landing bucket under the spill prefix, and the message carries a
 *   pointer (the "extended client" pattern).
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FileIO } from '../lib/iceberg/file-io.js';
import { type CommitQueue, commitGroupOf } from '../lib/ingest/commit-queue.js';
import { type CommitRequest, encodeCommitRequest, type SpilledCommitRequest } from '../lib/ingest/commit-request.js';

/** SQS's limit is 256 KiB for the body plus attributes; keep headroom. */
export const SQS_MAX_BODY_BYTES = 250 * 1024;

export interface SqsCommitQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Where spilled requests go, e.g. `s3://landing/_floe/commit-requests/`. */
  spillLocation: string;
  /** FileIO for the spill location. */
  spillIo: FileIO;
  /** @default SQS_MAX_BODY_BYTES */
  maxBodyBytes?: number;
}

export class SqsCommitQueue implements CommitQueue {
  constructor(private readonly options: SqsCommitQueueOptions) {}

  /** Sends one request (spilling it to S3 first when it is too large for a message). */
  async send(request: CommitRequest): Promise<void> {
    let body = encodeCommitRequest(request);
    if (Buffer.byteLength(body) > (this.options.maxBodyBytes ?? SQS_MAX_BODY_BYTES)) {
      const location = `${this.options.spillLocation.replace(/\/?$/, '/')}${request.ingestId}.json`;
      // Deterministic name: a convert retry overwrites the same object with the same content.
      await this.options.spillIo.write(location, new TextEncoder().encode(body));
      const pointer: SpilledCommitRequest = { spilled: location, ingestId: request.ingestId, table: request.table };
      body = JSON.stringify(pointer);
    }
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: body,
        MessageGroupId: messageGroupId(commitGroupOf(request)),
        MessageDeduplicationId: request.ingestId,
      }),
    );
  }
}

/** MessageGroupId allows 128 characters; longer identifiers are hashed (still one group per table). */
export function messageGroupId(group: string): string {
  if (group.length <= 128) return group;
  return `${group.slice(0, 80)}#${createHash('sha256').update(group).digest('hex').slice(0, 40)}`;
}
