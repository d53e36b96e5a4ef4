import { utf8Text, type ParsedBody } from '#shared/providers/parsed-body';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import type { SendgridOptions } from './index';
import { SendgridBatchSchema, SendgridEventSchema, type SendgridEvent } from './schemas';

/** SendGrid event name -> canonical type. `bounce` is refined by its `type` below. */
const CANONICAL_TYPES: Readonly<Record<string, string>> = {
  delivered: 'email.delivered',
  bounce: 'email.bounced',
  open: 'email.opened',
  click: 'email.clicked',
  spamreport: 'email.spam_reported',
  unsubscribe: 'email.unsubscribed',
  group_unsubscribe: 'email.unsubscribed',
};

const canonicalType = (event: SendgridEvent): string => {
  // A `blocked` bounce is a temporary refusal that SendGrid retries; only a permanent bounce
  // means the address is bad, which is what consumers of email.bounced act on.
  if (event.event === 'bounce' && event.type === 'blocked') return 'sendgrid.bounce';
  const mapped = Object.hasOwn(CANONICAL_TYPES, event.event) ? CANONICAL_TYPES[event.event] : undefined;
  return mapped ?? `sendgrid.${event.event}`;
};

/**
 * The id of the message an event is about. `sg_message_id` is the id SendGrid returned at send
 * time (`X-Message-Id`) followed by a per-delivery `.filter…` suffix, so the part before the
 * first `.` is what all events of one message share. Delayed bounces carry no `sg_message_id`;
 * they fall back to the `smtp-id` (the Message-ID header), which orders them in a group of
 * their own rather than not at all.
 */
const messageIdOf = (event: SendgridEvent): string | undefined => {
  const sgMessageId = event.sg_message_id?.trim().split('.')[0];
  if (sgMessageId) return sgMessageId;
  const smtpId = event['smtp-id']?.trim();
  return smtpId || undefined;
};

const isoFromUnixSeconds = (seconds: number): string | undefined => {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

const stringField = (value: unknown, field: string): string | undefined => {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, field)) return undefined;
  const fieldValue: unknown = (value as Record<string, unknown>)[field];
  return typeof fieldValue === 'string' && fieldValue.length > 0 ? fieldValue : undefined;
};

const unreadable = (element: unknown, reason: string): NormalizedItem => ({
  kind: 'unreadable',
  reason,
  externalId: stringField(element, 'sg_event_id'),
  providerType: stringField(element, 'event'),
  data: element,
});

const normalizeElement = (element: unknown): NormalizedItem => {
  const parsed = SendgridEventSchema.safeParse(element);
  if (!parsed.success)
    return unreadable(element, 'The event lacks a string event, sg_event_id or a numeric timestamp.');
  const event = parsed.data;
  const occurredAt = isoFromUnixSeconds(event.timestamp);
  if (occurredAt === undefined) return unreadable(element, 'The event timestamp is not a valid unix time.');
  const type = canonicalType(event);
  const messageId = messageIdOf(event);
  const entity = messageId === undefined ? undefined : { kind: 'message', id: messageId };
  const base = { providerType: event.event, externalId: event.sg_event_id, type, entity, occurredAt };
  if (!type.startsWith('email.')) return { kind: 'event', draft: { ...base, data: event } };
  if (messageId === undefined)
    return unreadable(element, 'The email event carries neither sg_message_id nor smtp-id.');
  if (!event.email) return unreadable(element, 'The email event carries no recipient email.');
  const draft: EventDraft = {
    ...base,
    data: {
      messageId,
      recipient: event.email,
      ...(event.reason === undefined ? {} : { reason: event.reason }),
      ...(event.url === undefined ? {} : { url: event.url }),
      payload: event,
    },
  };
  return { kind: 'event', draft };
};

/** SendGrid posts a JSON array of events. */
export const readSendgridBody = (request: WebhookRequest): ParsedBody => {
  try {
    return { ok: true, value: JSON.parse(utf8Text(request.body)) as unknown };
  } catch {
    return { ok: false };
  }
};

/** Reads a parsed Event Webhook batch: one item per array element, each readable or not on its own. */
export const normalizeSendgridBody = (json: ParsedBody): NormalizedItem[] => {
  if (!json.ok) return [{ kind: 'unreadable', reason: 'The body is not valid JSON.' }];
  const batch = SendgridBatchSchema.safeParse(json.value);
  if (!batch.success)
    return [{ kind: 'unreadable', reason: 'The body is not a JSON array of events.', data: json.value }];
  return batch.data.map(normalizeElement);
};

export const normalizeSendgrid = (request: WebhookRequest, _options: SendgridOptions): NormalizedItem[] =>
  normalizeSendgridBody(readSendgridBody(request));
