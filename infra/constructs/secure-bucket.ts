/**
 * An S3 bucket with floe's secure defaults: all public access blocked, TLS enforced by bucket
 * policy, ACLs disabled (bucket-owner-enforced), encryption at rest, and server access logs
 * delivered to a log bucket when one is given.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Options of {@link secureBucket}. */
export interface SecureBucketOptions {
  /** Bucket for server access logs; omit only for the log bucket itself. */
  readonly accessLogs?: s3.IBucket;
  /** Key prefix of this bucket's access logs in the log bucket. */
  readonly accessLogsPrefix?: string;
  /** A KMS key for SSE-KMS; @default SSE-S3 */
  readonly encryptionKey?: kms.IKey;
  /** @default false */
  readonly versioned?: boolean;
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Keep the bucket when the stack is deleted. */
  readonly retain: boolean;
}

/** Creates a bucket with floe's secure defaults. */
export function secureBucket(scope: Construct, id: string, options: SecureBucketOptions): s3.Bucket {
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(options.encryptionKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: options.encryptionKey, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    versioned: options.versioned ?? false,
    serverAccessLogsBucket: options.accessLogs,
    serverAccessLogsPrefix: options.accessLogs ? options.accessLogsPrefix : undefined,
    lifecycleRules: [
      ...(options.lifecycleRules ?? []),
      { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ],
    removalPolicy: options.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
}
