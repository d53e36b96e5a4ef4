import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { mailgunBodies, readMailgunBody, type MailgunBody } from './body';
import type { MailgunOptions } from './index';
import { MailgunEventDataSchema, MailgunWebhookSchema, type MailgunEventData } from './schemas';

interface EmailFacts {
  readonly providerType: string;
  readonly externalId: string;
  readonly type: string;
  readonly messageId: string | undefined;
  readonly recipient: string | undefined;
  readonly reason: string | undefined;
  readonly url: string | undefined;
  readonly seconds: number;
  readonly payload: Record<string, unknown>;
}

/** Event name -> canonical type; `failed` is refined by its severity. */
const CANONICAL_TYPES: Readonly<Record<string, string>> = {
  delivered: 'email.delivered',
  opened: 'email.opened',
  clicked: 'email.clicked',
  complained: 'email.spam_reported',
  unsubscribed: 'email.unsubscribed',
  // Legacy webhooks name a permanent failure `bounced` (and a suppressed send `dropped`).
  bounced: 'email.bounced',
};

const canonicalType = (event: string, severity: string | undefined): string => {
  // A temporary failure is retried by Mailgun; only a permanent one says the address is bad.
  if (event === 'failed') return severity === 'permanent' ? 'email.bounced' : 'mailgun.failed';
  const mapped = Object.hasOwn(CANONICAL_TYPES, event) ? CANONICAL_TYPES[event] : undefined;
  return mapped ?? `mailgun.${event}`;
};

/** Message-ID without the angle brackets legacy webhooks keep, so both forms group together. */
const bareMessageId = (value: string | undefined): string | undefined => {
  const bare = value?.trim().replace(/^<(.*)>$/, '$1');
  return bare || undefined;
};

const toItem = (facts: EmailFacts): NormalizedItem => {
  const date = new Date(facts.seconds * 1000);
  const identity = { externalId: facts.externalId, providerType: facts.providerType };
  if (Number.isNaN(date.getTime())) {
    return {
      kind: 'unreadable',
      reason: 'The event timestamp is not a valid unix time.',
      ...identity,
      data: facts.payload,
    };
  }
  const base = {
    ...identity,
    type: facts.type,
    entity: facts.messageId === undefined ? undefined : { kind: 'message', id: facts.messageId },
    occurredAt: date.toISOString(),
  };
  if (!facts.type.startsWith('email.')) return { kind: 'event', draft: { ...base, data: facts.payload } };
  if (facts.messageId === undefined) {
    return {
      kind: 'unreadable',
      reason: 'The email event carries no message-id.',
      ...identity,
      data: facts.payload,
    };
  }
  if (!facts.recipient) {
    return {
      kind: 'unreadable',
      reason: 'The email event names no recipient.',
      ...identity,
      data: facts.payload,
    };
  }
  const draft: EventDraft = {
    ...base,
    data: {
      messageId: facts.messageId,
      recipient: facts.recipient,
      ...(facts.reason === undefined ? {} : { reason: facts.reason }),
      ...(facts.url === undefined ? {} : { url: facts.url }),
      payload: facts.payload,
    },
  };
  return { kind: 'event', draft };
};

const failureReason = (event: MailgunEventData): string | undefined => {
  const status = event['delivery-status'];
  return status?.message || status?.description || event.reason || undefined;
};

const fromEventData = (value: unknown): NormalizedItem => {
  const parsed = MailgunEventDataSchema.safeParse(value);
  if (!parsed.success) {
    const id =
      typeof value === 'object' && value !== null && Object.hasOwn(value, 'id')
        ? (value as { id: unknown }).id
        : undefined;
    return {
      kind: 'unreadable',
      reason: 'The event-data lacks a string id or event, or a numeric timestamp.',
      ...(typeof id === 'string' && id ? { externalId: id } : {}),
      data: value,
    };
  }
  const event = parsed.data;
  const type = canonicalType(event.event, event.severity);
  return toItem({
    providerType: event.event,
    externalId: event.id,
    type,
    messageId: bareMessageId(event.message?.headers?.['message-id']),
    recipient: event.recipient,
    reason: type === 'email.bounced' ? failureReason(event) : undefined,
    url: type === 'email.clicked' ? event.url : undefined,
    seconds: event.timestamp,
    payload: event,
  });
};

/**
 * Legacy form webhooks carry no event id. The token is unique per request and is the only
 * id they have; a legacy retry that Mailgun re-signs with a new token is therefore not
 * deduplicated (JSON webhooks, keyed by `event-data.id`, are).
 */
const fromLegacyForm = (fields: ReadonlyMap<string, string>): NormalizedItem => {
  const payload = Object.fromEntries(fields);
  const event = fields.get('event');
  const token = fields.get('token');
  const seconds = Number(fields.get('timestamp'));
  if (!event || !token || !Number.isFinite(seconds)) {
    return { kind: 'unreadable', reason: 'The legacy form lacks event, token or timestamp.', data: payload };
  }
  const type = canonicalType(event, undefined);
  return toItem({
    providerType: event,
    externalId: token,
    type,
    messageId: bareMessageId(fields.get('Message-Id') ?? fields.get('message-id')),
    recipient: fields.get('recipient'),
    reason: type === 'email.bounced' ? fields.get('error') || fields.get('reason') || undefined : undefined,
    url: type === 'email.clicked' ? fields.get('url') : undefined,
    seconds,
    payload,
  });
};

/** Reads one parsed Mailgun webhook (one event per request), JSON or legacy form. */
export const normalizeMailgunBody = (body: MailgunBody): NormalizedItem[] => {
  if (body.kind === 'unparsable') return [{ kind: 'unreadable', reason: 'The body is not valid JSON.' }];
  if (body.kind === 'form') return [fromLegacyForm(body.fields)];
  const webhook = MailgunWebhookSchema.safeParse(body.value);
  if (!webhook.success || webhook.data['event-data'] === undefined) {
    return [
      { kind: 'unreadable', reason: 'The body is not a Mailgun webhook with event-data.', data: body.value },
    ];
  }
  return [fromEventData(webhook.data['event-data'])];
};

/** A request's body, JSON or legacy form by its content type: as the verifier parsed it, if it did. */
export const readMailgunRequest = (request: WebhookRequest): MailgunBody =>
  mailgunBodies.take(request) ?? readMailgunBody(request.headers, request.body);

export const normalizeMailgun = (request: WebhookRequest, _options: MailgunOptions): NormalizedItem[] =>
  normalizeMailgunBody(readMailgunRequest(request));
