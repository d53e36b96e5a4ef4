import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type {
  AdapterContext,
  ChannelAdapter,
  ChannelError,
  FindResult,
  Message,
  Receipt,
  SendResult,
} from '#shared/channels/contract';
import {
  RF_MESSAGE_ID,
  canonicalStatusOf,
  emailProblem,
  isRecord,
  receiptFrom,
  requireEmailContent,
  stringField,
} from '#shared/channels/email';
import {
  answerError,
  callProvider,
  isOk,
  jsonOf,
  unreadableAnswer,
  urlOf,
  type ProviderAnswer,
} from '#shared/channels/http';

const nonEmpty = () => z.string().check(z.minLength(1));

/** The Secrets Manager JSON of a Postmark server. */
export const postmarkCredentialsSchema = z.object({
  /** The server's API token (X-Postmark-Server-Token). */
  serverToken: nonEmpty(),
  /** A confirmed sender signature or an address of a verified domain; `Name <address>` is taken. */
  from: nonEmpty(),
  /** The transactional stream to send on; Postmark's default (`outbound`) when absent. */
  messageStream: z.optional(nonEmpty()),
});
export type PostmarkCredentials = z.infer<typeof postmarkCredentialsSchema>;

const PROVIDER = 'Postmark';

/**
 * Postmark's API error codes (its 422 answers) that have names of their own here; any other code
 * is `postmark-<code>`, permanent too: a 422 is about the request, which a retry repeats.
 */
const ERROR_CLASSES: Readonly<Record<number, string>> = {
  10: 'unauthorized',
  300: 'invalid-email',
  406: 'inactive-recipient',
};

/**
 * Bounce types (beyond the hard bounces normalized to `email.bounced`) after which Postmark has
 * given up on the message without saying the address is bad. The others are delays, auto-replies
 * or list requests, which say nothing of this message's delivery.
 */
const FAILED_BOUNCE_TYPES: ReadonlySet<string> = new Set([
  'SoftBounce',
  'Blocked',
  'ManuallyDeactivated',
  'DMARCPolicy',
  'TemplateRenderingFailed',
]);

const headersOf = (credentials: PostmarkCredentials) => ({
  Accept: 'application/json',
  'X-Postmark-Server-Token': credentials.serverToken,
});

/** The error for a Postmark answer that is not 2xx: its `ErrorCode` and `Message` when it sent them. */
const postmarkError = (answer: ProviderAnswer): ChannelError => {
  const json = jsonOf(answer);
  const code = isRecord(json) && typeof json.ErrorCode === 'number' ? json.ErrorCode : undefined;
  const detail = stringField(json, 'Message');
  const named = code !== undefined && Object.hasOwn(ERROR_CLASSES, code) ? ERROR_CLASSES[code] : undefined;
  const errorClass =
    answer.status === 401 || answer.status === 403
      ? 'unauthorized'
      : answer.status === 422
        ? (named ?? `postmark-${code ?? 'unknown'}`)
        : undefined;
  return answerError(PROVIDER, answer, {
    ...(errorClass === undefined ? {} : { errorClass }),
    ...(detail === undefined
      ? {}
      : { detail: code === undefined ? detail : `${detail} (ErrorCode ${code})` }),
  });
};

/** The body of `POST /email`, per Postmark's Email API. */
export const postmarkRequestOf = (message: Message, credentials: PostmarkCredentials) => {
  const content = requireEmailContent(message);
  return {
    From: content.from ?? credentials.from,
    To: message.to,
    Subject: content.subject,
    ...(content.text === undefined ? {} : { TextBody: content.text }),
    ...(content.html === undefined ? {} : { HtmlBody: content.html }),
    // Ours last, so that no metadata of the route can take its key.
    Metadata: { ...message.metadata, [RF_MESSAGE_ID]: message.id },
    ...(credentials.messageStream === undefined ? {} : { MessageStream: credentials.messageStream }),
  };
};

const ourIdOf = (record: unknown): string | undefined =>
  stringField(isRecord(record) ? record.Metadata : undefined, RF_MESSAGE_ID);

export const postmarkAdapter: ChannelAdapter<PostmarkCredentials> = {
  id: 'postmark',
  channels: ['email'],
  credentials: postmarkCredentialsSchema,
  defaultBaseUrl: 'https://api.postmarkapp.com',

  validate: emailProblem,

  async send(message: Message, ctx: AdapterContext<PostmarkCredentials>): Promise<SendResult> {
    const answer = await callProvider(
      { fetch: ctx.fetch, provider: PROVIDER, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      urlOf(ctx.baseUrl, '/email'),
      {
        method: 'POST',
        headers: { ...headersOf(ctx.credentials), 'Content-Type': 'application/json' },
        body: JSON.stringify(postmarkRequestOf(message, ctx.credentials)),
      },
    );
    if (!isOk(answer)) throw postmarkError(answer);
    const providerMessageId = stringField(jsonOf(answer), 'MessageID');
    // Postmark took it (2xx) but the id is not readable: as uncertain as no answer, which find settles.
    if (providerMessageId === undefined) throw unreadableAnswer(PROVIDER, 'names no MessageID');
    return { providerMessageId };
  },

  /**
   * Postmark's outbound message search filters by one metadata field: our id. Queued messages
   * are listed too, so a message Postmark took and has not sent yet is found.
   */
  async find(message: Message, ctx: AdapterContext<PostmarkCredentials>): Promise<FindResult> {
    const query = new URLSearchParams({ count: '1', offset: '0', [`metadata_${RF_MESSAGE_ID}`]: message.id });
    const answer = await callProvider(
      { fetch: ctx.fetch, provider: PROVIDER, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      urlOf(ctx.baseUrl, `/messages/outbound?${query.toString()}`),
      { method: 'GET', headers: headersOf(ctx.credentials) },
    );
    if (!isOk(answer)) throw postmarkError(answer);
    const json = jsonOf(answer);
    const messages =
      isRecord(json) && Array.isArray(json.Messages) ? (json.Messages as unknown[]) : undefined;
    if (messages === undefined) throw unreadableAnswer(PROVIDER, 'has no Messages list');
    const providerMessageId = stringField(messages[0], 'MessageID');
    return providerMessageId === undefined ? { kind: 'not-found' } : { kind: 'found', providerMessageId };
  },

  receiptOf(event: IntegrationEvent): Receipt | undefined {
    if (event.provider !== 'postmark') return undefined;
    const status = canonicalStatusOf(event);
    if (status !== undefined) return receiptFrom(event, status, ourIdOf, stringField(event.data, 'reason'));
    const bounceType = event.type === 'postmark.Bounce' ? stringField(event.data, 'Type') : undefined;
    if (bounceType === undefined || !FAILED_BOUNCE_TYPES.has(bounceType)) return undefined;
    const reason = stringField(event.data, 'Details') ?? stringField(event.data, 'Description') ?? bounceType;
    return receiptFrom(event, 'failed', ourIdOf, reason);
  },
};
