/**
 * Fault injection for tests (never used by production code). A fault is armed for one action and
 * applies to the next `times` calls of it (default 1), over HTTP and in process alike:
 * - `error`: the call fails with that SQS error code (and message) without taking effect;
 * - `dropResponse`: the call takes effect, then the connection is destroyed without an answer
 *   (in process: a {@link ResponseDroppedError} is thrown), as when a response is lost in transit;
 * - `delay`: the call waits `ms` of real time before it runs.
 */
export type Fault =
  | { readonly kind: 'error'; readonly code: string; readonly message?: string; readonly times?: number }
  | { readonly kind: 'dropResponse'; readonly times?: number }
  | { readonly kind: 'delay'; readonly ms: number; readonly times?: number };

export class ResponseDroppedError extends Error {
  constructor(action: string) {
    super(`${action} took effect but its response was dropped (injected fault)`);
    this.name = 'ResponseDroppedError';
  }
}

interface Armed {
  readonly fault: Fault;
  remaining: number;
}

export class FaultRegistry {
  private readonly armed = new Map<string, Armed[]>();

  inject(action: string, fault: Fault): void {
    const list = this.armed.get(action) ?? [];
    list.push({ fault, remaining: fault.times ?? 1 });
    this.armed.set(action, list);
  }

  clear(): void {
    this.armed.clear();
  }

  /** The fault that applies to this call of `action`, consuming one of its uses. */
  take(action: string): Fault | undefined {
    const list = this.armed.get(action);
    const head = list?.[0];
    if (list === undefined || head === undefined) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) list.shift();
    if (list.length === 0) this.armed.delete(action);
    return head.fault;
  }
}
