/**
 * λ convert: SQS "landed" batch → `convertObject` per announced object → commit requests on the
 * FIFO "commits" queue. Records are independent (Powertools `BatchProcessor`): a transient
 * failure is logged (key, table, error), counted (`RecordFailures`, which has an alarm: with
 * partial batch responses the function's Errors metric never moves), lands in
 * `batchItemFailures` and comes back after a backoff delay (retry-delay.ts), ending in the DLQ;
 * bad input is acknowledged after its error report (invariant 4). Skipped and unrouted objects
 * are logged at info and counted, so a prefix mismatch is visible.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { formatIdentifier } from '../lib/catalog/catalog.js';
import { warmEncoderWorker } from '../lib/ingest/conversion-encoder.js';
import { type ConvertContext, convertObject } from '../lib/ingest/convert-object.js';
import { type LandedObject, landedObjectsFrom } from '../lib/ingest/landed-event.js';
import { routeObject } from '../lib/ingest/route.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { S3FileIO } from '../lib/storage/s3.js';
import { catalogFromEnvironment } from './catalog-client.js';
import { readEnvironment } from './environment.js';
import { ingestConfigFromEnvironment } from './ingest-settings.js';
import { logger, METRIC, MetricUnit, metrics } from './observability.js';
import { CONVERT_BACKOFF, delayRetries } from './retry-delay.js';
import { recordConvertOutcome } from './outcome-recording.js';
import { SecretCache } from './secret-cache.js';
import { SqsCommitQueue } from './sqs-commit-queue.js';
import { tracingMiddlewares } from './tracing.js';

const env = readEnvironment('convert');
// Start the Parquet encoder thread during the init phase, so the first file's encoding overlaps
// its parsing instead of waiting for the thread to load parquet-wasm.
warmEncoderWorker();
const config = ingestConfigFromEnvironment(env);
const catalog = catalogFromEnvironment(env, new SecretCache(new SecretsManagerClient({}), env.secretId));
const landingIo = new S3FileIO();
const spillLocation = `s3://${env.landingBucket}/${env.spillPrefix}`;
const sqs = new SQSClient({});

const context: ConvertContext = {
  catalog,
  config,
  landingIo,
  objectUri: (o) => `s3://${o.bucket}/${o.key}`,
  errorsLocation: (bucket) => `s3://${bucket}/${env.errorsPrefix}`,
  reservedPrefixes: [env.errorsPrefix, env.spillPrefix, '_floe/'],
  tableIo: (table) => fileIOForTable(table, { catalog }),
  queue: new SqsCommitQueue({
    sqs,
    queueUrl: env.commitQueueUrl as string,
    spillLocation,
    spillIo: landingIo,
  }),
  archiveLocation: (bucket) => `s3://${bucket}/${env.archivePrefix}`,
  maxFileBytes: env.maxFileBytes,
  log: (level, message, fields) => logger[level](message, fields),
};

const processor = new BatchProcessor(EventType.SQS);

/** Skip reasons that mean the key was never meant for floe's routes: worth an operator's look. */
const UNROUTED = /^(outside landing prefix|no route matches)/;

async function recordHandler(record: SQSRecord): Promise<void> {
  let current: LandedObject | undefined;
  try {
    for (const object of landedObjectsFrom(JSON.parse(record.body))) {
      current = object;
      await convertOne(object);
    }
  } catch (error) {
    logger.error('record failed; it will be retried', {
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      key: current?.key,
      versionId: current?.versionId,
      table: current ? tableOf(current) : undefined,
      error: error as Error,
    });
    metrics.addMetric(METRIC.recordFailures, MetricUnit.Count, 1);
    throw error;
  }
}

/** The table a key routes to, for the failure log (undefined when it does not route). */
function tableOf(object: LandedObject): string | undefined {
  try {
    const routed = routeObject(object.key, object.size, config, { reservedPrefixes: context.reservedPrefixes });
    return routed.kind === 'skip' ? undefined : formatIdentifier(routed.table);
  } catch {
    return undefined;
  }
}

async function convertOne(object: LandedObject): Promise<void> {
  const outcome = await convertObject(object, context);
  await recordConvertOutcome(object, outcome);
  if (outcome.status === 'skipped') {
    const unrouted = UNROUTED.test(outcome.reason);
    logger.info(unrouted ? 'unrouted object' : 'skipped object', { key: outcome.key, reason: outcome.reason });
    metrics.addMetric(METRIC.filesSkipped, MetricUnit.Count, 1);
    if (unrouted) metrics.addMetric(METRIC.filesUnrouted, MetricUnit.Count, 1);
  } else if (outcome.status === 'rejected') {
    metrics.addMetric(METRIC.filesRejected, MetricUnit.Count, 1);
  } else {
    logger.info('converted object', {
      key: outcome.key,
      table: outcome.table,
      ingestId: outcome.ingestId,
      rows: outcome.rows,
      dataFiles: outcome.dataFiles,
    });
    metrics.addMetric(METRIC.filesIngested, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.rows, MetricUnit.Count, outcome.rows);
    metrics.addMetric(METRIC.bytes, MetricUnit.Bytes, outcome.bytes);
    if (outcome.rejectedRows > 0) metrics.addMetric(METRIC.rowsRejected, MetricUnit.Count, outcome.rejectedRows);
  }
}

async function convertBatch(event: SQSEvent, lambdaContext: Context): Promise<SQSBatchResponse> {
  const response = await processPartialResponse(event, recordHandler, processor, {
    context: lambdaContext,
    throwOnFullBatchFailure: false,
  });
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  await delayRetries(
    sqs,
    event.Records.filter((r) => failed.has(r.messageId)),
    CONVERT_BACKOFF,
    (record, error) => logger.warn('could not delay the retry', { messageId: record.messageId, error }),
  );
  return response;
}

export const handler = middy(convertBatch)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(await tracingMiddlewares());
