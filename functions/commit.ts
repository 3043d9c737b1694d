/**
 * λ commit: a FIFO "commits" batch (up to 10 messages, possibly several message groups) →
 * `commitBatch` → one snapshot per table.
 *
 * FIFO order (as Powertools' `SqsFifoPartialProcessor` with `skipGroupOnError`): the messages
 * of one table are committed together or not at all, so a failed table reports all of its
 * messages in `batchItemFailures` and SQS redelivers them in order; other tables in the batch
 * are unaffected. A message that is not a commit request at all is logged and acknowledged.
 * Failed messages come back after a backoff delay (retry-delay.ts), not the 30-minute visibility
 * timeout that would hold back their table's group.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { formatIdentifier } from '../lib/catalog/catalog.js';
import { commitBatch } from '../lib/ingest/commit-batch.js';
import { type CommitRequest, decodeCommitMessage, loadCommitRequest } from '../lib/ingest/commit-request.js';
import { settingsForTable } from '../lib/ingest/config.js';
import { type DecodedMessage, planFifoBatch } from '../lib/ingest/fifo-batch.js';
import { IngestLedger } from '../lib/ingest/ingest-ledger.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { S3FileIO } from '../lib/storage/s3.js';
import { catalogFromEnvironment } from './catalog-client.js';
import { readEnvironment } from './environment.js';
import { ingestConfigFromEnvironment } from './ingest-settings.js';
import { logger, METRIC, MetricUnit, metrics } from './observability.js';
import { COMMIT_BACKOFF, delayRetries } from './retry-delay.js';
import { commitHistoryRecords, recordCommitOutcomes, splitHistoryRecords } from './outcome-recording.js';
import { SecretCache } from './secret-cache.js';
import { tracingMiddlewares } from './tracing.js';

const env = readEnvironment('commit');
const config = ingestConfigFromEnvironment(env);
const catalog = catalogFromEnvironment(env, new SecretCache(new SecretsManagerClient({}), env.secretId));
const landingIo = new S3FileIO();
const sqs = new SQSClient({});
const ledger = new IngestLedger(landingIo, `s3://${env.landingBucket}/${env.ledgerPrefix}`);

async function commitMessages(event: SQSEvent): Promise<SQSBatchResponse> {
  const decoded: Array<DecodedMessage<CommitRequest>> = [];
  for (const record of event.Records) {
    const { messageId } = record;
    const group = record.attributes.MessageGroupId ?? '';
    try {
      decoded.push({ messageId, group, request: await loadCommitRequest(decodeCommitMessage(record.body), landingIo) });
    } catch (error) {
      // Not a commit request: dropped; a spilled request that cannot be read yet: retried with its group.
      decoded.push({ messageId, group, error });
    }
  }
  const plan = planFifoBatch(decoded);
  for (const { messageId, error } of plan.dropped)
    logger.error('dropping a message that is not a commit request', { messageId, error: error as Error });
  const failures = plan.failed.map((itemIdentifier) => ({ itemIdentifier }));
  const messageOf = new Map(plan.runnable.map((r) => [r.request, r.messageId]));
  const runnable = plan.runnable.map((r) => r.request);

  const result = await commitBatch(runnable, {
    catalog,
    tableIo: (table) => fileIOForTable(table, { catalog }),
    dedupWindowMs: (table) => settingsForTable(config, table).dedupWindowMs,
    ledger,
  });
  const unpublished = await recordCommitOutcomes(result);
  const now = Date.now();
  for (const table of result.tables) {
    const fields = {
      table: table.table,
      snapshotId: table.snapshotId?.toString(),
      attempts: table.attempts,
      ingestIds: table.committedIngestIds,
    };
    if (table.outcome === 'failed') logger.error('commit failed', { ...fields, error: table.error as Error });
    else logger.info(`commit ${table.outcome}`, fields);
    if (table.outcome === 'committed' || table.outcome === 'already-committed')
      metrics.addMetric(METRIC.commits, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.commitRetries, MetricUnit.Count, table.retries.length);
    metrics.addMetric(
      METRIC.commitConflicts,
      MetricUnit.Count,
      table.retries.filter((r) => r.reason === 'conflict').length,
    );
  }
  // Events not published: the table's whole group is redelivered (at least once, docs/events.md).
  const groupOf = new Map(decoded.map((d) => [d.messageId, d.group]));
  const unpublishedGroups = new Set(
    result.requests
      .filter((o) => unpublished.has(formatIdentifier(o.request.table)))
      .map((o) => groupOf.get(messageOf.get(o.request) as string)),
  );
  for (const outcome of result.requests) {
    const messageId = messageOf.get(outcome.request) as string;
    if (outcome.status === 'failed' || unpublishedGroups.has(groupOf.get(messageId)))
      failures.push({ itemIdentifier: messageId });
    else if (outcome.status === 'duplicate') metrics.addMetric(METRIC.duplicatesDropped, MetricUnit.Count, 1);
    else
      metrics.addMetric(METRIC.landingToCommitMs, MetricUnit.Milliseconds, Math.max(0, now - outcome.request.landedAt));
  }
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  await delayRetries(
    sqs,
    event.Records.filter((r) => failed.has(r.messageId)),
    COMMIT_BACKOFF,
    (record, error) => logger.warn('could not delay the retry', { messageId: record.messageId, error }),
  );
  return { batchItemFailures: failures };
}

/** History rows (their own FIFO group, issue #14) are committed apart from commit requests. */
async function commitQueueBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const { history, requests } = splitHistoryRecords(event.Records);
  const historyFailures = await commitHistoryRecords(history, catalog);
  const response = await commitMessages({ Records: requests });
  return { batchItemFailures: [...response.batchItemFailures, ...historyFailures] };
}

export const handler = middy(commitQueueBatch)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(await tracingMiddlewares());
