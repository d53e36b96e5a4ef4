import { defineConfig } from './lib/config';

/**
 * RelayFlow configuration. Every field is documented in the README ("Configuration").
 * Point RELAYFLOW_CONFIG at another .ts or .json file to use a different one.
 */
export default defineConfig({
  stackName: 'RelayFlow',
  stage: 'prod',
  retentionDays: 30,
  providers: {
    stripe: {},
    github: {},
    shopify: {},
    'standard-webhooks': {},
    sendgrid: {},
    postmark: {},
    mailgun: {},
  },
  retry: { maxAttempts: 5, backoffBaseSeconds: 2, backoffMaxSeconds: 300 },
});
