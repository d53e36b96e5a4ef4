import type { Clock, Timer } from '../emulators/sqs';

interface PendingTimer {
  readonly dueAt: number;
  readonly order: number;
  readonly callback: () => void;
  handle?: NodeJS.Timeout;
}

/**
 * The one time source of the local runtime: real time plus an offset that only grows. Visibility
 * timeouts, leases, backoff, Lambda timeouts and Step Functions waits all read it, so a test
 * moves them together with {@link advance} instead of sleeping, while everything else flows at
 * real speed.
 *
 * Lambda workers run real bundles that read `Date`: the offset lives in shared memory that each
 * worker's bootstrap adds to `Date.now()` and `new Date()`, so handler code sees the same time
 * as the emulators without knowing it runs locally.
 */
export class RuntimeClock implements Clock {
  /** Handed to every Lambda worker; holds the offset in milliseconds as one 64-bit integer. */
  readonly offsetMemory = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  private readonly offset = new BigInt64Array(this.offsetMemory);
  private readonly pending = new Set<PendingTimer>();
  private armed = 0;

  now(): number {
    return Date.now() + Number(Atomics.load(this.offset, 0));
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer: PendingTimer = { dueAt: this.now() + Math.max(0, delayMs), order: this.armed++, callback };
    this.pending.add(timer);
    this.arm(timer);
    return {
      cancel: () => {
        clearTimeout(timer.handle);
        this.pending.delete(timer);
      },
    };
  }

  /** Resolves after `ms` of this clock's time; rejects with the signal's reason once aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        timer.cancel();
        reject(signal?.reason as Error);
      };
      const timer = this.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward by `ms` at once; the timers that fall due fire in due order before it returns. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    Atomics.add(this.offset, 0, BigInt(Math.round(ms)));
    const now = this.now();
    const due = [...this.pending]
      .filter((timer) => timer.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
    for (const timer of due) this.fire(timer);
    for (const timer of this.pending) this.arm(timer);
  }

  private arm(timer: PendingTimer): void {
    clearTimeout(timer.handle);
    timer.handle = setTimeout(() => this.fire(timer), Math.max(0, timer.dueAt - this.now()));
    // A pending timeout or long poll must never be what keeps a process (or Jest) alive.
    timer.handle.unref();
  }

  private fire(timer: PendingTimer): void {
    // A callback may cancel a timer that was due in the same advance.
    if (!this.pending.delete(timer)) return;
    clearTimeout(timer.handle);
    timer.callback();
  }
}
