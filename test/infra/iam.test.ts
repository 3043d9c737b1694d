/**
 * Issue #11: what each role may do, in both landing encryption modes, and the settings that
 * are checked at synth. Statements are read from the synthesized template.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { synthFloeStack } from './stack-fixture.js';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** The statements of the role whose description starts with `floe <handler>:` (or a role id prefix). */
function statementsOf(template: Template, role: { handler?: string; idPrefix?: string }): Statement[] {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id, r]) =>
    role.handler ? (r.Properties.Description ?? '').startsWith(`floe ${role.handler}:`) : id.startsWith(role.idPrefix!),
  );
  expect(roles, JSON.stringify(role)).toHaveLength(1);
  const roleId = roles[0]![0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
/** The object-key pattern of an S3 resource (`_floe/backfill/*`), or `bucket` for the bucket itself. */
const keyPattern = (resource: unknown) => {
  const text = JSON.stringify(resource);
  return /\.Arn"\]\},"\/([^"]*)"/.exec(text)?.[1] ?? /"\/([^"]*)"\]\]\}$/.exec(text)?.[1] ?? 'bucket';
};

describe.each([
  ['s3', {}],
  ['kms', { landingEncryption: 'kms' }],
] as const)('IAM with landingEncryption=%s', (mode, input) => {
  const { template } = synthFloeStack(input);
  const keyIds = Object.keys(template.findResources('AWS::KMS::Key'));

  it('the backfill state machine reads and writes S3 only under the backfill prefix, with the landing key under kms', () => {
    const statements = statementsOf(template, { idPrefix: 'BackfillStateMachine' });
    const s3 = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    for (const s of s3) for (const r of [s.Resource].flat()) expect(keyPattern(r)).toBe('_floe/backfill/*');
    const kms = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
    if (mode === 'kms') {
      expect(keyIds).toHaveLength(1);
      expect(actionsOf(kms).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(JSON.stringify(kms[0]!.Resource)).toContain(keyIds[0]!);
    } else {
      expect(kms).toEqual([]);
    }
  });

  it('every function that touches the landing bucket may use its key under kms', () => {
    for (const handler of [
      'convert',
      'commit',
      'backfill-plan',
      'backfill-convert',
      'backfill-commit',
      'backfill-report',
    ]) {
      const actions = actionsOf(
        statementsOf(template, { handler: handler.replace(/^backfill-(.)/, (_, c) => `backfill${c.toUpperCase()}`) }),
      );
      if (mode === 'kms') expect(actions, handler).toContain('kms:Decrypt');
      else
        expect(
          actions.filter((a) => a.startsWith('kms:')),
          handler,
        ).toEqual([]);
    }
  });
});

describe('least privilege per function (default configuration)', () => {
  const { template } = synthFloeStack();
  const of = (handler: string) => statementsOf(template, { handler });

  it('reads landed objects by version only where events or plans name versions (convert, backfill-convert)', () => {
    for (const handler of ['convert', 'backfillConvert']) {
      const read = of(handler).find((s) => actionsOf([s]).includes('s3:GetObjectVersion'));
      expect(keyPattern(read?.Resource), handler).toBe('landing/*');
    }
    for (const handler of ['commit', 'backfillPlan', 'backfillCommit', 'backfillReport'])
      expect(actionsOf(of(handler)), handler).not.toContain('s3:GetObjectVersion');
  });

  it('drops grants no code path uses', () => {
    expect(actionsOf(of('backfillPlan'))).not.toContain('secretsmanager:GetSecretValue');
    // commit writes ledger markers only (stack.test.ts lists its exact grants), no error reports
    const commitPuts = of('commit').filter((s) => actionsOf([s]).includes('s3:PutObject'));
    expect(commitPuts.flatMap((s) => [s.Resource].flat()).map(keyPattern)).toEqual(['_floe/ledger/*']);
    expect(actionsOf(of('backfillCommit'))).not.toContain('s3:PutObject');
    expect(actionsOf(of('backfillReport'))).not.toContain('s3:ListBucket');
  });

  it('lets convert write the archive prefix', () => {
    const put = of('convert').filter((s) => actionsOf([s]).includes('s3:PutObject'));
    expect(put.flatMap((s) => [s.Resource].flat()).map(keyPattern)).toContain('_floe/archive/*');
  });

  it('lets only S3 of this account and bucket send to the landed queue (aws:SourceArn and aws:SourceAccount)', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const fromS3 = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .filter((s) => s.Principal?.Service === 's3.amazonaws.com');
    expect(fromS3).toHaveLength(1);
    expect(fromS3[0].Condition.ArnLike['aws:SourceArn']).toBeDefined();
    expect(fromS3[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': '123456789012' });
  });

  it('expires replaced versions of landed objects (30 days by default; 0 keeps them)', () => {
    const rulesOf = (t: Template) =>
      Object.values(t.findResources('AWS::S3::Bucket')).flatMap(
        (b) => (b.Properties.LifecycleConfiguration?.Rules ?? []) as any[],
      );
    expect(rulesOf(template).find((r) => r.Id === 'expire-replaced-landed-versions')).toMatchObject({
      Prefix: 'landing/',
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      Status: 'Enabled',
    });
    expect(rulesOf(synthFloeStack({ landedVersionRetentionDays: 7 }).template)).toContainEqual(
      expect.objectContaining({
        Id: 'expire-replaced-landed-versions',
        NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      }),
    );
    expect(rulesOf(synthFloeStack({ landedVersionRetentionDays: 0 }).template).map((r) => r.Id)).not.toContain(
      'expire-replaced-landed-versions',
    );
  });

  it('alarms on failed convert records (partial batch failures never reach the Errors metric)', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.some((a) => a.Properties.MetricName === 'RecordFailures' && a.Properties.Threshold === 0)).toBe(true);
  });
});

describe('tracing setting', () => {
  it('is off by default: no active tracing, no FLOE_TRACING', () => {
    const fns = Object.values(synthFloeStack().template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.FLOE_WAREHOUSE,
    );
    expect(fns.length).toBe(8); // six ingest and backfill functions, two maintenance functions
    for (const f of fns) {
      expect(f.Properties.TracingConfig).toBeUndefined();
      expect(f.Properties.Environment.Variables.FLOE_TRACING).toBeUndefined();
    }
  });

  it('acknowledges the X-Ray wildcard on function roles only when tracing is on (the reason must be true)', () => {
    const xrayAcks = (input: Record<string, unknown>) =>
      synthFloeStack(input)
        .stack.node.findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.values(m.data as Record<string, string>))
        .filter((reason) => reason.startsWith('Only with tracing=true'));
    expect(xrayAcks({})).toEqual([]);
    expect(xrayAcks({ landingEncryption: 'kms' })).toEqual([]);
    expect(xrayAcks({ tracing: true }).length).toBeGreaterThan(0);
  });

  it('tracing=true turns on X-Ray and the handlers’ Tracer together, and passes cdk-nag', () => {
    const { template, stack } = synthFloeStack({ tracing: true });
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.FLOE_WAREHOUSE,
    );
    for (const f of fns) {
      expect(f.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(f.Properties.Environment.Variables.FLOE_TRACING).toBe('true');
    }
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('routes file checked at synth with the handlers’ schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-routes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const routes = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('names a misspelt field', () => {
    const file = routes(
      'typo.yaml',
      'routes:\n  - match: "orders/**"\n    table: sales.orders\n    on_eror: continue\n',
    );
    expect(() => synthFloeStack({ routesFile: file })).toThrow(/routesFile .*routes\[0\].*on_eror/s);
  });

  it('fails when landing_prefix can never match the stack’s landingPrefix, and accepts one below it', () => {
    const outside = routes(
      'outside.yaml',
      'landing_prefix: incoming/\nroutes:\n  - prefix: sales/\n    table: sales.orders\n',
    );
    expect(() => synthFloeStack({ routesFile: outside })).toThrow(
      /landing_prefix "incoming\/" can never match.*"landing\/"/s,
    );
    const below = routes(
      'below.yaml',
      'landing_prefix: landing/sales/\nroutes:\n  - prefix: orders/\n    table: sales.orders\n',
    );
    expect(() => synthFloeStack({ routesFile: below })).not.toThrow();
  });
});
