import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  EmailContentSchema,
  type EmailContent,
  type Message,
  type Receipt,
  type ReceiptStatus,
} from '#shared/channels/contract';

/**
 * What the email adapters (ses, sendgrid, postmark, mailgun) share: the checks an email must
 * pass before any provider sees it, the custom field our id travels in, and the reading of the
 * canonical `email.*` receipts the inbound providers normalize.
 */

/** The custom field (metadata, custom arg, user variable, tag) that carries our message id. */
export const RF_MESSAGE_ID = 'rf_message_id';

/** RFC 5321 caps a path at 256 octets and RFC 3696 an address at 320; 320 is what any provider takes. */
const MAX_ADDRESS_LENGTH = 320;

/** One `@` with something on each side and no whitespace: providers judge the rest, and say why. */
const PLAUSIBLE_ADDRESS = /^[^\s@]+@[^\s@]+$/;

/** Why an address can never be sent to, or undefined when it is plausible. */
export const addressProblem = (address: string): string | undefined => {
  if (address.length > MAX_ADDRESS_LENGTH)
    return `the address is longer than ${MAX_ADDRESS_LENGTH} characters`;
  if (!PLAUSIBLE_ADDRESS.test(address)) return `"${address}" is not an email address`;
  return undefined;
};

export interface Sender {
  readonly email: string;
  readonly name?: string;
}

const NAMED_ADDRESS = /^\s*"?([^"<>]*?)"?\s*<([^<>]+)>\s*$/;

/** A sender as `Billing <billing@example.com>` or a bare address, split for APIs that take the parts apart. */
export const senderOf = (from: string): Sender => {
  const named = NAMED_ADDRESS.exec(from);
  if (!named) return { email: from.trim() };
  const [, name = '', email = ''] = named;
  return name ? { email: email.trim(), name } : { email: email.trim() };
};

/** The message's email content, or undefined when it carries another channel's content. */
export const emailContentOf = (message: Message): EmailContent | undefined => {
  const parsed = EmailContentSchema.safeParse(message.content);
  return parsed.success && (parsed.data.text !== undefined || parsed.data.html !== undefined)
    ? parsed.data
    : undefined;
};

/** The checks every email adapter's `validate` makes. */
export const emailProblem = (message: Message): string | undefined => {
  if (message.channel !== 'email') return `channel ${message.channel} is not email`;
  const address = addressProblem(message.to);
  if (address !== undefined) return address;
  if (emailContentOf(message) === undefined) return 'email content needs a subject and a text or html body';
  const from = emailContentOf(message)?.from;
  const sender = from === undefined ? undefined : addressProblem(senderOf(from).email);
  return sender === undefined ? undefined : `sender: ${sender}`;
};

/**
 * The content of a message `validate` accepted. Adapters call it in `send`, which the consumer
 * calls only after `validate`; a message that skipped it is a bug, not a provider's refusal.
 */
export const requireEmailContent = (message: Message): EmailContent => {
  const content = emailContentOf(message);
  if (content === undefined) throw new Error(`message ${message.id} carries no email content`);
  return content;
};

/** The canonical email receipts and the status each says. Clicks, complaints and unsubscribes say nothing of delivery. */
const CANONICAL_RECEIPTS: Readonly<Record<string, ReceiptStatus>> = {
  'email.delivered': 'delivered',
  'email.opened': 'opened',
  'email.bounced': 'bounced',
};

export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A non-empty string field of a record, read as an own property. */
export const stringField = (value: unknown, field: string): string | undefined => {
  if (!isRecord(value) || !Object.hasOwn(value, field)) return undefined;
  const found = value[field];
  return typeof found === 'string' && found.length > 0 ? found : undefined;
};

/**
 * The provider's id of the message an inbound event is about: its entity, which each email
 * provider's normalizer sets to `message:<the id its send API answered>`, raw events included.
 */
export const providerMessageIdOf = (event: IntegrationEvent): string | undefined =>
  event.entity.kind === 'message' ? event.entity.id : undefined;

/** The raw provider record a canonical `email.*` event keeps in `data.payload`; a raw event's data is the record. */
export const payloadOf = (event: IntegrationEvent): unknown =>
  event.type.startsWith('email.') ? event.data.payload : event.data;

/** What a canonical `email.*` event says of delivery, or undefined when it says nothing. */
export const canonicalStatusOf = (event: IntegrationEvent): ReceiptStatus | undefined =>
  Object.hasOwn(CANONICAL_RECEIPTS, event.type) ? CANONICAL_RECEIPTS[event.type] : undefined;

/**
 * A receipt of `status` from an inbound event. `ourId` reads our id back from the provider's
 * record; a reason is kept only for the statuses that need one.
 */
export const receiptFrom = (
  event: IntegrationEvent,
  status: ReceiptStatus,
  ourId: (payload: unknown) => string | undefined,
  reason: string | undefined,
): Receipt => {
  const messageId = ourId(payloadOf(event));
  const providerMessageId = providerMessageIdOf(event);
  return {
    ...(messageId === undefined ? {} : { messageId }),
    ...(providerMessageId === undefined ? {} : { providerMessageId }),
    status,
    at: event.occurredAt,
    ...(reason === undefined || status === 'delivered' || status === 'opened' ? {} : { reason }),
  };
};
