/**
 * `HistorySink`: where outcomes go on their way to the history table. Rows are batched before
 * they are committed (one history snapshot per batch, never one per file), so hundreds of tables
 * committing in parallel do not contend on the history table: on AWS they travel through their
 * own FIFO group of the commits queue (`SqsHistorySink`, one history commit per commit
 * invocation of that group), locally through their own group of the in-process queue.
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { HistoryRow } from '../lib/ingest/history-row.js';
import { messageGroupId } from './sqs-commit-queue.js';

export interface HistorySink {
  /** Resolves once the rows are durably queued for the history table. */
  record(rows: readonly HistoryRow[]): Promise<void>;
}

/** Records nothing (history disabled). */
export const NO_HISTORY: HistorySink = { record: async () => {} };

/** The body of a history message on the commits queue. */
export interface HistoryMessage {
  history: HistoryRow[];
}

/** Raised for a history message that cannot be decoded (acknowledged, logged). */
export class InvalidHistoryMessageError extends Error {
  override name = 'InvalidHistoryMessageError';
}

/** True for a commits-queue body that carries history rows rather than a commit request. */
export function isHistoryMessage(body: string): boolean {
  return body.startsWith('{"history":');
}

/** The rows of a history message body. */
export function decodeHistoryMessage(body: string): HistoryRow[] {
  let parsed: Partial<HistoryMessage>;
  try {
    parsed = JSON.parse(body) as Partial<HistoryMessage>;
  } catch (error) {
    throw new InvalidHistoryMessageError('history message is not JSON', { cause: error });
  }
  if (!Array.isArray(parsed.history)) throw new InvalidHistoryMessageError('history message lacks rows');
  return parsed.history;
}

/** Encodes rows as a history message body (`isHistoryMessage` recognises it). */
export function encodeHistoryMessage(rows: readonly HistoryRow[]): string {
  return JSON.stringify({ history: rows });
}

export interface SqsHistorySinkOptions {
  sqs: SQSClient;
  /** The commits FIFO queue. */
  queueUrl: string;
  /** The history table (`ns.table`): its FIFO group. */
  table: string;
}

/** History rows as messages of the history table's own group on the commits FIFO queue. */
export class SqsHistorySink implements HistorySink {
  constructor(private readonly options: SqsHistorySinkOptions) {}

  /** Sends the rows as one message (deduplicated by SQS on their ids within 5 minutes). */
  async record(rows: readonly HistoryRow[]): Promise<void> {
    if (rows.length === 0) return;
    const ids = rows.map((r) => r.history_id).join(',');
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: encodeHistoryMessage(rows),
        MessageGroupId: messageGroupId(this.options.table),
        MessageDeduplicationId: createHash('sha256').update(ids).digest('hex').slice(0, 64),
      }),
    );
  }
}
