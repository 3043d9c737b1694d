/**
 * The backfill state machine (issue 8):
 *
 * ```
 * Plan ─▶ Backfill (Distributed Map over the plan's manifest of chunks, N chunks per child)
 *            └─ child: ConvertChunks (inline Map: backfill-convert per chunk) ─▶ CommitBatch (backfill-commit)
 *        ─▶ Report ─▶ Done                 (Map failed ─▶ ReportFailure ─▶ BackfillFailed)
 * ```
 *
 * Data contract with the handlers (all payloads small; large data goes through S3):
 * - execution input → Plan, verbatim, e.g. `{ "table": "ns.t", "source": "s3://b/landing/2024/",
 *   "mode": "append" }`; Plan returns `{ "backfillId", "manifestKey", ... }` (the manifest is a JSON
 *   array of chunk objects written to the landing bucket) and lands at `$.plan`.
 * - ConvertChunks item → backfill-convert: `{ "chunk": <manifest item>, "plan": <$.plan> }`.
 * - CommitBatch → backfill-commit: `{ "plan": <$.plan>, "converted": [<convert results>] }`;
 *   one commit per child bounds the files per snapshot by chunk size × chunksPerCommit.
 * - Report → backfill-report: `{ "status": "SUCCEEDED", "plan", "mapRun": { "ResultWriterDetails": { "Bucket", "Key" } } }`
 *   or `{ "status": "FAILED", "plan", "error": { "Error", "Cause" } }`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** Errors a floe handler throws when trying again may succeed (see lib/catalog error classes). */
export const RETRYABLE_HANDLER_ERRORS = ['CommitConflictError', 'CommitStateUnknownError', 'TransientError'];

/** Lambda service errors worth retrying; CDK's default retry covers the rest of the service errors. */
const THROTTLING_ERRORS = ['Lambda.TooManyRequestsException'];

/** Props of {@link BackfillStateMachine}. */
export interface BackfillStateMachineProps {
  readonly plan: lambda.IFunction;
  readonly convert: lambda.IFunction;
  readonly commit: lambda.IFunction;
  readonly report: lambda.IFunction;
  /** Holds the plan manifests and receives the Map Run results. */
  readonly bucket: s3.IBucket;
  /** Prefix of backfill artifacts in `bucket`, ending in "/". */
  readonly backfillPrefix: string;
  /** The bucket's KMS key (SSE-KMS): the Map reads the manifest and writes results with it. */
  readonly bucketKey?: kms.IKey;
  /** Child executions at once. @default 20 */
  readonly maxConcurrency?: number;
  /** Failed children tolerated before the Map Run fails. @default 0 */
  readonly toleratedFailurePercentage?: number;
  /** Chunks per child execution, converted in parallel then committed once. @default 4 */
  readonly chunksPerCommit?: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * CDK grants a Distributed Map's ItemReader and ResultWriter on every object of the bucket; the
 * manifest and the results always lie under the backfill prefix, and anything the role could
 * write under the landing prefix would be ingested, so both are scoped to that prefix.
 */
class PrefixJsonItemReader extends sfn.S3JsonItemReader {
  constructor(
    props: sfn.S3FileItemReaderProps,
    private readonly objects: string,
  ) {
    super(props);
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.objects] })];
  }
}

class PrefixResultWriter extends sfn.ResultWriterV2 {
  constructor(
    props: sfn.ResultWriterV2Props,
    private readonly objects: string,
  ) {
    super(props);
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.objects],
      }),
    ];
  }
}

/** Retries with exponential backoff and full jitter, so parallel children do not retry in lockstep. */
function retryTransient(task: tasks.LambdaInvoke, errors: string[], maxAttempts: number): tasks.LambdaInvoke {
  task.addRetry({
    errors,
    interval: Duration.seconds(2),
    maxAttempts,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/** Plan → Distributed Map (convert chunks, commit per batch) → report, logged and traced. */
export class BackfillStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BackfillStateMachineProps) {
    super(scope, id);
    const chunksPerCommit = props.chunksPerCommit ?? 4;
    const backfillObjects = props.bucket.arnForObjects(`${props.backfillPrefix}*`);

    const plan = retryTransient(
      new tasks.LambdaInvoke(this, 'Plan', {
        lambdaFunction: props.plan,
        payloadResponseOnly: true,
        resultPath: '$.plan',
      }),
      THROTTLING_ERRORS,
      6,
    );

    const convert = retryTransient(
      new tasks.LambdaInvoke(this, 'ConvertChunk', {
        lambdaFunction: props.convert,
        payloadResponseOnly: true,
      }),
      [...THROTTLING_ERRORS, ...RETRYABLE_HANDLER_ERRORS],
      6,
    );
    const convertChunks = new sfn.Map(this, 'ConvertChunks', {
      itemsPath: '$.Items',
      itemSelector: {
        chunk: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
        plan: sfn.JsonPath.objectAt('$.BatchInput.plan'),
      },
      maxConcurrency: chunksPerCommit,
      resultPath: '$.converted',
    }).itemProcessor(convert);

    const commit = retryTransient(
      new tasks.LambdaInvoke(this, 'CommitBatch', {
        lambdaFunction: props.commit,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject({
          plan: sfn.JsonPath.objectAt('$.BatchInput.plan'),
          converted: sfn.JsonPath.objectAt('$.converted'),
        }),
      }),
      // Conflicts with live commits to the same table are expected; give them more room.
      [...THROTTLING_ERRORS, ...RETRYABLE_HANDLER_ERRORS],
      10,
    );

    const backfill = new sfn.DistributedMap(this, 'Backfill', {
      label: 'Backfill',
      itemReader: new PrefixJsonItemReader(
        { bucket: props.bucket, key: sfn.JsonPath.stringAt('$.plan.manifestKey') },
        backfillObjects,
      ),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: chunksPerCommit,
        // CDK renders BatchInput verbatim (no JsonPath handling), so the ".$" key is spelled out.
        batchInput: { 'plan.$': '$.plan' },
      }),
      maxConcurrency: props.maxConcurrency ?? 20,
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? 0,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultWriterV2: new PrefixResultWriter(
        { bucket: props.bucket, prefix: `${props.backfillPrefix}results` },
        backfillObjects,
      ),
      resultPath: '$.mapRun',
    });
    backfill.itemProcessor(convertChunks.next(commit));

    const reportTask = (taskId: string, payload: Record<string, unknown>) =>
      retryTransient(
        new tasks.LambdaInvoke(this, taskId, {
          lambdaFunction: props.report,
          payloadResponseOnly: true,
          payload: sfn.TaskInput.fromObject(payload),
          resultPath: '$.report',
        }),
        THROTTLING_ERRORS,
        6,
      );
    const report = reportTask('Report', {
      status: 'SUCCEEDED',
      plan: sfn.JsonPath.objectAt('$.plan'),
      mapRun: sfn.JsonPath.objectAt('$.mapRun'),
    });
    const reportFailure = reportTask('ReportFailure', {
      status: 'FAILED',
      plan: sfn.JsonPath.objectAt('$.plan'),
      error: sfn.JsonPath.objectAt('$.error'),
    });
    backfill.addCatch(reportFailure, { errors: ['States.ALL'], resultPath: '$.error' });

    const definition = plan.next(backfill).next(report).next(new sfn.Succeed(this, 'Done'));
    reportFailure.next(
      new sfn.Fail(this, 'BackfillFailed', { error: 'BackfillFailed', cause: 'the Map Run failed; see the report' }),
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'floe backfill: plan, convert chunks in parallel, commit in batches, report',
    });
    // SSE-KMS: reading the manifest and writing the Map Run results both need the bucket key.
    if (props.bucketKey) {
      iam.Grant.addToPrincipal({
        grantee: this.stateMachine,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resourceArns: [props.bucketKey.keyArn],
      });
    }
  }
}
