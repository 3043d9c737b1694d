/**
 * The backfill handlers (plan, convert, commit, report) with their grants, wired into the
 * {@link BackfillStateMachine}. They share the live path's environment, so backfill computes the
 * same ingest ids and commits through the same optimistic path as live commits (the catalog's
 * assert-ref-snapshot-id serializes them; backfill does not use the commits queue).
 */
import { Duration, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FloeConfig } from '../config.js';
import { BackfillStateMachine } from './backfill-state-machine.js';
import { type FloeCodeMode, FloeFunction } from './floe-function.js';
import type { Landing } from './landing.js';
import type { WarehouseAccess } from './warehouse-bucket.js';

/** Step Functions caps a state's input at 256 KiB; convert results get 200 KiB of it, the rest is for the plan and framing. */
const CONVERTED_BUDGET_BYTES = 200 * 1024;

/**
 * The inline budget of one convert result (`FLOE_BACKFILL_INLINE_BYTES`): CommitBatch receives
 * `chunksPerCommit` of them at once, so together they stay under Step Functions' input limit.
 */
export function inlineResultBytes(chunksPerCommit: number): number {
  return Math.floor(CONVERTED_BUDGET_BYTES / Math.max(1, chunksPerCommit));
}

/** Props of {@link Backfill}. */
export interface BackfillProps {
  readonly config: FloeConfig;
  readonly environment: Record<string, string>;
  readonly landing: Landing;
  readonly secret: secretsmanager.ISecret;
  readonly warehouse?: WarehouseAccess;
  readonly code: FloeCodeMode;
  readonly logRetention: logs.RetentionDays;
}

/** Backfill functions and state machine. */
export class Backfill extends Construct {
  readonly plan: FloeFunction;
  readonly convert: FloeFunction;
  readonly commit: FloeFunction;
  readonly report: FloeFunction;
  readonly stateMachine: BackfillStateMachine;

  constructor(scope: Construct, id: string, props: BackfillProps) {
    super(scope, id);
    const { config, landing } = props;
    const common = { code: props.code, environment: props.environment, logRetention: props.logRetention };

    this.plan = new FloeFunction(this, 'Plan', {
      ...common,
      handler: 'backfillPlan',
      description: 'lists a prefix or reads a key manifest and writes the chunk manifest',
      memoryMiB: 1024,
      timeout: Duration.minutes(15),
    });
    landing.grantListPrefix(this.plan.role, config.landingPrefix);
    // ListObjectVersions gives the plan every version id in one listing (else one HeadObject per file).
    iam.Grant.addToPrincipal({
      grantee: this.plan.role,
      actions: ['s3:ListBucketVersions'],
      resourceArns: [landing.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [config.landingPrefix, `${config.landingPrefix}*`] } },
    });
    // GetObject covers HeadObject (version ids when listing versions is denied) and key manifests.
    landing.grantReadPrefix(this.plan.role, config.landingPrefix);
    landing.grantReadPrefix(this.plan.role, config.backfillPrefix);
    landing.grantWritePrefix(this.plan.role, config.backfillPrefix);

    this.convert = new FloeFunction(this, 'Convert', {
      ...common,
      environment: {
        ...props.environment,
        FLOE_BACKFILL_INLINE_BYTES: String(inlineResultBytes(config.backfillChunksPerCommit)),
      },
      handler: 'backfillConvert',
      description: 'converts one backfill chunk into Parquet data files',
      memoryMiB: config.convertMemoryMiB,
      timeout: Duration.seconds(config.convertTimeoutSeconds),
      ephemeralStorage: Size.mebibytes(config.convertEphemeralMiB),
    });
    // Plans name object versions: read by VersionId. Listing lets an object deleted after the plan
    // answer 404 (rejected with a report) instead of 403 (the chunk retried until the run fails).
    landing.grantReadPrefix(this.convert.role, config.landingPrefix, { versions: true });
    landing.grantMissingKeyIsNotFound(this.convert.role);
    landing.grantWritePrefix(this.convert.role, config.errorsPrefix);
    landing.grantWritePrefix(this.convert.role, config.backfillPrefix);
    props.secret.grantRead(this.convert.role);
    props.warehouse?.grantReadWrite(this.convert.role);

    this.commit = new FloeFunction(this, 'Commit', {
      ...common,
      handler: 'backfillCommit',
      description: 'commits the data files of a batch of backfill chunks as one snapshot',
      memoryMiB: config.commitMemoryMiB,
      timeout: Duration.seconds(config.commitTimeoutSeconds),
    });
    landing.grantReadPrefix(this.commit.role, config.backfillPrefix);
    landing.grantReadPrefix(this.commit.role, config.spillPrefix);
    props.secret.grantRead(this.commit.role);
    props.warehouse?.grantReadWrite(this.commit.role);

    this.report = new FloeFunction(this, 'Report', {
      ...common,
      handler: 'backfillReport',
      description: 'summarizes a backfill from its Map Run results',
      memoryMiB: 512,
      timeout: Duration.minutes(5),
    });
    landing.grantReadPrefix(this.report.role, config.backfillPrefix);
    landing.grantWritePrefix(this.report.role, config.backfillPrefix);

    this.stateMachine = new BackfillStateMachine(this, 'StateMachine', {
      plan: this.plan.function,
      convert: this.convert.function,
      commit: this.commit.function,
      report: this.report.function,
      bucket: landing.bucket,
      bucketKey: landing.key,
      backfillPrefix: config.backfillPrefix,
      maxConcurrency: config.backfillMaxConcurrency,
      toleratedFailurePercentage: config.backfillToleratedFailurePercentage,
      chunksPerCommit: config.backfillChunksPerCommit,
      logRetention: props.logRetention,
    });
  }
}
