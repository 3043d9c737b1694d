/**
 * floe's alarms and dashboard. Alarms: any message in a DLQ, any function error, a queue whose
 * oldest message is too old, a commit conflict rate above a threshold, a failed backfill.
 * The dashboard shows files, rows, latency and errors.
 *
 * The handlers emit EMF metrics with Powertools Metrics: namespace POWERTOOLS_METRICS_NAMESPACE,
 * the single default dimension `service` = POWERTOOLS_SERVICE_NAME, and the names in
 * {@link FLOE_METRICS}. Metrics emitted with other dimensions are not seen by these alarms.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/**
 * EMF metric names the handlers emit: the same names as `METRIC` in functions/observability.ts
 * (infra does not import handler code; test/infra/monitoring.test.ts keeps the two in step).
 */
export const FLOE_METRICS = {
  /** Landed files converted and queued for commit (Count). */
  filesIngested: 'FilesIngested',
  /** Landed files rejected with an error report (Count). */
  filesRejected: 'FilesRejected',
  /** Rows written to data files (Count). */
  rowsIngested: 'RowsIngested',
  /** Bytes of landed objects read (Bytes). */
  bytesIngested: 'BytesIngested',
  /** Snapshots committed (Count). */
  commits: 'Commits',
  /** Commit attempts answered 409 by the catalog (Count). */
  commitConflicts: 'CommitConflicts',
  /** Landed-to-committed latency (Milliseconds). */
  landingToCommitLatency: 'LandingToCommitLatency',
  /** Convert records that failed and will be retried (Count); partial batch responses hide them from Errors. */
  recordFailures: 'RecordFailures',
  /** Objects outside the landing prefix or matching no route (Count). */
  filesUnrouted: 'FilesUnrouted',
} as const;

/** A queue watched for depth and age. */
export interface WatchedQueue {
  readonly label: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

/** Props of {@link Monitoring}. */
export interface MonitoringProps {
  readonly functions: Record<string, lambda.IFunction>;
  readonly queues: WatchedQueue[];
  readonly stateMachine?: sfn.IStateMachine;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly oldestMessageAlarmAge: Duration;
  readonly commitConflictAlarmPercent: number;
  /** Receives every alarm's ALARM transition. @default none */
  readonly alarmTopic?: sns.ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);

/** CloudWatch alarms and the `floe` dashboard. */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const floeMetric = (metricName: string, statistic = 'Sum', label?: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic,
        period: FIVE_MINUTES,
        label,
      });
    const alarm = (
      alarmId: string,
      description: string,
      options: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric },
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      if (props.alarmTopic) created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(created);
      return created;
    };

    for (const { label, queue, deadLetterQueue } of props.queues) {
      alarm(`${label}DlqDepth`, `floe: messages in the ${label} DLQ (failed after retries); inspect and redrive`, {
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${label}OldestMessage`, `floe: the oldest ${label} message waits longer than expected`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: props.oldestMessageAlarmAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
      });
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, `floe: the ${name} function failed (errors, timeouts or out-of-memory)`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // With partial batch responses a failed record is not a function error: count it instead.
    alarm('ConvertRecordFailures', 'floe: convert records failed and are being retried (see the convert log)', {
      metric: floeMetric(FLOE_METRICS.recordFailures),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    const commits = floeMetric(FLOE_METRICS.commits);
    const conflicts = floeMetric(FLOE_METRICS.commitConflicts);
    // Attempts = successful commits + conflicts; the rate is the share of attempts that lost the race.
    const conflictRate = new cloudwatch.MathExpression({
      expression: 'IF((c + k) > 0, 100 * k / (c + k), 0)',
      usingMetrics: { c: commits, k: conflicts },
      period: FIVE_MINUTES,
      label: 'commit conflict rate (%)',
    });
    alarm('CommitConflictRate', 'floe: many commits conflict with other writers (optimistic retries are piling up)', {
      metric: conflictRate,
      threshold: props.commitConflictAlarmPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    if (props.stateMachine) {
      alarm('BackfillFailed', 'floe: a backfill execution failed, timed out or was aborted', {
        metric: new cloudwatch.MathExpression({
          expression: 'f + t + a',
          usingMetrics: {
            f: props.stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
            t: props.stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' }),
            a: props.stateMachine.metricAborted({ period: FIVE_MINUTES, statistic: 'Sum' }),
          },
          period: FIVE_MINUTES,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    const fns = Object.entries(props.functions);
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph('Files', [
            floeMetric(FLOE_METRICS.filesIngested, 'Sum', 'ingested'),
            floeMetric(FLOE_METRICS.filesRejected, 'Sum', 'rejected'),
            floeMetric(FLOE_METRICS.filesUnrouted, 'Sum', 'unrouted'),
            floeMetric(FLOE_METRICS.recordFailures, 'Sum', 'failed (retried)'),
          ]),
          graph('Rows and bytes', [
            floeMetric(FLOE_METRICS.rowsIngested, 'Sum', 'rows'),
            floeMetric(FLOE_METRICS.bytesIngested, 'Sum', 'bytes'),
          ]),
          graph('Commits', [commits.with({ label: 'snapshots' }), conflicts.with({ label: 'conflicts' })]),
        ],
        [
          graph('Latency', [
            floeMetric(FLOE_METRICS.landingToCommitLatency, 'p50', 'landed→committed p50 (ms)'),
            floeMetric(FLOE_METRICS.landingToCommitLatency, 'p99', 'landed→committed p99 (ms)'),
            ...fns.map(([name, fn]) =>
              fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES, label: `${name} p99 (ms)` }),
            ),
          ]),
          graph('Errors', [
            ...fns.map(([name, fn]) => fn.metricErrors({ period: FIVE_MINUTES, label: `${name} errors` })),
            ...fns.map(([name, fn]) => fn.metricThrottles({ period: FIVE_MINUTES, label: `${name} throttles` })),
          ]),
          graph(
            'Queues',
            props.queues.flatMap(({ label, queue, deadLetterQueue }) => [
              queue.metricApproximateNumberOfMessagesVisible({ label: `${label} depth`, period: FIVE_MINUTES }),
              deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${label} DLQ`, period: FIVE_MINUTES }),
              queue.metricApproximateAgeOfOldestMessage({ label: `${label} oldest (s)`, period: FIVE_MINUTES }),
            ]),
          ),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 })],
      ],
    });
  }
}
