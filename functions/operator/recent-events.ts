import { RECEIVED_SHARDS } from '#shared/store/records';
import type { EventQueries, IndexKey, ReceivedEntry, ReceivedMatch } from '#shared/operator/event-queries';

/** Which events: those received at or after `since` and before `until` (ISO 8601 times). */
export interface ReceivedWindow {
  readonly since: string;
  /**
   * Without it the window is open-ended, so that an event stamped by a writer whose clock runs a
   * little ahead of this one is not left out; the walk then starts at `now`'s day.
   */
  readonly until?: string;
  readonly now: Date;
}

const DAY_MS = 86_400_000;

const startOf = (day: string) => Date.parse(`${day}T00:00:00.000Z`);

/** The UTC days (YYYY-MM-DD) the window covers, newest first. */
const daysOf = (window: ReceivedWindow): string[] => {
  if (window.until !== undefined && window.until <= window.since) return [];
  const first = window.since.slice(0, 10);
  const days: string[] = [];
  for (
    let day = (window.until ?? window.now.toISOString()).slice(0, 10);
    day >= first;
    day = new Date(startOf(day) - DAY_MS).toISOString().slice(0, 10)
  ) {
    days.push(day);
  }
  return days;
};

const shards = () => Array.from({ length: RECEIVED_SHARDS }, (_, shard) => shard);

/**
 * The events received in the window, newest first, from the byReceived index: a day's shards
 * are merged, then the day before is read. Each shard is read `pageSize` entries at a time, so
 * a caller that stops after n events has read about n + one page per shard.
 */
export async function* recentlyReceived(
  queries: EventQueries,
  window: ReceivedWindow,
  pageSize: number,
): AsyncGenerator<ReceivedEntry> {
  for (const day of daysOf(window)) {
    const cursors = shards().map((shard) => ({
      shard,
      buffer: [] as ReceivedEntry[],
      lastKey: undefined as IndexKey | undefined,
      done: false,
    }));
    const fill = async (cursor: (typeof cursors)[number]) => {
      while (cursor.buffer.length === 0 && !cursor.done) {
        const page = await queries.receivedPage(day, cursor.shard, {
          since: window.since,
          until: window.until,
          startKey: cursor.lastKey,
          limit: pageSize,
        });
        cursor.buffer = [...page.entries];
        cursor.lastKey = page.lastKey;
        cursor.done = !page.lastKey;
      }
    };
    await Promise.all(cursors.map(fill));
    for (;;) {
      let newest: (typeof cursors)[number] | undefined;
      for (const cursor of cursors) {
        const head = cursor.buffer[0];
        if (head && (!newest || head.receivedAt > (newest.buffer[0]?.receivedAt ?? ''))) newest = cursor;
      }
      const entry = newest?.buffer.shift();
      if (!newest || !entry) break;
      yield entry;
      await fill(newest);
    }
  }
}

/** Entries a search reads per query (DynamoDB also ends a page at 1 MB). */
const SEARCH_PAGE = 1000;

/**
 * Pages of index entries after which a search by the provider's event id stops (at the end of
 * the round of shard reads that reaches it): with ~270-byte entries, some 55 MB and 7,000 read
 * units on a busy table. Pages that read nothing (a quiet shard or day) do not count, so a quiet
 * table is searched back to `since` however far that is.
 */
export const MAX_SEARCH_PAGES = 200;

export interface ExternalIdSearch {
  /** Newest first. */
  readonly found: readonly ReceivedEntry[];
  /**
   * Set when the page cap stopped the search before `since`: the time back to which it read
   * every shard. Events received before it were not searched.
   */
  readonly stoppedAt?: string;
}

/**
 * The events in the window whose provider's event id is `match.externalId`: byReceived has no
 * key for it, so each day's shards are read newest first, side by side (so that the cap leaves
 * them about equally far back), with the match as a filter.
 */
export const findByExternalId = async (
  queries: EventQueries,
  match: ReceivedMatch,
  window: ReceivedWindow,
  { maxPages = MAX_SEARCH_PAGES, pageSize = SEARCH_PAGE }: { maxPages?: number; pageSize?: number } = {},
): Promise<ExternalIdSearch> => {
  const found: ReceivedEntry[] = [];
  const newestFirst = () => found.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  let pages = 0;
  for (const day of daysOf(window)) {
    if (pages >= maxPages)
      return { found: newestFirst(), stoppedAt: new Date(startOf(day) + DAY_MS).toISOString() };
    let open = shards().map((shard) => ({ shard, lastKey: undefined as IndexKey | undefined }));
    while (open.length > 0) {
      const read = await Promise.all(
        open.map(async (cursor) => ({
          cursor,
          page: await queries.receivedPage(day, cursor.shard, {
            since: window.since,
            until: window.until,
            match,
            startKey: cursor.lastKey,
            limit: pageSize,
          }),
        })),
      );
      for (const { page } of read) {
        found.push(...page.entries);
        if (page.scanned > 0) pages += 1;
      }
      open = read.flatMap(({ cursor, page }) => (page.lastKey ? [{ ...cursor, lastKey: page.lastKey }] : []));
      if (open.length > 0 && pages >= maxPages) {
        // Each open shard has read everything received after its resume point; all of them, after the latest.
        const reached = open.map(({ lastKey }) => String(lastKey?.receivedAt)).sort();
        return { found: newestFirst(), stoppedAt: reached.at(-1) };
      }
    }
  }
  return { found: newestFirst() };
};
