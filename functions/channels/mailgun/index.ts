import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  ChannelError,
  type AdapterContext,
  type ChannelAdapter,
  type FindResult,
  type Message,
  type Receipt,
  type ReceiptStatus,
  type SendResult,
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

/** The Secrets Manager JSON of a Mailgun sending domain. */
export const mailgunCredentialsSchema = z.object({
  /** A Mailgun API key (Basic auth as `api:<key>`). */
  apiKey: nonEmpty(),
  /** The sending domain, `mg.example.com`. */
  domain: nonEmpty(),
  /** The sender, an address of the domain; `Name <address>` is taken. */
  from: nonEmpty(),
  /** Where the domain lives: Mailgun's EU region has its own API host. */
  region: z.optional(z.enum(['us', 'eu'])),
});
export type MailgunCredentials = z.infer<typeof mailgunCredentialsSchema>;

const PROVIDER = 'Mailgun';
const US_BASE_URL = 'https://api.mailgun.net';
const EU_BASE_URL = 'https://api.eu.mailgun.net';

/** Most events Mailgun's Events API returns in one page: a full page that lacks ours proves nothing. */
const EVENTS_PAGE = 300;
/** A full page of events, a kilobyte or two each. */
const EVENTS_PAGE_BYTES = 2 * 1024 * 1024;

/**
 * Reasons of a permanent failure that say the address is bad (a hard bounce now, or one before);
 * the others (an unsubscribed or complaining recipient, the retry limit, a block) are failures.
 */
const BOUNCE_REASONS: ReadonlySet<string> = new Set(['bounce', 'suppress-bounce']);

/**
 * The API host: the stack's base URL, unless it is Mailgun's default and the domain is in the EU,
 * whose host the credentials name. A local fake's URL is used as it is.
 */
const baseUrlOf = (ctx: AdapterContext<MailgunCredentials>) =>
  ctx.baseUrl === US_BASE_URL && ctx.credentials.region === 'eu' ? EU_BASE_URL : ctx.baseUrl;

const domainUrl = (ctx: AdapterContext<MailgunCredentials>, path: string) =>
  urlOf(baseUrlOf(ctx), `/v3/${encodeURIComponent(ctx.credentials.domain)}${path}`);

const authorizationOf = (credentials: MailgunCredentials) =>
  `Basic ${Buffer.from(`api:${credentials.apiKey}`, 'utf8').toString('base64')}`;

/** Message-ID without the angle brackets the send API keeps and webhooks drop. */
const bare = (id: string): string => id.trim().replace(/^<(.*)>$/, '$1');

/** Mailgun's own words are in `message`; a 401 answers with plain text. */
const mailgunError = (answer: ProviderAnswer): ChannelError => {
  const detail = stringField(jsonOf(answer), 'message');
  return answerError(PROVIDER, answer, {
    ...(detail === undefined ? {} : { detail }),
    ...(answer.status === 401 || answer.status === 403 ? { errorClass: 'unauthorized' } : {}),
  });
};

/** The form fields of `POST /v3/<domain>/messages`, per Mailgun's Messages API. */
export const mailgunFormOf = (message: Message, credentials: MailgunCredentials): URLSearchParams => {
  const content = requireEmailContent(message);
  const form = new URLSearchParams({
    from: content.from ?? credentials.from,
    to: message.to,
    subject: content.subject,
  });
  if (content.text !== undefined) form.append('text', content.text);
  if (content.html !== undefined) form.append('html', content.html);
  for (const [key, value] of Object.entries(message.metadata))
    if (key !== RF_MESSAGE_ID) form.append(`v:${key}`, value);
  form.append(`v:${RF_MESSAGE_ID}`, message.id);
  return form;
};

/** User variables come back in `user-variables` (JSON webhooks) or as form fields (legacy ones). */
const ourIdOf = (payload: unknown): string | undefined =>
  stringField(isRecord(payload) ? payload['user-variables'] : undefined, RF_MESSAGE_ID) ??
  stringField(payload, RF_MESSAGE_ID);

const bouncedOrFailed = (payload: unknown): ReceiptStatus => {
  const reason = stringField(payload, 'reason');
  return reason === undefined || BOUNCE_REASONS.has(reason) ? 'bounced' : 'failed';
};

/** Why Mailgun refused (`rejected`) or dropped (legacy `dropped`) a message. */
const refusalReasonOf = (payload: unknown): string | undefined =>
  stringField(isRecord(payload) ? payload.reject : undefined, 'reason') ??
  stringField(payload, 'description') ??
  stringField(payload, 'reason');

export const mailgunAdapter: ChannelAdapter<MailgunCredentials> = {
  id: 'mailgun',
  channels: ['email'],
  credentials: mailgunCredentialsSchema,
  defaultBaseUrl: US_BASE_URL,

  validate: emailProblem,

  async send(message: Message, ctx: AdapterContext<MailgunCredentials>): Promise<SendResult> {
    const answer = await callProvider(
      { fetch: ctx.fetch, provider: PROVIDER, ...(ctx.signal ? { signal: ctx.signal } : {}) },
      domainUrl(ctx, '/messages'),
      {
        method: 'POST',
        headers: { Accept: 'application/json', Authorization: authorizationOf(ctx.credentials) },
        body: mailgunFormOf(message, ctx.credentials),
      },
    );
    if (!isOk(answer)) throw mailgunError(answer);
    const id = stringField(jsonOf(answer), 'id');
    if (id === undefined) throw unreadableAnswer(PROVIDER, 'has no id');
    return { providerMessageId: bare(id) };
  },

  /**
   * The Events API filters by recipient and event type, not by user variables: the recipient's
   * `accepted` events, newest first, are read for ours. Mailgun keeps events for days (by plan)
   * and lists them with a delay, so `not-found` right after a call is weak evidence.
   */
  async find(message: Message, ctx: AdapterContext<MailgunCredentials>): Promise<FindResult> {
    const query = new URLSearchParams({
      event: 'accepted',
      recipient: message.to,
      begin: String(Math.floor(Date.now() / 1000)),
      ascending: 'no',
      limit: String(EVENTS_PAGE),
    });
    const answer = await callProvider(
      {
        fetch: ctx.fetch,
        provider: PROVIDER,
        maxAnswerBytes: EVENTS_PAGE_BYTES,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      },
      domainUrl(ctx, `/events?${query.toString()}`),
      {
        method: 'GET',
        headers: { Accept: 'application/json', Authorization: authorizationOf(ctx.credentials) },
      },
    );
    if (!isOk(answer)) throw mailgunError(answer);
    const json = jsonOf(answer);
    const items = isRecord(json) && Array.isArray(json.items) ? (json.items as unknown[]) : undefined;
    if (items === undefined) throw unreadableAnswer(PROVIDER, 'has no items list');
    const ours = items.find((item) => ourIdOf(item) === message.id);
    const headers = isRecord(ours) && isRecord(ours.message) ? ours.message.headers : undefined;
    const id = stringField(headers, 'message-id');
    if (id !== undefined) return { kind: 'found', providerMessageId: bare(id) };
    if (items.length >= EVENTS_PAGE)
      throw new ChannelError(
        'find-inconclusive',
        true,
        `${PROVIDER} lists a full page of newer messages to the recipient, none of them ours`,
      );
    return { kind: 'not-found' };
  },

  receiptOf(event: IntegrationEvent): Receipt | undefined {
    if (event.provider !== 'mailgun') return undefined;
    const canonical = canonicalStatusOf(event);
    if (canonical !== undefined) {
      const status = canonical === 'bounced' ? bouncedOrFailed(event.data.payload) : canonical;
      return receiptFrom(event, status, ourIdOf, stringField(event.data, 'reason'));
    }
    // A temporary failure is retried by Mailgun: only its final word is a receipt.
    if (event.type === 'mailgun.rejected' || event.type === 'mailgun.dropped')
      return receiptFrom(event, 'failed', ourIdOf, refusalReasonOf(event.data));
    return undefined;
  },
};
