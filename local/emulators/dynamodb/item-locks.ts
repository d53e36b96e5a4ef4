import type { WireItem } from './capacity';

/** Serializes the calls that touch the same items, so that a write and its bracketing reads are atomic. */
export class ItemLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for every item of `items`, in one global order so that two callers cannot deadlock. */
  async lock(items: readonly { readonly table: string; readonly key: WireItem }[]): Promise<() => void> {
    const keys = [...new Set(items.map(({ table, key }) => lockKey(table, key)))].sort();
    const releases: (() => void)[] = [];
    for (const key of keys) releases.push(await this.acquire(key));
    return () => releases.forEach((release) => release());
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

function lockKey(table: string, key: WireItem): string {
  return `${table}\u0000${JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)))}`;
}
