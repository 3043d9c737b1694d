/**
 * cdk-nag (v3, AwsSolutions) findings floe accepts, each with the reason it is acceptable.
 *
 * cdk-nag v3 acknowledges individual findings (`AwsSolutions-IAM5[Resource::…]`) on constructs
 * through `Validations.of(construct).acknowledge`. Finding ids embed logical ids and, for
 * env-agnostic stacks, unresolved tokens, so floe states each acceptance as a pattern over the
 * finding id and the construct path, runs the checks once, and acknowledges exactly the findings
 * that match. A finding that matches nothing stays an error and fails `cdk synth`.
 */
import { type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One accepted kind of finding: which rule ids, on which constructs, and why. */
export interface NagAcceptance {
  /** Matches the finding id, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly finding: RegExp;
  /** Matches the violating construct's path below the stack, e.g. `Ingest/Convert/Role/DefaultPolicy/Resource`. */
  readonly path: RegExp;
  readonly reason: string;
}

/** The findings floe accepts. */
export const FLOE_NAG_ACCEPTANCES: readonly NagAcceptance[] = [
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\]$/,
    path: /^BucketNotificationsHandler[0-9a-f]+\/Role\/Resource$/,
    reason:
      "CDK's built-in S3 bucket-notifications custom resource: it runs once per deployment to attach the landing→SQS notification, and CDK owns its role.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /^BucketNotificationsHandler[0-9a-f]+\/Role\/DefaultPolicy\/Resource$/,
    reason:
      "CDK's bucket-notifications custom resource needs s3:PutBucketNotification; CDK's singleton handler grants it without a resource scope and runs only at deploy time.",
  },
  {
    finding: /^AwsSolutions-SMG4$/,
    path: /^PatSecret\/Resource$/,
    reason:
      'The secret holds a Dremio personal access token (or an OAuth client secret) issued by the identity provider; Secrets Manager cannot rotate it. Operators replace it with put-secret-value (docs/deploy.md).',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::<LandingBucket[0-9A-F]+\.Arn>\/[^*]*\*\]$/,
    path: /^(Ingest|Backfill|Maintenance)\/[A-Za-z]+\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'Object-level S3 access limited to one floe prefix of the landing bucket (landing, error reports, spilled commit requests, backfill work files or ingest-ledger markers); object keys are not known at deploy time.',
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::(<Warehouse[A-Za-z0-9]+\.Arn>|arn:(<AWS::Partition>|aws[a-z-]*):s3:::[a-z0-9.-]+)\/\*\]$/,
    path: /^(Ingest|Backfill|Maintenance)\/[A-Za-z]+\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'Table files in the warehouse bucket (for catalogs that do not vend credentials); the catalog chooses the keys, so access is granted on the bucket objects, with explicit actions (delete only for the maintenance functions, which expire and remove unreferenced files).',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::<Backfill[A-Za-z]+Function[0-9A-F]+\.Arn>:\*\]$/,
    path: /^Backfill\/StateMachine\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'The backfill state machine invokes its own four functions; the CDK LambdaInvoke grant also covers their versions and aliases (<function ARN>:*).',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::<LandingBucket[0-9A-F]+\.Arn>\/[^*]*\*\]$/,
    path: /^Backfill\/StateMachine\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      "The Distributed Map's ItemReader reads the plan manifest and its ResultWriter writes Map Run results, both under the backfill prefix only (never under the landing prefix, where a write would be ingested); their keys are chosen per execution.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /^(Ingest|Backfill|Maintenance)\/(?!StateMachine\/)[A-Za-z]+\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'Only with tracing=true: X-Ray active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level permissions.',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /^Backfill\/StateMachine\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs delivery (logs:CreateLogDelivery etc.) do not support resource-level permissions.',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::arn:.*:states:.*:execution:.*:\*\]$/,
    path: /^Backfill\/StateMachine\/StateMachine\/DistributedMapPolicy\/Resource$/,
    reason:
      "A Distributed Map starts, describes and stops child executions of its own state machine; their ARNs are generated at run time under the state machine's execution ARN.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::<Maintenance[A-Za-z]+Function[0-9A-F]+\.Arn>:\*\]$/,
    path: /^Maintenance\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'The maintenance state machine invokes its own two functions; the CDK LambdaInvoke grant also covers their versions and aliases (<function ARN>:*).',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /^Maintenance\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs delivery (logs:CreateLogDelivery etc.) do not support resource-level permissions.',
  },
];

/** Runs AwsSolutionsChecks on `stack` and acknowledges the findings listed in `acceptances`. */
export function applyNagSuppressions(stack: Stack, acceptances: readonly NagAcceptance[] = FLOE_NAG_ACCEPTANCES): void {
  const byPath = new Map<string, IConstruct>(stack.node.findAll().map((c) => [c.node.path, c]));
  const report = new AwsSolutionsChecks(undefined, { verbose: false }).validateScope(stack);
  const stackPrefix = `${stack.node.path}/`;
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const path = resource.constructPath ?? '';
      const relative = path.startsWith(stackPrefix) ? path.slice(stackPrefix.length) : path;
      const acceptance = acceptances.find((a) => a.finding.test(violation.ruleName) && a.path.test(relative));
      const construct = byPath.get(path);
      if (acceptance && construct) {
        Validations.of(construct).acknowledge({ id: violation.ruleName, reason: acceptance.reason });
      }
    }
  }
}
