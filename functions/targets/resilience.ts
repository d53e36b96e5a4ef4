/**
 * A consecutive-failure circuit breaker for one target in one container. Closed: calls pass and
 * failures are counted; `threshold` failures in a row open it. Open: calls are refused until
 * `halfOpenAfterMs` has passed. Half-open: one trial call decides between closed and open again.
 *
 * Written here rather than taken from cockatiel 4, which is ESM-only for Node ≥ 22 and cannot be
 * loaded by the CommonJS test run (docs/decisions/0013-targets-signing-rate-limit-breaker.md).
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly halfOpenAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until a call may pass; 0 when it may pass now. */
  msUntilAllowed(): number {
    if (this.openedAt === undefined) return 0;
    const wait = this.openedAt + this.halfOpenAfterMs - this.now();
    if (wait > 0) return wait;
    return this.trialInFlight ? this.halfOpenAfterMs : 0;
  }

  /**
   * Runs `call` if the circuit lets it; returns `{ refused: ms }` when it does not. Only
   * failures `counts` accepts move the breaker (a 4xx is the event's fault, not the target's).
   */
  async run<T>(
    call: () => Promise<T>,
    counts: (error: unknown) => boolean,
  ): Promise<{ value: T } | { refused: number }> {
    const wait = this.msUntilAllowed();
    if (wait > 0) return { refused: wait };
    const trial = this.openedAt !== undefined;
    if (trial) this.trialInFlight = true;
    try {
      const value = await call();
      this.failures = 0;
      this.openedAt = undefined;
      return { value };
    } catch (error) {
      if (counts(error)) {
        this.failures += 1;
        if (trial || this.failures >= this.threshold) this.openedAt = this.now();
      } else if (trial) {
        this.openedAt = undefined;
        this.failures = 0;
      }
      throw error;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }
}
