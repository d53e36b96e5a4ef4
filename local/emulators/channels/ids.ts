import { randomBytes, randomUUID } from 'node:crypto';

/** Ids in each provider's own form, so that an adapter's parsing meets what production sends. */

const base64url = (bytes: number) => randomBytes(bytes).toString('base64url');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Postmark's MessageID is a UUID. */
export const postmarkMessageId = () => randomUUID();

/** SendGrid's `X-Message-Id`: 22 base64url characters. */
export const sendgridMessageId = () => base64url(16);

/** The `sg_message_id` of the message's events: the `X-Message-Id` and the filter that handled it. */
export const sendgridEventMessageId = (messageId: string, now: Date) =>
  `${messageId}.filterdrecv-7bf5c69d5-9xk2p-1-${Math.floor(now.getTime() / 1000)
    .toString(16)
    .toUpperCase()}-${randomBytes(1)[0] ?? 0}.0`;

export const sendgridEventId = () => base64url(16);

const compactTime = (now: Date) => now.toISOString().replace(/\D/g, '').slice(0, 14);

/** Mailgun's message id, with its angle brackets: `<20240612101500.1a2b3c4d5e6f7a8b@domain>`. */
export const mailgunMessageId = (domain: string, now: Date) => `<${compactTime(now)}.${hex(8)}@${domain}>`;

/** The `event-data.id` of a Mailgun event: 22 base64url characters. */
export const mailgunEventId = () => base64url(16);

/** SES's MessageId: `0100` and 12 hex digits, a UUID, `-000000`. */
export const sesMessageId = () => `0100${hex(6)}-${randomUUID()}-000000`;

/** A Twilio SID: two letters and 32 hex digits. */
export const twilioSid = (prefix: 'SM' | 'MG') => `${prefix}${hex(16)}`;

/** FCM's message name ends in `0:<microseconds>%<16 hex>`. */
export const fcmMessageName = (project: string, now: Date) =>
  `projects/${project}/messages/0:${now.getTime()}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}%${hex(8)}`;

/** An OAuth 2 access token as Google issues them (`ya29.` and opaque text). */
export const googleAccessToken = () => `ya29.local-${base64url(48)}`;
