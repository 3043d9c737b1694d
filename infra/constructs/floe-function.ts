/**
 * One floe Lambda handler: an esbuild-bundled NodejsFunction (arm64, current Node runtime,
 * ESM with parquet-wasm's wasm shipped alongside), its own log group with retention, and its own
 * role whose only built-in permission is writing to that log group (no AWS managed policy).
 */
import { type Duration, RemovalPolicy, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  afterBundlingCommands,
  HANDLER_ESBUILD,
  type HandlerName,
  handlerEntryPath,
  PROJECT_ROOT,
} from '../handler-bundle.js';

/** The Lambda runtime of every floe function: the newest Node LTS Lambda offers (cdk-nag AwsSolutions-L1). */
export const FLOE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * How function code is produced.
 * - `bundle`: esbuild the handler entry (what `cdk synth`/`cdk deploy` use).
 * - `stub`: a one-line inline handler, for fast unit tests that only look at the template.
 */
export type FloeCodeMode = 'bundle' | 'stub';

/** Props of {@link FloeFunction}. */
export interface FloeFunctionProps {
  /** Which handler of functions/ to deploy. */
  readonly handler: HandlerName;
  /** Entry file; @default functions/<handler>.ts under the project root */
  readonly entry?: string;
  /** Project root for bundling (node_modules, lock file). @default the repository root */
  readonly projectRoot?: string;
  /** @default 'bundle' */
  readonly code?: FloeCodeMode;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  /** /tmp size. @default 512 MiB */
  readonly ephemeralStorage?: Size;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly description: string;
  /** @default RemovalPolicy.DESTROY for the log group */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** A floe handler with its log group and least-privilege role; grant further access on `role`. */
export class FloeFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FloeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `floe ${props.handler}: ${props.description}`,
    });
    // Only this function's log group; the managed AWSLambdaBasicExecutionRole would allow all groups.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const common = {
      runtime: FLOE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      ephemeralStorageSize: props.ephemeralStorage,
      environment: props.environment,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // Follows FLOE_TRACING, so the handler's Tracer and the function's X-Ray mode always agree
      // (CDK then grants xray:PutTraceSegments/PutTelemetryRecords, which take no resource).
      tracing: props.environment.FLOE_TRACING === 'true' ? lambda.Tracing.ACTIVE : undefined,
      description: props.description,
    } satisfies Partial<lambda.FunctionProps>;

    if ((props.code ?? 'bundle') === 'stub') {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
      });
    } else {
      const projectRoot = props.projectRoot ?? PROJECT_ROOT;
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        entry: props.entry ?? handlerEntryPath(props.handler, projectRoot),
        handler: 'handler',
        projectRoot,
        depsLockFilePath: `${projectRoot}/package-lock.json`,
        bundling: {
          format: OutputFormat.ESM,
          target: HANDLER_ESBUILD.target,
          minify: HANDLER_ESBUILD.minify,
          keepNames: HANDLER_ESBUILD.keepNames,
          sourceMap: HANDLER_ESBUILD.sourcemap,
          mainFields: [...HANDLER_ESBUILD.mainFields],
          banner: HANDLER_ESBUILD.banner,
          bundleAwsSDK: true,
          externalModules: [...HANDLER_ESBUILD.external],
          forceDockerBundling: false,
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: afterBundlingCommands,
          },
        },
      });
    }
  }
}
