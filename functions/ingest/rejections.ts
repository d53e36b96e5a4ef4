import type { EventStore } from '#shared/store/event-store';

/**
 * Sources counted one by one in a container's minute; the rest of a spread-out flood is counted
 * under `other`, so that the durable record stays bounded whatever the number of addresses.
 */
export const SOURCES_PER_MINUTE = 20;

/** The source a rejection is counted under once a minute's distinct sources are used up. */
export const OTHER_SOURCES = 'other';

interface Window {
  readonly minute: string;
  /** Per reason. */
  readonly counts: Record<string, number>;
  /** Per `<source IP>|<reason>`. */
  readonly bySource: Map<string, number>;
}

/**
 * Counts refused requests in memory and writes them at most once a minute per container, so a
 * flood of bad signatures costs a bounded number of table writes however large it is (decision
 * 0004). Metrics (EMF, no table writes) carry every single rejection; this is the durable
 * per-minute record, by reason and by source address, that the audit archive keeps.
 */
export class RejectionCounter {
  private pending = new Map<string, Window>();
  private lastFlush = 0;

  constructor(
    private readonly store: EventStore,
    private readonly provider: string,
    private readonly flushIntervalMs = 60_000,
  ) {}

  record(tenant: string, reason: string, sourceIp: string, now: Date): void {
    const minute = now.toISOString().slice(0, 16);
    const window: Window = this.pending.get(tenant) ?? { minute, counts: {}, bySource: new Map() };
    window.counts[reason] = (window.counts[reason] ?? 0) + 1;
    const own = `${sourceIp}|${reason}`;
    const key =
      window.bySource.has(own) || window.bySource.size < SOURCES_PER_MINUTE
        ? own
        : `${OTHER_SOURCES}|${reason}`;
    window.bySource.set(key, (window.bySource.get(key) ?? 0) + 1);
    this.pending.set(tenant, window);
  }

  /** Writes the pending counts if the interval has passed. Never throws: counting must not fail a request. */
  async flushIfDue(now: Date): Promise<number> {
    if (this.pending.size === 0 || now.getTime() - this.lastFlush < this.flushIntervalMs) return 0;
    this.lastFlush = now.getTime();
    const windows = [...this.pending.entries()];
    this.pending.clear();
    const results = await Promise.allSettled(
      windows.map(([tenant, w]) =>
        this.store.addRejections(
          this.provider,
          tenant,
          w.minute,
          w.counts,
          Object.fromEntries(w.bySource),
          now,
        ),
      ),
    );
    return results.filter((r) => r.status === 'fulfilled').length;
  }
}
