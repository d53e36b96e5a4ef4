import { routeThrottleOf, startHttpApi, TokenBucket } from '../../../local/apigateway';
import type { IntegrationOutcome, RunningHttpApi } from '../../../local/apigateway';
import { sendRaw } from './http-client';

/** A clock the test moves; the buckets read it instead of real time. */
const aManualClock = () => {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe('route token bucket', () => {
  it('accepts the burst at once, then refuses until the rate refills a token', () => {
    const clock = aManualClock();
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, clock.now);

    const burst = [bucket.take(), bucket.take(), bucket.take(), bucket.take()];
    clock.advance(499);
    const early = bucket.take();
    clock.advance(1);
    const refilled = bucket.take();

    expect(burst).toEqual([true, true, true, false]);
    expect(early).toBe(false);
    expect(refilled).toBe(true);
  });

  it('never holds more than the burst, however long it stays idle', () => {
    const clock = aManualClock();
    const bucket = new TokenBucket({ rateLimit: 100, burstLimit: 2 }, clock.now);

    clock.advance(60_000);

    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});

describe('route throttle from a stage', () => {
  const stage = {
    DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    RouteSettings: {
      'ANY /webhooks/stripe': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'ANY /webhooks/github': { ThrottlingBurstLimit: 10 },
    },
  };

  it("takes a route's own settings", () => {
    expect(routeThrottleOf(stage, 'ANY /webhooks/stripe')).toEqual({ rateLimit: 50, burstLimit: 100 });
  });

  it('fills what a route leaves unset from the stage default', () => {
    expect(routeThrottleOf(stage, 'ANY /webhooks/github')).toEqual({ rateLimit: 100, burstLimit: 10 });
  });

  it('throttles a route the settings do not name with the stage default', () => {
    expect(routeThrottleOf(stage, 'ANY /webhooks/shopify')).toEqual({ rateLimit: 100, burstLimit: 200 });
  });

  it('leaves a route unthrottled when the stage sets no throttle', () => {
    expect(routeThrottleOf({}, 'ANY /webhooks/stripe')).toBeUndefined();
  });
});

describe('HTTP API emulator route throttling', () => {
  const accepted: IntegrationOutcome = { result: { statusCode: 202, body: 'accepted' } };
  const clock = aManualClock();
  let api: RunningHttpApi;

  beforeAll(async () => {
    api = await startHttpApi({
      routes: [
        {
          routeKey: 'ANY /webhooks/github',
          throttle: { rateLimit: 1, burstLimit: 2 },
          target: () => Promise.resolve(accepted),
        },
        {
          routeKey: 'ANY /webhooks/stripe',
          throttle: { rateLimit: 1, burstLimit: 2 },
          target: () => Promise.resolve(accepted),
        },
      ],
      clock: clock.now,
    });
  });
  afterAll(() => api.stop());

  it("answers 429 as API Gateway does once a route's bucket is empty, and leaves other routes' buckets alone", async () => {
    const post = (path: string) => sendRaw(api.url, { method: 'POST', path, body: '{}' });

    const flooded = [
      await post('/webhooks/github'),
      await post('/webhooks/github'),
      await post('/webhooks/github'),
    ];
    const other = [await post('/webhooks/stripe'), await post('/webhooks/stripe')];
    clock.advance(1000);
    const afterRefill = await post('/webhooks/github');

    expect(flooded.map((r) => r.status)).toEqual([202, 202, 429]);
    expect(JSON.parse(flooded[2]?.body.toString() ?? '')).toEqual({ message: 'Too Many Requests' });
    expect(flooded[2]?.headers['content-type']).toBe('application/json');
    expect(other.map((r) => r.status)).toEqual([202, 202]);
    expect(afterRefill.status).toBe(202);
  });
});
