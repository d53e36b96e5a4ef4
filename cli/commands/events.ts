import type { Command } from 'commander';
import { EventQueries } from '../../functions/operator/event-queries';
import { walkStore } from '../../functions/operator/store-walk';
import { matchesFilter, parseEntity } from '../../functions/replay/request';
import { EventStore } from '../../functions/store/event-store';
import { maskSignatureHeaders } from '../../functions/store/masking';
import {
  ATTENTION_STATUSES,
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
      const selection =
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
        deps.output.out('No events match.');
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
      'Show an event (by event id or correlation id): status, normalized data, raw body location, audit timeline',
    )
    .action(async (id: string) => {
      const env = await deps.connect(globals());
      const tableName = env.output('EventTableName');
      const queries = new EventQueries(env.dynamodb, tableName);
      const store = new EventStore(env.dynamodb, { tableName, retentionDays: 1 });
      const direct = await queries.state(id);
      const states = direct ? [direct] : await queries.states(await queries.correlated(id));
      if (states.length === 0) throw new CliError(`No event has the id or correlation id ${id}.`);
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
