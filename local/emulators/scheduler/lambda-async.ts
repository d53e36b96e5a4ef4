import { isInvokeFailure, type InvokeFailure, type InvokeOutcome } from '../../lambda/types';
import type { Clock, Timer } from '../sqs';
import { LAMBDA_ASYNC_DEFAULTS, lambdaAsyncRetry, type AsyncInvokeConfig } from './retry-policy';

/**
 * Lambda's asynchronous invocation, as EventBridge Scheduler makes it of a Lambda target
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html): the Invoke call is
 * accepted or refused; once accepted, a function error is Lambda's to retry, and the event that
 * failed every attempt goes to the function's dead-letter queue (the event as the body, what
 * failed as attributes), never back to the caller.
 *
 * Locally the first attempt runs before the answer, so that a refusal (unknown function,
 * throttled) reaches Scheduler's retry policy as it would; retries run on the runtime's clock.
 */

export interface AsyncInvokerDependencies {
  readonly clock: Clock;
  /** A synchronous invocation of the function (the local Lambda service). */
  invoke(functionArn: string, event: unknown): Promise<InvokeOutcome>;
  /** Sends a message to the queue `queueArn`. */
  sendMessage(queueArn: string, body: string, attributes: Readonly<Record<string, string>>): Promise<void>;
}

/** Lambda's answer to the asynchronous Invoke call itself. */
export type InvokeAnswer =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly errorCode: string; readonly errorMessage: string };

/** An event that failed every attempt of a function without a dead-letter queue: lost, as on AWS. */
export interface LostInvocation {
  readonly functionArn: string;
  readonly event: unknown;
  readonly error: InvokeFailure['error'];
}

export class AsyncLambdaInvoker {
  private readonly configs = new Map<string, AsyncInvokeConfig>();
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<Timer>();
  private readonly lostInvocations: LostInvocation[] = [];

  constructor(private readonly deps: AsyncInvokerDependencies) {}

  /** A function's asynchronous invocation settings: its dead-letter queue, its retries. */
  configure(functionArn: string, config: AsyncInvokeConfig): void {
    this.configs.set(functionArn, config);
  }

  /**
   * Invokes `functionArn` asynchronously with `event`: answers whether Lambda took it; a
   * function failure is then retried in the background and, at the end, dead-lettered.
   */
  async invoke(functionArn: string, event: unknown): Promise<InvokeAnswer> {
    const startedAt = this.deps.clock.now();
    const outcome = await this.deps.invoke(functionArn, event);
    if (!isInvokeFailure(outcome)) return { accepted: true };
    if (outcome.kind === 'service')
      return {
        accepted: false,
        errorCode: outcome.error.errorType,
        errorMessage: outcome.error.errorMessage,
      };
    const config = this.configs.get(functionArn) ?? LAMBDA_ASYNC_DEFAULTS;
    const retrying = this.retry({ functionArn, event, config, startedAt }, outcome).finally(() =>
      this.pending.delete(retrying),
    );
    this.pending.add(retrying);
    return { accepted: true };
  }

  /** Failures of functions without a dead-letter queue. */
  lost(): readonly LostInvocation[] {
    return [...this.lostInvocations];
  }

  /** Resolves once every retry started so far has ended (its clock must be moved for the waits). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Cancels the retries waiting on the clock. */
  close(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }

  private async retry(
    invocation: {
      readonly functionArn: string;
      readonly event: unknown;
      readonly config: AsyncInvokeConfig;
      readonly startedAt: number;
    },
    first: InvokeFailure,
  ): Promise<void> {
    let failure = first;
    for (let retriesDone = 0; ; retriesDone += 1) {
      const decision = lambdaAsyncRetry(invocation.config, {
        retriesDone,
        ageMs: this.deps.clock.now() - invocation.startedAt,
      });
      if (decision.kind === 'give-up') {
        const queue = invocation.config.deadLetterQueue;
        if (!queue) {
          this.lostInvocations.push({
            functionArn: invocation.functionArn,
            event: invocation.event,
            error: failure.error,
          });
          return;
        }
        // Lambda's dead-letter message: the event itself, and what failed (no response details).
        await this.deps.sendMessage(queue, JSON.stringify(invocation.event), {
          RequestID: failure.requestId ?? '',
          ErrorCode: '200',
          ErrorMessage: failure.error.errorMessage.slice(0, 1024),
        });
        return;
      }
      await this.sleep(decision.afterMs);
      const outcome = await this.deps.invoke(invocation.functionArn, invocation.event);
      if (!isInvokeFailure(outcome)) return;
      failure = outcome;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimer(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
