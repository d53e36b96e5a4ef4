import type { EventState, EventStatus } from '#shared/store/records';
import type { EventQueries, IndexKey } from '#shared/operator/event-queries';

/** What to walk: ids, one entity, or the index partitions of some statuses, in that preference. */
export interface StoreSelection {
  readonly eventIds?: readonly string[];
  readonly entity?: {
    readonly tenant: string;
    readonly provider: string;
    readonly kind: string;
    readonly id: string;
  };
  readonly statuses: readonly EventStatus[];
  /** Walk an entity or a status newest first (by occurrence, by status change); ids keep their order. */
  readonly newestFirst?: boolean;
}

/** Where a walk stands: after the `offset`-th id, or after `lastKey` in the `statusIndex`-th partition. */
export interface StorePosition {
  readonly statusIndex: number;
  readonly lastKey?: IndexKey;
  readonly offset: number;
}

export const START: StorePosition = { statusIndex: 0, offset: 0 };

/** Index entries read per query: a page is also one BatchGetItem of its states. */
const PAGE = 100;

/**
 * Walks the selected events from `from`, yielding each state with the position just after it,
 * so that a caller can stop after any event and resume there. Reads the state items themselves
 * (strongly consistent); an index entry whose event has since left the status is passed over.
 */
export async function* walkStore(
  queries: EventQueries,
  selection: StoreSelection,
  from: StorePosition = START,
): AsyncGenerator<{ state: EventState; after: StorePosition }> {
  if (selection.eventIds) {
    for (let offset = from.offset; offset < selection.eventIds.length; offset += PAGE) {
      const ids = selection.eventIds.slice(offset, offset + PAGE);
      const states = new Map((await queries.states(ids)).map((s) => [s.eventId, s]));
      for (const [i, id] of ids.entries()) {
        const state = states.get(id);
        if (state) yield { state, after: { statusIndex: 0, offset: offset + i + 1 } };
      }
    }
    return;
  }
  const entity = selection.entity;
  if (entity) {
    yield* walkIndex(
      queries,
      (startKey) => queries.entityPage(entity, { startKey, limit: PAGE, newestFirst: selection.newestFirst }),
      0,
      from.lastKey,
      undefined,
    );
    return;
  }
  for (let statusIndex = from.statusIndex; statusIndex < selection.statuses.length; statusIndex += 1) {
    const status = selection.statuses[statusIndex];
    if (!status) continue;
    const startKey = statusIndex === from.statusIndex ? from.lastKey : undefined;
    yield* walkIndex(
      queries,
      (key) =>
        queries.attentionPage(status, { startKey: key, limit: PAGE, newestFirst: selection.newestFirst }),
      statusIndex,
      startKey,
      status,
    );
  }
}

async function* walkIndex(
  queries: EventQueries,
  page: (startKey: IndexKey | undefined) => ReturnType<EventQueries['attentionPage']>,
  statusIndex: number,
  startKey: IndexKey | undefined,
  status: EventStatus | undefined,
): AsyncGenerator<{ state: EventState; after: StorePosition }> {
  let key = startKey;
  do {
    const { entries, lastKey } = await page(key);
    const states = new Map((await queries.states(entries.map((e) => e.eventId))).map((s) => [s.eventId, s]));
    for (const entry of entries) {
      const state = states.get(entry.eventId);
      if (state && (!status || state.status === status)) {
        yield { state, after: { statusIndex, lastKey: entry.key, offset: 0 } };
      }
    }
    key = lastKey;
  } while (key);
}
