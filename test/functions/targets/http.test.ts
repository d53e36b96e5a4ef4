import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Webhook } from 'standardwebhooks';
import { RoutesSchema, resolveRoutes, type HttpTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import {
  HttpDelivery,
  MAX_RESPONSE_BYTES,
  MAX_SLOT_WAIT_MS,
  parseRateLimitReset,
  parseRetryAfter,
  readBodyHead,
  signerFor,
} from '#shared/targets/http';
import type { DeliveryContext } from '#shared/targets/types';
import { aRecordingLimiter } from '../../helpers/limiter';
import { anIntegrationEvent } from '../../helpers/sqs-events';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let url: string;
let received: Received[];
/** How the server answers the next requests; the default is 204. */
let answer: (res: ServerResponse) => void;
const hanging = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  answer = (res) => res.writeHead(204).end();
});

afterEach(() => {
  for (const res of hanging) res.writeHead(204).end();
  hanging.clear();
});

const aTarget = (overrides: Record<string, unknown> = {}): HttpTarget => {
  const { routes } = resolveRoutes(
    RoutesSchema.parse([{ match: { type: '*' }, targets: [{ kind: 'http', url, ...overrides }] }]),
    new Set(),
  );
  return routes[0]?.targets[0] as HttpTarget;
};

const ctx: DeliveryContext = {
  idempotencyKey: 'rf_0123456789abcdef',
  correlationId: 'corr-http-12345678',
  logger: new Logger({ logLevel: 'SILENT' }),
  rawBody: () => Promise.resolve(Buffer.alloc(0)),
};

const aDelivery = (
  options: Partial<Pick<ConstructorParameters<typeof HttpDelivery>[0], 'sleep' | 'now' | 'limiter'>> = {},
) =>
  new HttpDelivery({
    signer: () => Promise.resolve(signerFor([SECRET])),
    limiter: aRecordingLimiter().limiter,
    ...options,
  });

/**
 * Answers with a body of `total` bytes, written as fast as the client reads it, and reports how
 * much was written when the connection closed.
 */
const streaming = (status: number, total: number, start = '') => {
  let closed: (sent: { bytes: number; finished: boolean }) => void = () => undefined;
  const done = new Promise<{ bytes: number; finished: boolean }>((resolve) => (closed = resolve));
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const respond = (res: ServerResponse) => {
    let bytes = 0;
    res.on('close', () => closed({ bytes, finished: res.writableFinished }));
    res.writeHead(status, { 'content-type': 'text/plain' });
    const pump = () => {
      while (bytes < total) {
        const part = bytes === 0 ? Buffer.concat([Buffer.from(start), chunk]) : chunk;
        bytes += part.length;
        if (!res.write(part)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
  return { respond, done };
};

const failureOf = async (promise: Promise<unknown>): Promise<TargetError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TargetError) return error;
    throw error;
  }
  throw new Error('expected the delivery to fail');
};

describe('http target', () => {
  it('POSTs the event as JSON with a Standard Webhooks signature the receiver can verify', async () => {
    const event = anIntegrationEvent();

    await aDelivery().deliver(aTarget(), event, ctx);

    const [request] = received;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['webhook-id']).toBe(ctx.idempotencyKey);
    expect(request?.headers['x-correlation-id']).toBe(ctx.correlationId);
    const verified = new Webhook(SECRET).verify(
      request?.body ?? '',
      request?.headers as Record<string, string>,
    );
    expect(verified).toEqual(event);
  });

  it('signs with every active secret so that a receiver holding either verifies during rotation', async () => {
    const next = `whsec_${randomBytes(24).toString('base64')}`;
    const delivery = new HttpDelivery({
      signer: () => Promise.resolve(signerFor([next, SECRET])),
      limiter: aRecordingLimiter().limiter,
    });

    await delivery.deliver(aTarget(), anIntegrationEvent(), ctx);

    const [request] = received;
    for (const secret of [next, SECRET]) {
      expect(() =>
        new Webhook(secret).verify(request?.body ?? '', request?.headers as Record<string, string>),
      ).not.toThrow();
    }
  });

  it('accepts the generated secret shape: 40 alphanumerics used as whsec_<secret> by the receiver', async () => {
    const generated = randomBytes(60)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 40);
    const delivery = new HttpDelivery({
      signer: () => Promise.resolve(signerFor([generated])),
      limiter: aRecordingLimiter().limiter,
    });

    await delivery.deliver(aTarget(), anIntegrationEvent(), ctx);

    const [request] = received;
    expect(() =>
      new Webhook(`whsec_${generated}`).verify(
        request?.body ?? '',
        request?.headers as Record<string, string>,
      ),
    ).not.toThrow();
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [410, false],
    [302, false],
  ])('classifies HTTP %i as retryable=%s', async (status, retryable) => {
    answer = (res) =>
      res.writeHead(status, status === 302 ? { location: 'https://elsewhere.example.com' } : {}).end();

    const error = await failureOf(aDelivery().deliver(aTarget(), anIntegrationEvent(), ctx));

    expect(error.errorClass).toBe(`http-${status}`);
    expect(error.retryable).toBe(retryable);
  });

  it('honours Retry-After on a retryable answer', async () => {
    answer = (res) => res.writeHead(503, { 'retry-after': '42' }).end();

    const error = await failureOf(aDelivery().deliver(aTarget(), anIntegrationEvent(), ctx));

    expect(error.retryAfterSeconds).toBe(42);
  });

  it('gives up after the target timeout and calls it retryable', async () => {
    answer = (res) => void hanging.add(res);

    const error = await failureOf(
      aDelivery().deliver(aTarget({ timeoutMs: 150 }), anIntegrationEvent(), ctx),
    );

    expect(error).toMatchObject({ errorClass: 'timeout', retryable: true });
  });

  it('opens the circuit after consecutive retryable failures and stops calling the target', async () => {
    answer = (res) => res.writeHead(503).end();
    const delivery = aDelivery();
    const target = aTarget({ circuitBreakerThreshold: 2, circuitHalfOpenAfterMs: 60_000 });

    await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));
    await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));
    const refused = await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));

    expect(received).toHaveLength(2);
    expect(refused).toMatchObject({ errorClass: 'circuit-open', retryable: true });
    expect(refused.retryAfterSeconds).toBeGreaterThan(50);
  });

  it('does not open the circuit for permanent refusals, which are the event’s fault', async () => {
    answer = (res) => res.writeHead(422).end();
    const delivery = aDelivery();
    const target = aTarget({ circuitBreakerThreshold: 1 });

    await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));
    await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));

    expect(received).toHaveLength(2);
  });

  it('takes its turn from the shared limit at the target’s rate and waits for it before sending', async () => {
    const { limiter, takes } = aRecordingLimiter([0, 950]);
    const slept: number[] = [];
    const delivery = aDelivery({
      limiter,
      sleep: (ms) => Promise.resolve(void slept.push(ms, received.length)),
    });
    const target = aTarget({ rateLimitPerSecond: 1 });

    await delivery.deliver(target, anIntegrationEvent(), ctx);
    await delivery.deliver(target, anIntegrationEvent(), ctx);

    expect(takes).toEqual([
      { key: `target#${target.id}`, ratePerSecond: 1 },
      { key: `target#${target.id}`, ratePerSecond: 1 },
    ]);
    // Slept 950 ms when one request had been sent, and sent the second after.
    expect(slept).toEqual([950, 1]);
    expect(received).toHaveLength(2);
  });

  it('gives the message back rather than hold the container for a turn far off, without opening the circuit', async () => {
    const { limiter, takes } = aRecordingLimiter([MAX_SLOT_WAIT_MS + 20_000]);
    const delivery = aDelivery({ limiter, now: () => NOW });
    const target = aTarget({ circuitBreakerThreshold: 1 });

    const first = await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));
    const second = await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));

    expect(first).toMatchObject({ errorClass: 'rate-limited', retryable: true, retryAfterSeconds: 30 });
    // Known to be blocked: the second neither takes a turn nor meets an open circuit.
    expect(second).toMatchObject({ errorClass: 'rate-limited', retryAfterSeconds: 30 });
    expect(takes).toHaveLength(1);
    expect(received).toHaveLength(0);
  });

  it('with rateLimitPerSecond false, sends without taking a turn: no write per delivery', async () => {
    const { limiter, takes } = aRecordingLimiter([5000]);
    const slept: number[] = [];
    const delivery = aDelivery({ limiter, sleep: (ms) => Promise.resolve(void slept.push(ms)) });

    await delivery.deliver(aTarget({ rateLimitPerSecond: false }), anIntegrationEvent(), ctx);

    expect(takes).toEqual([]);
    expect(slept).toEqual([]);
    expect(received).toHaveLength(1);
  });
});

const NOW = Date.parse('2026-12-07T10:00:00Z');

describe('honouring what the target says about its limits', () => {
  const blocksAfter = async (status: number, headers: Record<string, string>) => {
    answer = (res) => res.writeHead(status, headers).end();
    const { limiter, blocks } = aRecordingLimiter();
    const target = aTarget();
    const outcome = await aDelivery({ limiter, now: () => NOW })
      .deliver(target, anIntegrationEvent(), ctx)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    return { blocks, outcome, key: `target#${target.id}` };
  };

  it.each([429, 503])(
    'pauses every instance for the Retry-After of a %i, and retries the message after it',
    async (status) => {
      const { blocks, outcome, key } = await blocksAfter(status, { 'retry-after': '7' });

      expect(blocks).toEqual([{ key, untilMs: NOW + 7000 }]);
      expect(outcome).toMatchObject({ retryable: true, retryAfterSeconds: 7 });
    },
  );

  it('without a shared limit, a Retry-After holds this instance only, and shares nothing', async () => {
    const statuses = [429, 200];
    answer = (res) => res.writeHead(statuses.shift() ?? 200, { 'retry-after': '7' }).end();
    const { limiter, blocks, takes } = aRecordingLimiter();
    const slept: number[] = [];
    const delivery = aDelivery({
      limiter,
      now: () => NOW,
      sleep: (ms) => Promise.resolve(void slept.push(ms)),
    });
    const target = aTarget({ rateLimitPerSecond: false });

    const first = await failureOf(delivery.deliver(target, anIntegrationEvent(), ctx));
    await delivery.deliver(target, anIntegrationEvent(), ctx);

    expect(first).toMatchObject({ retryable: true, retryAfterSeconds: 7 });
    // The next delivery waited out the pause in this instance, then went.
    expect({ slept, blocks, takes, calls: received.length }).toEqual({
      slept: [7000],
      blocks: [],
      takes: [],
      calls: 2,
    });
  });

  it('takes the Retry-After of a 500 for that message only', async () => {
    const { blocks, outcome } = await blocksAfter(500, { 'retry-after': '7' });

    expect(blocks).toEqual([]);
    expect(outcome).toMatchObject({ retryAfterSeconds: 7 });
  });

  it('pauses every instance until the reset when a successful answer says no calls remain', async () => {
    const { blocks, outcome, key } = await blocksAfter(200, {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '12',
    });

    expect(outcome).toBeUndefined();
    expect(blocks).toEqual([{ key, untilMs: NOW + 12_000 }]);
  });

  it('waits for the later of Retry-After and the reset', async () => {
    const reset = String(NOW / 1000 + 40);
    const { blocks } = await blocksAfter(429, {
      'retry-after': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': reset,
    });

    expect(blocks.map((b) => b.untilMs)).toEqual([NOW + 40_000]);
  });

  it.each([
    ['calls remain', { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '12' }],
    ['no reset given', { 'x-ratelimit-remaining': '0' }],
    ['a malformed remaining', { 'x-ratelimit-remaining': 'none', 'x-ratelimit-reset': '12' }],
    ['a malformed reset', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'soon' }],
    ['a negative reset', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '-12' }],
    ['a reset in the past', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 60) }],
  ])('ignores X-RateLimit headers with %s', async (_case, headers) => {
    const { blocks, outcome } = await blocksAfter(200, headers);

    expect(outcome).toBeUndefined();
    expect(blocks).toEqual([]);
  });

  it('ignores a malformed Retry-After and still retries the message', async () => {
    const { blocks, outcome } = await blocksAfter(429, { 'retry-after': 'in a while' });

    expect(blocks).toEqual([]);
    expect(outcome).toMatchObject({ errorClass: 'http-429', retryable: true, retryAfterSeconds: undefined });
  });

  it('keeps a delivery that succeeded when the pause cannot be shared', async () => {
    answer = (res) => res.writeHead(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' }).end();
    const { limiter } = aRecordingLimiter();
    const logger = new Logger({ logLevel: 'SILENT' });
    const warn = jest.spyOn(logger, 'warn');
    const delivery = aDelivery({
      limiter: { ...limiter, block: () => Promise.reject(new Error('throttled')) },
    });

    await delivery.deliver(aTarget(), anIntegrationEvent(), { ...ctx, logger });

    expect(received).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(
      'could not share the target’s pause with the other instances',
      expect.objectContaining({ error: expect.any(Error) }),
    );
  });
});

describe('reading the answer', () => {
  const LARGE = 256 * 1024 * 1024;

  it('keeps the start of an error answer as its detail and stops reading a large one', async () => {
    const stream = streaming(500, LARGE, 'quota exceeded for this key\n\ntry later ');
    answer = stream.respond;

    const error = await failureOf(aDelivery().deliver(aTarget(), anIntegrationEvent(), ctx));

    expect(error.errorClass).toBe('http-500');
    expect(error.message).toMatch(
      /^http:127\.0\.0\.1:\d+:\w+ answered HTTP 500: quota exceeded for this key try later x+…$/,
    );
    expect(error.message.length).toBeLessThan(250);
    const sent = await stream.done;
    expect(sent.finished).toBe(false);
    expect(sent.bytes).toBeLessThan(LARGE / 8);
  });

  it('does not buffer a large answer to a successful delivery', async () => {
    const stream = streaming(200, LARGE);
    answer = stream.respond;

    await aDelivery().deliver(aTarget(), anIntegrationEvent(), ctx);

    const sent = await stream.done;
    expect(sent.finished).toBe(false);
    expect(sent.bytes).toBeLessThan(LARGE / 8);
  });

  it('reads at most 8 KiB of a large answer and a short answer whole', async () => {
    const large = streaming(200, LARGE);
    answer = large.respond;
    const head = await readBodyHead(await fetch(url, { method: 'POST' }));
    await large.done;
    answer = (res) => res.writeHead(400).end('bad field: amount');

    const short = await readBodyHead(await fetch(url, { method: 'POST' }));

    expect(head.length).toBe(MAX_RESPONSE_BYTES);
    expect(short.toString()).toBe('bad field: amount');
  });
});

describe('parseRateLimitReset', () => {
  it('reads epoch seconds above 10^9 and delta seconds below, only when nothing remains', () => {
    expect(parseRateLimitReset('0', String(NOW / 1000 + 60), NOW)).toBe(NOW + 60_000);
    expect(parseRateLimitReset('0', '30', NOW)).toBe(NOW + 30_000);
    expect(parseRateLimitReset('0', '1.5', NOW)).toBe(NOW + 1500);
    expect(parseRateLimitReset(' 0 ', ' 30 ', NOW)).toBe(NOW + 30_000);
    expect(parseRateLimitReset('1', '30', NOW)).toBeUndefined();
    expect(parseRateLimitReset('0', '0', NOW)).toBeUndefined();
    expect(parseRateLimitReset('0', '1e3', NOW)).toBeUndefined();
    expect(parseRateLimitReset('0', 'Sun, 01 Jun 2025 12:01:30 GMT', NOW)).toBeUndefined();
    expect(parseRateLimitReset(null, '30', NOW)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');

    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
