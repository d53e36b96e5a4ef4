/**
 * Route throttling as API Gateway does it: a token bucket per route, holding up to the burst
 * limit and refilled at the rate limit per second; a request finding it empty is answered 429
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
 * A stage's `DefaultRouteSettings` throttle every route that its `RouteSettings` do not name.
 */

export interface RouteThrottle {
  /** Tokens added per second. */
  readonly rateLimit: number;
  /** Most tokens the bucket holds: the requests accepted at once. */
  readonly burstLimit: number;
}

/** Milliseconds from any fixed origin; tests pass a clock they move. */
export type MonotonicClock = () => number;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly throttle: RouteThrottle,
    private readonly now: MonotonicClock,
  ) {
    this.tokens = throttle.burstLimit;
    this.last = now();
  }

  /** Takes one token if there is one: false means the request is throttled. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.throttle.burstLimit,
      this.tokens + ((now - this.last) / 1000) * this.throttle.rateLimit,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface CfnRouteSettings {
  readonly ThrottlingRateLimit?: unknown;
  readonly ThrottlingBurstLimit?: unknown;
}

const numberOr = (value: unknown, fallback: number | undefined) =>
  typeof value === 'number' ? value : fallback;

/**
 * The throttle of `routeKey` under an `AWS::ApiGatewayV2::Stage`'s properties: its own route
 * settings, each field falling back to the stage default; none when either number is unset.
 */
export const routeThrottleOf = (
  stage: Readonly<Record<string, unknown>> | undefined,
  routeKey: string,
): RouteThrottle | undefined => {
  const defaults = (stage?.DefaultRouteSettings ?? {}) as CfnRouteSettings;
  const own = ((stage?.RouteSettings ?? {}) as Record<string, CfnRouteSettings | undefined>)[routeKey] ?? {};
  const rateLimit = numberOr(own.ThrottlingRateLimit, numberOr(defaults.ThrottlingRateLimit, undefined));
  const burstLimit = numberOr(own.ThrottlingBurstLimit, numberOr(defaults.ThrottlingBurstLimit, undefined));
  return rateLimit === undefined || burstLimit === undefined ? undefined : { rateLimit, burstLimit };
};
