import { Webhook } from 'standardwebhooks';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { HttpTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import type { SharedLimiter } from '#shared/flow/contract';
import { CircuitBreaker } from '#shared/targets/resilience';
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
  /** The targets' rates, shared by every consumer instance (`target#<id>`). */
  readonly limiter: SharedLimiter;
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

/**
 * When a target's `X-RateLimit-Reset` says the window reopens (epoch ms), given that its
 * `X-RateLimit-Remaining` is 0. APIs send either epoch seconds (GitHub) or seconds from now
 * (IETF draft, many others), without saying which: a value above 10^9 (2001 as epoch seconds,
 * 31 years as a delta) is read as epoch seconds. Anything but a non-negative number is ignored.
 */
export const parseRateLimitReset = (
  remaining: string | null,
  reset: string | null,
  now: number,
): number | undefined => {
  if (remaining?.trim() !== '0' || !reset || !/^\d+(\.\d+)?$/.test(reset.trim())) return undefined;
  const value = Number(reset.trim());
  const at = value > 1e9 ? value * 1000 : now + value * 1000;
  return at > now ? Math.ceil(at) : undefined;
};

/**
 * The longest a delivery waits for its turn at a target (its slot, or the end of a block the
 * target asked for). Longer, and the message goes back to the queue with the wait as its
 * Retry-After rather than holding the container.
 */
export const MAX_SLOT_WAIT_MS = 10_000;

/** A target's block longer than this is cut short: it is down, and its breaker takes over. */
const MAX_BLOCK_MS = 3600_000;

const limitKeyOf = (target: HttpTarget) => `target#${target.id}`;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Most of a receiver's answer the consumer reads. Ordinary answers fit, so they are read to their
 * end and their connection is reused; a receiver that streams megabytes back cannot make the
 * consumer hold them.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024;

/** Longest excerpt of an error answer kept in the error (it ends up in logs and the audit). */
const DETAIL_CHARS = 160;

/**
 * The first `max` bytes of a response body (holding at most one chunk more); the rest is
 * cancelled, not read. A body read to its end lets the connection return to the pool; a cancelled
 * one closes it, the price of not reading a large answer. A body that breaks off yields what came.
 */
export const readBodyHead = async (response: Response, max = MAX_RESPONSE_BYTES): Promise<Buffer> => {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (size >= max) {
        await reader.cancel();
        break;
      }
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // Timed out or reset mid-body: the status already says what happened.
  }
  return Buffer.concat(chunks).subarray(0, max);
};

/** The start of an answer as one short line, for an error message. */
const excerptOf = (body: Buffer): string => {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS - 1)}…` : text;
};

/** An HTTP target's request, as sent but for its signature (secret-derived, added at send). */
export interface HttpRequest {
  readonly method: 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The request an HTTP target gets for an event, without its `webhook-signature`: what a dry run
 * records and `relayflow route test` prints, and what a delivery signs and sends. `payload` is the
 * body: the event, or what the target's transform made of it.
 */
export const httpRequestOf = (
  target: Pick<HttpTarget, 'url'>,
  event: IntegrationEvent,
  ctx: Pick<DeliveryContext, 'idempotencyKey' | 'correlationId'>,
  timestamp: Date,
  payload: unknown = event,
): HttpRequest => ({
  method: 'POST',
  url: target.url,
  headers: {
    'content-type': 'application/json',
    'user-agent': 'RelayFlow',
    'webhook-id': ctx.idempotencyKey,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'idempotency-key': ctx.idempotencyKey,
    'x-correlation-id': ctx.correlationId,
  },
  body: JSON.stringify(payload),
});

/**
 * POSTs the IntegrationEvent as JSON, signed per Standard Webhooks, with `webhook-id` set to the
 * derived downstream key so that the receiver can drop a repeat. A target's rate is shared by
 * every instance (the limiter), and so is a pause it asks for (`Retry-After` on 429 and 503, or
 * `X-RateLimit-Remaining: 0` until `X-RateLimit-Reset`); its circuit breaker is per container.
 */
export class HttpDelivery {
  private readonly guards = new Map<string, { breaker: CircuitBreaker; notBefore: number }>();
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
        notBefore: 0,
      };
      this.guards.set(target.id, guards);
    }
    return guards;
  }

  async deliver(
    target: HttpTarget,
    event: IntegrationEvent,
    ctx: DeliveryContext,
    payload: unknown = event,
  ): Promise<void> {
    const guards = this.guardsOf(target);
    const blockedFor = guards.notBefore - this.now();
    // Known to be far off: taking a slot now would only push every instance's next call back.
    if (blockedFor > MAX_SLOT_WAIT_MS) throw this.notNow(target, blockedFor);
    const outcome = await guards.breaker.run(
      async () => {
        const rate = target.rateLimitPerSecond;
        // Without a shared limit, the wait is only what the target asked of this instance.
        const wait =
          rate === false
            ? Math.max(0, guards.notBefore - this.now())
            : await this.deps.limiter.take(limitKeyOf(target), rate);
        if (wait > MAX_SLOT_WAIT_MS) {
          guards.notBefore = this.now() + wait;
          throw this.notNow(target, wait);
        }
        if (wait > 0) await this.sleep(wait);
        await this.post(target, event, ctx, payload);
      },
      // Waiting for a turn says nothing about the target's health.
      (error) => error instanceof TargetError && error.retryable && error.errorClass !== 'rate-limited',
    );
    if ('refused' in outcome) {
      throw new TargetError(
        target.id,
        'circuit-open',
        true,
        `circuit to ${target.id} is open after repeated failures`,
        {
          retryAfterSeconds: Math.ceil(outcome.refused / 1000),
        },
      );
    }
  }

  private notNow(target: HttpTarget, waitMs: number) {
    return new TargetError(
      target.id,
      'rate-limited',
      true,
      `${target.id} is not to be called for ${waitMs} ms`,
      {
        retryAfterSeconds: Math.ceil(waitMs / 1000),
      },
    );
  }

  /**
   * Passes a target's request to slow down on to every instance. Best effort: the delivery's own
   * outcome is already decided, and failing it for this would send the event again.
   */
  private async honour(target: HttpTarget, response: Response, ctx: DeliveryContext): Promise<void> {
    const now = this.now();
    const retryAfter =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers.get('retry-after'), now)
        : undefined;
    const reset = parseRateLimitReset(
      response.headers.get('x-ratelimit-remaining'),
      response.headers.get('x-ratelimit-reset'),
      now,
    );
    const until = Math.min(
      Math.max(retryAfter ? now + retryAfter * 1000 : 0, reset ?? 0),
      now + MAX_BLOCK_MS,
    );
    if (until <= now) return;
    const guards = this.guardsOf(target);
    guards.notBefore = Math.max(guards.notBefore, until);
    // Without a shared limit no instance reads the limiter: a block there would hold nobody.
    if (target.rateLimitPerSecond === false) return;
    try {
      await this.deps.limiter.block(limitKeyOf(target), until);
    } catch (error) {
      ctx.logger.warn('could not share the target’s pause with the other instances', {
        targetId: target.id,
        error,
      });
    }
  }

  private async post(
    target: HttpTarget,
    event: IntegrationEvent,
    ctx: DeliveryContext,
    payload: unknown,
  ): Promise<void> {
    const timestamp = new Date(this.now());
    const request = httpRequestOf(target, event, ctx, timestamp, payload);
    const signature = (await this.deps.signer())(ctx.idempotencyKey, timestamp, request.body);
    let response: Response;
    try {
      response = await this.fetch(request.url, {
        method: request.method,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(target.timeoutMs),
        headers: { ...request.headers, 'webhook-signature': signature },
      });
    } catch (error) {
      // The abort reason is a DOMException, which is not always an Error of this realm.
      const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new TargetError(
        target.id,
        timedOut ? 'timeout' : 'network',
        true,
        timedOut
          ? `no answer from ${target.id} within ${target.timeoutMs} ms`
          : `could not reach ${target.id}`,
        { cause: error },
      );
    }
    const head = await readBodyHead(response);
    await this.honour(target, response, ctx);
    if (response.status >= 200 && response.status < 300) return;
    const retryable = isRetryableStatus(response.status);
    const detail = excerptOf(head);
    const message = `${target.id} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
    throw new TargetError(target.id, `http-${response.status}`, retryable, message, {
      retryAfterSeconds: retryable
        ? parseRetryAfter(response.headers.get('retry-after'), this.now())
        : undefined,
    });
  }
}
