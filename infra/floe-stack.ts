/**
 * The floe stack: landing bucket and event path, commit FIFO queue, convert/commit functions,
 * backfill state machine, PAT secret, optional warehouse bucket, alarms and dashboard.
 */
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { checkRoutes, type FloeConfig, FloeConfigError, readRoutesFile } from './config.js';
import { Backfill } from './constructs/backfill.js';
import { CommitQueue } from './constructs/commit-queue.js';
import type { FloeCodeMode } from './constructs/floe-function.js';
import { handlerEnvironment } from './constructs/handler-environment.js';
import { IngestFunctions, VISIBILITY_TIMEOUT_FACTOR } from './constructs/ingest-functions.js';
import { Landing } from './constructs/landing.js';
import { Maintenance } from './constructs/maintenance.js';
import { Monitoring } from './constructs/monitoring.js';
import { WarehouseAccess } from './constructs/warehouse-bucket.js';
import { HANDLER_ENTRIES, missingHandlerEntries } from './handler-bundle.js';
import { applyNagSuppressions } from './nag-suppressions.js';

/** Props of {@link FloeStack}. */
export interface FloeStackProps extends StackProps {
  /** Validated configuration (see infra/config.ts). */
  readonly config: FloeConfig;
  /**
   * `bundle` esbuilds the handlers (cdk synth/deploy); `stub` uses inline placeholder code so
   * template tests run in a second without the handlers. @default 'bundle'
   */
  readonly code?: FloeCodeMode;
  /** Directory the routes file path is relative to. @default process.cwd() */
  readonly routesBaseDir?: string;
}

/** Maps a retention in days onto the CloudWatch Logs enum, which only accepts certain values. */
export function logRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);
  if (!allowed.includes(days)) {
    throw new FloeConfigError(
      `invalid floe configuration:\n  - logRetentionDays: ${days} is not a CloudWatch Logs retention (${allowed.sort((a, b) => a - b).join(', ')})`,
      ['logRetentionDays'],
    );
  }
  return days as logs.RetentionDays;
}

/**
 * Warns (not fails: the throughput is an estimate) when the largest accepted file cannot be
 * converted within 80% of the convert timeout at `convertThroughputMiBps`.
 */
export function warnIfConvertTimeoutTooShort(stack: Stack, config: FloeConfig): void {
  const seconds = config.maxFileBytes / (config.convertThroughputMiBps * 1024 * 1024);
  if (seconds > 0.8 * config.convertTimeoutSeconds) {
    Annotations.of(stack).addWarningV2(
      'floe:convertTimeoutTooShort',
      `maxFileBytes ${config.maxFileBytes} at ${config.convertThroughputMiBps} MiB/s needs ~${Math.ceil(seconds)} s; ` +
        `convertTimeoutSeconds is ${config.convertTimeoutSeconds}. Raise the timeout or memory, or lower maxFileBytes.`,
    );
  }
}

/** A complete secret ARN ends in "-" and six random characters; a partial one does not. */
const COMPLETE_SECRET_ARN = /-[A-Za-z0-9]{6}$/;

/** floe's whole deployment. */
export class FloeStack extends Stack {
  readonly landing: Landing;
  readonly commitQueue: CommitQueue;
  readonly secret: secretsmanager.ISecret;
  readonly ingest: IngestFunctions;
  readonly backfill?: Backfill;
  readonly maintenance?: Maintenance;
  readonly monitoring: Monitoring;
  readonly warehouse?: WarehouseAccess;

  constructor(scope: Construct, id: string, props: FloeStackProps) {
    super(scope, id, { description: 'floe: serverless auto-ingest into Apache Iceberg', ...props });
    const { config } = props;
    const code = props.code ?? 'bundle';
    const retention = logRetention(config.logRetentionDays);
    const entries = code === 'bundle' ? missingHandlerEntries() : [];
    const needed = entries.filter(
      (name) =>
        (config.backfill || !name.startsWith('backfill')) && (config.maintenance || !name.startsWith('maintain')),
    );
    if (needed.length > 0) {
      // Fail before esbuild does, naming the files (and the way to deploy without backfill).
      throw new FloeConfigError(
        `floe handlers missing: ${needed.map((n) => HANDLER_ENTRIES[n]).join(', ')}` +
          (needed.every((n) => n.startsWith('backfill')) ? ' (or deploy without backfill: -c backfill=false)' : ''),
        needed,
      );
    }
    warnIfConvertTimeoutTooShort(this, config);
    const routesJson = config.routesFile ? readRoutesFile(config.routesFile, props.routesBaseDir) : undefined;
    if (routesJson !== undefined) checkRoutes(routesJson, config.landingPrefix, config.routesFile);

    this.landing = new Landing(this, 'Landing', {
      landingPrefix: config.landingPrefix,
      errorsPrefix: config.errorsPrefix,
      spillPrefix: config.spillPrefix,
      backfillPrefix: config.backfillPrefix,
      ledgerPrefix: config.ledgerPrefix,
      ledgerRetention: Duration.days(config.ledgerRetentionDays),
      errorReportRetention: Duration.days(config.errorReportRetentionDays),
      landedVersionRetention:
        config.landedVersionRetentionDays > 0 ? Duration.days(config.landedVersionRetentionDays) : undefined,
      workFileRetention: Duration.days(config.workFileRetentionDays),
      kmsEncryption: config.landingEncryption === 'kms',
      visibilityTimeout: Duration.seconds(config.convertTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      maxReceiveCount: config.maxReceiveCount,
      retain: config.retainData,
    });
    this.commitQueue = new CommitQueue(this, 'CommitQueue', {
      visibilityTimeout: Duration.seconds(config.commitTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      maxReceiveCount: config.maxReceiveCount,
    });

    if (config.secretArn) {
      this.secret = COMPLETE_SECRET_ARN.test(config.secretArn)
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'PatSecret', config.secretArn)
        : secretsmanager.Secret.fromSecretPartialArn(this, 'PatSecret', config.secretArn);
    } else if (config.secretName) {
      this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'PatSecret', config.secretName);
    } else {
      // CloudFormation fills the new secret with a random placeholder: no value is ever in the
      // template. The operator puts the PAT with `aws secretsmanager put-secret-value`.
      this.secret = new secretsmanager.Secret(this, 'PatSecret', {
        description: `floe: credential for ${config.authType} against ${config.catalogUri} (put the Dremio PAT here)`,
        removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    }

    if (config.warehouseBucket) {
      this.warehouse = new WarehouseAccess(this, 'Warehouse', {
        bucket: config.warehouseBucket,
        accessLogs: this.landing.accessLogs,
        retain: config.retainData,
      });
    }

    const environment = handlerEnvironment(config, {
      secretArn: this.secret.secretArn,
      commitQueueUrl: this.commitQueue.queue.queueUrl,
      landingBucketName: this.landing.bucket.bucketName,
      routesJson,
    });
    const shared = {
      config,
      environment,
      landing: this.landing,
      commitQueue: this.commitQueue,
      secret: this.secret,
      warehouse: this.warehouse,
      code,
      logRetention: retention,
    };
    this.ingest = new IngestFunctions(this, 'Ingest', shared);
    this.backfill = config.backfill ? new Backfill(this, 'Backfill', shared) : undefined;
    this.maintenance = config.maintenance
      ? new Maintenance(this, 'Maintenance', {
          ...shared,
          ledgerPrefix: config.ledgerPrefix,
          schedule: scheduler.ScheduleExpression.expression(config.maintenanceSchedule),
          commitEventBusName: config.eventBusName,
        })
      : undefined;

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: {
        Convert: this.ingest.convert.function,
        Commit: this.ingest.commit.function,
        ...(this.backfill && {
          BackfillPlan: this.backfill.plan.function,
          BackfillConvert: this.backfill.convert.function,
          BackfillCommit: this.backfill.commit.function,
          BackfillReport: this.backfill.report.function,
        }),
      },
      queues: [
        { label: 'Landed', queue: this.landing.queue, deadLetterQueue: this.landing.deadLetterQueue },
        { label: 'Commits', queue: this.commitQueue.queue, deadLetterQueue: this.commitQueue.deadLetterQueue },
      ],
      stateMachine: this.backfill?.stateMachine.stateMachine,
      metricsNamespace: config.metricsNamespace,
      serviceName: config.serviceName,
      oldestMessageAlarmAge: Duration.seconds(config.oldestMessageAlarmSeconds),
      commitConflictAlarmPercent: config.commitConflictAlarmPercent,
      alarmTopic: config.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn) : undefined,
    });

    new CfnOutput(this, 'LandingBucketName', { value: this.landing.bucket.bucketName });
    new CfnOutput(this, 'LandingPrefix', { value: config.landingPrefix });
    new CfnOutput(this, 'SecretArn', { value: this.secret.secretArn });
    if (this.backfill) {
      new CfnOutput(this, 'BackfillStateMachineArn', {
        value: this.backfill.stateMachine.stateMachine.stateMachineArn,
      });
    }
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });

    applyNagSuppressions(this);
  }
}
