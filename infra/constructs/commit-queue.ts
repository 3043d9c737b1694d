/**
 * The `commits` FIFO queue. MessageGroupId is the table identifier, so commits to one table are
 * serialized while tables commit in parallel (high-throughput FIFO: dedup and throughput per
 * message group). Content-based deduplication is off: floe sets MessageDeduplicationId itself,
 * derived from the ingest id, so a redelivered landed object dedups even if its request differs.
 */
import type { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_RETENTION } from './landing.js';

/** Props of {@link CommitQueue}. */
export interface CommitQueueProps {
  /** At least 6× the commit function timeout. */
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
}

/** FIFO `commits` queue with a FIFO DLQ (a FIFO queue's DLQ must itself be FIFO). */
export class CommitQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: CommitQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'CommitsDlq', {
      fifo: true,
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
    });
    this.queue = new sqs.Queue(this, 'Commits', {
      fifo: true,
      contentBasedDeduplication: false,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
