#!/usr/bin/env node
import { App, Aspects } from 'aws-cdk-lib';
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
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
Aspects.of(app).add(new ServerlessChecks({ verbose: true }));
