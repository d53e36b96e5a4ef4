import type { Command } from 'commander';
import { EventQueries } from '../../functions/operator/event-queries';
import {
  findByExternalId,
  MAX_SEARCH_PAGES,
  recentlyReceived,
  type ReceivedWindow,
} from '../../functions/operator/recent-events';
import { walkStore, type StoreSelection } from '../../functions/operator/store-walk';
import { matchesFilter, parseEntity } from '../../functions/replay/request';
import { EventStore } from '../../functions/store/event-store';
import { maskSignatureHeaders } from '../../functions/store/masking';
import {
  ATTENTION_STATUSES,
  eventIdOf,
  idempotencyKeyOf,
  type EventState,
  type EventStatus,
  type RawLocation,
} from '../../functions/store/records';
import { CliError } from '../environment';
import { collect, json, parseTime, positiveInt, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

export const ALL_STATUSES: readonly EventStatus[] = [
  'RECEIVED',
  'QUARANTINED',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'PROCESSED',
  'DEAD_LETTERED',
  'STALE',
  'COMPENSATED',
  'COMPENSATION_FAILED',
  'HELD',
];

interface ListOptions {
  status?: string[];
  provider?: string;
  type?: string;
  entity?: string;
  tenant?: string;
  since?: string;
  until?: string;
  limit: number;
}

/** `a`, `a or b`, `a, b or c` (`and` for conditions that all hold). */
const listOf = (items: readonly string[], last: 'and' | 'or'): string =>
  items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;

/** `since X`, `before Y`, `since X and before Y`. */
const windowText = ({ since, until }: { since?: string; until?: string }): string =>
  [...(since ? [`since ${since}`] : []), ...(until ? [`before ${until}`] : [])].join(' and ');

/** The filter a listing applied, as the words of "No events with …". */
const filterText = (
  statuses: readonly EventStatus[],
  options: Pick<ListOptions, 'provider' | 'tenant' | 'type' | 'entity'>,
  { since, until }: { since?: string; until?: string },
): string => {
  const conditions = [
    ...(statuses.length > 0 ? [`status ${listOf(statuses, 'or')}`] : []),
    ...(options.provider ? [`provider ${options.provider}`] : []),
    ...(options.tenant ? [`tenant ${options.tenant}`] : []),
    ...(options.type ? [`type ${options.type}`] : []),
    ...(options.entity ? [`entity ${options.entity}`] : []),
  ];
  const received = windowText({ since, until });
  return `${listOf(conditions, 'and')}${received ? `, received ${received}` : ''}`;
};

/**
 * The stack's (provider, tenant) pairs, read from its webhook URL outputs (`…/webhooks/<provider>`
 * and `…/webhooks/<provider>/<tenant>`): output keys drop the dashes of ids, the URLs keep them.
 */
export const webhookRoutes = (
  outputs: Readonly<Record<string, string>>,
): { provider: string; tenant: string }[] =>
  Object.entries(outputs).flatMap(([key, value]) => {
    if (!key.startsWith('WebhookUrl') || !URL.canParse(value)) return [];
    const [, provider, tenant] = /\/webhooks\/([^/]+)(?:\/([^/]+))?\/?$/.exec(new URL(value).pathname) ?? [];
    return provider
      ? [{ provider: decodeURIComponent(provider), tenant: tenant ? decodeURIComponent(tenant) : 'default' }]
      : [];
  });

const listing = (states: readonly EventState[]): string =>
  table(
    ['EVENT', 'STATUS', 'TENANT', 'PROVIDER', 'TYPE', 'ENTITY', 'RECEIVED', 'LAST ERROR'],
    states.map((s) => [
      s.eventId,
      s.status,
      s.tenant,
      s.provider,
      s.type,
      `${s.entityKind}:${s.entityId}`,
      s.receivedAt,
      s.lastError,
    ]),
  );

interface ShowOptions {
  providerType?: string;
  provider?: string;
  tenant?: string;
  since?: string;
}

/** How far back `events list` with no filter looks unless --since says otherwise. */
const DEFAULT_LIST_DAYS = 7;
/** How far back `events show` looks for a provider's event id unless --since says otherwise. */
const DEFAULT_SHOW_SINCE = '24h';

const rawLocationText = (raw: RawLocation): string => {
  switch (raw.kind) {
    case 'inline':
      return 'inline in the payload item';
    case 'item':
      return `shared raw item ${raw.pk}`;
    case 's3':
      return `s3://${raw.bucket}/${raw.key}`;
  }
};

/** An event as `events show` presents it: its state, the timeline oldest first, its stored payload. */
export const showable = async (store: EventStore, state: EventState) => {
  const payload = await store.getPayload(state.eventId);
  const timeline = [...state.audit].sort((a, b) => a.at.localeCompare(b.at));
  return {
    state: { ...state, audit: timeline },
    event: payload?.event,
    quarantineReason: payload?.quarantineReason,
    raw: payload
      ? { ...payload.raw, description: rawLocationText(payload.raw), bytes: payload.rawBody?.length }
      : undefined,
    // Items stored before masking was introduced still hold live signatures: mask on the way out too.
    request: payload
      ? { ...payload.request, headers: maskSignatureHeaders(payload.request.headers) }
      : undefined,
    eventLocation: payload?.eventLocation,
  };
};

/** `events show`'s text for one event: its fields, its audit timeline and its normalized data. */
export const shownText = ({
  state,
  event,
  eventLocation,
  quarantineReason,
  raw,
}: Awaited<ReturnType<typeof showable>>): string =>
  [
    `Event ${state.eventId}  ${state.status} since ${state.statusAt}`,
    table(
      ['FIELD', 'VALUE'],
      [
        ['tenant', state.tenant],
        ['provider', state.provider],
        ['type', `${state.type} (${state.providerType})`],
        ['external id', state.externalId],
        ['entity', `${state.entityKind}:${state.entityId}`],
        ['message group', state.groupId],
        ['correlation id', state.correlationId],
        ['occurred', state.occurredAt],
        ['received', state.receivedAt],
        ['sends', state.sends],
        ['last error', state.lastError],
        ['raw body', raw?.description],
        ['quarantined', quarantineReason],
      ].filter(([, value]) => value !== undefined),
    ),
    '',
    'Audit timeline (oldest first):',
    table(
      ['AT', 'BY', 'ACTION', 'STATUS', 'DETAIL'],
      state.audit.map((a) => [a.at, a.by, a.action, a.status, a.detail]),
    ),
    ...moreDuplicates(state),
    '',
    event
      ? `Normalized data:\n${json(event.data)}`
      : eventLocation
        ? `Normalized event stored in s3://${eventLocation.bucket}/${eventLocation.key} (too large for the table).`
        : 'No normalized event (quarantined).',
  ].join('\n');

/** The duplicate deliveries the timeline no longer takes (decision 0046), as one line. */
const moreDuplicates = (state: EventState): string[] => {
  const inTimeline = state.audit.filter((a) => a.action === 'duplicate').length;
  const more = (state.duplicates ?? 0) - inTimeline;
  if (more <= 0) return [];
  return [
    `… and ${more} more duplicate deliver${more === 1 ? 'y' : 'ies'}, the latest at ${state.lastDuplicate?.at ?? 'an unknown time'} (${state.lastDuplicate?.detail ?? 'no detail'}); each is in the audit archive: relayflow audit query --event ${state.eventId}`,
  ];
};

/** Our event id, else a correlation id (one request can carry several events); none is []. */
export const eventsByOurIds = async (queries: EventQueries, id: string): Promise<EventState[]> => {
  const direct = await queries.state(id);
  return direct ? [direct] : queries.states(await queries.correlated(id));
};

/** {@link eventsByOurIds}, refusing an id of ours (`ev_…`) that names nothing. */
const byOurIds = async (queries: EventQueries, id: string): Promise<EventState[]> => {
  const states = await eventsByOurIds(queries, id);
  if (states.length === 0 && id.startsWith('ev_'))
    throw new CliError(
      `No event has the id or correlation id ${id}; if it expired (retentionDays), its timeline is in the audit archive: relayflow audit query --event ${id}.`,
    );
  return states;
};

/**
 * The events received since `window.since` whose provider's event id is `id`, found by reading
 * the recent-events index (bounded: decision 0043). The exact lookup, at any age, needs the
 * provider event type (byProviderEventId).
 */
const byRecentProviderEventId = async (
  queries: EventQueries,
  id: string,
  window: ReceivedWindow,
  options: Pick<ShowOptions, 'provider' | 'tenant'>,
): Promise<EventState[]> => {
  const { found, stoppedAt } = await findByExternalId(
    queries,
    { externalId: id, provider: options.provider, tenant: options.tenant },
    window,
  );
  const states = await queries.states(found.map((entry) => entry.eventId));
  if (states.length > 0) return states;
  const of = [
    ...(options.provider ? [`of provider ${options.provider}`] : []),
    ...(options.tenant ? [`for tenant ${options.tenant}`] : []),
  ].join(' ');
  const searched = stoppedAt
    ? `no event ${of ? `${of} ` : ''}received since ${stoppedAt} has it as the provider's event id (the search reads at most ${MAX_SEARCH_PAGES} pages of the index, and stopped before ${window.since})`
    : `no event ${of ? `${of} ` : ''}received since ${window.since} has it as the provider's event id`;
  const further = stoppedAt ? '' : 'search further back with --since (7d), or ';
  throw new CliError(
    `No event has the id or correlation id ${id}, and ${searched}; ${further}add its provider event type to look it up at any age: relayflow events show ${id} --provider-type <type> (payment_intent.succeeded for a Stripe one).`,
  );
};

/**
 * No index holds providers' event ids, but our event id is a digest of tenant, provider, provider
 * type and the provider's id (decision 3): the stack's providers and tenants name every event id
 * it can be, and those are point reads, however large the table.
 */
const byProviderEventId = async (
  queries: EventQueries,
  outputs: Readonly<Record<string, string>>,
  id: string,
  providerType: string,
  options: Pick<ShowOptions, 'provider' | 'tenant'>,
): Promise<EventState[]> => {
  const routes = webhookRoutes(outputs);
  const providers = options.provider ? [options.provider] : [...new Set(routes.map((r) => r.provider))];
  const tenants = options.tenant
    ? [options.tenant]
    : [...new Set(['default', ...routes.map((r) => r.tenant)])];
  const states = await queries.states(
    providers.flatMap((provider) =>
      tenants.map((tenant) => eventIdOf(idempotencyKeyOf(tenant, provider, providerType, id))),
    ),
  );
  if (states.length > 0) return states;
  throw new CliError(
    `No event has the provider's event id ${id} and provider type ${providerType} (providers ${listOf(providers, 'and') || 'none'}; tenants ${listOf(tenants, 'and')}).`,
  );
};

export const registerEvents = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const events = program.command('events').description('Find events and read their story');

  events
    .command('list')
    .description(
      'List the events received most recently, newest first, in any status; or, with a filter, events by status (default: every status that needs an operator) or by entity',
    )
    .option('--status <status>', `${ALL_STATUSES.join(' | ')} (repeat or comma-separate)`, collect)
    .option('--provider <id>', 'only events of this provider')
    .option('--type <type>', 'only this canonical type, or a glob (payment.*)')
    .option('--entity <kind:id>', "one entity's events in order (needs --provider)")
    .option('--tenant <id>', 'only this tenant')
    .option(
      '--since <time>',
      `received at or after: ISO 8601 or a duration back from now (2h); with no filter, default ${DEFAULT_LIST_DAYS}d`,
    )
    .option('--until <time>', 'received before')
    .option('--limit <n>', 'most events to show', positiveInt('--limit', 10_000), 50)
    .action(async (options: ListOptions) => {
      const statuses = options.status?.map((s) => s.toUpperCase()) as EventStatus[] | undefined;
      const unknown = statuses?.filter((s) => !ALL_STATUSES.includes(s)) ?? [];
      if (unknown.length > 0)
        throw new CliError(`--status must be one of ${ALL_STATUSES.join(', ')}, not ${unknown.join(', ')}.`);
      if (options.entity && !/^[^:\s]+:\S+$/.test(options.entity))
        throw new CliError('--entity must be written kind:id, e.g. customer:cus_123.');
      if (options.entity && !options.provider)
        throw new CliError('--entity needs --provider (entities are per provider).');
      const unindexed = (statuses ?? []).filter((s) => !ATTENTION_STATUSES.has(s));
      if (unindexed.length > 0 && !options.entity) {
        throw new CliError(
          `${unindexed.join(', ')} events are not indexed by status; list them with --entity, among the most recent events with events list and no filter, or look one up with events show.`,
        );
      }
      const now = deps.now();
      const filter = {
        tenant: options.tenant,
        provider: options.provider,
        type: options.type,
        entity: options.entity,
        since: options.since ? parseTime(options.since, now, '--since') : undefined,
        until: options.until ? parseTime(options.until, now, '--until') : undefined,
      };
      const env = await deps.connect(globals());
      const queries = new EventQueries(env.dynamodb, env.output('EventTableName'));
      if (!statuses && !options.provider && !options.type && !options.entity && !options.tenant) {
        const since =
          filter.since ??
          new Date(
            Date.parse(filter.until ?? now.toISOString()) - DEFAULT_LIST_DAYS * 86_400_000,
          ).toISOString();
        const ids: string[] = [];
        // A page per shard no larger than the listing: a short listing reads little.
        for await (const entry of recentlyReceived(
          queries,
          { since, until: filter.until, now },
          Math.min(options.limit, 100),
        )) {
          ids.push(entry.eventId);
          if (ids.length === options.limit) break;
        }
        // The index holds no status (a status change would rewrite it): read each event's own.
        const found = await queries.states(ids);
        if (globals().json) deps.output.out(json(found));
        else if (found.length === 0)
          deps.output.out(
            filter.since
              ? `No events received ${windowText(filter)}.`
              : `No events received ${windowText({ since, until: filter.until })} (by default, the last ${DEFAULT_LIST_DAYS} days); --since reaches further back.`,
          );
        else deps.output.out(listing(found));
        return;
      }
      const selection: StoreSelection =
        options.entity && options.provider
          ? {
              entity: {
                tenant: options.tenant ?? 'default',
                provider: options.provider,
                ...parseEntity(options.entity),
              },
              statuses: [],
            }
          : { statuses: statuses ?? [...ATTENTION_STATUSES] };
      const found: EventState[] = [];
      for await (const { state } of walkStore(queries, selection)) {
        if (!matchesFilter({ filter, statuses }, state)) continue;
        found.push(state);
        if (found.length === options.limit) break;
      }
      if (globals().json) {
        deps.output.out(json(found));
        return;
      }
      if (found.length === 0) {
        const applied = filterText(
          statuses ?? selection.statuses,
          // An entity's index partition is per tenant: without --tenant, the default tenant's.
          { ...options, tenant: selection.entity?.tenant ?? options.tenant },
          filter,
        );
        // A filter without --status reads the sparse status index: the recent-events index
        // (decision 0043) is keyed by time alone, so filtering it could read a day's events to
        // find none.
        deps.output.out(
          statuses || options.entity
            ? `No events with ${applied}.`
            : `No events with ${applied} (by default, the statuses that need an operator); events in other statuses are listed by entity (--entity kind:id --provider <id>), or among the most recent events by events list with no filter.`,
        );
        return;
      }
      deps.output.out(listing(found));
    });

  events
    .command('show <id>')
    .description(
      "Show an event (by event id, correlation id, or the provider's event id: received recently, or at any age with --provider-type): status, normalized data, raw body location, audit timeline",
    )
    .option(
      '--provider-type <type>',
      "read <id> as the provider's event id, of this provider event type (payment_intent.succeeded)",
    )
    .option('--provider <id>', "by the provider's event id: only this provider")
    .option('--tenant <id>', "by the provider's event id: only this tenant")
    .option(
      '--since <time>',
      `without --provider-type: how far back to look for the provider's event id, as ISO 8601 or a duration back from now (default ${DEFAULT_SHOW_SINCE})`,
    )
    .action(async (id: string, options: ShowOptions) => {
      if (options.since && options.providerType)
        throw new CliError(
          "--since bounds the search by the provider's event id; with --provider-type the lookup is exact, at any age.",
        );
      const now = deps.now();
      const since = parseTime(options.since ?? DEFAULT_SHOW_SINCE, now, '--since');
      const env = await deps.connect(globals());
      const tableName = env.output('EventTableName');
      const queries = new EventQueries(env.dynamodb, tableName);
      const store = new EventStore(env.dynamodb, { tableName, retentionDays: 1 });
      /** Lists the events an id is the provider's event id of, and says how to pick one. */
      const ambiguous = (states: readonly EventState[], narrow: string): CliError => {
        deps.output.out(
          globals().json
            ? json(states)
            : table(
                ['EVENT', 'STATUS', 'TENANT', 'PROVIDER', 'TYPE', 'RECEIVED'],
                states.map((s) => [s.eventId, s.status, s.tenant, s.provider, s.type, s.receivedAt]),
              ),
        );
        return new CliError(
          `${id} is the provider's event id of ${states.length} events (${listOf(
            states.map((s) => `${s.provider} for tenant ${s.tenant}`),
            'and',
          )}); show one by its event id, or narrow with ${narrow}.`,
        );
      };
      let states: EventState[];
      if (options.providerType) {
        states = await byProviderEventId(queries, env.outputs, id, options.providerType, options);
        if (states.length > 1) throw ambiguous(states, '--provider and --tenant');
      } else {
        states = await byOurIds(queries, id);
        if (states.length === 0) {
          states = await byRecentProviderEventId(queries, id, { since, now }, options);
          if (states.length > 1) throw ambiguous(states, '--provider, --tenant or --provider-type');
        }
      }
      const shown = [];
      for (const state of states) shown.push(await showable(store, state));
      if (globals().json) {
        deps.output.out(json(shown.length === 1 ? shown[0] : shown));
        return;
      }
      deps.output.out(shown.map(shownText).join('\n\n'));
    });
};
