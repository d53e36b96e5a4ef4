import type { Answer, FakeRequest, KeptMessage, QueryContext } from './types';
import { isRecord } from './types';

/**
 * Postmark's read APIs, as reconciliation and the adapter's `find` call them
 * (https://postmarkapp.com/developer/api/messages-api, …/bounce-api): outbound message search
 * `GET /messages/outbound` (newest first, `count` and `offset`, `fromdate`/`todate` in US Eastern
 * wall-clock time, `recipient`, `metadata_<key>`), `GET /messages/outbound/<id>/details` with its
 * MessageEvents, `GET /messages/outbound/opens`, `GET /bounces` and `GET /bounces/<id>`. Every
 * event is the webhook record as it happened, dropped ones included.
 */

const MAX_COUNT = 500;
const MAX_SEARCH = 10_000;
const DETAILS_PATH = /^\/messages\/outbound\/([^/]+)\/details$/;
const BOUNCE_PATH = /^\/bounces\/(\d+)$/;

const error = (status: number, ErrorCode: number, Message: string): Answer => ({
  status,
  body: { ErrorCode, Message },
});

/** Eastern wall-clock time to the second, as Postmark reads `fromdate` and `todate`. */
const EASTERN = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'America/New_York',
  dateStyle: 'short',
  timeStyle: 'medium',
});
const easternOf = (iso: string): string => EASTERN.format(new Date(iso)).replace(' ', 'T');

/** The webhook records that happened to a message, parsed back from their bodies. */
const recordsOf = (message: KeptMessage): Record<string, unknown>[] =>
  message.happened.flatMap((receipt) => {
    if (receipt.payload.kind !== 'http') return [];
    const record: unknown = JSON.parse(receipt.payload.body.toString('utf8'));
    return isRecord(record) ? [record] : [];
  });

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A webhook record as the message's details list it. */
const messageEventOf = (record: Record<string, unknown>): Record<string, unknown> | undefined => {
  switch (record.RecordType) {
    case 'Delivery':
      return {
        Recipient: record.Recipient,
        Type: 'Delivered',
        ReceivedAt: record.DeliveredAt,
        Details: {
          DeliveryMessage: text(record.Details),
          DestinationServer: 'mx.local',
          DestinationIP: '127.0.0.1',
        },
      };
    case 'Bounce':
      return {
        Recipient: record.Email,
        Type: 'Bounced',
        ReceivedAt: record.BouncedAt,
        Details: { Summary: text(record.Description), BounceID: record.ID },
      };
    case 'Open':
      return {
        Recipient: record.Recipient,
        Type: 'Opened',
        ReceivedAt: record.ReceivedAt,
        Details: { Summary: 'Email opened with RelayFlow local fake' },
      };
    default:
      return undefined;
  }
};

const postmarkMessages = (ctx: QueryContext) =>
  ctx.messages.filter((message) => message.provider === 'postmark');

/** A message as the search lists it: no bodies, no events. */
const summaryOf = (message: KeptMessage): Record<string, unknown> => {
  const { TextBody: _text, HtmlBody: _html, ...summary } = message.record;
  return summary;
};

const detailsOf = (message: KeptMessage): Record<string, unknown> => ({
  ...message.record,
  Body: text(message.record.HtmlBody) || text(message.record.TextBody),
  MessageEvents: recordsOf(message)
    .map(messageEventOf)
    .filter((event) => event !== undefined)
    .sort((a, b) => Date.parse(text(a.ReceivedAt)) - Date.parse(text(b.ReceivedAt))),
});

/**
 * One page of `items`, newest first by `timeOf`, within `fromdate`/`todate`; a count over 500 or
 * a search past 10,000 records is refused as Postmark refuses it.
 */
const search = (
  request: FakeRequest,
  ctx: QueryContext,
  items: readonly Record<string, unknown>[],
  timeOf: (item: Record<string, unknown>) => string,
  key: string,
): Answer => {
  const q = request.query;
  const count = Number(q.get('count'));
  const offset = Number(q.get('offset') ?? 0);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)
    return error(422, 0, "The 'count' parameter is required and must be between 1 and 500.");
  if (!Number.isInteger(offset) || offset < 0 || offset + count > MAX_SEARCH)
    return error(422, 0, 'Offset and count cannot exceed 10,000 records.');
  const from = q.get('fromdate');
  const to = q.get('todate');
  const matching = items
    .filter((item) => {
      const eastern = easternOf(timeOf(item));
      return (from === null || eastern >= from) && (to === null || eastern <= to);
    })
    .sort((a, b) => Date.parse(timeOf(b)) - Date.parse(timeOf(a)));
  const size = Math.min(count, ctx.pageSize ?? MAX_COUNT);
  return { status: 200, body: { TotalCount: matching.length, [key]: matching.slice(offset, offset + size) } };
};

const outboundSearch = (request: FakeRequest, ctx: QueryContext): Answer => {
  const q = request.query;
  const recipient = q.get('recipient');
  const metadata = [...q].filter(([name]) => name.startsWith('metadata_'));
  const messages = postmarkMessages(ctx)
    .filter(
      (message) =>
        recipient === null ||
        (Array.isArray(message.record.Recipients) && message.record.Recipients.includes(recipient)),
    )
    .filter((message) =>
      metadata.every(([name, value]) => {
        const kept = message.record.Metadata;
        return isRecord(kept) && kept[name.slice('metadata_'.length)] === value;
      }),
    )
    .map(summaryOf);
  return search(request, ctx, messages, (message) => text(message.ReceivedAt), 'Messages');
};

const bounces = (ctx: QueryContext) =>
  postmarkMessages(ctx)
    .flatMap(recordsOf)
    .filter((record) => record.RecordType === 'Bounce')
    .map(({ RecordType: _type, Metadata: _metadata, ...bounce }) => bounce);

const opens = (ctx: QueryContext) =>
  postmarkMessages(ctx)
    .flatMap(recordsOf)
    .filter((record) => record.RecordType === 'Open')
    .map(({ Metadata: _metadata, FirstOpen: _first, ...open }) => open);

export const postmarkQuery = (request: FakeRequest, ctx: QueryContext): Answer | undefined => {
  if (request.method !== 'GET') return undefined;
  switch (request.path) {
    case '/messages/outbound':
      return outboundSearch(request, ctx);
    case '/messages/outbound/opens':
      return search(request, ctx, opens(ctx), (open) => text(open.ReceivedAt), 'Opens');
    case '/bounces':
      return search(request, ctx, bounces(ctx), (bounce) => text(bounce.BouncedAt), 'Bounces');
  }
  const detailsId = DETAILS_PATH.exec(request.path)?.[1];
  if (detailsId !== undefined) {
    const message = postmarkMessages(ctx).find((kept) => kept.providerMessageId === detailsId);
    return message === undefined
      ? error(422, 701, 'This message was not found.')
      : { status: 200, body: detailsOf(message) };
  }
  const bounceId = BOUNCE_PATH.exec(request.path)?.[1];
  if (bounceId === undefined) return undefined;
  const bounce = bounces(ctx).find((found) => String(found.ID) === bounceId);
  return bounce === undefined ? error(422, 0, 'This bounce was not found.') : { status: 200, body: bounce };
};
