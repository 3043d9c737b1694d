/**
 * λ convert: SQS "landed" batch → `convertObject` per announced object → commit requests on the
 * FIFO "commits" queue. Records are independent (Powertools `BatchProcessor`): a transient
 * failure lands in `batchItemFailures` and is retried, ending in the DLQ; bad input is
 * acknowledged after its error report (invariant 4).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { warmEncoderWorker } from '../lib/formats/index.js';
import { type ConvertContext, convertObject } from '../lib/ingest/convert-object.js';
import { landedObjectsFrom } from '../lib/ingest/landed-event.js';
import { SqsCommitQueue } from '../lib/ingest/sqs-commit-queue.js';
import { fileIOForTable } from '../lib/storage/resolve.js';
import { S3FileIO } from '../lib/storage/s3.js';
import { catalogFromEnvironment } from './catalog-client.js';
import { readEnvironment } from './environment.js';
import { ingestConfigFromEnvironment } from './ingest-settings.js';
import { logger, METRIC, MetricUnit, metrics } from './observability.js';
import { recordConvertOutcome } from './outcome-recording.js';
import { SecretCache } from './secret-cache.js';

const env = readEnvironment('convert');
// Start the Parquet encoder thread during the init phase, so the first file's encoding overlaps
// its parsing instead of waiting for the thread to load parquet-wasm.
warmEncoderWorker();
const config = ingestConfigFromEnvironment(env);
const catalog = catalogFromEnvironment(env, new SecretCache(new SecretsManagerClient({}), env.secretId));
const landingIo = new S3FileIO();
const spillLocation = `s3://${env.landingBucket}/${env.spillPrefix}`;

const context: ConvertContext = {
  catalog,
  config,
  landingIo,
  objectUri: (o) => `s3://${o.bucket}/${o.key}`,
  errorsLocation: (bucket) => `s3://${bucket}/${env.errorsPrefix}`,
  reservedPrefixes: [env.errorsPrefix, env.spillPrefix, '_floe/'],
  tableIo: (table) => fileIOForTable(table, { catalog }),
  queue: new SqsCommitQueue({
    sqs: new SQSClient({}),
    queueUrl: env.commitQueueUrl as string,
    spillLocation,
    spillIo: landingIo,
  }),
  archiveLocation: (bucket) => `s3://${bucket}/_floe/archive/`,
  maxFileBytes: env.maxFileBytes,
  log: (level, message, fields) => logger[level](message, fields),
};

const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  for (const object of landedObjectsFrom(JSON.parse(record.body))) {
    const outcome = await convertObject(object, context);
    await recordConvertOutcome(object, outcome);
    if (outcome.status === 'skipped') {
      logger.debug('skipped object', { key: outcome.key, reason: outcome.reason });
      metrics.addMetric(METRIC.filesSkipped, MetricUnit.Count, 1);
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
}

async function convertBatch(event: SQSEvent, lambdaContext: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, recordHandler, processor, {
    context: lambdaContext,
    throwOnFullBatchFailure: false,
  });
}

export const handler = middy(convertBatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
