/**
 * What the handlers record after their work (issue #14): load history rows, sent through the
 * history table's own group of the commits FIFO queue, and commit events on EventBridge. The
 * commit handler also commits the history messages of that group (`commitHistoryRecords`).
 *
 * Environment (read once at module load): `FLOE_HISTORY_TABLE` (default `floe.ingest_history`,
 * `off` disables history), `FLOE_EVENT_BUS` (default `default`, `off` disables events),
 * `FLOE_COMMIT_QUEUE_URL` (the commits queue; history is off without it).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Catalog } from '../lib/catalog/catalog.js';
import type { CommitBatchResult } from '../lib/ingest/commit-batch.js';
import { commitEvents, type FloeEvent, rejectionEvent } from '../lib/ingest/commit-events.js';
import type { ConvertOutcome } from '../lib/ingest/convert-object.js';
import { type HistoryRow, historyRowForConvert, historyRowsForCommit } from '../lib/ingest/history-row.js';
import { decodeHistoryMessage, isHistoryMessage, SqsHistorySink } from './history-sink.js';
import { DEFAULT_HISTORY_TABLE } from '../lib/ingest/history-row.js';
import type { LandedObject } from '../lib/ingest/landed-event.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { eventSinkFromEnvironment } from './event-bridge-sink.js';
import { logger } from './observability.js';

const historyTable = process.env.FLOE_HISTORY_TABLE || DEFAULT_HISTORY_TABLE;
const queueUrl = process.env.FLOE_COMMIT_QUEUE_URL;
const historySink =
  historyTable !== 'off' && queueUrl
    ? new SqsHistorySink({ sqs: new SQSClient({}), queueUrl, table: historyTable })
    : undefined;
const events = eventSinkFromEnvironment();

/** Splits a commits-queue batch into history messages and commit requests. */
export function splitHistoryRecords(records: SQSRecord[]): { history: SQSRecord[]; requests: SQSRecord[] } {
  const history = records.filter((r) => isHistoryMessage(r.body));
  return { history, requests: records.filter((r) => !history.includes(r)) };
}

/**
 * Commits the rows of history messages as one snapshot of the history table. A failure fails
 * every history message (they are retried in order); an undecodable one is logged and dropped.
 */
export async function commitHistoryRecords(
  records: SQSRecord[],
  catalog: Catalog,
): Promise<Array<{ itemIdentifier: string }>> {
  if (records.length === 0) return [];
  const rows: HistoryRow[] = [];
  for (const record of records) {
    try {
      rows.push(...decodeHistoryMessage(record.body));
    } catch (error) {
      logger.error('dropping a history message that cannot be decoded', {
        messageId: record.messageId,
        error: error as Error,
      });
    }
  }
  try {
    // Loaded on first use: writing history Parquet pulls in parquet-wasm, which the commit
    // handler's cold start should not pay for (issue #11).
    const { commitHistoryRows } = await import('../lib/ingest/history-table.js');
    const result = await commitHistoryRows(rows, {
      catalog,
      table: historyTable === 'off' ? DEFAULT_HISTORY_TABLE : historyTable,
      tableIo: (table) => fileIOForTable(table, { catalog }),
    });
    logger.info('history recorded', { ...result, snapshotId: result.snapshotId?.toString() });
    return [];
  } catch (error) {
    logger.error('history commit failed', { error: error as Error });
    return records.map((r) => ({ itemIdentifier: r.messageId }));
  }
}

/**
 * After a commit batch: its history rows and events, both at least once. Returns the tables whose
 * history rows or events were not taken (SQS, EventBridge, after the SDK's and the sinks'
 * retries): the caller fails their messages and SQS redelivers them. The redelivery finds the
 * requests already committed and records them again: the `committed` history rows (deduplicated
 * on `history_id`) next to a `duplicate` one, and the same events (`resendHeld`, same event ids;
 * docs/events.md).
 */
export async function recordCommitOutcomes(result: CommitBatchResult): Promise<Set<string>> {
  const failedTables = new Set<string>();
  const fail = (what: string, tables: readonly string[], error: unknown) => {
    logger.error(`recording ${what} failed; the tables' messages will be redelivered`, {
      tables,
      error: error as Error,
    });
    for (const table of tables) failedTables.add(table);
  };
  await Promise.all([
    (async () => {
      try {
        await historySink?.record(historyRowsForCommit(result));
      } catch (error) {
        fail(
          'history',
          result.tables.map((t) => t.table),
          error,
        );
      }
    })(),
    ...result.tables.map(async (table) => {
      try {
        await publish(commitEvents({ requests: [], tables: [table] }, { resendHeld: true }));
      } catch (error) {
        fail('events', [table.table], error);
      }
    }),
  ]);
  return failedTables;
}

/**
 * After converting one object: its history row (rejected, skipped, partial, duplicate) and a
 * `FileRejected` event. Throws on failure, so the landed record is retried: both are idempotent.
 */
export async function recordConvertOutcome(object: LandedObject, outcome: ConvertOutcome): Promise<void> {
  const row = historyRowForConvert(object, outcome);
  const event = rejectionEvent(object, outcome);
  await Promise.all([row ? historySink?.record([row]) : undefined, event ? publish([event]) : undefined]);
}

async function publish(list: FloeEvent[]): Promise<void> {
  if (events && list.length > 0) await events.publish(list);
}
