#!/usr/bin/env node
import { resolve } from 'node:path';
import { App, Token, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import {
  checkConfigFile,
  formatConfigProblems,
  LOCAL_DEMO_TARGET_CONTEXT,
  withLocalDemoRoute,
} from '../lib/config';
import { writeApiDocument } from '../lib/openapi';
import { RelayFlowStack } from '../lib/relayflow-stack';

const check = checkConfigFile();
if (!check.ok) {
  // The problems are the whole message: a stack trace would only say where they were found.
  process.stderr.write(`${formatConfigProblems(check.source, check.problems)}\n`);
  process.exit(1);
}
const app = new App();
const demoTarget: unknown = app.node.tryGetContext(LOCAL_DEMO_TARGET_CONTEXT);
const config = typeof demoTarget === 'string' ? withLocalDemoRoute(check.config, demoTarget) : check.config;
const stack = new RelayFlowStack(app, config.stackName, {
  config,
  description: 'RelayFlow: webhook ingestion and workflow pipeline',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);
// Synthesized here rather than on exit, so that the API description is written beside the
// template, and only when synthesis (and its checks) succeeded.
app.synth();
writeApiDocument(app.outdir, {
  config,
  ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }),
  root: resolve(__dirname, '..'),
});
