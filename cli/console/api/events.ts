import { z } from 'zod';
import type { MessageStore } from '../../../functions/channels/message-store';
import { messageIdOf } from '../../../functions/channels/render';
import { EventQueries, type IndexPage, type ReceivedPage } from '../../../functions/operator/event-queries';
import { findByExternalId, recentlyReceived } from '../../../functions/operator/recent-events';
import { walkStore, type StorePosition, type StoreSelection } from '../../../functions/operator/store-walk';
import { matchesFilter, parseEntity } from '../../../functions/replay/request';
import type { EventStore } from '../../../functions/store/event-store';
import { RawBodyMissingError, readRawBody, type RawBodies } from '../../../functions/store/raw-bodies';
import { downstreamKeyOf } from '../../../functions/targets/index';
import { ATTENTION_STATUSES, type EventState, type EventStatus } from '../../../functions/store/records';
import { ALL_STATUSES, eventsByOurIds } from '../../commands/events';
import { masked } from '../../commands/messages';
import { parseTime } from '../../format';
import type { EventDetailAnswer, EventsAnswer, EventSummary } from '../contract';
import { contentTypeOf, type PayloadRedactor } from './redact';

/** A request the operator can fix: answered 400 with its sentence. */
export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** Index entries one search request reads at most before it answers with what it found and a cursor. */
export const MAX_SCANNED = 2000;
/** How far back a search with no `since` looks, as `events list` does. */
const DEFAULT_SEARCH_DAYS = 7;
/** How far back an id that is not ours is looked for as a provider's event id, as `events show` does. */
const DEFAULT_PROVIDER_ID_HOURS = 24;
/** Messages read after the event was received, oldest first, to find the ones it caused. */
const MESSAGES_READ = 500;

const text = () => z.string().trim().min(1).max(512);

/** The query string of GET /api/events (contract.ts). Unknown parameters are refused, so that a typo filters nothing silently. */
export const EventsQuerySchema = z
  .strictObject({
    id: text().optional(),
    correlationId: text().optional(),
    entity: z
      .string()
      .regex(/^[^:\s]+:\S+$/, 'entity must be written kind:id, e.g. customer:cus_123')
      .optional(),
    type: text().optional(),
    provider: text().optional(),
    tenant: text().optional(),
    status: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z.enum(ALL_STATUSES as [EventStatus, ...EventStatus[]], {
              error: `status must be among ${ALL_STATUSES.join(', ')}`,
            }),
          )
          .min(1),
      )
      .optional(),
    since: text().optional(),
    until: text().optional(),
    field: z
      .string()
      .regex(
        /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/,
        'field must be a dot path into the event, e.g. data.customer',
      )
      .optional(),
    value: z.string().max(512).optional(),
    cursor: z.string().max(8192).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => (q.field === undefined) === (q.value === undefined), 'field and value go together')
  .refine((q) => !q.entity || q.provider, 'entity needs provider (entities are per provider)');
export type EventsQuery = z.infer<typeof EventsQuerySchema>;

/** Where the next page starts: after a position of a status or entity walk, or of the received index. */
const CursorSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('walk'),
    position: z.object({
      statusIndex: z.int().min(0),
      offset: z.int().min(0),
      lastKey: z.record(z.string(), z.string()).optional(),
    }),
  }),
  z.object({
    kind: z.literal('received'),
    /** The receivedAt of the last entry read: the next page reads from there back. */
    until: z.iso.datetime(),
    /** Ids read at exactly `until` (events of one request share it). */
    seen: z.array(z.string()).max(1000),
  }),
]);
type Cursor = z.infer<typeof CursorSchema>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

const decodeCursor = (cursor: string): Cursor => {
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new BadRequest('cursor is not one this console gave; start the search again without it.');
  }
};

/** EventQueries that count the index entries they read, for `scanned`. */
class CountingQueries extends EventQueries {
  scanned = 0;

  override async receivedPage(...args: Parameters<EventQueries['receivedPage']>): Promise<ReceivedPage> {
    const page = await super.receivedPage(...args);
    this.scanned += page.scanned;
    return page;
  }

  override async attentionPage(...args: Parameters<EventQueries['attentionPage']>): Promise<IndexPage> {
    const page = await super.attentionPage(...args);
    this.scanned += page.entries.length;
    return page;
  }

  override async entityPage(...args: Parameters<EventQueries['entityPage']>): Promise<IndexPage> {
    const page = await super.entityPage(...args);
    this.scanned += page.entries.length;
    return page;
  }
}

export interface EventsDependencies {
  readonly client: ConstructorParameters<typeof EventQueries>[0];
  readonly tableName: string;
  readonly store: EventStore;
  readonly rawBodies: Pick<RawBodies, 'get'>;
  readonly messages: Pick<MessageStore, 'list' | 'getMany'>;
  /**
   * The configuration's target ids: a message's id derives from its event and target (decision
   * 0054), so the messages an event caused are read by id, whenever they were sent.
   */
  readonly targetIds: readonly string[];
  readonly redactor: PayloadRedactor;
  readonly now: Date;
}

export const summaryOf = (state: EventState): EventSummary => ({
  eventId: state.eventId,
  correlationId: state.correlationId,
  tenant: state.tenant,
  provider: state.provider,
  type: state.type,
  entity: `${state.entityKind}:${state.entityId}`,
  status: state.status,
  receivedAt: state.receivedAt,
  statusAt: state.statusAt,
  attempts: state.attempts ?? 0,
  ...(state.lastError === undefined ? {} : { lastError: state.lastError }),
});

/** The value at a dot path of the normalized event (`data.customer.id`); array elements by index. */
export const valueAt = (root: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    return (node as Record<string, unknown>)[key];
  }, root);

/** Whether a value found at a path is what the operator typed: strings as they are, anything else as JSON. */
export const fieldMatches = (found: unknown, wanted: string): boolean => {
  if (found === undefined) return false;
  if (typeof found === 'string') return found === wanted;
  return JSON.stringify(found) === wanted;
};

const timeOf = (value: string | undefined, now: Date, name: string): string | undefined => {
  if (value === undefined) return undefined;
  try {
    return parseTime(value, now, name);
  } catch (error) {
    throw new BadRequest(error instanceof Error ? error.message : String(error));
  }
};

/**
 * A page of events, newest first. By id (ours, a correlation id, else a provider's event id
 * received in the window) or correlation id, one page of what they name; by entity, or by
 * statuses that are all indexed (ATTENTION_STATUSES), that index; otherwise the received index
 * over the window (7 days unless `since` says), filtered by what its entries project (tenant,
 * provider, type), then by status. A payload field reads each candidate's payload. A page ends
 * when it is full or after {@link MAX_SCANNED} index entries, with a cursor to read on.
 */
export const searchEvents = async (deps: EventsDependencies, query: EventsQuery): Promise<EventsAnswer> => {
  const queries = new CountingQueries(deps.client, deps.tableName);
  const since = timeOf(query.since, deps.now, 'since');
  const until = timeOf(query.until, deps.now, 'until');
  if (since && until && since >= until) throw new BadRequest('since must be before until.');
  const filter = {
    filter: {
      tenant: query.tenant,
      provider: query.provider,
      type: query.type,
      entity: query.entity,
      since,
      until,
    },
    statuses: query.status,
  };
  const accepts = async (state: EventState): Promise<boolean> => {
    if (!matchesFilter(filter, state)) return false;
    if (query.field === undefined || query.value === undefined) return true;
    const payload = await deps.store.getPayload(state.eventId);
    return fieldMatches(valueAt(payload?.event, query.field), query.value);
  };
  const items: EventSummary[] = [];

  const lookup = query.id ?? query.correlationId;
  if (lookup !== undefined) {
    let states = await eventsByOurIds(queries, lookup);
    if (states.length === 0 && query.id !== undefined) {
      const window = {
        since: since ?? new Date(deps.now.getTime() - DEFAULT_PROVIDER_ID_HOURS * 3_600_000).toISOString(),
        until,
        now: deps.now,
      };
      const { found } = await findByExternalId(
        queries,
        { externalId: lookup, provider: query.provider, tenant: query.tenant },
        window,
      );
      states = await queries.states(found.map((entry) => entry.eventId));
    }
    for (const state of states) if (await accepts(state)) items.push(summaryOf(state));
    return { items: items.slice(0, query.limit), scanned: queries.scanned };
  }

  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const statuses = query.status ?? [];
  const indexed = statuses.length > 0 && statuses.every((s) => ATTENTION_STATUSES.has(s));
  if (query.entity || indexed) {
    if (cursor && cursor.kind !== 'walk')
      throw new BadRequest('cursor belongs to another search; start again without it.');
    const selection: StoreSelection = query.entity
      ? {
          entity: {
            tenant: query.tenant ?? 'default',
            provider: query.provider ?? '',
            ...parseEntity(query.entity),
          },
          statuses: [],
          newestFirst: true,
        }
      : { statuses, newestFirst: true };
    let position: StorePosition | undefined;
    for await (const { state, after } of walkStore(queries, selection, cursor?.position)) {
      if (position && (items.length === query.limit || queries.scanned >= MAX_SCANNED)) {
        // Another event exists: the page ends before it.
        return { items, next: encodeCursor({ kind: 'walk', position }), scanned: queries.scanned };
      }
      position = after;
      if (await accepts(state)) items.push(summaryOf(state));
    }
    return { items, scanned: queries.scanned };
  }

  if (cursor && cursor.kind !== 'received')
    throw new BadRequest('cursor belongs to another search; start again without it.');
  const windowSince =
    since ??
    new Date(Date.parse(until ?? deps.now.toISOString()) - DEFAULT_SEARCH_DAYS * 86_400_000).toISOString();
  // The cursor's time is included (events of one request share it); those already read are skipped.
  const windowUntil = cursor ? new Date(Date.parse(cursor.until) + 1).toISOString() : until;
  const seen = new Set(cursor?.seen);
  const entries = recentlyReceived(queries, { since: windowSince, until: windowUntil, now: deps.now }, 100)[
    Symbol.asyncIterator
  ]();
  /** The entry the page has read up to, and the ids read at its time. */
  let last = cursor ? { at: cursor.until, ids: [...seen] } : undefined;
  const answer = (more: boolean): EventsAnswer => ({
    items,
    ...(more && last ? { next: encodeCursor({ kind: 'received', until: last.at, seen: last.ids }) } : {}),
    scanned: queries.scanned,
  });
  for (;;) {
    // A batch of entries, filtered by what the index projects, then their states in one read.
    const batch: { eventId: string; receivedAt: string; candidate: boolean }[] = [];
    while (batch.length < 100) {
      const next = await entries.next();
      if (next.done) break;
      const entry = next.value;
      if (entry.receivedAt === cursor?.until && seen.has(entry.eventId)) continue;
      const candidate =
        (!query.tenant || entry.tenant === query.tenant) &&
        (!query.provider || entry.provider === query.provider) &&
        matchesFilter({ filter: { type: query.type } }, { ...entry, status: 'RECEIVED' });
      batch.push({ eventId: entry.eventId, receivedAt: entry.receivedAt, candidate });
    }
    const states = new Map(
      (await queries.states(batch.filter((b) => b.candidate).map((b) => b.eventId))).map((s) => [
        s.eventId,
        s,
      ]),
    );
    const ended = () => items.length === query.limit || queries.scanned >= MAX_SCANNED;
    for (const entry of batch) {
      // The entry is not read: the page ends before it.
      if (last && ended()) return answer(true);
      last =
        last?.at === entry.receivedAt
          ? { at: last.at, ids: [...last.ids, entry.eventId] }
          : { at: entry.receivedAt, ids: [entry.eventId] };
      const state = entry.candidate ? states.get(entry.eventId) : undefined;
      if (state && (await accepts(state))) items.push(summaryOf(state));
    }
    if (batch.length < 100) return answer(false);
    if (ended()) return answer(!(await entries.next()).done);
  }
};

/** Everything about one event, its payloads redacted; undefined when there is no such event. */
export const eventDetail = async (
  deps: EventsDependencies,
  eventId: string,
): Promise<EventDetailAnswer | undefined> => {
  const state = await new EventQueries(deps.client, deps.tableName).state(eventId);
  if (!state) return undefined;
  const payload = await deps.store.getPayload(eventId);
  let raw: EventDetailAnswer['raw'];
  if (payload) {
    const headers = deps.redactor.headers(payload.request.headers);
    try {
      const bytes = await readRawBody(deps, payload);
      raw = { headers, ...deps.redactor.body(bytes, contentTypeOf(payload.request.headers)) };
    } catch (error) {
      if (!(error instanceof RawBodyMissingError)) throw error;
      raw = { headers, body: `[The raw body cannot be read: ${error.message}.]`, truncated: false };
    }
  }
  // By id for each target of the configuration; the tenant's messages sent soon after the event
  // add those of targets the configuration no longer names, and of forced replays (another run key).
  const [byId, listed] = await Promise.all([
    deps.messages.getMany(deps.targetIds.map((target) => messageIdOf(downstreamKeyOf(eventId, target)))),
    deps.messages.list(state.tenant, state.receivedAt, MESSAGES_READ, 'oldest'),
  ]);
  const caused = new Map(
    [...byId, ...listed.filter((message) => message.causationEventId === eventId)].map((m) => [
      m.messageId,
      m,
    ]),
  );
  const messages = [...caused.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(masked);
  const summary = summaryOf(state);
  return {
    event: {
      ...summary,
      ...(summary.lastError === undefined ? {} : { lastError: deps.redactor.value(summary.lastError) }),
      idempotencyKey: state.idempotencyKey,
      externalId: state.externalId,
      providerType: state.providerType,
      occurredAt: state.occurredAt,
      ...(state.heldBy === undefined ? {} : { heldBy: state.heldBy }),
    },
    timeline: deps.redactor.value([...state.audit].sort((a, b) => a.at.localeCompare(b.at))),
    ...(raw ? { raw } : {}),
    ...(payload?.event ? { normalized: deps.redactor.value({ ...payload.event }) } : {}),
    ...(payload?.quarantineReason === undefined
      ? {}
      : { quarantineReason: deps.redactor.value(payload.quarantineReason) }),
    messages,
  };
};
