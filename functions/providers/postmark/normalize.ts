import { utf8Text, type ParsedBody } from '#shared/providers/parsed-body';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import type { PostmarkOptions } from './index';
import { PostmarkRecordSchema, type PostmarkRecord } from './schemas';

type TimestampField = 'DeliveredAt' | 'BouncedAt' | 'ReceivedAt' | 'ChangedAt';

/** The record's own time, which Postmark names after what happened. */
const TIMESTAMP_FIELDS: Readonly<Record<string, TimestampField>> = {
  Delivery: 'DeliveredAt',
  Bounce: 'BouncedAt',
  SpamComplaint: 'BouncedAt',
  Open: 'ReceivedAt',
  Click: 'ReceivedAt',
  SubscriptionChange: 'ChangedAt',
};
const ANY_TIMESTAMP: readonly TimestampField[] = ['DeliveredAt', 'BouncedAt', 'ReceivedAt', 'ChangedAt'];

/** Bounce types that say the address itself is bad, rather than a delay or a block. */
const PERMANENT_BOUNCES = new Set(['HardBounce', 'BadEmailAddress']);

const canonicalType = (record: PostmarkRecord): string => {
  switch (record.RecordType) {
    case 'Delivery':
      return 'email.delivered';
    case 'Bounce':
      return PERMANENT_BOUNCES.has(record.Type ?? '') ? 'email.bounced' : 'postmark.Bounce';
    case 'SpamComplaint':
      return 'email.spam_reported';
    case 'Open':
      return 'email.opened';
    case 'Click':
      return 'email.clicked';
    case 'SubscriptionChange':
      // SuppressSending false is a reactivation, the opposite of an unsubscribe.
      return record.SuppressSending === true ? 'email.unsubscribed' : 'postmark.SubscriptionChange';
    default:
      return `postmark.${record.RecordType}`;
  }
};

const timestampOf = (record: PostmarkRecord): string | undefined => {
  const known = Object.hasOwn(TIMESTAMP_FIELDS, record.RecordType)
    ? TIMESTAMP_FIELDS[record.RecordType]
    : undefined;
  const fields = known === undefined ? ANY_TIMESTAMP : [known];
  for (const field of fields) {
    const value = record[field];
    if (value) return value;
  }
  return undefined;
};

const reasonOf = (record: PostmarkRecord): string | undefined => {
  if (record.RecordType === 'Bounce') return record.Details || record.Description || undefined;
  if (record.RecordType === 'SubscriptionChange') return record.SuppressionReason || undefined;
  return undefined;
};

const unreadable = (value: unknown, reason: string, identity: Partial<EventDraft> = {}): NormalizedItem => ({
  kind: 'unreadable',
  reason,
  ...(identity.externalId === undefined ? {} : { externalId: identity.externalId }),
  ...(identity.providerType === undefined ? {} : { providerType: identity.providerType }),
  data: value,
});

const normalizeRecord = (value: unknown): NormalizedItem => {
  const parsed = PostmarkRecordSchema.safeParse(value);
  if (!parsed.success)
    return unreadable(value, 'The record lacks a string RecordType or has mistyped fields.');
  const record = parsed.data;
  const providerType = record.RecordType;
  const timestamp = timestampOf(record);
  if (timestamp === undefined)
    return unreadable(value, `The ${providerType} record carries no timestamp.`, { providerType });
  const messageId = record.MessageID || undefined;
  // Manual suppressions have no MessageID; the recipient then keeps their ids apart.
  const externalId = `${messageId ?? record.Recipient ?? record.Email ?? ''}:${timestamp}`;
  const occurred = new Date(timestamp);
  if (Number.isNaN(occurred.getTime())) {
    return unreadable(value, `The ${providerType} timestamp is not a date.`, { providerType, externalId });
  }
  const type = canonicalType(record);
  const base = {
    providerType,
    externalId,
    type,
    entity: messageId === undefined ? undefined : { kind: 'message', id: messageId },
    occurredAt: occurred.toISOString(),
  };
  if (!type.startsWith('email.')) return { kind: 'event', draft: { ...base, data: record } };
  const recipient = record.Recipient || record.Email;
  if (!recipient)
    return unreadable(value, `The ${providerType} record names no recipient.`, { providerType, externalId });
  const reason = reasonOf(record);
  const url = type === 'email.clicked' ? record.OriginalLink || undefined : undefined;
  return {
    kind: 'event',
    draft: {
      ...base,
      data: {
        messageId: messageId ?? '',
        recipient,
        ...(reason === undefined ? {} : { reason }),
        ...(url === undefined ? {} : { url }),
        payload: record,
      },
    },
  };
};

/** Postmark posts one JSON record per request. */
export const readPostmarkBody = (request: WebhookRequest): ParsedBody => {
  try {
    return { ok: true, value: JSON.parse(utf8Text(request.body)) as unknown };
  } catch {
    return { ok: false };
  }
};

/** Reads one parsed Postmark webhook record. */
export const normalizePostmarkBody = (body: ParsedBody): NormalizedItem[] =>
  body.ok ? [normalizeRecord(body.value)] : [{ kind: 'unreadable', reason: 'The body is not valid JSON.' }];

export const normalizePostmark = (request: WebhookRequest, _options: PostmarkOptions): NormalizedItem[] =>
  normalizePostmarkBody(readPostmarkBody(request));
