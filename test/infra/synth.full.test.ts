import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/handler-bundle.js';

/**
 * The real `npx cdk synth` (bundling, cdk-nag as a validation plugin, CloudFormation rule
 * validation) with the non-default settings of issue #11: a KMS landing bucket, and tracing.
 * synth.test.ts runs the default configuration in `npm test`; these cost as much again each.
 */
describe('npx cdk synth with non-default settings (real app, offline)', () => {
  it.each([
    ['landingEncryption=kms', ['-c', 'landingEncryption=kms']],
    ['tracing=true', ['-c', 'tracing=true']],
  ])('synthesizes with %s and no unacknowledged cdk-nag finding', { timeout: 300_000 }, (_name, extra) => {
    const outdir = mkdtempSync(join(tmpdir(), 'floe-synth-'));
    try {
      execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', outdir, '-c', 'warehouse=x', ...extra], {
        cwd: PROJECT_ROOT,
        stdio: 'pipe',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      });
      const template = JSON.parse(readFileSync(join(outdir, 'Floe.template.json'), 'utf8'));
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
      expect(types).toContain('AWS::StepFunctions::StateMachine');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
