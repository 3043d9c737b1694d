/**
 * λ commit: a FIFO "commits" batch (up to 10 messages, possibly several message groups) →
 * `commitBatch` → one snapshot per table.
 *
 * FIFO order (as Powertools' `SqsFifoPartialProcessor` with `skipGroupOnError`): the messages
 * of one table are committed together or not at all, so a failed table reports all of its
 * messages in `batchItemFailures` and SQS redelivers them in order; other tables in the batch
 * are unaffected. A message that is not a commit request at all is logged and acknowledged.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { commitBatch } from '../lib/ingest/commit-batch.js';
import { type CommitRequest, decodeCommitMessage, loadCommitRequest } from '../lib/ingest/commit-request.js';
import { settingsForTable } from '../lib/ingest/config.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { S3FileIO } from '../lib/storage/s3.js';
import { catalogFromEnvironment } from './catalog-client.js';
import { readEnvironment } from './environment.js';
import { ingestConfigFromEnvironment } from './ingest-settings.js';
import { logger, METRIC, MetricUnit, metrics } from './observability.js';
import { commitHistoryRecords, recordCommitOutcomes, splitHistoryRecords } from './outcome-recording.js';
import { SecretCache } from './secret-cache.js';

const env = readEnvironment('commit');
const config = ingestConfigFromEnvironment(env);
const catalog = catalogFromEnvironment(env, new SecretCache(new SecretsManagerClient({}), env.secretId));
const landingIo = new S3FileIO();

async function commitMessages(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: Array<{ itemIdentifier: string }> = [];
  const requests: CommitRequest[] = [];
  const messageOf = new Map<CommitRequest, string>();
  for (const record of event.Records) {
    try {
      const request = await loadCommitRequest(decodeCommitMessage(record.body), landingIo);
      requests.push(request);
      messageOf.set(request, record.messageId);
    } catch (error) {
      if ((error as Error).name === 'InvalidCommitRequestError' || (error as Error).name === 'DataFileCodecError') {
        logger.error('dropping a message that is not a commit request', {
          messageId: record.messageId,
          error: error as Error,
        });
        continue;
      }
      // A spilled request that cannot be read yet: retry it (and, for FIFO order, the rest of its group).
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  const failedGroups = new Set(
    event.Records.filter((r) => failures.some((f) => f.itemIdentifier === r.messageId)).map(
      (r) => r.attributes.MessageGroupId,
    ),
  );
  const runnable = requests.filter((r) => {
    const record = event.Records.find((x) => x.messageId === messageOf.get(r));
    if (record && failedGroups.has(record.attributes.MessageGroupId)) {
      failures.push({ itemIdentifier: record.messageId });
      return false;
    }
    return true;
  });

  const result = await commitBatch(runnable, {
    catalog,
    tableIo: (table) => fileIOForTable(table, { catalog }),
    dedupWindowMs: (table) => settingsForTable(config, table).dedupWindowMs,
  });
  await recordCommitOutcomes(result);
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
  for (const outcome of result.requests) {
    const messageId = messageOf.get(outcome.request) as string;
    if (outcome.status === 'failed') failures.push({ itemIdentifier: messageId });
    else if (outcome.status === 'duplicate') metrics.addMetric(METRIC.duplicatesDropped, MetricUnit.Count, 1);
    else
      metrics.addMetric(METRIC.landingToCommitMs, MetricUnit.Milliseconds, Math.max(0, now - outcome.request.landedAt));
  }
  return { batchItemFailures: failures };
}

/** History rows (their own FIFO group, issue #14) are committed apart from commit requests. */
async function commitQueueBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const { history, requests } = splitHistoryRecords(event.Records);
  const historyFailures = await commitHistoryRecords(history, catalog);
  const response = await commitMessages({ Records: requests });
  return { batchItemFailures: [...response.batchItemFailures, ...historyFailures] };
}

export const handler = middy(commitQueueBatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
