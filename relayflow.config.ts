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
    // Twilio's status callbacks are the receipts of SMS and WhatsApp messages.
    twilio: {},
  },
  // Outbound channels (README, "Channels"): each adapter's credentials are a secret of the stack.
  channels: { postmark: {}, twilio: {}, fcm: {} },
  // Reconciliation (README, "Reconciliation"): ask providers what they sent, recover what never
  // arrived, resolve receipts that never came, report drifted subscriptions and messages. Each
  // provider's read-only API credentials are a secret of the stack (Twilio and Postmark reuse
  // their channel's); until it is set, each run reports that it checked nothing.
  reconciliation: {
    stripe: { every: '1 hour', lookback: '3 days', entities: ['subscription', 'invoice'] },
    twilio: { every: '15 minutes', lookback: '1 day', entities: ['message'] },
    postmark: { every: '1 hour', lookback: '2 days' },
  },
  routes: [
    // A domain event `notify.<channel>` (npm run send -- message <channel> --to <recipient>)
    // becomes one message; the templates are Mustache over the event.
    {
      id: 'notify-email',
      match: { provider: 'internal', type: 'notify.email' },
      targets: [
        {
          kind: 'message',
          id: 'email',
          channel: 'email',
          via: 'postmark',
          to: '{{data.to}}',
          content: { subject: '{{data.subject}}', text: '{{data.text}}' },
        },
      ],
    },
    {
      id: 'notify-sms',
      match: { provider: 'internal', type: 'notify.sms' },
      targets: [
        {
          kind: 'message',
          id: 'sms',
          channel: 'sms',
          via: 'twilio',
          to: '{{data.to}}',
          content: { body: '{{data.text}}' },
        },
      ],
    },
    {
      id: 'notify-whatsapp',
      match: { provider: 'internal', type: 'notify.whatsapp' },
      targets: [
        {
          kind: 'message',
          id: 'whatsapp',
          channel: 'whatsapp',
          via: 'twilio',
          to: '{{data.to}}',
          content: { body: '{{data.text}}' },
        },
      ],
    },
    {
      id: 'notify-push',
      match: { provider: 'internal', type: 'notify.push' },
      targets: [
        {
          kind: 'message',
          id: 'push',
          channel: 'push',
          via: 'fcm',
          to: '{{data.to}}',
          content: { title: '{{data.title}}' },
        },
      ],
    },
    // A bounced address is suppressed (functions/workflows): message.bounced comes from receipts.
    {
      id: 'suppress-bounces',
      match: { provider: 'internal', type: 'message.bounced' },
      targets: [{ kind: 'workflow', name: 'suppress-bounced-recipient' }],
    },
  ],
  retry: { maxAttempts: 5, backoffBaseSeconds: 2, backoffMaxSeconds: 300 },
});
