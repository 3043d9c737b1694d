/**
 * The floe CDK app (`cdk.json` → `npx tsx infra/app.ts`). Configuration comes from context:
 * `cdk deploy -c warehouse=<project> [-c key=value ...]` or the `floe` object in cdk.json.
 * cdk-nag's AwsSolutions pack runs as a CDK validation plugin: an unacknowledged finding fails
 * the synth (floe's accepted findings and their reasons are in nag-suppressions.ts).
 */
import { App, Validations } from 'aws-cdk-lib';
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
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
