import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';

/**
 * The outbound half (issue 15, docs/channels.md): one canonical Message for every channel, and
 * one folder per adapter under functions/channels/<adapter>/ exporting a {@link ChannelAdapter}.
 * Nothing outside an adapter's folder knows its provider's request or receipt shapes.
 */

/** Version of the Message contract. Bump on any breaking change to {@link MessageSchema}. */
export const MESSAGE_VERSION = 1;

export const CHANNELS = ['email', 'sms', 'whatsapp', 'push', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

const nonEmpty = () => z.string().check(z.minLength(1));

/** Most bytes of rendered content a message may carry (subject, text, html or body together). */
export const MAX_CONTENT_BYTES = 256 * 1024;

export const EmailContentSchema = z.object({
  subject: nonEmpty(),
  text: z.optional(nonEmpty()),
  html: z.optional(nonEmpty()),
  /** The sender, when the adapter's default (its credentials' `from`) is not wanted. */
  from: z.optional(nonEmpty()),
});
export const TextContentSchema = z.object({ body: nonEmpty() });
export const PushContentSchema = z.object({
  title: nonEmpty(),
  body: z.optional(nonEmpty()),
  data: z.optional(z.record(z.string(), z.string())),
});
export const WebhookContentSchema = z.object({ payload: z.record(z.string(), z.unknown()) });

export const MessageSchema = z.object({
  v: z.literal(MESSAGE_VERSION),
  /** Derived from the event and the target (messageIdOf): a retry is the same message. */
  id: nonEmpty(),
  tenant: nonEmpty(),
  channel: z.enum(CHANNELS),
  /** The adapter that sends it: `postmark`, `twilio`, … */
  via: nonEmpty(),
  /** An address, a phone number in E.164, a device token, or a URL, as the channel takes. */
  to: nonEmpty(),
  content: z.union([EmailContentSchema, TextContentSchema, PushContentSchema, WebhookContentSchema]),
  correlationId: nonEmpty(),
  /** The event whose route sent it. */
  causationEventId: nonEmpty(),
  /** Carried to the provider where it takes custom fields, and back on the receipts. */
  metadata: z.record(z.string(), z.string()),
});
export type Message = z.infer<typeof MessageSchema>;
export type EmailContent = z.infer<typeof EmailContentSchema>;
export type TextContent = z.infer<typeof TextContentSchema>;
export type PushContent = z.infer<typeof PushContentSchema>;
export type WebhookContent = z.infer<typeof WebhookContentSchema>;

/**
 * A message's life (decision 0054):
 * - SENDING: the intent is recorded, the provider call may or may not have happened;
 * - SENT: the provider took it and gave its id;
 * - UNCERTAIN: a retry found SENDING with no id and could not ask the provider: an operator decides;
 * - DELIVERED, OPENED, BOUNCED, FAILED: what receipts said;
 * - RECEIPT_MISSING: no final receipt came by the channel's deadline (reconciliation, issue 16).
 */
export type MessageStatus =
  'SENDING' | 'SENT' | 'UNCERTAIN' | 'DELIVERED' | 'OPENED' | 'BOUNCED' | 'FAILED' | 'RECEIPT_MISSING';

/** What a delivery receipt says happened to a message. */
export type ReceiptStatus = 'delivered' | 'opened' | 'bounced' | 'failed';

/** One delivery receipt, read from a verified inbound event by the adapter that sent the message. */
export interface Receipt {
  /** Our message id, when the provider echoed our metadata back. */
  readonly messageId?: string;
  /** The provider's id of the message, when the receipt names it. */
  readonly providerMessageId?: string;
  readonly status: ReceiptStatus;
  /** When the provider says it happened (ISO 8601). */
  readonly at: string;
  /** The provider's words, for a bounce or a failure. */
  readonly reason?: string;
}

/** The provider took the message. */
export interface SendResult {
  readonly providerMessageId: string;
}

/**
 * Why a send failed, as the consumer's retry rules read it: `retryable` for 429 (with
 * `retryAfterSeconds` from Retry-After), 5xx and network failures; permanent for a refusal that
 * will not change (an invalid recipient, a rejected sender), with the provider's reason.
 */
export class ChannelError extends Error {
  constructor(
    readonly errorClass: string,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ChannelError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  readonly retryAfterSeconds: number | undefined;
}

/** What an adapter call gets besides the message: explicit, so that tests and fakes can pass theirs. */
export interface AdapterContext<Credentials> {
  readonly credentials: Credentials;
  readonly fetch: typeof fetch;
  /** The provider's API base URL; the local runtime points it at its fake. */
  readonly baseUrl: string;
  /** Where the provider should post this message's status callbacks, for those that take one per send. */
  readonly statusCallbackUrl?: string;
  readonly signal?: AbortSignal;
}

/** What {@link ChannelAdapter.find} learnt of a message sent under our id. */
export type FindResult =
  { readonly kind: 'found'; readonly providerMessageId: string } | { readonly kind: 'not-found' };

export interface ChannelAdapter<Credentials = unknown> {
  /** The `via` that selects it, and the provider whose inbound events carry its receipts. */
  readonly id: string;
  readonly channels: readonly Channel[];
  /** The JSON its Secrets Manager secret holds; checked when read, never logged. */
  readonly credentials: z.ZodMiniType<Credentials>;
  /** Where its API lives unless the stack says otherwise. */
  readonly defaultBaseUrl: string;
  /**
   * Refuses what can never be sent (a malformed address for this channel) before any call:
   * returns the reason, or undefined when the message may go.
   */
  validate(message: Message): string | undefined;
  send(message: Message, ctx: AdapterContext<Credentials>): Promise<SendResult>;
  /**
   * Asks the provider whether it holds a message sent under our id (its metadata or custom
   * arguments), for a retry that found SENDING without a provider id. Absent when the provider
   * cannot be asked: the route's `onUncertain` decides.
   */
  find?(message: Message, ctx: AdapterContext<Credentials>): Promise<FindResult>;
  /** Reads a delivery receipt from a verified inbound event of its provider; undefined when it is not one. */
  receiptOf(event: IntegrationEvent): Receipt | undefined;
}
