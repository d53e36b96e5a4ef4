import type { Answer, FakeRequest, KeptMessage, QueryContext } from './types';
import { isRecord } from './types';

/**
 * Mailgun's Events API, as reconciliation and the adapter's `find` call it
 * (https://documentation.mailgun.com/docs/mailgun/api-reference/openapi-final/tag/Events/):
 * `GET /v3/<domain>/events` with `begin`/`end` (epoch seconds or RFC 2822), `ascending`,
 * `limit`, and the filters `event`, `recipient` and `message-id`; each page names the next as an
 * absolute URL, `GET /v3/<domain>/events/<token>`, and the page after the last is empty. Every
 * event is the webhook's `event-data` as it happened, dropped ones included, after the
 * message's `accepted`.
 */

const EVENTS_PATH = /^\/v3\/([^/]+)\/events(?:\/([^/]+))?$/;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 300;
/** Where the channel fakes serve this fake. */
const PREFIX = '/mailgun';

const FILTERS = ['begin', 'end', 'ascending', 'limit', 'event', 'recipient', 'message-id'] as const;

interface PageToken {
  readonly query: Readonly<Record<string, string>>;
  readonly offset: number;
}

const failure = (status: number, message: string): Answer => ({ status, body: { message } });

/** Every event of a message, `accepted` first, then each receipt's `event-data`. */
const eventsOf = (message: KeptMessage): Record<string, unknown>[] => [
  ...(isRecord(message.record.accepted) ? [message.record.accepted] : []),
  ...message.happened.flatMap((receipt) => {
    if (receipt.payload.kind !== 'http') return [];
    const body: unknown = JSON.parse(receipt.payload.body.toString('utf8'));
    const data = isRecord(body) ? body['event-data'] : undefined;
    return isRecord(data) ? [data] : [];
  }),
];

/** Epoch seconds from `begin`/`end`: a number, or an RFC 2822 date. */
const secondsOf = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? Number.NaN : ms / 1000;
};

const timestampOf = (event: Record<string, unknown>) =>
  typeof event.timestamp === 'number' ? event.timestamp : 0;

const messageIdOf = (event: Record<string, unknown>): string | undefined => {
  const headers = isRecord(event.message) ? event.message.headers : undefined;
  return isRecord(headers) && typeof headers['message-id'] === 'string' ? headers['message-id'] : undefined;
};

const encode = (token: PageToken) => Buffer.from(JSON.stringify(token)).toString('base64url');
const decode = (text: string): PageToken | undefined => {
  try {
    const token: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return isRecord(token) && isRecord(token.query) && typeof token.offset === 'number'
      ? (token as unknown as PageToken)
      : undefined;
  } catch {
    return undefined;
  }
};

const page = (domain: string, token: PageToken, request: FakeRequest, ctx: QueryContext): Answer => {
  const q = token.query;
  const begin = secondsOf(q.begin);
  const end = secondsOf(q.end);
  if (Number.isNaN(begin) || Number.isNaN(end)) return failure(400, 'Invalid begin or end time');
  const limit = Number(q.limit ?? DEFAULT_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    return failure(400, `Invalid limit: it must be between 1 and ${MAX_LIMIT}`);
  const wanted = q.event?.split(/\s+OR\s+/);
  const bareId = q['message-id']?.replace(/^<(.*)>$/, '$1');
  const ascending = q.ascending === 'yes';
  const events = ctx.messages
    .filter((message) => message.provider === 'mailgun' && message.record.domain === domain)
    .flatMap(eventsOf)
    .filter((event) => {
      const at = timestampOf(event);
      return (
        (begin === undefined || at >= begin) &&
        (end === undefined || at <= end) &&
        (wanted === undefined || wanted.includes(String(event.event))) &&
        (q.recipient === undefined || event.recipient === q.recipient) &&
        (bareId === undefined || messageIdOf(event) === bareId)
      );
    })
    .sort((a, b) => (ascending ? timestampOf(a) - timestampOf(b) : timestampOf(b) - timestampOf(a)));
  const size = Math.min(limit, ctx.pageSize ?? MAX_LIMIT);
  const items = events.slice(token.offset, token.offset + size);
  const urlOf = (offset: number) =>
    `http://${request.headers.host ?? '127.0.0.1'}${PREFIX}/v3/${domain}/events/${encode({ query: q, offset })}`;
  return {
    status: 200,
    body: {
      items,
      paging: {
        first: urlOf(0),
        last: urlOf(Math.max(0, events.length - size)),
        next: urlOf(token.offset + items.length),
        previous: urlOf(Math.max(0, token.offset - size)),
      },
    },
  };
};

export const mailgunQuery = (request: FakeRequest, ctx: QueryContext): Answer | undefined => {
  const match = EVENTS_PATH.exec(request.path);
  if (request.method !== 'GET' || match?.[1] === undefined) return undefined;
  const [, domain, pageToken] = match;
  if (pageToken === undefined) {
    const query = Object.fromEntries(
      FILTERS.flatMap((name) => {
        const value = request.query.get(name);
        return value === null ? [] : [[name, value]];
      }),
    );
    return page(domain, { query, offset: 0 }, request, ctx);
  }
  const token = decode(pageToken);
  return token === undefined ? failure(400, 'Invalid page token') : page(domain, token, request, ctx);
};
