import * as z from 'zod/mini';
import {
  postmarkAdapter,
  postmarkCredentialsSchema,
  type PostmarkCredentials,
} from '#shared/channels/postmark/index';
import type { ReceiptStatus } from '#shared/channels/contract';
import {
  ProviderApiError,
  type ApiContext,
  type ProviderApi,
  type ProviderMessageStatus,
  type SentPage,
  type SentRecord,
} from '#shared/reconciliation/contract';
import { mapLimit } from '#shared/concurrency/map-limit';
import {
  answerJson,
  callApi,
  inWindow,
  urlOf,
  type ApiAnswer,
  type ApiCall,
} from '#shared/reconciliation/api-http';
import { finalStatusOf, type EventReceipt } from '#shared/reconciliation/final-status';

/**
 * Postmark's Messages and Bounces APIs read back (docs/reconciliation.md): deliveries from each
 * sent message's details, bounces and spam complaints from the bounces list, opens from the opens
 * list, each rebuilt as the webhook record Postmark posts, with the message's Metadata, so that
 * the `postmark` normalize gives the webhook's key (`<MessageID>:<the record's timestamp>`).
 */

const PROVIDER = 'Postmark';
/** The most records Postmark lists in one page. */
const PAGE_SIZE = 500;
/** Postmark answers no search whose offset and count pass 10,000. */
const MAX_SEARCH = 10_000;
/** Details calls in flight at once, within a page. */
const DETAILS_AT_ONCE = 4;
/** Postmark's "Message doesn't exist" (a 422). */
const NO_SUCH_MESSAGE = 701;

/** Bounce types that say the address is bad, and those after which Postmark gave up: as the channel adapter reads them. */
const BOUNCED_TYPES: ReadonlySet<string> = new Set(['HardBounce', 'BadEmailAddress']);
const FAILED_TYPES: ReadonlySet<string> = new Set([
  'SoftBounce',
  'Blocked',
  'ManuallyDeactivated',
  'DMARCPolicy',
  'TemplateRenderingFailed',
]);

export const postmarkOptionsSchema = z.object({
  /**
   * How many days before the window a message may have been sent and still be delivered inside
   * it: Postmark retries a deferred delivery for up to 72 hours. @default 3
   */
  eventLagDays: z._default(z.number().check(z.positive(), z.lte(45)), 3),
});

const optionalString = () => z.optional(z.nullable(z.string()));
const metadataSchema = z.optional(z.nullable(z.record(z.string(), z.string())));

const EventSchema = z.looseObject({
  Type: z.string(),
  ReceivedAt: z.string(),
  Recipient: optionalString(),
  Details: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
const DetailsSchema = z.looseObject({
  MessageID: z.string().check(z.minLength(1)),
  Status: optionalString(),
  Tag: optionalString(),
  MessageStream: optionalString(),
  Metadata: metadataSchema,
  MessageEvents: z.array(EventSchema),
});
type Details = z.infer<typeof DetailsSchema>;

const MessagesSchema = z.looseObject({
  TotalCount: z.number(),
  Messages: z.array(z.looseObject({ MessageID: z.string().check(z.minLength(1)) })),
});
const BounceSchema = z.looseObject({
  ID: z.number(),
  Type: z.string(),
  MessageID: optionalString(),
  Email: optionalString(),
  BouncedAt: z.string(),
});
const BouncesSchema = z.looseObject({ TotalCount: z.number(), Bounces: z.array(BounceSchema) });
const OpenSchema = z.looseObject({ MessageID: z.string().check(z.minLength(1)), ReceivedAt: z.string() });
const OpensSchema = z.looseObject({ TotalCount: z.number(), Opens: z.array(OpenSchema) });
const ErrorSchema = z.looseObject({ ErrorCode: z.optional(z.number()), Message: z.optional(z.string()) });

const callOf = (credentials: PostmarkCredentials): ApiCall => ({
  provider: PROVIDER,
  secrets: [credentials.serverToken],
  unauthorizedHint: 'check the API credentials',
  timeoutMs: 30_000,
  detailOf: (json) => {
    const parsed = ErrorSchema.safeParse(json);
    if (!parsed.success || parsed.data.Message === undefined) return undefined;
    return parsed.data.ErrorCode === undefined
      ? parsed.data.Message
      : `${parsed.data.Message} (ErrorCode ${parsed.data.ErrorCode})`;
  },
});

const isMissing = (answer: ApiAnswer): boolean => {
  if (answer.status === 404) return true;
  if (answer.status !== 422) return false;
  try {
    const parsed = ErrorSchema.safeParse(JSON.parse(answer.text));
    return parsed.success && parsed.data.ErrorCode === NO_SUCH_MESSAGE;
  } catch {
    return false;
  }
};

/** A GET whose 2xx answer is read through `schema`; undefined when Postmark has no such record. */
const read = async <Schema extends z.ZodMiniType>(
  path: string,
  schema: Schema,
  what: string,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<z.infer<Schema> | undefined> => {
  const call = callOf(ctx.credentials);
  const answer = await callApi(call, ctx, urlOf(ctx.baseUrl, path), {
    method: 'GET',
    headers: { Accept: 'application/json', 'X-Postmark-Server-Token': ctx.credentials.serverToken },
  });
  if (isMissing(answer)) return undefined;
  return answerJson(call, answer, schema, what).value;
};

const details = (messageId: string, ctx: ApiContext<PostmarkCredentials>) =>
  read(`/messages/outbound/${encodeURIComponent(messageId)}/details`, DetailsSchema, 'message details', ctx);

/**
 * Postmark reads `fromdate` and `todate` as US Eastern wall-clock time, to the second: the
 * window is widened to whole seconds here, and applied exactly to each record.
 */
const EASTERN = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
export const easternTime = (date: Date): string => {
  const parts = Object.fromEntries(EASTERN.formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
};

const DAY_MS = 86_400_000;

type Phase = 'deliveries' | 'bounces' | 'opens';
const PHASES: readonly Phase[] = ['deliveries', 'bounces', 'opens'];
const CursorSchema = z.object({ phase: z.enum(PHASES), offset: z.int().check(z.nonnegative()) });
type Cursor = z.infer<typeof CursorSchema>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
const decodeCursor = (text: string | undefined): Cursor => {
  if (text === undefined) return { phase: 'deliveries', offset: 0 };
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch (error) {
    throw new ProviderApiError('refused', false, 'the Postmark page cursor is not one this API wrote', {
      cause: error,
    });
  }
};

/** The cursor after a page of `count` records at `offset` of `total`: this phase's next page, else the next phase. */
const nextCursor = (cursor: Cursor, count: number, total: number): string | undefined => {
  const offset = cursor.offset + count;
  if (count > 0 && offset < total) return encodeCursor({ phase: cursor.phase, offset });
  const phase = PHASES[PHASES.indexOf(cursor.phase) + 1];
  return phase === undefined ? undefined : encodeCursor({ phase, offset: 0 });
};

const searchQuery = (offset: number, from: Date, to: Date): string =>
  new URLSearchParams({
    count: String(PAGE_SIZE),
    offset: String(offset),
    fromdate: easternTime(from),
    // Inclusive, to the second: a record in the window's last second is still listed.
    todate: easternTime(new Date(to.getTime() + 1000)),
  }).toString();

/** Postmark cannot page a search past 10,000 records: a window holding more must be cut smaller. */
const checkSearchable = (total: number, what: string): void => {
  if (total > MAX_SEARCH)
    throw new ProviderApiError(
      'refused',
      false,
      `Postmark lists ${total} ${what} in the window, more than the 10,000 its search pages through: reconcile postmark more often`,
    );
};

const record = (id: string, at: string, body: Record<string, unknown>): SentRecord => ({
  id,
  at: new Date(Date.parse(at)).toISOString(),
  request: { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } },
});

/** What the message's details add to a record its list lacks: the Metadata the webhook echoes. */
const metadataOf = (found: Details | undefined): Record<string, unknown> =>
  found?.Metadata ? { Metadata: found.Metadata } : {};

/** The message's details, each read once per page. */
const detailsCache = (ctx: ApiContext<PostmarkCredentials>) => {
  const cache = new Map<string, Promise<Details | undefined>>();
  return (messageId: string) => {
    const cached = cache.get(messageId) ?? details(messageId, ctx);
    cache.set(messageId, cached);
    return cached;
  };
};

const eventTime = (at: string) => Date.parse(at);

const deliveriesPage = async (
  range: { readonly since: Date; readonly until: Date },
  cursor: Cursor,
  lagDays: number,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<SentPage> => {
  const from = new Date(range.since.getTime() - lagDays * DAY_MS);
  const page = await read(
    `/messages/outbound?${searchQuery(cursor.offset, from, range.until)}`,
    MessagesSchema,
    'a page of outbound messages',
    ctx,
  );
  if (page === undefined)
    throw new ProviderApiError('refused', false, 'Postmark has no outbound messages API here');
  checkSearchable(page.TotalCount, 'outbound messages');
  const found = await mapLimit(page.Messages, DETAILS_AT_ONCE, (message) => details(message.MessageID, ctx));
  const records = found.flatMap((message) =>
    message === undefined
      ? []
      : message.MessageEvents.filter(
          (event) => event.Type === 'Delivered' && inWindow(eventTime(event.ReceivedAt), range),
        ).map((event) =>
          record(`${message.MessageID}:${event.ReceivedAt}`, event.ReceivedAt, {
            RecordType: 'Delivery',
            MessageStream: message.MessageStream ?? 'outbound',
            MessageID: message.MessageID,
            Recipient: event.Recipient ?? '',
            Tag: message.Tag ?? '',
            DeliveredAt: event.ReceivedAt,
            Details: typeof event.Details?.DeliveryMessage === 'string' ? event.Details.DeliveryMessage : '',
            ...metadataOf(message),
          }),
        ),
  );
  const next = nextCursor(cursor, page.Messages.length, page.TotalCount);
  return { records, ...(next === undefined ? {} : { next }) };
};

const bouncesPage = async (
  range: { readonly since: Date; readonly until: Date },
  cursor: Cursor,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<SentPage> => {
  const page = await read(
    `/bounces?${searchQuery(cursor.offset, range.since, range.until)}`,
    BouncesSchema,
    'a page of bounces',
    ctx,
  );
  if (page === undefined) throw new ProviderApiError('refused', false, 'Postmark has no bounces API here');
  checkSearchable(page.TotalCount, 'bounces');
  const inRange = page.Bounces.filter((bounce) => inWindow(eventTime(bounce.BouncedAt), range));
  const detailsOf = detailsCache(ctx);
  const found = await mapLimit(inRange, DETAILS_AT_ONCE, (bounce) =>
    bounce.MessageID ? detailsOf(bounce.MessageID) : Promise.resolve(undefined),
  );
  const records = inRange.map((bounce, index) =>
    // The key the normalize gives: a manual suppression has no MessageID, and is keyed by its address.
    record(`${bounce.MessageID || bounce.Email || ''}:${bounce.BouncedAt}`, bounce.BouncedAt, {
      ...bounce,
      // Postmark posts a spam complaint to its own webhook, with the bounce's fields.
      RecordType: bounce.Type === 'SpamComplaint' ? 'SpamComplaint' : 'Bounce',
      ...metadataOf(found[index]),
    }),
  );
  const next = nextCursor(cursor, page.Bounces.length, page.TotalCount);
  return { records, ...(next === undefined ? {} : { next }) };
};

const opensPage = async (
  range: { readonly since: Date; readonly until: Date },
  cursor: Cursor,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<SentPage> => {
  const page = await read(
    `/messages/outbound/opens?${searchQuery(cursor.offset, range.since, range.until)}`,
    OpensSchema,
    'a page of opens',
    ctx,
  );
  if (page === undefined) throw new ProviderApiError('refused', false, 'Postmark has no opens API here');
  checkSearchable(page.TotalCount, 'opens');
  const inRange = page.Opens.filter((open) => inWindow(eventTime(open.ReceivedAt), range));
  const detailsOf = detailsCache(ctx);
  const found = await mapLimit(inRange, DETAILS_AT_ONCE, (open) => detailsOf(open.MessageID));
  const records = inRange.map((open, index) =>
    record(`${open.MessageID}:${open.ReceivedAt}`, open.ReceivedAt, {
      ...open,
      RecordType: 'Open',
      ...metadataOf(found[index]),
    }),
  );
  const next = nextCursor(cursor, page.Opens.length, page.TotalCount);
  return { records, ...(next === undefined ? {} : { next }) };
};

const listSent = async (
  range: { readonly since: Date; readonly until: Date; readonly cursor?: string },
  options: Readonly<Record<string, unknown>>,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<SentPage> => {
  const parsed = postmarkOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new ProviderApiError(
      'refused',
      false,
      `the postmark reconciliation options are invalid: ${parsed.error.message}`,
    );
  const cursor = decodeCursor(range.cursor);
  switch (cursor.phase) {
    case 'deliveries':
      return deliveriesPage(range, cursor, parsed.data.eventLagDays, ctx);
    case 'bounces':
      return bouncesPage(range, cursor, ctx);
    case 'opens':
      return opensPage(range, cursor, ctx);
  }
};

/** What a message event says of delivery, as the channel adapter reads its webhook; a bounce needs its type. */
const receiptOfEvent = async (
  event: z.infer<typeof EventSchema>,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<{ status: ReceiptStatus; reason?: string } | undefined> => {
  if (event.Type === 'Delivered') return { status: 'delivered' };
  if (event.Type === 'Opened') return { status: 'opened' };
  if (event.Type !== 'Bounced') return undefined;
  const id = event.Details?.BounceID;
  const bounce =
    typeof id === 'number' || typeof id === 'string'
      ? await read(
          `/bounces/${encodeURIComponent(String(id))}`,
          z.looseObject({
            Type: z.string(),
            Description: optionalString(),
            Details: optionalString(),
          }),
          'a bounce',
          ctx,
        )
      : undefined;
  const summary = typeof event.Details?.Summary === 'string' ? event.Details.Summary : undefined;
  const reason = bounce?.Details || bounce?.Description || summary || bounce?.Type || 'bounced';
  if (bounce === undefined || BOUNCED_TYPES.has(bounce.Type)) return { status: 'bounced', reason };
  return FAILED_TYPES.has(bounce.Type) ? { status: 'failed', reason } : undefined;
};

/**
 * The message's fate from its details: every event it lists, ranked as receipts are (a late
 * delivery never undoes a bounce); none yet is pending, in Postmark's own status words.
 */
const messageStatus = async (
  providerMessageId: string,
  ctx: ApiContext<PostmarkCredentials>,
): Promise<ProviderMessageStatus> => {
  const found = await details(providerMessageId, ctx);
  if (found === undefined) return { kind: 'not-found' };
  const events = found.MessageEvents.filter((event) => Number.isFinite(eventTime(event.ReceivedAt))).sort(
    (a, b) => eventTime(a.ReceivedAt) - eventTime(b.ReceivedAt),
  );
  const receipts: EventReceipt[] = [];
  for (const event of events) {
    const receipt = await receiptOfEvent(event, ctx);
    if (receipt !== undefined)
      receipts.push({ ...receipt, at: new Date(eventTime(event.ReceivedAt)).toISOString() });
  }
  return finalStatusOf(receipts) ?? { kind: 'pending', providerStatus: found.Status ?? 'Sent' };
};

export const postmarkApi: ProviderApi<PostmarkCredentials> = {
  provider: 'postmark',
  credentials: postmarkCredentialsSchema,
  defaultBaseUrl: postmarkAdapter.defaultBaseUrl,
  // Postmark keeps messages and their events 45 days unless the server's retention is changed.
  retentionDays: 45,
  listSent,
  messageStatus,
};
