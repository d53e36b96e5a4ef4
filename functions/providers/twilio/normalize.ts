import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { formParams, twilioBodies } from './params';
import { TwilioMessageParamsSchema } from './schemas';

const SMS_STATUSES: ReadonlySet<string> = new Set([
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'received',
]);
const MAX_DATE_MS = 8.64e15;

/** Twilio posts its parameters as a form: as the verifier parsed it, if it did. */
export const readTwilioBody = (request: WebhookRequest): ReadonlyMap<string, readonly string[]> =>
  twilioBodies.take(request) ?? formParams(request.body);

/** All POST parameters as one object; a repeated name keeps every value, in order. */
const payloadOf = (params: ReadonlyMap<string, readonly string[]>): Record<string, string | string[]> =>
  Object.fromEntries(
    [...params].map(([name, values]) => [name, values.length === 1 ? (values[0] ?? '') : [...values]]),
  );

const isoOf = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : undefined;
};

/**
 * One event per request. Twilio sends no event id: each status callback is a distinct event
 * about one message, so the dedup id is the message and its status, both signed parameters; an
 * incoming message has no status callback and counts as `received`. `I-Twilio-Idempotency-Token`
 * is not used: it is an unsigned header, so a captured callback resent with a fresh token would
 * pass as a new event.
 */
export const normalizeTwilioBody = (form: ReadonlyMap<string, readonly string[]>): NormalizedItem[] => {
  const payload = payloadOf(form);
  const parsed = TwilioMessageParamsSchema.safeParse(payload);
  if (!parsed.success) {
    // No id: without a readable status the message id alone would merge distinct callbacks; the ingest keys it by its body.
    return [
      {
        kind: 'unreadable',
        reason:
          'The parameters do not match a Twilio message callback (one MessageSid, a status made of letters).',
        data: payload,
      },
    ];
  }
  const params = parsed.data;
  const status = params.MessageStatus ?? params.SmsStatus ?? 'received';
  const occurredAt = isoOf(params.Timestamp);
  return [
    {
      kind: 'event',
      draft: {
        providerType: `message.${status}`,
        externalId: `${params.MessageSid}:${status}`,
        type: SMS_STATUSES.has(status) ? `sms.${status}` : `twilio.message.${status}`,
        entity: { kind: 'message', id: params.MessageSid },
        ...(occurredAt === undefined ? {} : { occurredAt }),
        data: {
          messageSid: params.MessageSid,
          status,
          ...(params.From === undefined ? {} : { from: params.From }),
          ...(params.To === undefined ? {} : { to: params.To }),
          ...(params.ErrorCode === undefined ? {} : { errorCode: params.ErrorCode }),
          payload,
        },
      },
    },
  ];
};

export const normalizeTwilio = (request: WebhookRequest): NormalizedItem[] =>
  normalizeTwilioBody(readTwilioBody(request));
