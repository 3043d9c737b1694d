/**
 * `CommitQueue`: where convert hands a commit request. In AWS it is the SQS FIFO "commits"
 * queue (`sqs-commit-queue.ts`); locally an in-process FIFO (lib/local). Either way messages of
 * one table are delivered in order, one batch at a time (MessageGroupId = table).
 */
import { formatIdentifier } from '../catalog/catalog.js';
import type { CommitRequest } from './commit-request.js';

export interface CommitQueue {
  /** Resolves once the queue has durably accepted the request. */
  send(request: CommitRequest): Promise<void>;
}

/** The FIFO group of a request: the table identifier (`ns.table`). */
export function commitGroupOf(request: Pick<CommitRequest, 'table'>): string {
  return formatIdentifier(request.table);
}
