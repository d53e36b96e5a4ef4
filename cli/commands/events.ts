import type { Command } from 'commander';
import { EventQueries } from '../../functions/operator/event-queries';
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

const ALL_STATUSES: readonly EventStatus[] = [
  'RECEIVED',
  'QUARANTINED',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'PROCESSED',
  'DEAD_LETTERED',
  'STALE',
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
  const received = [...(since ? [`since ${since}`] : []), ...(until ? [`before ${until}`] : [])];
  return `${listOf(conditions, 'and')}${received.length > 0 ? `, received ${received.join(' and ')}` : ''}`;
};

/**
 * The stack's (provider, tenant) pairs, read from its webhook URL outputs (`…/webhooks/<provider>`
 * and `…/webhooks/<provider>/<tenant>`): output keys drop the dashes of ids, the URLs keep them.
 */
const webhookRoutes = (outputs: Readonly<Record<string, string>>): { provider: string; tenant: string }[] =>
  Object.entries(outputs).flatMap(([key, value]) => {
    if (!key.startsWith('WebhookUrl') || !URL.canParse(value)) return [];
    const [, provider, tenant] = /\/webhooks\/([^/]+)(?:\/([^/]+))?\/?$/.exec(new URL(value).pathname) ?? [];
    return provider
      ? [{ provider: decodeURIComponent(provider), tenant: tenant ? decodeURIComponent(tenant) : 'default' }]
      : [];
  });

interface ShowOptions {
  providerType?: string;
  provider?: string;
  tenant?: string;
}

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

/** Our event id, else a correlation id (one request can carry several events). */
const byOurIds = async (queries: EventQueries, id: string): Promise<EventState[]> => {
  const direct = await queries.state(id);
  const states = direct ? [direct] : await queries.states(await queries.correlated(id));
  if (states.length > 0) return states;
  if (id.startsWith('ev_')) throw new CliError(`No event has the id or correlation id ${id}.`);
  throw new CliError(
    `No event has the id or correlation id ${id}; if it is the provider's event id, add its provider event type: relayflow events show ${id} --provider-type <type> (payment_intent.succeeded for a Stripe one).`,
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
    .description('List events by status (default: every status that needs an operator) or by entity')
    .option('--status <status>', `${ALL_STATUSES.join(' | ')} (repeat or comma-separate)`, collect)
    .option('--provider <id>', 'only events of this provider')
    .option('--type <type>', 'only this canonical type, or a glob (payment.*)')
    .option('--entity <kind:id>', "one entity's events in order (needs --provider)")
    .option('--tenant <id>', 'only this tenant')
    .option('--since <time>', 'received at or after: ISO 8601 or a duration back from now (2h)')
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
          `${unindexed.join(', ')} events are not indexed by status; list them with --entity or look one up with events show.`,
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
        // The default lists what the sparse status index holds: the table has no index by time
        // (decision 0002), so "everything recent" is not a query it can answer.
        deps.output.out(
          statuses || options.entity
            ? `No events with ${applied}.`
            : `No events with ${applied} (by default, the statuses that need an operator); events in other statuses are listed only by entity (--entity kind:id --provider <id>) or looked up one at a time with events show.`,
        );
        return;
      }
      deps.output.out(
        table(
          ['EVENT', 'STATUS', 'TENANT', 'PROVIDER', 'TYPE', 'ENTITY', 'RECEIVED', 'LAST ERROR'],
          found.map((s) => [
            s.eventId,
            s.status,
            s.tenant,
            s.provider,
            s.type,
            `${s.entityKind}:${s.entityId}`,
            s.receivedAt,
            s.lastError,
          ]),
        ),
      );
    });

  events
    .command('show <id>')
    .description(
      "Show an event (by event id, correlation id, or the provider's event id with --provider-type): status, normalized data, raw body location, audit timeline",
    )
    .option(
      '--provider-type <type>',
      "read <id> as the provider's event id, of this provider event type (payment_intent.succeeded)",
    )
    .option('--provider <id>', 'with --provider-type: only this provider')
    .option('--tenant <id>', 'with --provider-type: only this tenant')
    .action(async (id: string, options: ShowOptions) => {
      if ((options.provider || options.tenant) && !options.providerType)
        throw new CliError(
          "--provider and --tenant narrow a lookup by the provider's event id; add --provider-type.",
        );
      const env = await deps.connect(globals());
      const tableName = env.output('EventTableName');
      const queries = new EventQueries(env.dynamodb, tableName);
      const store = new EventStore(env.dynamodb, { tableName, retentionDays: 1 });
      const states = options.providerType
        ? await byProviderEventId(queries, env.outputs, id, options.providerType, options)
        : await byOurIds(queries, id);
      if (states.length > 1 && options.providerType) {
        deps.output.out(
          globals().json
            ? json(states)
            : table(
                ['EVENT', 'STATUS', 'TENANT', 'PROVIDER', 'TYPE', 'RECEIVED'],
                states.map((s) => [s.eventId, s.status, s.tenant, s.provider, s.type, s.receivedAt]),
              ),
        );
        throw new CliError(
          `${id} is the provider's event id of ${states.length} events (${listOf(
            states.map((s) => `${s.provider} for tenant ${s.tenant}`),
            'and',
          )}); show one by its event id, or narrow with --provider and --tenant.`,
        );
      }
      const shown = [];
      for (const state of states) {
        const payload = await store.getPayload(state.eventId);
        const timeline = [...state.audit].sort((a, b) => a.at.localeCompare(b.at));
        shown.push({
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
        });
      }
      if (globals().json) {
        deps.output.out(json(shown.length === 1 ? shown[0] : shown));
        return;
      }
      deps.output.out(
        shown
          .map(({ state, event, eventLocation, quarantineReason, raw }) =>
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
              '',
              event
                ? `Normalized data:\n${json(event.data)}`
                : eventLocation
                  ? `Normalized event stored in s3://${eventLocation.bucket}/${eventLocation.key} (too large for the table).`
                  : 'No normalized event (quarantined).',
            ].join('\n'),
          )
          .join('\n\n'),
      );
    });
};
