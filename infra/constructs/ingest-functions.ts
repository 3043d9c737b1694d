/**
 * The live ingest path: `landed` → convert (wide, bounded concurrency) → `commits` FIFO →
 * commit (narrow, one snapshot per batch). Both event source mappings report partial batch
 * failures, so one bad message is retried alone instead of its whole batch.
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FloeConfig } from '../config.js';
import type { CommitQueue } from './commit-queue.js';
import { type FloeCodeMode, FloeFunction } from './floe-function.js';
import type { Landing } from './landing.js';
import type { WarehouseAccess } from './warehouse-bucket.js';

/** AWS guidance for SQS event sources: visibility timeout at least 6× the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Props of {@link IngestFunctions}. */
export interface IngestFunctionsProps {
  readonly config: FloeConfig;
  readonly environment: Record<string, string>;
  readonly landing: Landing;
  readonly commitQueue: CommitQueue;
  readonly secret: secretsmanager.ISecret;
  readonly warehouse?: WarehouseAccess;
  readonly code: FloeCodeMode;
  readonly logRetention: logs.RetentionDays;
}

/** The convert and commit functions, their event sources and their grants. */
export class IngestFunctions extends Construct {
  readonly convert: FloeFunction;
  readonly commit: FloeFunction;

  constructor(scope: Construct, id: string, props: IngestFunctionsProps) {
    super(scope, id);
    const { config, landing, commitQueue } = props;

    this.convert = new FloeFunction(this, 'Convert', {
      handler: 'convert',
      code: props.code,
      description: 'converts a landed object into Parquet data files and queues a commit request',
      memoryMiB: config.convertMemoryMiB,
      timeout: Duration.seconds(config.convertTimeoutSeconds),
      ephemeralStorage: Size.mebibytes(config.convertEphemeralMiB),
      environment: props.environment,
      logRetention: props.logRetention,
    });
    this.convert.function.addEventSource(
      new SqsEventSource(landing.queue, {
        batchSize: config.convertBatchSize,
        reportBatchItemFailures: true,
        // Bounds the burst a mass upload can cause, without reserving account concurrency.
        maxConcurrency: config.convertMaxConcurrency,
      }),
    );
    // Events name object versions (versioned bucket): read by VersionId. Listing lets a deleted
    // object answer 404 (rejected with a report) instead of 403 (retried into the DLQ).
    landing.grantReadPrefix(this.convert.role, config.landingPrefix, { versions: true });
    landing.grantMissingKeyIsNotFound(this.convert.role);
    landing.grantWritePrefix(this.convert.role, config.errorsPrefix);
    landing.grantWritePrefix(this.convert.role, config.spillPrefix);
    // Routes with `archive: true` copy the converted object here.
    landing.grantWritePrefix(this.convert.role, config.archivePrefix);
    commitQueue.queue.grantSendMessages(this.convert.role);
    props.secret.grantRead(this.convert.role);
    props.warehouse?.grantReadWrite(this.convert.role);

    this.commit = new FloeFunction(this, 'Commit', {
      handler: 'commit',
      code: props.code,
      description: 'commits a batch of commit requests to one table as one snapshot',
      memoryMiB: config.commitMemoryMiB,
      timeout: Duration.seconds(config.commitTimeoutSeconds),
      environment: props.environment,
      logRetention: props.logRetention,
    });
    this.commit.function.addEventSource(
      new SqsEventSource(commitQueue.queue, {
        batchSize: config.commitBatchSize,
        reportBatchItemFailures: true,
      }),
    );
    landing.grantReadPrefix(this.commit.role, config.spillPrefix);
    // Durable ingest-ledger markers: read before, written after every commit (issue 13).
    landing.grantReadPrefix(this.commit.role, config.ledgerPrefix);
    landing.grantWritePrefix(this.commit.role, config.ledgerPrefix);
    props.secret.grantRead(this.commit.role);
    props.warehouse?.grantReadWrite(this.commit.role);

    // Load history rows travel through their own FIFO group of the commits queue (issue #14).
    commitQueue.queue.grantSendMessages(this.commit.role);
    // Commit events: PutEvents on the chosen bus only.
    if (config.eventBusName !== 'off') {
      const bus = events.EventBus.fromEventBusName(this, 'EventBus', config.eventBusName);
      bus.grantPutEventsTo(this.convert.role);
      bus.grantPutEventsTo(this.commit.role);
    }
  }
}
