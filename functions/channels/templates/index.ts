/**
 * Message templates, by name, per channel (docs/channels.md). A `message` target names one as
 * `template`. Every string is a Mustache template over the IntegrationEvent (`{{data.amount}}`,
 * `{{entity.id}}`); a name that does not resolve fails the message, never sends a blank. Checked
 * at synth (lib/config.ts): add yours here, and each one's syntax is checked with the routes.
 */
export interface ChannelTemplates {
  readonly email?: { readonly subject: string; readonly text?: string; readonly html?: string };
  readonly sms?: { readonly body: string };
  readonly whatsapp?: { readonly body: string };
  readonly push?: {
    readonly title: string;
    readonly body?: string;
    readonly data?: Readonly<Record<string, string>>;
  };
  readonly webhook?: { readonly payload: Readonly<Record<string, unknown>> };
}

export const templates: Readonly<Record<string, ChannelTemplates>> = {
  'payment-receipt': {
    email: {
      subject: 'Your receipt for {{data.amountText}}',
      text: 'Thank you. We received {{data.amountText}} on {{occurredAt}}.\nReference: {{externalId}}',
      html: '<p>Thank you. We received <strong>{{data.amountText}}</strong> on {{occurredAt}}.</p><p>Reference: {{externalId}}</p>',
    },
    sms: { body: 'Payment of {{data.amountText}} received. Ref {{externalId}}' },
  },
  'dunning-reminder': {
    email: {
      subject: 'Your payment did not go through',
      text: 'We could not charge your card for invoice {{entity.id}}. Please update your payment details.',
    },
    sms: { body: 'Your payment for invoice {{entity.id}} failed. Please update your card.' },
    whatsapp: { body: 'Your payment for invoice {{entity.id}} failed. Please update your card.' },
  },
  'order-shipped': {
    push: {
      title: 'Your order is on its way',
      body: 'Order {{entity.id}} has shipped.',
      data: { order: '{{entity.id}}' },
    },
  },
};
