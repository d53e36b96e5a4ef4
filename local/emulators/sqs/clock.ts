/**
 * Time source of the SQS emulator. Every time-dependent rule (visibility timeouts, delays, the
 * 5-minute deduplication window, retention, long-poll deadlines) reads `now()` and schedules with
 * `setTimer`, so that a test can swap in a {@link ManualClock} and move time forward instead of
 * sleeping.
 */
export interface Clock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): Timer;
}

export interface Timer {
  cancel(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    // A pending long poll must never be what keeps a process (or Jest) alive.
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface ScheduledTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; timers fire, in due order, during {@link advance}. */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 0;
  private timers: ScheduledTimer[] = [];

  constructor(start: number = Date.UTC(2025, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const timer: ScheduledTimer = {
      id: this.nextId++,
      dueAt: this.current + Math.max(0, delayMs),
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  /** Moves time forward by `ms`, firing each timer that falls due at its own due time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.dueAt);
      if (!next.cancelled) next.callback();
    }
    this.current = target;
  }

  /** Number of timers waiting to fire; lets a test see that nothing is left scheduled. */
  pendingTimers(): number {
    return this.timers.length;
  }

  private nextDue(limit: number): ScheduledTimer | undefined {
    let best: ScheduledTimer | undefined;
    for (const timer of this.timers) {
      if (timer.dueAt > limit) continue;
      if (
        best === undefined ||
        timer.dueAt < best.dueAt ||
        (timer.dueAt === best.dueAt && timer.id < best.id)
      ) {
        best = timer;
      }
    }
    return best;
  }
}
