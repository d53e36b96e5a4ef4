import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import {
  ChannelError,
  type AdapterContext,
  type ChannelAdapter,
  type Message,
  type Receipt,
  type ReceiptStatus,
  type SendResult,
} from '#shared/channels/contract';
import {
  answerError,
  callProvider,
  isOk,
  jsonOf,
  unreadableAnswer,
  urlOf,
  type ProviderAnswer,
} from '#shared/channels/http';

/**
 * SMS and WhatsApp through Twilio's Messages API (README.md beside this file). Receipts are the
 * status callbacks the `twilio` provider already verifies and normalizes, matched by MessageSid.
 */

const nonEmpty = () => z.string().check(z.minLength(1));

/** The JSON of the adapter's Secrets Manager secret. */
export const TwilioCredentialsSchema = z
  .object({
    accountSid: nonEmpty(),
    /** The account's auth token; or an API key (`apiKeySid` and `apiKeySecret`) in its place. */
    authToken: z.optional(nonEmpty()),
    apiKeySid: z.optional(nonEmpty()),
    apiKeySecret: z.optional(nonEmpty()),
    /** The sender: a Twilio number in E.164, a short code or an alphanumeric sender id. */
    from: z.optional(nonEmpty()),
    /** The WhatsApp sender, when it is not `from` (without `whatsapp:`, which the adapter adds). */
    whatsappFrom: z.optional(nonEmpty()),
    /** A Messaging Service that picks the sender from its pool; `from` wins when both are set. */
    messagingServiceSid: z.optional(nonEmpty()),
  })
  .check(
    z.refine(
      (c) => c.authToken !== undefined || (c.apiKeySid !== undefined && c.apiKeySecret !== undefined),
      'Twilio credentials need authToken, or apiKeySid with apiKeySecret',
    ),
    z.refine(
      (c) => c.from !== undefined || c.whatsappFrom !== undefined || c.messagingServiceSid !== undefined,
      'Twilio credentials need a sender: from, whatsappFrom or messagingServiceSid',
    ),
  );
export type TwilioCredentials = z.infer<typeof TwilioCredentialsSchema>;

export const TWILIO_BASE_URL = 'https://api.twilio.com';

/** Twilio's limit on a message's Body, in characters. */
export const MAX_BODY_CHARS = 1600;

const E164 = /^\+[1-9]\d{7,14}$/;
const WHATSAPP = 'whatsapp:';

/**
 * Twilio error codes that say this recipient cannot get this message (docs: twilio.com/docs/api/errors):
 * 21211 invalid 'To', 21610 unsubscribed (STOP), 21612 not reachable from this sender, 21614 not
 * a mobile number; WhatsApp 63003 no such address on the channel, 63016 outside the 24-hour
 * window (a template is needed), 63024 invalid recipient.
 */
const RECIPIENT_CODES: ReadonlySet<number> = new Set([21211, 21610, 21612, 21614, 63003, 63016, 63024]);
/** 20003: authentication failed. */
const AUTH_CODE = 20003;

/** Final statuses of a status callback, as receipts. Every other status is a step on the way. */
const RECEIPTS: Readonly<Record<string, ReceiptStatus>> = {
  delivered: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  read: 'opened',
};

/** The body of a text message, or undefined when the content is not text (a push, an email, a payload). */
const bodyOf = (message: Message): string | undefined => {
  const content = message.content;
  if ('subject' in content || 'title' in content || 'payload' in content) return undefined;
  return content.body;
};

const numberOf = (message: Message): string =>
  message.channel === 'whatsapp' && message.to.startsWith(WHATSAPP)
    ? message.to.slice(WHATSAPP.length)
    : message.to;

const validateTwilio = (message: Message): string | undefined => {
  if (message.channel !== 'sms' && message.channel !== 'whatsapp')
    return `twilio sends sms and whatsapp, not ${message.channel}`;
  const body = bodyOf(message);
  if (body === undefined) return 'twilio sends text content: { body }';
  // UTF-16 units, never fewer than Twilio's characters: a body this check passes, Twilio takes.
  if (body.length > MAX_BODY_CHARS)
    return `the body has ${body.length} characters, more than Twilio's ${MAX_BODY_CHARS}`;
  if (!E164.test(numberOf(message)))
    return `"${message.to}" is not a phone number in E.164 (+ and 8 to 15 digits)`;
  return undefined;
};

/** Who sends: `From` (with `whatsapp:` on that channel), else the Messaging Service; undefined when neither is set. */
const senderOf = (
  message: Message,
  credentials: TwilioCredentials,
): { readonly From: string } | { readonly MessagingServiceSid: string } | undefined => {
  const whatsapp = message.channel === 'whatsapp';
  const from = whatsapp ? (credentials.whatsappFrom ?? credentials.from) : credentials.from;
  if (from !== undefined)
    return { From: whatsapp && !from.startsWith(WHATSAPP) ? `${WHATSAPP}${from}` : from };
  return credentials.messagingServiceSid === undefined
    ? undefined
    : { MessagingServiceSid: credentials.messagingServiceSid };
};

/** The form Twilio's Messages API takes, in the order the official library writes it. */
export const twilioForm = (
  message: Message,
  credentials: TwilioCredentials,
  statusCallbackUrl: string | undefined,
): URLSearchParams => {
  const sender = senderOf(message, credentials);
  if (sender === undefined)
    throw new ChannelError(
      'bad-credentials',
      false,
      `the twilio credentials name no sender for ${message.channel}: set from, whatsappFrom or messagingServiceSid`,
    );
  const to = message.channel === 'whatsapp' ? `${WHATSAPP}${numberOf(message)}` : message.to;
  return new URLSearchParams({
    To: to,
    ...(statusCallbackUrl === undefined ? {} : { StatusCallback: statusCallbackUrl }),
    ...sender,
    Body: bodyOf(message) ?? '',
  });
};

const TwilioErrorSchema = z.object({ code: z.optional(z.number()), message: z.optional(z.string()) });
const TwilioMessageSchema = z.object({ sid: nonEmpty() });

/** Twilio's answer that is not 2xx, as the retry rules read it. */
const twilioError = (answer: ProviderAnswer): ChannelError => {
  const parsed = TwilioErrorSchema.safeParse(jsonOf(answer));
  const code = parsed.success ? parsed.data.code : undefined;
  const words = parsed.success ? parsed.data.message : undefined;
  const detail = words === undefined ? undefined : code === undefined ? words : `${code} ${words}`;
  if (answer.status === 401 || code === AUTH_CODE)
    return answerError('twilio', answer, { errorClass: 'unauthorized', detail });
  if (answer.status < 500 && answer.status !== 429 && code !== undefined && RECIPIENT_CODES.has(code))
    return answerError('twilio', answer, { errorClass: 'invalid-recipient', detail });
  return answerError('twilio', answer, { detail });
};

const basicAuth = (credentials: TwilioCredentials): string => {
  const user = credentials.apiKeySid ?? credentials.accountSid;
  const password = credentials.apiKeySid === undefined ? credentials.authToken : credentials.apiKeySecret;
  return `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
};

const sendTwilio = async (message: Message, ctx: AdapterContext<TwilioCredentials>): Promise<SendResult> => {
  const { credentials } = ctx;
  const url = urlOf(
    ctx.baseUrl,
    `/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`,
  );
  const answer = await callProvider({ fetch: ctx.fetch, provider: 'twilio', signal: ctx.signal }, url, {
    method: 'POST',
    headers: {
      authorization: basicAuth(credentials),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: twilioForm(message, credentials, ctx.statusCallbackUrl).toString(),
  });
  if (!isOk(answer)) throw twilioError(answer);
  const parsed = TwilioMessageSchema.safeParse(jsonOf(answer));
  if (!parsed.success) throw unreadableAnswer('twilio', 'names no message sid');
  return { providerMessageId: parsed.data.sid };
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/**
 * A receipt from a status callback the `twilio` provider normalized: `data.messageSid` and
 * `data.status`, with `data.errorCode` (and, for WhatsApp, the channel's own words) as the reason.
 */
const receiptOfTwilio = (event: IntegrationEvent): Receipt | undefined => {
  if (event.provider !== 'twilio') return undefined;
  const status = RECEIPTS[text(event.data.status) ?? ''];
  const providerMessageId = text(event.data.messageSid);
  if (status === undefined || providerMessageId === undefined) return undefined;
  const payload = event.data.payload;
  const channelWords =
    typeof payload === 'object' && payload !== null && 'ChannelStatusMessage' in payload
      ? text(payload.ChannelStatusMessage)
      : undefined;
  const code = text(event.data.errorCode);
  const reason =
    code === undefined
      ? channelWords
      : `Twilio error ${code}${channelWords === undefined ? '' : `: ${channelWords}`}`;
  return {
    providerMessageId,
    status,
    at: event.occurredAt,
    ...(status !== 'failed' || reason === undefined ? {} : { reason }),
  };
};

/**
 * No `find`: Twilio keeps no field of ours on a message, and its list filters only by To, From
 * and the day sent. Matching that list by Body would adopt another message with the same text
 * to the same number that day, and record as sent a message that never left: `onUncertain` decides.
 */
export const twilioAdapter: ChannelAdapter<TwilioCredentials> = {
  id: 'twilio',
  channels: ['sms', 'whatsapp'],
  credentials: TwilioCredentialsSchema,
  defaultBaseUrl: TWILIO_BASE_URL,
  validate: validateTwilio,
  send: sendTwilio,
  receiptOf: receiptOfTwilio,
};
