import * as z from 'zod/mini';
import {
  TWILIO_BASE_URL,
  TwilioCredentialsSchema,
  type TwilioCredentials,
} from '#shared/channels/twilio/index';
import {
  ProviderApiError,
  type ApiContext,
  type ProviderApi,
  type ProviderEntityState,
  type ProviderMessageStatus,
  type SentPage,
  type SentRecord,
} from '#shared/reconciliation/contract';
import { answerJson, callApi, getJson, inWindow, urlOf, type ApiCall } from '#shared/reconciliation/api-http';

/**
 * Twilio's Messages API read back (docs/reconciliation.md): the list rebuilds each message's
 * status callback, or an incoming message's webhook, as the form the `twilio` verifier receives,
 * so that its normalize gives the webhook's idempotency key (`<MessageSid>:<status>`).
 */

const PROVIDER = 'Twilio';
const API_VERSION = '2010-04-01';
/** The most messages Twilio lists in one page. */
const PAGE_SIZE = 1000;
const WHATSAPP = 'whatsapp:';

/**
 * The statuses an outbound message's status callback reports. `sending` is a step Twilio posts
 * no callback for; `receiving` and `received` are an incoming message's.
 */
const CALLBACK_STATUSES: ReadonlySet<string> = new Set([
  'accepted',
  'scheduled',
  'canceled',
  'queued',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'read',
  'partially_delivered',
]);

/** Statuses that decide a message's fate, as the twilio channel adapter reads their callbacks. */
const FINAL: Readonly<Record<string, 'delivered' | 'opened' | 'failed'>> = {
  delivered: 'delivered',
  read: 'opened',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

const nullableString = () => z.optional(z.nullable(z.string()));

/** A Message resource: only the fields read here (Twilio adds fields without notice). */
const MessageSchema = z.looseObject({
  sid: z.string().check(z.minLength(1)),
  account_sid: z.string(),
  messaging_service_sid: nullableString(),
  from: nullableString(),
  to: z.string(),
  body: nullableString(),
  status: z.string().check(z.minLength(1)),
  direction: z.string(),
  error_code: z.optional(z.nullable(z.number())),
  error_message: nullableString(),
  date_created: z.string(),
  date_sent: nullableString(),
  date_updated: z.string(),
  num_media: nullableString(),
  num_segments: nullableString(),
});
type TwilioMessage = z.infer<typeof MessageSchema>;

const PageSchema = z.looseObject({
  messages: z.array(MessageSchema),
  next_page_uri: nullableString(),
});

const ErrorSchema = z.looseObject({ code: z.optional(z.number()), message: z.optional(z.string()) });

const callOf = (credentials: TwilioCredentials): ApiCall => ({
  provider: PROVIDER,
  secrets: [credentials.authToken, credentials.apiKeySecret].filter((secret) => secret !== undefined),
  unauthorizedHint: 'check the API credentials',
  timeoutMs: 30_000,
  detailOf: (json) => {
    const parsed = ErrorSchema.safeParse(json);
    if (!parsed.success || parsed.data.message === undefined) return undefined;
    return parsed.data.code === undefined
      ? parsed.data.message
      : `${parsed.data.code} ${parsed.data.message}`;
  },
});

const headersOf = (credentials: TwilioCredentials) => {
  const user = credentials.apiKeySid ?? credentials.accountSid;
  const password = credentials.apiKeySid === undefined ? credentials.authToken : credentials.apiKeySecret;
  return {
    Accept: 'application/json',
    Authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`,
  };
};

const messagesPath = (credentials: TwilioCredentials) =>
  `/${API_VERSION}/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages`;

/** One message, or undefined when Twilio has none of that sid (404). */
const fetchMessage = async (
  sid: string,
  ctx: ApiContext<TwilioCredentials>,
): Promise<TwilioMessage | undefined> => {
  const call = callOf(ctx.credentials);
  const answer = await callApi(
    call,
    ctx,
    urlOf(ctx.baseUrl, `${messagesPath(ctx.credentials)}/${encodeURIComponent(sid)}.json`),
    { method: 'GET', headers: headersOf(ctx.credentials) },
  );
  if (answer.status === 404) return undefined;
  return answerJson(call, answer, MessageSchema, 'a Message resource').value;
};

/** Twilio writes dates as RFC 2822; an unreadable one is NaN, which no window holds. */
const msOf = (text: string | null | undefined): number => (text ? Date.parse(text) : Number.NaN);

/** When a message went: its DateSent, which the list filters by, else when it was created. */
const sentAt = (message: TwilioMessage): number =>
  Number.isFinite(msOf(message.date_sent)) ? msOf(message.date_sent) : msOf(message.date_created);

const form = (fields: Readonly<Record<string, string | null | undefined>>): Buffer =>
  Buffer.from(
    new URLSearchParams(
      Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ).toString(),
  );

/** The status callback Twilio posts for the message's current status. */
const statusCallbackOf = (message: TwilioMessage): Buffer =>
  form({
    AccountSid: message.account_sid,
    ApiVersion: API_VERSION,
    From: message.from,
    MessageSid: message.sid,
    MessageStatus: message.status,
    MessagingServiceSid: message.messaging_service_sid,
    SmsSid: message.sid,
    SmsStatus: message.status,
    To: message.to,
    ChannelPrefix: message.to.startsWith(WHATSAPP) ? 'whatsapp' : undefined,
    ErrorCode:
      message.error_code === null || message.error_code === undefined
        ? undefined
        : String(message.error_code),
  });

/** The webhook Twilio posts to the receiving number's URL for an incoming message. */
const incomingMessageOf = (message: TwilioMessage): Buffer =>
  form({
    MessageSid: message.sid,
    SmsSid: message.sid,
    SmsMessageSid: message.sid,
    AccountSid: message.account_sid,
    MessagingServiceSid: message.messaging_service_sid,
    From: message.from,
    To: message.to,
    Body: message.body ?? '',
    NumMedia: message.num_media ?? '0',
    NumSegments: message.num_segments ?? '1',
    SmsStatus: 'received',
    ApiVersion: API_VERSION,
  });

/** What Twilio posted to our webhooks for a message, or undefined when it posts nothing for its status. */
const recordOf = (message: TwilioMessage): SentRecord | undefined => {
  const inbound = message.direction === 'inbound';
  if (inbound ? message.status !== 'received' : !CALLBACK_STATUSES.has(message.status)) return undefined;
  const status = inbound ? 'received' : message.status;
  return {
    id: `${message.sid}:${status}`,
    at: new Date(sentAt(message)).toISOString(),
    request: {
      body: inbound ? incomingMessageOf(message) : statusCallbackOf(message),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
  };
};

/** A page cursor is Twilio's own `next_page_uri`, followed only under this account's list. */
const checkedCursor = (cursor: string, credentials: TwilioCredentials): string => {
  if (!cursor.startsWith(`${messagesPath(credentials)}.json?`))
    throw new ProviderApiError(
      'refused',
      false,
      'the Twilio page cursor is not a page of this account’s messages',
    );
  return cursor;
};

/**
 * A page of the Messages list. DateSent filters by day, whatever time it is given, so the
 * window is applied here to each message's DateSent (its creation time before it went).
 */
const listSent = async (
  window: { readonly since: Date; readonly until: Date; readonly cursor?: string },
  _options: Readonly<Record<string, unknown>>,
  ctx: ApiContext<TwilioCredentials>,
): Promise<SentPage> => {
  const path =
    window.cursor === undefined
      ? `${messagesPath(ctx.credentials)}.json?${new URLSearchParams({
          'DateSent>': window.since.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          'DateSent<': window.until.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          PageSize: String(PAGE_SIZE),
        }).toString()}`
      : checkedCursor(window.cursor, ctx.credentials);
  const { value: page } = await getJson(
    callOf(ctx.credentials),
    ctx,
    urlOf(ctx.baseUrl, path),
    headersOf(ctx.credentials),
    PageSchema,
    'a page of messages',
  );
  const records = page.messages
    .filter((message) => inWindow(sentAt(message), window))
    .map(recordOf)
    .filter((record) => record !== undefined);
  return { records, ...(page.next_page_uri ? { next: page.next_page_uri } : {}) };
};

const messageStatus = async (
  providerMessageId: string,
  ctx: ApiContext<TwilioCredentials>,
): Promise<ProviderMessageStatus> => {
  const message = await fetchMessage(providerMessageId, ctx);
  if (message === undefined) return { kind: 'not-found' };
  const status = Object.hasOwn(FINAL, message.status) ? FINAL[message.status] : undefined;
  if (status === undefined) return { kind: 'pending', providerStatus: message.status };
  const updated = msOf(message.date_updated);
  const at = new Date(Number.isFinite(updated) ? updated : sentAt(message)).toISOString();
  if (status !== 'failed') return { kind: 'final', status, at };
  const code = message.error_code ?? undefined;
  const words = message.error_message ?? undefined;
  const reason =
    code === undefined
      ? (words ?? `Twilio reports the message ${message.status}`)
      : `Twilio error ${code}${words === undefined ? '' : `: ${words}`}`;
  return { kind: 'final', status, at, reason };
};

const entityState = async (
  entity: { readonly kind: string; readonly id: string },
  ctx: ApiContext<TwilioCredentials>,
): Promise<ProviderEntityState | undefined> => {
  if (entity.kind !== 'message') return undefined;
  const message = await fetchMessage(entity.id, ctx);
  return message === undefined
    ? undefined
    : { kind: 'message', id: message.sid, field: 'status', value: message.status, object: message };
};

export const twilioApi: ProviderApi<TwilioCredentials> = {
  provider: 'twilio',
  credentials: TwilioCredentialsSchema,
  defaultBaseUrl: TWILIO_BASE_URL,
  // Twilio keeps messages until they are deleted (or its 400-day redaction): no short limit.
  retentionDays: 400,
  listSent,
  messageStatus,
  entityKinds: ['message'],
  entityState,
};
