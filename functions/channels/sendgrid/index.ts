import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type {
  AdapterContext,
  ChannelAdapter,
  ChannelError,
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
  senderOf,
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
import { parseRateLimitReset } from '#shared/targets/http';

const nonEmpty = () => z.string().check(z.minLength(1));

/** The Secrets Manager JSON of a SendGrid account. */
export const sendgridCredentialsSchema = z.object({
  /** An API key with the Mail Send permission (`SG.…`). */
  apiKey: nonEmpty(),
  /** A verified sender identity; `Name <address>` is taken. */
  from: nonEmpty(),
});
export type SendgridCredentials = z.infer<typeof sendgridCredentialsSchema>;

const PROVIDER = 'SendGrid';

/**
 * Events after which SendGrid has given up on the message without saying the address is bad:
 * `dropped` (never sent: a suppressed address, an invalid one, a spam filter) and a `blocked`
 * bounce, which the inbound normalizer keeps out of `email.bounced`.
 */
const FAILED_TYPES: ReadonlySet<string> = new Set(['sendgrid.dropped', 'sendgrid.bounce']);

/** SendGrid's own words: the `message` of each entry of its `errors` array. */
const errorMessagesOf = (answer: ProviderAnswer): string | undefined => {
  const json = jsonOf(answer);
  const errors = isRecord(json) && Array.isArray(json.errors) ? (json.errors as unknown[]) : [];
  const messages = errors.flatMap((entry) => stringField(entry, 'message') ?? []);
  return messages.length > 0 ? messages.join('; ') : undefined;
};

const sendgridError = (answer: ProviderAnswer, now: number): ChannelError => {
  const detail = errorMessagesOf(answer);
  // SendGrid documents its rate limit's reset as X-RateLimit-Reset rather than Retry-After.
  const reset = parseRateLimitReset(
    answer.headers.get('x-ratelimit-remaining') ?? '0',
    answer.headers.get('x-ratelimit-reset'),
    now,
  );
  return answerError(PROVIDER, answer, {
    now,
    ...(detail === undefined ? {} : { detail }),
    ...(answer.status === 401 || answer.status === 403 ? { errorClass: 'unauthorized' } : {}),
    ...(answer.status === 429 && reset !== undefined
      ? { retryAfterSeconds: Math.ceil((reset - now) / 1000) }
      : {}),
  });
};

/** The body of `POST /v3/mail/send`, per SendGrid's Mail Send API v3. */
export const sendgridRequestOf = (message: Message, credentials: SendgridCredentials) => {
  const content = requireEmailContent(message);
  return {
    personalizations: [{ to: [{ email: message.to }] }],
    from: senderOf(content.from ?? credentials.from),
    subject: content.subject,
    // SendGrid requires text/plain first when both are given.
    content: [
      ...(content.text === undefined ? [] : [{ type: 'text/plain', value: content.text }]),
      ...(content.html === undefined ? [] : [{ type: 'text/html', value: content.html }]),
    ],
    // Ours last, so that no metadata of the route can take its key.
    custom_args: { ...message.metadata, [RF_MESSAGE_ID]: message.id },
  };
};

/** Custom args come back as top-level fields of every event of the message. */
const ourIdOf = (event: unknown): string | undefined => stringField(event, RF_MESSAGE_ID);

/**
 * No `find`: the only API that lists sent messages (Email Activity) is a paid add-on, so a
 * message whose send had no answer is the route's `onUncertain` to decide.
 */
export const sendgridAdapter: ChannelAdapter<SendgridCredentials> = {
  id: 'sendgrid',
  channels: ['email'],
  credentials: sendgridCredentialsSchema,
  defaultBaseUrl: 'https://api.sendgrid.com',

  validate: emailProblem,

  async send(message: Message, ctx: AdapterContext<SendgridCredentials>): Promise<SendResult> {
    const answer = await callProvider(
      { fetch: ctx.fetch, provider: PROVIDER, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      urlOf(ctx.baseUrl, '/v3/mail/send'),
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${ctx.credentials.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(sendgridRequestOf(message, ctx.credentials)),
      },
    );
    if (!isOk(answer)) throw sendgridError(answer, Date.now());
    // Receipts are grouped by the part of sg_message_id before its first `.` (the inbound
    // normalizer); ids of the older dotted form are cut the same way so that they match.
    const providerMessageId = answer.headers.get('x-message-id')?.trim().split('.')[0];
    // SendGrid took it (2xx) but named no id: as uncertain as no answer, for onUncertain to decide.
    if (!providerMessageId) throw unreadableAnswer(PROVIDER, 'has no X-Message-Id');
    return { providerMessageId };
  },

  receiptOf(event: IntegrationEvent): Receipt | undefined {
    if (event.provider !== 'sendgrid') return undefined;
    const status = canonicalStatusOf(event) ?? (FAILED_TYPES.has(event.type) ? 'failed' : undefined);
    if (status === undefined) return undefined;
    return receiptFrom(event, status, ourIdOf, stringField(event.data, 'reason'));
  },
};
