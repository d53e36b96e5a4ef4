import { mapLimit } from '#shared/concurrency/map-limit';
import type { EventQueries } from '#shared/operator/event-queries';
import { recentlyReceived } from '#shared/operator/recent-events';
import type { DomainEventPublisher } from '#shared/producer/contract';
import type { ApiContext, ProviderApi, ProviderEntityState } from '#shared/reconciliation/contract';
import { errorLine } from '#shared/reconciliation/error-lines';
import { impliedStateReader, type ImpliedState } from '#shared/reconciliation/implied-state';
import { LISTED_IN_REPORT, type Drift } from '#shared/reconciliation/report';
import { withRetry, type RetryClock, type RetrySettings } from '#shared/reconciliation/retry';
import type { EventStore } from '#shared/store/event-store';
import type { EventState } from '#shared/store/records';

/** The canonical type of a drift event (docs/reconciliation.md): a route can send it to a workflow that repairs. */
export const DRIFT_EVENT_TYPE = 'reconciliation.drift';

/** Events of the lookback whose payloads one run reads at most, newest first. */
const MAX_EVENTS = 2000;
/** Index entries read per shard query while walking the lookback. */
const WALK_PAGE = 200;
const PARALLEL_READS = 8;

export interface DriftDependencies {
  readonly queries: EventQueries;
  readonly store: Pick<EventStore, 'getPayload'>;
  readonly api: ProviderApi<unknown>;
  readonly apiContext: ApiContext<unknown>;
  readonly publisher: DomainEventPublisher;
  readonly clock: RetryClock;
  readonly retry?: RetrySettings;
  readonly now: () => Date;
}

export interface DriftRequest {
  readonly provider: string;
  readonly tenant: string;
  readonly runId: string;
  readonly dryRun: boolean;
  readonly since: Date;
  /** The entity kinds configured for the provider (`subscription`, `invoice`, `message`). */
  readonly kinds: readonly string[];
}

export interface DriftResult {
  readonly checked: number;
  readonly drifted: number;
  readonly drifts: readonly Drift[];
  readonly errors: readonly string[];
}

/** The events the lookback holds for the provider and tenant that can say something of the kinds, newest first. */
const candidates = async (deps: DriftDependencies, request: DriftRequest): Promise<EventState[]> => {
  const reader = impliedStateReader(request.provider);
  const ids: string[] = [];
  for await (const entry of recentlyReceived(
    deps.queries,
    { since: request.since.toISOString(), now: deps.now() },
    WALK_PAGE,
  )) {
    if (entry.provider !== request.provider || entry.tenant !== request.tenant) continue;
    ids.push(entry.eventId);
    if (ids.length >= MAX_EVENTS) break;
  }
  const states = await deps.queries.states(ids);
  // Only what was applied: a stale, failed or held event implies nothing about the entity.
  const applied = states.filter(
    (state) => state.status === 'PROCESSED' && reader?.concerns(state.providerType, request.kinds),
  );
  return applied.sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
};

/** The newest implied state of each entity, read from the events' payloads. */
const impliedStates = async (
  deps: DriftDependencies,
  request: DriftRequest,
  states: readonly EventState[],
): Promise<Map<string, { implied: ImpliedState; eventId: string }>> => {
  const reader = impliedStateReader(request.provider);
  // Where the event's own entity is of a compared kind (a Twilio message), only its newest event matters.
  const seen = new Set<string>();
  const toRead = states.filter((state) => {
    if (!request.kinds.includes(state.entityKind)) return true;
    const key = `${state.entityKind}#${state.entityId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const read = await mapLimit(toRead, PARALLEL_READS, async (state) => {
    const payload = await deps.store.getPayload(state.eventId);
    return payload?.event && reader ? reader.read(payload.event, request.kinds) : undefined;
  });
  const newest = new Map<string, { implied: ImpliedState; eventId: string }>();
  read.forEach((implied, index) => {
    const state = toRead[index];
    if (!implied || !state) return;
    const key = `${implied.kind}#${implied.id}`;
    if (!newest.has(key)) newest.set(key, { implied, eventId: state.eventId });
  });
  return newest;
};

/**
 * Entity drift (issue 16): for each entity of a configured kind that the lookback's applied
 * events touched, the state the newest of them implies is compared with the provider's current
 * one; a mismatch publishes one `reconciliation.drift` event per run (keyed by the run), with
 * both sides and the provider's object, so a workflow can repair it. A drift that persists is
 * published again by the next run.
 */
export const reconcileDrift = async (
  deps: DriftDependencies,
  request: DriftRequest,
): Promise<DriftResult> => {
  const { provider, tenant, runId } = request;
  const result = { checked: 0, drifted: 0, drifts: [] as Drift[], errors: [] as string[] };
  const entityState = deps.api.entityState?.bind(deps.api);
  if (!entityState || !impliedStateReader(provider)) {
    result.errors.push(`${provider}: entity drift cannot be checked (its API reads no entity state)`);
    return result;
  }
  const entities = await impliedStates(deps, request, await candidates(deps, request));
  for (const { implied, eventId } of entities.values()) {
    let theirs: ProviderEntityState | undefined;
    try {
      ({ value: theirs } = await withRetry(
        () => entityState({ kind: implied.kind, id: implied.id }, deps.apiContext),
        deps.clock,
        deps.retry,
      ));
    } catch (error) {
      result.errors.push(errorLine(provider, tenant, `reading ${implied.kind} ${implied.id}`, error));
      return result;
    }
    result.checked += 1;
    if (!theirs || theirs.value === implied.value) continue;
    result.drifted += 1;
    const drift: Drift = {
      kind: implied.kind,
      id: implied.id,
      field: implied.field,
      ours: implied.value,
      theirs: theirs.value,
      eventId,
    };
    if (result.drifts.length < LISTED_IN_REPORT) result.drifts.push(drift);
    if (request.dryRun) continue;
    await deps.publisher.publish(
      tenant,
      [
        {
          type: DRIFT_EVENT_TYPE,
          entity: { kind: implied.kind, id: implied.id },
          data: { provider, ...drift, runId, object: { ...theirs.object } },
          idempotencyKey: `drift:${provider}:${implied.kind}:${implied.id}:${runId}`,
          occurredAt: deps.now().toISOString(),
        },
      ],
      { kind: 'reconciliation', provider, runId },
    );
  }
  return result;
};
