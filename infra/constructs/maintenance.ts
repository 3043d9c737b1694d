/**
 * Table maintenance on AWS (issue 13): an EventBridge Scheduler schedule starts the
 * "maintain" state machine, which keeps every table the way S3 Tables keeps its own:
 *
 * ```
 * PlanTables ─▶ Tables (Map over tables, a few at once)
 *                 └─ PlanCompaction ─▶ Groups (Map: CompactGroup, one Lambda task per group)
 *                                    ─▶ ExpireAndClean (expire snapshots, rewrite manifests, remove orphans)
 * ```
 *
 * A compaction group is sized to fit one Lambda (memory, 15 minutes); a failed group or table is
 * caught and reported in the execution output, and the next run tries again. Handlers:
 * functions/maintain.ts (`step`: plan-tables, plan-compaction, expire-and-clean) and
 * functions/maintain-compact.ts. The ledger markers the expiry writes live under
 * `ledgerPrefix` in the landing bucket, which expires them after the dedup window.
 *
 * Commit trigger: an EventBridge rule on `floe.TableCommitted` (docs/events.md) starts the same
 * state machine for the committed table with `{ tables: [t], trigger: "commit" }`; PlanTables then
 * keeps the table only if a partition holds more than the small-file threshold
 * (lib/ingest/maintain/compaction-trigger.ts), so most of these executions end after one step.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RETRYABLE_HANDLER_ERRORS } from './backfill-state-machine.js';
import { type FloeCodeMode, FloeFunction } from './floe-function.js';
import type { Landing } from './landing.js';
import type { WarehouseAccess } from './warehouse-bucket.js';

/** Props of {@link Maintenance}. */
export interface MaintenanceProps {
  readonly environment: Record<string, string>;
  readonly landing: Landing;
  readonly secret: secretsmanager.ISecret;
  readonly warehouse?: WarehouseAccess;
  readonly code: FloeCodeMode;
  readonly logRetention: logs.RetentionDays;
  /** Where the ingest-ledger markers live in the landing bucket. */
  readonly ledgerPrefix: string;
  /** When maintenance runs. @default every day at 03:00 UTC */
  readonly schedule?: scheduler.ScheduleExpression;
  /** Tables maintained at once. @default 4 */
  readonly tableConcurrency?: number;
  /** Compaction groups rewritten at once per table. @default 4 */
  readonly groupConcurrency?: number;
  /** Memory of the compaction function (MiB). @default 3008 */
  readonly compactMemoryMiB?: number;
  /** Bus the commit events go to; a rule there starts maintenance after commits. `off` or unset: no rule. */
  readonly commitEventBusName?: string;
}

/** The maintenance functions, state machine and schedule. */
export class Maintenance extends Construct {
  readonly maintain: FloeFunction;
  readonly compact: FloeFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly logGroup: logs.LogGroup;
  /** The `floe.TableCommitted` rule (absent when commit events are off). */
  readonly commitRule?: events.Rule;

  constructor(scope: Construct, id: string, props: MaintenanceProps) {
    super(scope, id);
    const common = { code: props.code, environment: props.environment, logRetention: props.logRetention };
    this.maintain = new FloeFunction(this, 'Maintain', {
      ...common,
      handler: 'maintain',
      description: 'plans table maintenance; expires snapshots, rewrites manifests, removes orphan files',
      memoryMiB: 1024,
      timeout: Duration.minutes(15),
    });
    this.compact = new FloeFunction(this, 'Compact', {
      ...common,
      handler: 'maintainCompact',
      description: 'rewrites one group of small data files as target-size files (a replace snapshot)',
      memoryMiB: props.compactMemoryMiB ?? 3008,
      timeout: Duration.minutes(15),
    });
    for (const fn of [this.maintain, this.compact]) {
      props.secret.grantRead(fn.role);
      props.warehouse?.grantReadWrite(fn.role);
      props.warehouse?.grantDelete(fn.role);
    }
    // Expiry records the ingest ids of the snapshots it removes before removing them.
    props.landing.grantReadPrefix(this.maintain.role, props.ledgerPrefix);
    props.landing.grantWritePrefix(this.maintain.role, props.ledgerPrefix);

    const invoke = (taskId: string, fn: FloeFunction, payload: Record<string, unknown>, resultPath?: string) => {
      const task = new tasks.LambdaInvoke(this, taskId, {
        lambdaFunction: fn.function,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject(payload),
        resultPath,
      });
      task.addRetry({
        errors: ['Lambda.TooManyRequestsException', ...RETRYABLE_HANDLER_ERRORS],
        interval: Duration.seconds(2),
        maxAttempts: 4,
        backoffRate: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const planTables = invoke(
      'PlanTables',
      this.maintain,
      // The execution input: `{}` for every table, or `{ "tables": ["ns.t", …] }`.
      { step: 'plan-tables', 'request.$': '$' },
      '$.plan',
    );
    const planCompaction = invoke(
      'PlanCompaction',
      this.maintain,
      { step: 'plan-compaction', 'table.$': '$.table' },
      '$.compaction',
    );
    const compactGroup = invoke('CompactGroup', this.compact, { 'group.$': '$' });
    // A failed group is reported, not fatal: the rest of the table and the other tables go on.
    const groupFailed = new sfn.Pass(this, 'GroupFailed');
    compactGroup.addCatch(groupFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const groups = new sfn.Map(this, 'Groups', {
      itemsPath: '$.compaction.groups',
      maxConcurrency: props.groupConcurrency ?? 4,
      resultPath: '$.compacted',
    }).itemProcessor(compactGroup);
    const expireAndClean = invoke(
      'ExpireAndClean',
      this.maintain,
      { step: 'expire-and-clean', 'table.$': '$.table' },
      '$.cleaned',
    );
    const perTable = planCompaction.next(groups).next(expireAndClean);
    const tableFailed = new sfn.Pass(this, 'TableFailed');
    const tableChain = new sfn.Parallel(this, 'MaintainTable', { outputPath: '$[0]' }).branch(perTable);
    tableChain.addCatch(tableFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const tables = new sfn.Map(this, 'Tables', {
      itemsPath: '$.plan.tables',
      maxConcurrency: props.tableConcurrency ?? 4,
      resultPath: '$.tables',
    }).itemProcessor(tableChain);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(planTables.next(tables).next(new sfn.Succeed(this, 'Done'))),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'floe maintain: per table compact small files, expire snapshots, rewrite manifests, remove orphans',
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: props.schedule ?? scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
      }),
      description: 'floe: daily table maintenance',
    });

    if (props.commitEventBusName !== undefined && props.commitEventBusName !== 'off') {
      this.commitRule = new events.Rule(this, 'CommitRule', {
        eventBus: events.EventBus.fromEventBusName(this, 'CommitBus', props.commitEventBusName),
        description: 'floe: maintain a table after a commit when a partition holds too many small files',
        eventPattern: {
          source: ['floe'],
          detailType: ['floe.TableCommitted'],
          // Compaction's own replace snapshots must not trigger another run.
          detail: { operation: events.Match.anythingBut('replace') },
        },
      });
      this.commitRule.addTarget(
        new eventTargets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({
            tables: [events.EventField.fromPath('$.detail.table')],
            trigger: 'commit',
          }),
          retryAttempts: 4,
        }),
      );
    }
  }
}
