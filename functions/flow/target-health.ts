import type { Target } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';

type AutoDisable = NonNullable<Extract<Target, { kind: 'http' }>['autoDisable']>;

/**
 * Failures that say the target is broken. A refusal of the event (a permanent 4xx) is the event's
 * fault; a 429 is the target asking us to slow down, which the shared limit honours; an open
 * circuit or a wait too long for the shared limit is this container declining to call.
 */
const NOT_THE_TARGETS_FAULT: ReadonlySet<string> = new Set(['http-429', 'circuit-open', 'rate-limited']);

export const countsAgainstTarget = (error: unknown): boolean =>
  error instanceof TargetError && error.retryable && !NOT_THE_TARGETS_FAULT.has(error.errorClass);

interface TargetCalls {
  consecutive: number;
  /** Calls in the window: [epoch ms, failed]. */
  calls: { at: number; failed: boolean }[];
  tripped: boolean;
}

/**
 * Watches each target's calls in this container and says when its `autoDisable` rule trips
 * (decision 0053). Kept per container, like the circuit breaker: a shared count would cost a
 * write per delivery, and a target that is down fails in every container alike. The disable
 * itself is shared (a pause in the table).
 */
export class TargetHealth {
  private readonly records = new Map<string, TargetCalls>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a call's outcome; returns why the target should be disabled when this call tripped
   * its rule (once, until a success resets it).
   */
  record(target: Target, error: unknown): string | undefined {
    const rule: AutoDisable | undefined = target.kind === 'http' ? target.autoDisable : undefined;
    if (!rule) return undefined;
    const failed = error !== undefined && countsAgainstTarget(error);
    if (error !== undefined && !failed) return undefined;
    const record = this.records.get(target.id) ?? { consecutive: 0, calls: [], tripped: false };
    this.records.set(target.id, record);
    const now = this.now();
    record.consecutive = failed ? record.consecutive + 1 : 0;
    if (!failed) record.tripped = false;
    const rate = rule.failureRate;
    if (rate) {
      record.calls.push({ at: now, failed });
      const since = now - rate.windowSeconds * 1000;
      while (record.calls.length > 0 && (record.calls[0]?.at ?? now) < since) record.calls.shift();
    }
    if (!failed || record.tripped) return undefined;
    let reason: string | undefined;
    if (record.consecutive >= rule.consecutiveFailures) reason = `${record.consecutive} failures in a row`;
    else if (rate && record.calls.length >= rate.minCalls) {
      const share = record.calls.filter((c) => c.failed).length / record.calls.length;
      if (share >= rate.threshold)
        reason = `${Math.round(share * 100)}% of ${record.calls.length} calls failed in ${rate.windowSeconds} s`;
    }
    if (reason) record.tripped = true;
    return reason;
  }
}
