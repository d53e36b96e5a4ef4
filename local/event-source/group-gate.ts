/**
 * Serializes batches that share a FIFO message group, in the order they were admitted.
 *
 * SQS's own group lock already keeps a group from being in two batches at once; this gate makes
 * the mapping keep that promise even against a queue that does not, so a group's messages never
 * reach two invocations concurrently and are handed over in receive order.
 */
export class GroupGate {
  private readonly tails = new Map<string, Promise<void>>();

  /** Reserves the groups now; `ready` resolves once every earlier holder of them has released. */
  admit(groups: Iterable<string>): { ready: Promise<void>; release: () => void } {
    const held = [...new Set(groups)];
    const releaser: { release: () => void } = { release: () => undefined };
    const done = new Promise<void>((resolve) => {
      releaser.release = resolve;
    });
    const previous = held.map((group) => this.tails.get(group) ?? Promise.resolve());
    for (const group of held) this.tails.set(group, done);
    void done.then(() => {
      for (const group of held) if (this.tails.get(group) === done) this.tails.delete(group);
    });
    return { ready: Promise.all(previous).then(() => undefined), release: releaser.release };
  }

  get activeGroups(): number {
    return this.tails.size;
  }
}
