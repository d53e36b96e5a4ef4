import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig, type RelayFlowConfigInput } from '../../lib/config';
import { RelayFlowStack } from '../../lib/relayflow-stack';

export const aConfig = (overrides: Partial<RelayFlowConfigInput> = {}): RelayFlowConfigInput => ({
  providers: { stripe: {}, github: {}, shopify: {}, 'standard-webhooks': {} },
  tenants: [{ id: 'acme', dedicatedSecrets: true }, { id: 'beta' }],
  genericHmac: {
    'acme-billing': {
      signatureHeader: 'x-acme-signature',
      id: { jsonPath: 'id' },
      type: { jsonPath: 'event' },
    },
  },
  retry: { maxAttempts: 4, backoffBaseSeconds: 2, backoffMaxSeconds: 60 },
  ...overrides,
});

/** Builds the stack without bundling (no esbuild in construct tests). */
export const buildStack = (overrides: Partial<RelayFlowConfigInput> = {}) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelayFlowStack(app, 'RelayFlowTest', { config: parseConfig(aConfig(overrides)) });
  return { app, stack };
};

export const synthStack = (overrides: Partial<RelayFlowConfigInput> = {}) => {
  const built = buildStack(overrides);
  return { ...built, template: Template.fromStack(built.stack) };
};
