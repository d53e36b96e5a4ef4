import type { ProviderSetup } from '#shared/providers/setup';

/** A password the operator chooses for machines to send: as long as a generated one. */
const MIN_PASSWORD_LENGTH = 16;
const CREDENTIALS = /^([^:\s]+):(\S+)$/;

/** `username:password`, the HTTP basic credentials Postmark sends (RFC 7617: no colon in the name). */
const parseCredentials = (value: string): string | undefined => {
  const password = CREDENTIALS.exec(value)?.[2];
  return password !== undefined && password.length >= MIN_PASSWORD_LENGTH ? value : undefined;
};

/**
 * Postmark signs nothing: a webhook is authenticated by the HTTP basic credentials configured on
 * it, which the operator chooses, and optionally by its source address (allowedSourceIps).
 */
export const postmarkSetup: ProviderSetup = {
  dashboard:
    'Servers → your server → your message stream → Webhooks → Add webhook: this URL as the Webhook URL, with Basic auth credentials (or https://<username>:<password>@… in the URL)',
  events: ['Delivery', 'Bounce', 'SpamComplaint', 'Open', 'Click', 'SubscriptionChange'],
  otherEvents:
    'transient bounces and reactivations are stored as postmark.Bounce and postmark.SubscriptionChange',
  contentType: 'application/json (Postmark always sends JSON)',
  secretSource:
    "the username and password you choose for the webhook's basic auth; Postmark issues none (openssl rand -hex 16 makes a password)",
  secret: {
    expected: `HTTP basic credentials as username:password, a username without colons or spaces and a password of at least ${MIN_PASSWORD_LENGTH} characters without spaces`,
    parse: parseCredentials,
  },
  verification:
    'HTTP basic authentication with the configured username:password, compared in constant time; with providers.postmark.allowedSourceIps, the source address must be listed. Nothing is signed.',
  request: { bodies: { 'application/json': 'object' }, headers: [], basicAuth: true },
};
