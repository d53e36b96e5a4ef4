#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from '../lib/config';
import { RelayFlowStack } from '../lib/relayflow-stack';

const config = loadConfig();
const app = new App();
new RelayFlowStack(app, config.stackName, {
  config,
  description: 'RelayFlow: webhook ingestion and workflow pipeline',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);
