import { phoneNumberOf } from './conventions';
import { twilioSid } from './ids';
import { rfc2822, twilioQuery } from './twilio-api';
import {
  formField,
  isRecord,
  retryAfter,
  type Answer,
  type PlannedReceipt,
  type ProviderFake,
} from './types';

/**
 * Twilio's Create a Message (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
 * `POST /2010-04-01/Accounts/<AccountSid>/Messages.json`, HTTP Basic, a form body, `201` and the
 * Message resource (`sid` `SM…`, `status: queued`); errors are `{ code, message, more_info, status }`.
 * Receipts are status callbacks (form, `X-Twilio-Signature`) to the send's `StatusCallback`, `sent`
 * first, then `delivered`, `undelivered` (ErrorCode 30003) or, for WhatsApp, `read`.
 */

const SEND_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

const failure = (status: number, code: number, message: string, headers?: Answer['headers']): Answer => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  ...(headers ? { headers } : {}),
});

const UNAUTHENTICATED = failure(401, 20003, 'Authenticate');

const statusError = (status: number): Answer =>
  status === 429
    ? failure(429, 20429, 'Too Many Requests', retryAfter)
    : status === 401
      ? UNAUTHENTICATED
      : status >= 500
        ? failure(status, 20500, 'Internal Server Error')
        : failure(status, 21211, "Invalid 'To' Phone Number");

export const twilioFake: ProviderFake = {
  provider: 'twilio',
  authenticated: ({ headers }) => /^Basic\s+\S/i.test(headers.authorization ?? ''),
  unauthenticated: UNAUTHENTICATED,
  notFound: failure(404, 20404, 'The requested resource was not found'),
  error: statusError,
  query: twilioQuery,
  handle(request, ctx) {
    const accountSid = SEND_PATH.exec(request.path)?.[1];
    if (request.method !== 'POST' || accountSid === undefined) return undefined;
    const fields = request.body;
    const to = formField(fields, 'To');
    if (!isRecord(fields) || to === undefined)
      return { answer: failure(400, 21604, "A 'To' phone number is required.") };
    const fate = ctx.fate('phone', to);
    if (fate.kind === 'invalid')
      return { to, answer: failure(400, 21211, `Invalid 'To' Phone Number: ${phoneNumberOf(to)}`) };
    if (fate.kind === 'throttled') return { to, answer: statusError(429) };
    if (fate.kind === 'down') return { to, answer: statusError(500) };
    const sid = twilioSid('SM');
    const from = formField(fields, 'From') ?? '';
    const messagingServiceSid = formField(fields, 'MessagingServiceSid');
    const callbackUrl = formField(fields, 'StatusCallback');
    const whatsapp = to.toLowerCase().startsWith('whatsapp:');
    const receipt = (status: string, extra: Record<string, string> = {}): PlannedReceipt => ({
      info: { provider: 'twilio', providerMessageId: sid, to, event: status },
      ...(callbackUrl ? { callbackUrl } : {}),
      payload: () => ({
        kind: 'http',
        contentType: 'application/x-www-form-urlencoded',
        body: Buffer.from(
          new URLSearchParams({
            AccountSid: accountSid,
            ApiVersion: '2010-04-01',
            From: from,
            MessageSid: sid,
            MessageStatus: status,
            ...(messagingServiceSid ? { MessagingServiceSid: messagingServiceSid } : {}),
            SmsSid: sid,
            SmsStatus: status,
            To: to,
            ...(whatsapp ? { ChannelPrefix: 'whatsapp' } : {}),
            ...extra,
          }).toString(),
        ),
      }),
    });
    const receipts =
      fate.ending === 'failed' || fate.ending === 'bounced'
        ? [receipt('sent'), receipt('undelivered', { ErrorCode: '30003' })]
        : fate.ending === 'opened' && whatsapp
          ? [receipt('sent'), receipt('delivered'), receipt('read')]
          : [receipt('sent'), receipt('delivered')];
    const now = rfc2822(ctx.now());
    const body = formField(fields, 'Body') ?? '';
    const resource = {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: messagingServiceSid ?? null,
      num_media: '0',
      num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    };
    return { to, providerMessageId: sid, answer: { status: 201, body: resource }, receipts, kept: resource };
  },
};
