import { matching, type ProviderSetup } from '#shared/providers/setup';

/**
 * Twilio signs with the account's Auth Token (32 hex digits), the primary one: a secondary token
 * signs nothing until it is promoted, which is how Twilio rotates.
 */
export const twilioSetup: ProviderSetup = {
  dashboard:
    'Console → Messaging → Services → your service → Integration: this URL as the Delivery Status Callback (and, for incoming messages, "Send a webhook" with HTTP POST); or StatusCallback on each message you send',
  events: ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'received'],
  otherEvents: 'other statuses (sending, read, accepted…) are stored as twilio.message.<status>',
  contentType: 'application/x-www-form-urlencoded (Twilio always posts a form)',
  secretSource: 'the Auth Token of the account (Console → Account Info → Auth Token), the primary one',
  secret: {
    expected: 'a Twilio Auth Token: 32 lower-case hex digits',
    parse: matching(/^[0-9a-f]{32}$/),
  },
  verification:
    'X-Twilio-Signature is the base64 HMAC-SHA1 of the full URL followed by every POST parameter (names sorted, each name then value), keyed with the Auth Token. Twilio signs no timestamp.',
  request: {
    bodies: { 'application/x-www-form-urlencoded': 'form' },
    headers: [
      {
        name: 'X-Twilio-Signature',
        description: 'base64 HMAC-SHA1 of the URL and the sorted POST parameters',
        required: true,
      },
    ],
  },
};
