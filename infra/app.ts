/**
 * The floe CDK app (`cdk.json` → `npx tsx infra/app.ts`). Configuration comes from context:
 * `cdk deploy -c warehouse=<project> [-c key=value ...]` or the `floe` object in cdk.json.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { floeConfigFromContext } from './config.js';
import { FloeStack } from './floe-stack.js';

const app = new App();
const config = floeConfigFromContext(app.node);
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Floe';
new FloeStack(app, stackName, {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
app.synth();
