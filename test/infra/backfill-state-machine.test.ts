import aslValidator from 'asl-validator';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { inlineResultBytes } from '../../infra/constructs/backfill.js';
import { synthFloeStack } from './stack-fixture.js';

/**
 * Turns the template's DefinitionString (an Fn::Join of strings, Refs and GetAtts) into the JSON
 * Step Functions would receive, with placeholder ARNs and names.
 */
function resolveDefinition(definition: unknown): unknown {
  const resolvePart = (part: any): string => {
    if (typeof part === 'string') return part;
    if (part.Ref === 'AWS::Partition') return 'aws';
    if (part.Ref === 'AWS::Region') return 'us-east-1';
    if (part.Ref === 'AWS::AccountId') return '123456789012';
    if (part.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
    if (typeof part.Ref === 'string') return `ref-${part.Ref.toLowerCase()}`;
    if (part['Fn::GetAtt']?.[1] === 'Arn')
      return `arn:aws:lambda:us-east-1:123456789012:function:${part['Fn::GetAtt'][0]}`;
    throw new Error(`unexpected token in definition: ${JSON.stringify(part)}`);
  };
  const join = (definition as any)['Fn::Join'];
  const text = join ? (join[1] as unknown[]).map(resolvePart).join(join[0]) : (definition as string);
  return JSON.parse(text);
}

describe('backfill state machine', () => {
  let asl: any;
  let template: Template;

  beforeAll(() => {
    ({ template } = synthFloeStack({
      backfillMaxConcurrency: 7,
      backfillToleratedFailurePercentage: 5,
      backfillChunksPerCommit: 3,
    }));
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    asl = resolveDefinition(machine!.Properties.DefinitionString);
  });

  it('is valid Amazon States Language (asl-validator)', () => {
    const { isValid, errorsText } = aslValidator(asl);
    expect(isValid, errorsText()).toBe(true);
    // The validator does reject a broken graph: a transition to a state that does not exist.
    const broken = structuredClone(asl);
    broken.States.Plan.Next = 'Nowhere';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('runs Plan, then the Distributed Map, then the report', () => {
    expect(asl.StartAt).toBe('Plan');
    expect(asl.States.Plan).toMatchObject({ Type: 'Task', ResultPath: '$.plan', Next: 'Backfill' });
    expect(asl.States.Backfill.Next).toBe('Report');
    expect(asl.States.Report).toMatchObject({ Type: 'Task', Next: 'Done' });
    // payloadResponseOnly: the task's Resource is the function and its Parameters are the payload.
    expect(asl.States.Report.Resource).toMatch(/function:BackfillReportFunction/);
    expect(asl.States.Report.Parameters).toEqual({ status: 'SUCCEEDED', 'plan.$': '$.plan', 'mapRun.$': '$.mapRun' });
    expect(asl.States.ReportFailure.Parameters).toEqual({ status: 'FAILED', 'plan.$': '$.plan', 'error.$': '$.error' });
    expect(asl.States.Backfill.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReportFailure' },
    ]);
    expect(asl.States.ReportFailure.Next).toBe('BackfillFailed');
    expect(asl.States.BackfillFailed.Type).toBe('Fail');
  });

  it('reads items from the plan manifest, batches them, bounds concurrency and failures, and writes results to S3', () => {
    const map = asl.States.Backfill;
    expect(map.Type).toBe('Map');
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: expect.stringMatching(/^ref-landingbucket/), 'Key.$': '$.plan.manifestKey' },
    });
    expect(map.ItemBatcher).toEqual({ MaxItemsPerBatch: 3, BatchInput: { 'plan.$': '$.plan' } });
    expect(map.MaxConcurrency).toBe(7);
    expect(map.ToleratedFailurePercentage).toBe(5);
    expect(map.ResultWriter).toMatchObject({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: expect.stringMatching(/^ref-landingbucket/), Prefix: '_floe/backfill/results' },
    });
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  });

  it('converts each chunk of a batch with the convert Lambda, then commits the batch once', () => {
    const child = asl.States.Backfill.ItemProcessor;
    expect(child.StartAt).toBe('ConvertChunks');
    const convertChunks = child.States.ConvertChunks;
    expect(convertChunks).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.Items',
      MaxConcurrency: 3,
      ResultPath: '$.converted',
      Next: 'CommitBatch',
    });
    expect(convertChunks.ItemSelector).toEqual({ 'chunk.$': '$$.Map.Item.Value', 'plan.$': '$.BatchInput.plan' });
    const convert = convertChunks.ItemProcessor.States.ConvertChunk;
    expect(convert.Resource).toMatch(/function:BackfillConvertFunction/);
    const commit = child.States.CommitBatch;
    expect(commit.Resource).toMatch(/function:BackfillCommitFunction/);
    expect(commit.Parameters).toEqual({ 'plan.$': '$.BatchInput.plan', 'converted.$': '$.converted' });
    expect(commit.End).toBe(true);
  });

  it('retries transient errors with exponential backoff and jitter on every task', () => {
    const child = asl.States.Backfill.ItemProcessor;
    const tasks = [
      asl.States.Plan,
      asl.States.Report,
      asl.States.ReportFailure,
      child.States.CommitBatch,
      child.States.ConvertChunks.ItemProcessor.States.ConvertChunk,
    ];
    for (const task of tasks) {
      const retriers = task.Retry as any[];
      expect(retriers.some((r) => r.ErrorEquals.includes('Lambda.ServiceException') && r.BackoffRate === 2)).toBe(true);
      expect(retriers).toContainEqual(
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException']),
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        }),
      );
    }
    expect(child.States.CommitBatch.Retry).toContainEqual(
      expect.objectContaining({
        ErrorEquals: expect.arrayContaining(['CommitConflictError', 'CommitStateUnknownError']),
        MaxAttempts: 10,
      }),
    );
  });

  it("keeps the converted results CommitBatch receives under Step Functions' 256 KiB input limit", () => {
    const convert = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('BackfillConvertFunction'),
    )?.[1];
    // 3 chunks per commit: each result gets a third of 200 KiB inline, the rest spills to S3.
    expect(convert?.Properties.Environment.Variables.FLOE_BACKFILL_INLINE_BYTES).toBe(String(Math.floor(204800 / 3)));
    for (const chunksPerCommit of [1, 4, 7, 1000]) {
      expect(inlineResultBytes(chunksPerCommit) * chunksPerCommit).toBeLessThanOrEqual(200 * 1024);
    }
    expect(inlineResultBytes(1)).toBe(200 * 1024);
  });
});
