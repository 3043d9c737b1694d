/**
 * Builds a FloeStack the way `cdk synth` does (same cdk.json context and feature flags), with
 * stub function code so tests take a second and do not depend on the handlers' contents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type FloeConfigInput, parseFloeConfig } from '../../infra/config.js';
import { FloeStack } from '../../infra/floe-stack.js';
import { PROJECT_ROOT } from '../../infra/handler-bundle.js';

/** cdk.json's context: the feature flags the real app synthesizes with. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * App props for template tests: cdk.json's context, minus CDK's built-in CloudFormation rule
 * validation (3-4 s of CPU per synth; the real `cdk synth` in synth.test.ts keeps it).
 */
export function testAppProps(): AppProps {
  return { context: cdkJsonContext(), builtinCloudFormationValidation: false, treeMetadata: false };
}

const synthesized = new Map<string, ReturnType<typeof synthesize>>();

/** A synthesized test stack and its template; synthesized once per configuration and test file. */
export function synthFloeStack(input: Partial<FloeConfigInput> = {}) {
  const key = JSON.stringify(input);
  if (!synthesized.has(key)) synthesized.set(key, synthesize(input));
  return synthesized.get(key)!;
}

function synthesize(input: Partial<FloeConfigInput>) {
  const app = new App(testAppProps());
  const stack = new FloeStack(app, 'FloeTest', {
    config: parseFloeConfig({ warehouse: 'test-project', ...input }),
    code: 'stub',
    env: { account: '123456789012', region: 'us-east-1' },
  });
  app.synth();
  return { app, stack, template: Template.fromStack(stack) };
}
