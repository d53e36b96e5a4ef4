import { Webhook } from 'standardwebhooks';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { HttpTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import { CircuitBreaker, TokenBucket } from '#shared/targets/resilience';
import type { DeliveryContext } from '#shared/targets/types';

/** Signs a message per Standard Webhooks: one `v1,<sig>` per active secret, space-separated. */
export type Signer = (messageId: string, timestamp: Date, body: string) => string;

/** Builds a signer over several active secrets (`whsec_…` or bare base64), newest first. */
export const signerFor = (secrets: readonly string[]): Signer => {
  const webhooks = secrets.map((secret) => new Webhook(secret));
  return (messageId, timestamp, body) => webhooks.map((w) => w.sign(messageId, timestamp, body)).join(' ');
};

export interface HttpDeliveryDependencies {
  /** The current signer; secrets are cached and refreshed by the caller. */
  readonly signer: () => Promise<Signer>;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Statuses worth another attempt: the receiver is overloaded, slow or broken, not refusing us. */
const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** Retry-After as seconds from now: either delta-seconds or an HTTP date. */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
};

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * POSTs the IntegrationEvent as JSON, signed per Standard Webhooks, with `webhook-id` set to the
 * derived downstream key so that the receiver can drop a repeat. Each target gets its own rate
 * limit and circuit breaker, kept per container for as long as it lives.
 */
export class HttpDelivery {
  private readonly guards = new Map<string, { breaker: CircuitBreaker; bucket: TokenBucket }>();
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly deps: HttpDeliveryDependencies) {
    this.fetch = deps.fetch ?? ((...args) => fetch(...args));
    this.sleep = deps.sleep ?? sleepFor;
    this.now = deps.now ?? Date.now;
  }

  private guardsOf(target: HttpTarget) {
    let guards = this.guards.get(target.id);
    if (!guards) {
      guards = {
        breaker: new CircuitBreaker(target.circuitBreakerThreshold, target.circuitHalfOpenAfterMs, this.now),
        bucket: new TokenBucket(target.rateLimitPerSecond, this.now),
      };
      this.guards.set(target.id, guards);
    }
    return guards;
  }

  async deliver(target: HttpTarget, event: IntegrationEvent, ctx: DeliveryContext): Promise<void> {
    const { breaker, bucket } = this.guardsOf(target);
    const outcome = await breaker.run(
      async () => {
        const wait = bucket.take();
        if (wait > 0) await this.sleep(wait);
        await this.post(target, event, ctx);
      },
      (error) => error instanceof TargetError && error.retryable,
    );
    if ('refused' in outcome) {
      throw new TargetError(target.id, 'circuit-open', true, `circuit to ${target.id} is open after repeated failures`, {
        retryAfterSeconds: Math.ceil(outcome.refused / 1000),
      });
    }
  }

  private async post(target: HttpTarget, event: IntegrationEvent, ctx: DeliveryContext): Promise<void> {
    const body = JSON.stringify(event);
    const timestamp = new Date(this.now());
    const signature = (await this.deps.signer())(ctx.idempotencyKey, timestamp, body);
    let response: Response;
    try {
      response = await this.fetch(target.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(target.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'RelayFlow',
          'webhook-id': ctx.idempotencyKey,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
          'idempotency-key': ctx.idempotencyKey,
          'x-correlation-id': ctx.correlationId,
        },
      });
    } catch (error) {
      // The abort reason is a DOMException, which is not always an Error of this realm.
      const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new TargetError(
        target.id,
        timedOut ? 'timeout' : 'network',
        true,
        timedOut ? `no answer from ${target.id} within ${target.timeoutMs} ms` : `could not reach ${target.id}`,
        { cause: error },
      );
    }
    // Read the body so the connection returns to the pool; its content is not ours to keep.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    const retryable = isRetryableStatus(response.status);
    throw new TargetError(target.id, `http-${response.status}`, retryable, `${target.id} answered HTTP ${response.status}`, {
      retryAfterSeconds: retryable ? parseRetryAfter(response.headers.get('retry-after'), this.now()) : undefined,
    });
  }
}
