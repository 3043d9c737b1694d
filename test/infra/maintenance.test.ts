/**
 * The maintenance state machine and its schedule (issue 13): valid ASL, a Map over tables with a
 * Map over compaction groups inside, failures caught per group and per table, the Scheduler
 * starting it, least-privilege grants on the ledger prefix, and the ledger lifecycle rule.
 */
import aslValidator from 'asl-validator';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthFloeStack } from './stack-fixture.js';

function resolveDefinition(definition: unknown): any {
  const resolvePart = (part: any): string => {
    if (typeof part === 'string') return part;
    if (typeof part.Ref === 'string') return `ref-${part.Ref.toLowerCase()}`;
    if (part['Fn::GetAtt']?.[1] === 'Arn')
      return `arn:aws:lambda:us-east-1:123456789012:function:${part['Fn::GetAtt'][0]}`;
    throw new Error(`unexpected token in definition: ${JSON.stringify(part)}`);
  };
  const join = (definition as any)['Fn::Join'];
  return JSON.parse(join ? (join[1] as unknown[]).map(resolvePart).join(join[0]) : (definition as string));
}

describe('maintenance state machine', () => {
  let template: Template;
  let asl: any;
  beforeAll(() => {
    ({ template } = synthFloeStack({ maintenanceSchedule: 'rate(6 hours)' }));
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const [key] = Object.keys(machines).filter((k) => k.startsWith('Maintenance'));
    asl = resolveDefinition(machines[key as string]?.Properties.DefinitionString);
  });

  it('is valid ASL: plan tables, then per table plan compaction, compact groups, expire and clean', () => {
    const { isValid, errorsText } = aslValidator(asl);
    expect(isValid, errorsText()).toBe(true);
    expect(asl.StartAt).toBe('PlanTables');
    expect(asl.States.PlanTables.Parameters).toEqual({ step: 'plan-tables', 'request.$': '$' });
    const perTable = asl.States.Tables.ItemProcessor.States.MaintainTable;
    expect(perTable.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'TableFailed' });
    const branch = perTable.Branches[0];
    expect(branch.StartAt).toBe('PlanCompaction');
    expect(branch.States.PlanCompaction.Next).toBe('Groups');
    expect(branch.States.Groups).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.compaction.groups',
      Next: 'ExpireAndClean',
    });
    const compact = branch.States.Groups.ItemProcessor.States.CompactGroup;
    expect(compact.Resource).toMatch(/function:MaintenanceCompact/);
    expect(compact.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'GroupFailed' });
    expect(compact.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).toContain('CommitConflictError');
    expect(branch.States.ExpireAndClean.Parameters).toEqual({ step: 'expire-and-clean', 'table.$': '$.table' });
  });

  it('is started by an EventBridge Scheduler schedule', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
      Target: Match.objectLike({ Arn: Match.objectLike({ Ref: Match.stringLikeRegexp('^MaintenanceStateMachine') }) }),
    });
  });

  it('gives the commit and maintain functions the ledger prefix, and expires markers with a lifecycle rule', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-ingest-ledger', Prefix: '_floe/ledger/', ExpirationInDays: 8 }),
        ]),
      },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toMatch(/_floe\/ledger\/\*/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FLOE_LEDGER_PREFIX: '_floe/ledger/' }) },
    });
  });

  it('is left out with maintenance=false', () => {
    const { template: without } = synthFloeStack({ maintenance: false });
    expect(Object.keys(without.findResources('AWS::Scheduler::Schedule'))).toHaveLength(0);
  });
});

describe('maintenance after commits', () => {
  it('an EventBridge rule on floe.TableCommitted starts the state machine for the committed table', () => {
    const { template } = synthFloeStack({ maintenanceSchedule: 'rate(6 hours)' });
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['floe.TableCommitted'] } },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0] as any;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['floe'],
      'detail-type': ['floe.TableCommitted'],
      detail: { operation: [{ 'anything-but': ['replace'] }] },
    });
    expect(rule.Properties.EventBusName).toBe('default');
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ Ref: expect.stringMatching(/^MaintenanceStateMachine/) });
    expect(target.InputTransformer.InputPathsMap).toEqual({ 'detail-table': '$.detail.table' });
    expect(JSON.parse(target.InputTransformer.InputTemplate.replace('<detail-table>', '"sales.orders"'))).toEqual({
      tables: ['sales.orders'],
      trigger: 'commit',
    });
    // The rule's role may start executions of this state machine only.
    const roleId = target.RoleArn['Fn::GetAtt'][0];
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies)
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: target.Arn })]);
  });

  it('has no commit rule when commit events are off', () => {
    const { template } = synthFloeStack({ eventBusName: 'off' });
    expect(
      Object.keys(
        template.findResources('AWS::Events::Rule', {
          Properties: { EventPattern: { 'detail-type': ['floe.TableCommitted'] } },
        }),
      ),
    ).toHaveLength(0);
  });
});
