/**
 * A test hook (production code arms none), applying to the next `times` requests of one action
 * (default 1), then to the next fault queued for that action:
 * - `error`: the request fails with that AWS error code (and message, and status) and takes no effect;
 * - `throttle`: the request fails with the service's throttling error (`code` picks one where
 *   the service has several);
 * - `delay`: the request is held `ms` (of real time, unless the schedule is given the runtime's
 *   clock), then served;
 * - `dropResponse`: the request takes effect, then its answer is lost (the connection is
 *   destroyed; in process, a {@link ResponseDroppedError} is thrown).
 * With `matching`, a fault waits for a request it matches (given the parsed request, where the
 * emulator's protocol passes it): requests before it are served as if none were armed.
 */
export type EmulatorFault = (
  | {
      readonly kind: 'error';
      readonly code: string;
      readonly message?: string;
      readonly status?: number;
      readonly times?: number;
    }
  | { readonly kind: 'throttle'; readonly code?: string; readonly times?: number }
  | { readonly kind: 'delay'; readonly ms: number; readonly times?: number }
  | { readonly kind: 'dropResponse'; readonly times?: number }
) & { readonly matching?: (request: unknown) => boolean };

/** The faults that refuse a request instead of serving it. */
export type RefusingFault = Extract<EmulatorFault, { kind: 'error' | 'throttle' }>;

export class ResponseDroppedError extends Error {
  constructor(action: string) {
    super(`${action} took effect but its response was dropped (injected fault)`);
    this.name = 'ResponseDroppedError';
  }
}

/** What an emulator's test hooks see of its requests: a count and the armed faults, per action. */
export class FaultSchedule {
  constructor(
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  private readonly queues = new Map<string, EmulatorFault[]>();
  private readonly calls = new Map<string, number>();

  add(action: string, fault: EmulatorFault): void {
    this.queues.set(action, [...(this.queues.get(action) ?? []), fault]);
  }

  /** Counts a request of `action` and returns the fault that applies to it, if any, counting it down. */
  take(action: string, request?: unknown): EmulatorFault | undefined {
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
    const queue = this.queues.get(action);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    if (fault.matching && !fault.matching(request)) return undefined;
    const remaining = (fault.times ?? 1) - 1;
    if (remaining > 0) queue[0] = { ...fault, times: remaining };
    else queue.shift();
    return fault;
  }

  /**
   * Runs one request of `action` under its fault: held, refused with `refuse(fault)`, or served
   * and then answered with a {@link ResponseDroppedError}.
   */
  async run<T>(
    action: string,
    work: () => T | Promise<T>,
    refuse: (fault: RefusingFault) => Error,
    request?: unknown,
  ): Promise<T> {
    const fault = this.take(action, request);
    if (fault?.kind === 'delay') await this.sleep(fault.ms);
    if (fault?.kind === 'error' || fault?.kind === 'throttle') throw refuse(fault);
    const output = await work();
    if (fault?.kind === 'dropResponse') throw new ResponseDroppedError(action);
    return output;
  }

  clear(): void {
    this.queues.clear();
  }

  /** Faults still armed for `action`: 0 once the last one has been applied. */
  armed(action: string): number {
    return this.queues.get(action)?.length ?? 0;
  }

  /** Requests so far, by action (refused ones included). */
  counters(): Record<string, number> {
    return Object.fromEntries(this.calls);
  }

  resetCounters(): void {
    this.calls.clear();
  }
}

/**
 * The test hooks every emulator served over HTTP offers: request counts by action, and faults
 * for the next requests of an action.
 */
export abstract class FaultHooks {
  protected readonly faults: FaultSchedule;

  constructor(faults: FaultSchedule = new FaultSchedule()) {
    this.faults = faults;
  }

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /** Test hook for the next HTTP requests of `action`; see {@link EmulatorFault}. */
  injectFault(action: string, fault: EmulatorFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }
}
