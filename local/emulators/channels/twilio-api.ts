import { twilioSid } from './ids';
import type { Answer, FakeRequest, KeptMessage, PlannedReceipt, QueryContext } from './types';

/**
 * Twilio's Messages API read side, as reconciliation calls it
 * (https://www.twilio.com/docs/messaging/api/message-resource): the list
 * `GET /2010-04-01/Accounts/<AccountSid>/Messages.json` (newest first, `DateSent>`/`DateSent<`
 * compared by day only, `PageSize`, paged by `next_page_uri`) and one message,
 * `GET …/Messages/<MessageSid>.json`. Each message's status is the last step its planned status
 * callbacks reached, dropped ones included.
 */

const API_VERSION = '2010-04-01';
const LIST_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** Twilio writes dates as RFC 2822. */
export const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000');

/** Twilio's words for the error codes the fake's receipts carry. */
const ERROR_MESSAGES: Readonly<Record<string, string>> = { '30003': 'Unreachable destination handset' };

const notFound = (path: string): Answer => ({
  status: 404,
  body: {
    code: 20404,
    message: `The requested resource ${path} was not found`,
    more_info: 'https://www.twilio.com/docs/errors/20404',
    status: 404,
  },
});

/** The Message resource as it stands: the send's answer, moved on by every receipt that happened. */
const resourceOf = (message: KeptMessage): Record<string, unknown> => {
  const record = message.record;
  const latest = message.happened.reduce<KeptMessage['happened'][number] | undefined>(
    (last, receipt) => (last === undefined || receipt.step > last.step ? receipt : last),
    undefined,
  );
  if (latest === undefined) return { ...record };
  const first = message.happened.reduce((a, b) => (b.at < a.at ? b : a));
  const form =
    latest.payload.kind === 'http' ? new URLSearchParams(latest.payload.body.toString('utf8')) : undefined;
  const errorCode = form?.get('ErrorCode');
  return {
    ...record,
    status: latest.info.event,
    date_sent: record.date_sent ?? rfc2822(first.at),
    date_updated: rfc2822(latest.at),
    error_code: errorCode ? Number(errorCode) : null,
    error_message: errorCode ? (ERROR_MESSAGES[errorCode] ?? null) : null,
  };
};

const dayOf = (text: string | null): string | undefined => {
  if (text === null) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
};

/** Twilio takes `DateSent>` as a date or a date-time, and compares the day alone. */
const dayFilter = (value: string | null): string | undefined =>
  value === null ? undefined : value.slice(0, 10);

const list = (accountSid: string, request: FakeRequest, ctx: QueryContext): Answer => {
  const q = request.query;
  const after = dayFilter(q.get('DateSent>'));
  const before = dayFilter(q.get('DateSent<'));
  const on = dayFilter(q.get('DateSent'));
  const to = q.get('To');
  const from = q.get('From');
  const matching = ctx.messages
    .filter((message) => message.provider === 'twilio' && message.record.account_sid === accountSid)
    .map(resourceOf)
    .filter((message) => {
      const day = dayOf(typeof message.date_sent === 'string' ? message.date_sent : null);
      if ((after ?? before ?? on) !== undefined && day === undefined) return false;
      if (day !== undefined && ((after && day < after) || (before && day > before) || (on && day !== on)))
        return false;
      return (to === null || message.to === to) && (from === null || message.from === from);
    })
    .reverse();
  const asked = Number(q.get('PageSize') ?? DEFAULT_PAGE_SIZE);
  const size = Math.min(
    Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE,
    ctx.pageSize ?? MAX_PAGE_SIZE,
  );
  // The page token names the last message of the page before: later sends do not shift the pages.
  const token = q.get('PageToken');
  const start =
    token === null ? 0 : matching.findIndex((message) => `PA${String(message.sid)}` === token) + 1;
  const messages = matching.slice(start, start + size);
  const page = Number(q.get('Page') ?? 0);
  const base = `/${API_VERSION}/Accounts/${accountSid}/Messages.json`;
  const uriOf = (extra: Record<string, string>) => {
    const params = new URLSearchParams(q);
    params.set('PageSize', String(size));
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    if (!('PageToken' in extra)) params.delete('PageToken');
    return `${base}?${params.toString()}`;
  };
  const last = messages.at(-1);
  return {
    status: 200,
    body: {
      messages,
      page,
      page_size: size,
      start: start,
      end: start + Math.max(messages.length - 1, 0),
      uri: uriOf({ Page: String(page) }),
      first_page_uri: uriOf({ Page: '0' }),
      previous_page_uri: null,
      next_page_uri:
        last !== undefined && start + messages.length < matching.length
          ? uriOf({ Page: String(page + 1), PageToken: `PA${String(last.sid)}` })
          : null,
    },
  };
};

export const twilioQuery = (request: FakeRequest, ctx: QueryContext): Answer | undefined => {
  if (request.method !== 'GET') return undefined;
  const listed = LIST_PATH.exec(request.path);
  if (listed?.[1] !== undefined) return list(listed[1], request, ctx);
  const one = MESSAGE_PATH.exec(request.path);
  if (one?.[1] === undefined || one[2] === undefined) return undefined;
  const [, accountSid, sid] = one;
  const message = ctx.messages.find(
    (kept) =>
      kept.provider === 'twilio' && kept.providerMessageId === sid && kept.record.account_sid === accountSid,
  );
  return message === undefined ? notFound(request.path) : { status: 200, body: resourceOf(message) };
};

/** An SMS (or WhatsApp message) someone sends to one of the account's numbers. */
export interface IncomingTwilioMessage {
  readonly accountSid: string;
  readonly from: string;
  /** The account's number that receives it. */
  readonly to: string;
  readonly body: string;
}

/**
 * An incoming message as Twilio keeps it (direction `inbound`, status `received`) and the
 * incoming-message webhook it posts to the number's messaging URL (the stack's twilio webhook).
 */
export const incomingTwilioMessage = (
  incoming: IncomingTwilioMessage,
  now: Date,
): { providerMessageId: string; kept: Record<string, unknown>; receipt: PlannedReceipt } => {
  const sid = twilioSid('SM');
  const segments = String(Math.max(1, Math.ceil(incoming.body.length / 160)));
  const created = rfc2822(now);
  return {
    providerMessageId: sid,
    kept: {
      account_sid: incoming.accountSid,
      api_version: API_VERSION,
      body: incoming.body,
      date_created: created,
      date_sent: created,
      date_updated: created,
      direction: 'inbound',
      error_code: null,
      error_message: null,
      from: incoming.from,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: segments,
      price: null,
      price_unit: 'USD',
      sid,
      status: 'received',
      to: incoming.to,
      uri: `/${API_VERSION}/Accounts/${incoming.accountSid}/Messages/${sid}.json`,
    },
    receipt: {
      info: { provider: 'twilio', providerMessageId: sid, to: incoming.to, event: 'received' },
      payload: () => ({
        kind: 'http',
        contentType: 'application/x-www-form-urlencoded',
        body: Buffer.from(
          new URLSearchParams({
            ToCountry: 'US',
            SmsMessageSid: sid,
            NumMedia: '0',
            SmsSid: sid,
            SmsStatus: 'received',
            Body: incoming.body,
            To: incoming.to,
            NumSegments: segments,
            MessageSid: sid,
            AccountSid: incoming.accountSid,
            From: incoming.from,
            ApiVersion: API_VERSION,
          }).toString(),
        ),
      }),
    },
  };
};
