/**
 * Table storage for catalogs that do not vend credentials: with vended credentials (Dremio
 * Cloud, Polaris) the handlers write with the per-table credentials the catalog returns and need
 * no bucket grant; otherwise they write with their role, so the role needs the warehouse bucket.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket.js';

/** Props of {@link WarehouseAccess}. */
export interface WarehouseAccessProps {
  /** 'create' for a new bucket, or the name of an existing one. */
  readonly bucket: string;
  /** Access logs of a created bucket. */
  readonly accessLogs: s3.IBucket;
  readonly retain: boolean;
}

/** The warehouse bucket and explicit-action grants on it. */
export class WarehouseAccess extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: WarehouseAccessProps) {
    super(scope, id);
    this.bucket =
      props.bucket === 'create'
        ? secureBucket(this, 'Bucket', {
            versioned: true,
            accessLogs: props.accessLogs,
            accessLogsPrefix: 'warehouse-bucket/',
            retain: props.retain,
          })
        : s3.Bucket.fromBucketName(this, 'Bucket', props.bucket);
  }

  /** Read and write table files (data, manifests, metadata); only maintenance deletes table files (grantDelete). */
  grantReadWrite(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [this.bucket.arnForObjects('*')],
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
  }

  /** Delete table files: for maintenance (expired snapshots' files, orphans), never for ingest. */
  grantDelete(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:DeleteObject'], resourceArns: [this.bucket.arnForObjects('*')] });
  }
}
