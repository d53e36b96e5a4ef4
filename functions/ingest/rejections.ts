import type { EventStore } from '#shared/store/event-store';

/**
 * Counts refused requests in memory and writes them at most once a minute per container, so a
 * flood of bad signatures costs a bounded number of table writes however large it is. Metrics
 * (EMF, no table writes) carry every single rejection; this is the durable per-minute record.
 */
export class RejectionCounter {
  private pending = new Map<string, { counts: Record<string, number>; sample: string; minute: string }>();
  private lastFlush = 0;

  constructor(
    private readonly store: EventStore,
    private readonly provider: string,
    private readonly flushIntervalMs = 60_000,
  ) {}

  record(tenant: string, reason: string, sample: string, now: Date): void {
    const minute = now.toISOString().slice(0, 16);
    const window = this.pending.get(tenant) ?? { counts: {}, sample, minute };
    window.counts[reason] = (window.counts[reason] ?? 0) + 1;
    window.sample = sample;
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
        this.store.addRejections(this.provider, tenant, w.minute, w.counts, w.sample, now),
      ),
    );
    return results.filter((r) => r.status === 'fulfilled').length;
  }
}
