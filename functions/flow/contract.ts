/**
 * Flow control's seams (issue 18, docs/flow-control.md): the consumer and the HTTP target depend
 * on these interfaces, not on how the limits are kept.
 */

/**
 * A rate shared by every consumer instance, kept in the event table so that ten containers
 * calling one target together stay under its limit (a per-container bucket lets each of them
 * send the whole rate).
 */
export interface SharedLimiter {
  /**
   * Reserves one call under `key` at `ratePerSecond`, and resolves with the milliseconds to wait
   * before making it (0: now). A reservation is never given back: the caller waits and calls.
   */
  take(key: string, ratePerSecond: number): Promise<number>;
  /**
   * Whether a call under `key` may start now at `ratePerSecond`; takes the slot only when it may.
   * Resolves with 0 when the slot was taken, else the milliseconds until one is likely free.
   */
  tryTake(key: string, ratePerSecond: number): Promise<number>;
  /** Stops every instance's calls under `key` until `untilMs` (epoch ms): a target's Retry-After. */
  block(key: string, untilMs: number): Promise<void>;
}

/** What a tenant's quota says about starting an event's side effects now. */
export type Admission =
  | {
      readonly kind: 'admit';
      /** Gives back the tenant's concurrency slot once the event's route has run (or failed). */
      readonly release: () => Promise<void>;
    }
  | {
      readonly kind: 'delay';
      /** When to try again: the message's visibility timeout. No attempt is counted. */
      readonly seconds: number;
      /** Which quota, for the log line and the metric. */
      readonly reason: 'rate' | 'concurrency';
    };

/** Per-tenant quotas: events per second into processing, and concurrent side effects. */
export interface TenantAdmission {
  admit(tenant: string): Promise<Admission>;
}

/** Admission with no quotas: every event starts at once (a stack that configures none). */
export const NO_QUOTAS: TenantAdmission = {
  admit: () => Promise.resolve({ kind: 'admit', release: () => Promise.resolve() }),
};
