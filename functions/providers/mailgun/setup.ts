import { matching, type ProviderSetup } from '#shared/providers/setup';

/**
 * Mailgun signs with the account's HTTP webhook signing key, shown on the Webhooks page (`key-`
 * and 32 letters and digits on older accounts); an API key is another secret and never verifies.
 */
export const mailgunSetup: ProviderSetup = {
  dashboard: 'Sending → Webhooks → your domain → Add webhook: one per event type, each with this URL',
  // The webhook names Mailgun's dashboard offers for the events with a canonical type.
  events: ['delivered', 'permanent_fail', 'opened', 'clicked', 'complained', 'unsubscribed'],
  otherEvents: 'temporary failures and other events are stored as mailgun.<event>',
  contentType: 'application/json (legacy webhooks post a form, which is read too)',
  secretSource: 'the HTTP webhook signing key on the Webhooks page (Sending → Webhooks), not an API key',
  secret: {
    expected: 'a Mailgun HTTP webhook signing key: 32 lower-case letters and digits, optionally after key-',
    parse: matching(/^(?:key-)?[0-9a-z]{32}$/),
  },
  verification:
    'The body carries signature.timestamp, signature.token and signature.signature: the hex HMAC-SHA256 of timestamp + token, keyed with the signing key; the timestamp must be within the tolerance (300 s by default) and a token is accepted once.',
  request: {
    bodies: {
      'application/json': 'object',
      'application/x-www-form-urlencoded': 'form',
      'multipart/form-data': 'form',
    },
    headers: [],
  },
};
