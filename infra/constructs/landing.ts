/**
 * The landing side of floe: the landing bucket (versioned, encrypted, private, TLS-only, access
 * logged), its lifecycle for floe's own outputs, and the event path
 * `ObjectCreated under landingPrefix` → SQS `landed` (encrypted, with a DLQ).
 *
 * Grants are prefix-scoped statements with explicit actions. CDK's `bucket.grantRead` is not
 * used because it grants wildcard actions (`s3:GetObject*`, `s3:List*`).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket.js';

/** Props of {@link Landing}. */
export interface LandingProps {
  /** Only objects under this prefix are ingested (S3 notification filter). */
  readonly landingPrefix: string;
  /** floe-owned prefixes with a lifecycle: error reports and work files. */
  readonly errorsPrefix: string;
  readonly spillPrefix: string;
  readonly backfillPrefix: string;
  /** Ingest-ledger markers, expired after `ledgerRetention` (issue 13). */
  readonly ledgerPrefix?: string;
  readonly ledgerRetention?: Duration;
  readonly errorReportRetention: Duration;
  /** Replaced (noncurrent) versions of landed objects expire after this; undefined keeps them. */
  readonly landedVersionRetention?: Duration;
  readonly workFileRetention: Duration;
  /** SSE-KMS with a rotated customer key instead of SSE-S3. */
  readonly kmsEncryption: boolean;
  /** Visibility timeout of `landed`: at least 6× the convert timeout (AWS guidance for SQS event sources). */
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly retain: boolean;
}

/** Message retention of every floe queue and DLQ: the SQS maximum, to give operators time. */
export const QUEUE_RETENTION = Duration.days(14);

/** Landing bucket, access-log bucket, and the `landed` queue with its DLQ. */
export class Landing extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly key?: kms.Key;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: LandingProps) {
    super(scope, id);
    this.accessLogs = secureBucket(this, 'AccessLogs', {
      retain: props.retain,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    if (props.kmsEncryption) {
      this.key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'floe landing bucket' });
    }
    // Versioned noncurrent copies of floe's own outputs go one day after they are replaced/expired.
    const expiring = (ruleId: string, prefix: string, after: Duration): s3.LifecycleRule => ({
      id: ruleId,
      prefix,
      expiration: after,
      noncurrentVersionExpiration: Duration.days(1),
    });
    this.bucket = secureBucket(this, 'Bucket', {
      versioned: true,
      encryptionKey: this.key,
      accessLogs: this.accessLogs,
      accessLogsPrefix: 'landing-bucket/',
      retain: props.retain,
      lifecycleRules: [
        expiring('expire-error-reports', props.errorsPrefix, props.errorReportRetention),
        expiring('expire-spilled-commit-requests', props.spillPrefix, props.workFileRetention),
        expiring('expire-backfill-work-files', props.backfillPrefix, props.workFileRetention),
        // Overwritten landed objects keep their old versions (each was ingested by its version id);
        // they are only needed until their event is processed, so they do not pile up forever.
        ...(props.landedVersionRetention
          ? [
              {
                id: 'expire-replaced-landed-versions',
                prefix: props.landingPrefix,
                noncurrentVersionExpiration: props.landedVersionRetention,
              },
            ]
          : []),
        ...(props.ledgerPrefix
          ? [expiring('expire-ingest-ledger', props.ledgerPrefix, props.ledgerRetention ?? Duration.days(8))]
          : []),
      ],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'LandedDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
    });
    this.queue = new sqs.Queue(this, 'Landed', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, this.notificationDestination(), {
      prefix: props.landingPrefix,
    });
  }

  /**
   * The `landed` queue as the notification target. As `s3n.SqsDestination`, plus
   * `aws:SourceAccount`: S3 may send only for this bucket in this account (confused deputy).
   */
  private notificationDestination(): s3.IBucketNotificationDestination {
    const queue = this.queue;
    return {
      bind: () => {
        const { policyDependable } = queue.addToResourcePolicy(
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
            actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            resources: [queue.queueArn],
            conditions: {
              ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
              StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
            },
          }),
        );
        return {
          arn: queue.queueArn,
          type: s3.BucketNotificationDestinationType.QUEUE,
          dependencies: policyDependable ? [policyDependable] : [],
        };
      },
    };
  }

  /**
   * Allows reading objects under `prefix`; `versions` adds `s3:GetObjectVersion`, needed to read
   * a landed object by the version id its event names.
   */
  grantReadPrefix(grantee: iam.IGrantable, prefix: string, options: { versions?: boolean } = {}): void {
    const actions = options.versions ? ['s3:GetObject', 's3:GetObjectVersion'] : ['s3:GetObject'];
    this.grantObjects(grantee, prefix, actions, ['kms:Decrypt']);
  }

  /** Allows writing objects under `prefix` (single and multipart uploads). */
  grantWritePrefix(grantee: iam.IGrantable, prefix: string): void {
    this.grantObjects(
      grantee,
      prefix,
      ['s3:PutObject', 's3:AbortMultipartUpload'],
      ['kms:GenerateDataKey', 'kms:Decrypt'],
    );
  }

  /** Allows listing keys under `prefix` only (s3:prefix condition). */
  grantListPrefix(grantee: iam.IGrantable, prefix: string): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
    });
  }

  /**
   * Allows `s3:ListBucket` on the bucket without a prefix condition, so a read of a missing key
   * answers 404 ("gone": rejected with a report) instead of 403 ("denied": retried). S3 checks
   * this permission for a missing key with no `s3:prefix` in the request context, so a listing
   * grant conditioned on a prefix does not count (issue #11). It reveals key names, not contents.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_Permissions
   */
  grantMissingKeyIsNotFound(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
  }

  private grantObjects(grantee: iam.IGrantable, prefix: string, actions: string[], keyActions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.bucket.arnForObjects(`${prefix}*`)] });
    if (this.key) iam.Grant.addToPrincipal({ grantee, actions: keyActions, resourceArns: [this.key.keyArn] });
  }
}
