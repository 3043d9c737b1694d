import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { parseFloeConfig } from '../../infra/config.js';
import { FloeStack, warnIfConvertTimeoutTooShort } from '../../infra/floe-stack.js';
import { FLOE_NAG_ACCEPTANCES } from '../../infra/nag-suppressions.js';
import { synthFloeStack, testAppProps } from './stack-fixture.js';

/** Every acknowledgement recorded on the stack's constructs: finding id → reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        // aws-cdk-lib records ids without a known plugin prefix as `Annotation::<id>`; cdk-nag strips it.
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const VARIANT = {
  landingEncryption: 'kms',
  warehouseBucket: 'create',
  secretName: 'floe/dremio-pat',
  alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:floe-alarms',
} as const;

describe('cdk-nag AwsSolutionsChecks', () => {
  it.each([
    ['default configuration', {}],
    ['KMS landing bucket, created warehouse bucket, imported secret, alarm topic', VARIANT],
  ] as const)('reports no unacknowledged finding, and every acknowledgement states its reason (%s)', (_name, input) => {
    const { stack } = synthFloeStack(input);
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);

    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(40);
      // Each acknowledgement comes from one documented acceptance, never a blanket rule id.
      expect(
        FLOE_NAG_ACCEPTANCES.some((a) => a.finding.test(ack.id)),
        ack.id,
      ).toBe(true);
      expect(ack.id).toMatch(/^AwsSolutions-(IAM4|IAM5|SMG4)/);
    }
  });

  it('fails synthesis through the Validations plugin when a finding is not acknowledged', () => {
    const app = new App(testAppProps());
    const stack = new FloeStack(app, 'FloeNagNegative', { config: parseFloeConfig({ warehouse: 'w' }), code: 'stub' });
    // A bucket without access logs or TLS enforcement is a finding no acceptance covers (S1, S10).
    new s3.Bucket(stack, 'Unsafe', {});
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/[Vv]alidation/);
    // Only the unsafe bucket is reported: floe's own findings are all acknowledged.
    const report = new AwsSolutionsChecks(undefined).validateScope(stack);
    expect(new Set(report.violations.flatMap((v) => v.violatingResources.map((r) => r.constructPath)))).toEqual(
      new Set(['FloeNagNegative/Unsafe/Resource']),
    );
  });

  it('applies the KMS, warehouse and alarm-topic options', () => {
    const { template } = synthFloeStack(VARIANT);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
        ],
      },
    });
    template.resourceCountIs('AWS::S3::Bucket', 3);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    for (const alarm of alarms)
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:123456789012:floe-alarms']);
  });
});

describe('synth-time sizing check', () => {
  it('warns when the largest file cannot be converted within the convert timeout', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Sizing');
    const config = parseFloeConfig({ warehouse: 'w', convertThroughputMiBps: 5, convertTimeoutSeconds: 300 });
    warnIfConvertTimeoutTooShort(stack, config); // 512 MiB at 5 MiB/s: ~103 s, fits
    warnIfConvertTimeoutTooShort(stack, { ...config, maxFileBytes: 4 * 1024 ** 3 });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('convertTimeoutSeconds'));
    expect(warnings.map((w) => w.entry.data)).toEqual([expect.stringContaining('needs ~820 s')]);
  });
});
