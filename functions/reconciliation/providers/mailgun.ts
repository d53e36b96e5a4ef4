import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import {
  mailgunAdapter,
  mailgunCredentialsSchema,
  type MailgunCredentials,
} from '#shared/channels/mailgun/index';
import type { ReceiptStatus } from '#shared/channels/contract';
import {
  ProviderApiError,
  type ApiContext,
  type ProviderApi,
  type ProviderMessageStatus,
  type SentPage,
  type SentRecord,
} from '#shared/reconciliation/contract';
import { getJson, inWindow, urlOf, type ApiCall } from '#shared/reconciliation/api-http';
import { finalStatusOf } from '#shared/reconciliation/final-status';

/**
 * Mailgun's Events API read back (docs/reconciliation.md): each event is what a webhook posts as
 * `event-data`, with the same `id`, so the `mailgun` normalize gives the webhook's key. The
 * rebuilt `signature` cannot be valid (only Mailgun holds the signing key): the run ingests what
 * the API answered under our credentials, and does not verify it.
 */

const PROVIDER = 'Mailgun';
const US_BASE_URL = mailgunAdapter.defaultBaseUrl;
const EU_BASE_URL = 'https://api.eu.mailgun.net';
/** The most events Mailgun lists in one page. */
const PAGE_SIZE = 300;
/** Pages of one message's events read at most: a message has a handful of events, not thousands. */
const MAX_STATUS_PAGES = 10;

/** Events Mailgun posts to webhooks (permanent_fail and temporary_fail are both `failed`). */
const WEBHOOK_EVENTS = ['delivered', 'failed', 'opened', 'clicked', 'unsubscribed', 'complained'] as const;

/** Reasons of a permanent failure that say the address is bad, as the channel adapter reads them. */
const BOUNCE_REASONS: ReadonlySet<string> = new Set(['bounce', 'suppress-bounce']);

export const mailgunOptionsSchema = z.object({
  /** The sending domain whose events are read, when it is not the credentials' domain. */
  domain: z.optional(z.string().check(z.minLength(1))),
  /** The events the domain's webhooks take. @default every event Mailgun posts to a webhook */
  events: z._default(z.array(z.enum(WEBHOOK_EVENTS)).check(z.minLength(1)), [...WEBHOOK_EVENTS]),
});

const optionalString = () => z.optional(z.nullable(z.string()));

/** One event: only the fields read here; the rest is kept as Mailgun sent it. */
const EventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  event: z.string().check(z.minLength(1)),
  timestamp: z.number(),
  severity: optionalString(),
  reason: optionalString(),
  'delivery-status': z.optional(
    z.nullable(z.looseObject({ message: optionalString(), description: optionalString() })),
  ),
});
type MailgunEvent = z.infer<typeof EventSchema>;

const PageSchema = z.looseObject({
  items: z.array(EventSchema),
  paging: z.optional(z.looseObject({ next: optionalString() })),
});
const ErrorSchema = z.looseObject({ message: z.optional(z.string()) });

const callOf = (credentials: MailgunCredentials): ApiCall => ({
  provider: PROVIDER,
  secrets: [credentials.apiKey],
  unauthorizedHint: 'check the API credentials',
  timeoutMs: 30_000,
  detailOf: (json) => {
    const parsed = ErrorSchema.safeParse(json);
    return parsed.success ? parsed.data.message : undefined;
  },
});

/** As the channel adapter: Mailgun's default host, unless the domain lives in the EU; a fake's URL as it is. */
const baseUrlOf = (ctx: ApiContext<MailgunCredentials>) =>
  ctx.baseUrl === US_BASE_URL && ctx.credentials.region === 'eu' ? EU_BASE_URL : ctx.baseUrl;

const eventsPath = (domain: string) => `/v3/${encodeURIComponent(domain)}/events`;

const readPage = async (path: string, ctx: ApiContext<MailgunCredentials>) => {
  const { value } = await getJson(
    callOf(ctx.credentials),
    ctx,
    urlOf(baseUrlOf(ctx), path),
    {
      Accept: 'application/json',
      Authorization: `Basic ${Buffer.from(`api:${ctx.credentials.apiKey}`, 'utf8').toString('base64')}`,
    },
    PageSchema,
    'a page of events',
  );
  return value;
};

/**
 * The next page as a path under the base URL: `paging.next` is an absolute URL on Mailgun's
 * host (or the fake's), and the credentials only ever go to the host the stack named.
 */
const nextPath = (next: string | null | undefined, domain: string): string | undefined => {
  if (!next) return undefined;
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    return undefined;
  }
  const start = url.pathname.indexOf(`${eventsPath(domain)}/`);
  return start < 0 ? undefined : `${url.pathname.slice(start)}${url.search}`;
};

const checkedCursor = (cursor: string, domain: string): string => {
  if (!cursor.startsWith(`${eventsPath(domain)}/`))
    throw new ProviderApiError(
      'refused',
      false,
      'the Mailgun page cursor is not a page of this domain’s events',
    );
  return cursor;
};

/** A webhook body for the event: its `event-data` as listed, and a signature part of the right shape. */
const webhookOf = (event: MailgunEvent): SentRecord => ({
  id: event.id,
  at: new Date(event.timestamp * 1000).toISOString(),
  request: {
    body: Buffer.from(
      JSON.stringify({
        signature: {
          timestamp: String(Math.floor(event.timestamp)),
          token: createHash('sha256').update(event.id).digest('hex').slice(0, 50),
          signature: '',
        },
        'event-data': event,
      }),
    ),
    headers: { 'content-type': 'application/json' },
  },
});

const listSent = async (
  range: { readonly since: Date; readonly until: Date; readonly cursor?: string },
  options: Readonly<Record<string, unknown>>,
  ctx: ApiContext<MailgunCredentials>,
): Promise<SentPage> => {
  const parsed = mailgunOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new ProviderApiError(
      'refused',
      false,
      `the mailgun reconciliation options are invalid: ${parsed.error.message}`,
    );
  const domain = parsed.data.domain ?? ctx.credentials.domain;
  const wanted: ReadonlySet<string> = new Set(parsed.data.events);
  const path =
    range.cursor === undefined
      ? `${eventsPath(domain)}?${new URLSearchParams({
          begin: String(Math.floor(range.since.getTime() / 1000)),
          end: String(Math.ceil(range.until.getTime() / 1000)),
          ascending: 'yes',
          limit: String(PAGE_SIZE),
        }).toString()}`
      : checkedCursor(range.cursor, domain);
  const page = await readPage(path, ctx);
  const records = page.items
    .filter((event) => wanted.has(event.event) && inWindow(event.timestamp * 1000, range))
    .map(webhookOf);
  // Mailgun always names a next page; the one after the last event is empty.
  const next = page.items.length === 0 ? undefined : nextPath(page.paging?.next, domain);
  return { records, ...(next === undefined ? {} : { next }) };
};

const reasonOf = (event: MailgunEvent): string | undefined =>
  event['delivery-status']?.message || event['delivery-status']?.description || event.reason || undefined;

/** What an event says of delivery, as the channel adapter reads its webhook; a temporary failure says nothing yet. */
const receiptOfEvent = (event: MailgunEvent): ReceiptStatus | undefined => {
  switch (event.event) {
    case 'delivered':
      return 'delivered';
    case 'opened':
      return 'opened';
    case 'failed':
      if (event.severity !== 'permanent') return undefined;
      return !event.reason || BOUNCE_REASONS.has(event.reason) ? 'bounced' : 'failed';
    case 'rejected':
      return 'failed';
    default:
      return undefined;
  }
};

/** Every event Mailgun lists for the message, oldest first. */
const eventsOfMessage = async (
  messageId: string,
  ctx: ApiContext<MailgunCredentials>,
): Promise<MailgunEvent[]> => {
  const domain = ctx.credentials.domain;
  const events: MailgunEvent[] = [];
  let path: string | undefined = `${eventsPath(domain)}?${new URLSearchParams({
    'message-id': messageId.replace(/^<(.*)>$/, '$1'),
    limit: String(PAGE_SIZE),
  }).toString()}`;
  for (let pages = 0; path !== undefined && pages < MAX_STATUS_PAGES; pages++) {
    const page: z.infer<typeof PageSchema> = await readPage(path, ctx);
    events.push(...page.items);
    path = page.items.length === 0 ? undefined : nextPath(page.paging?.next, domain);
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
};

/**
 * The message's fate from its events, ranked as receipts are (a late delivery never undoes a
 * bounce); no final event yet is pending, in the words of its last event.
 */
const messageStatus = async (
  providerMessageId: string,
  ctx: ApiContext<MailgunCredentials>,
): Promise<ProviderMessageStatus> => {
  const events = await eventsOfMessage(providerMessageId, ctx);
  const last = events.at(-1);
  if (last === undefined) return { kind: 'not-found' };
  const receipts = events.flatMap((event) => {
    const status = receiptOfEvent(event);
    if (status === undefined) return [];
    return [{ status, at: new Date(event.timestamp * 1000).toISOString(), reason: reasonOf(event) }];
  });
  return (
    finalStatusOf(receipts) ?? {
      kind: 'pending',
      providerStatus: last.severity ? `${last.event} (${last.severity})` : last.event,
    }
  );
};

export const mailgunApi: ProviderApi<MailgunCredentials> = {
  provider: 'mailgun',
  credentials: mailgunCredentialsSchema,
  defaultBaseUrl: US_BASE_URL,
  // What a free plan keeps; paid plans keep up to 30 days (docs/reconciliation.md).
  retentionDays: 5,
  listSent,
  messageStatus,
};
