import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TableLimiter } from '#shared/flow/shared-limit';
import { RoutesSchema, resolveRoutes, type HttpTarget } from '#shared/routing/routes';
import { HttpDelivery, signerFor } from '#shared/targets/http';
import type { DeliveryContext } from '#shared/targets/types';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { anIntegrationEvent } from '../../helpers/sqs-events';

/**
 * Several consumer instances, each with its own limiter and DynamoDB client as separate Lambda
 * containers would have, sharing one event table (dynalite) and calling one receiver.
 */

const SECRET = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;
const INSTANCES = 10;

let table: LocalEventTable;
let server: Server;
let base: string;
/** Arrival times (epoch ms) of the receiver's requests. */
let arrivals: number[];
/** The pause that the malformed `X-RateLimit-Reset: 5` would ask for, were it read as one. */
const MADE_UP_PAUSE_MS = 5000;
/** Requests that arrived while the receiver had asked to be left alone. */
let violations: number[];
/** Until when the receiver asked to be left alone (epoch ms). */
let notBefore: number;
/** How the receiver answers; it may set `notBefore`. */
let answer: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  table = await startEventTable();
  server = createServer((req, res) => {
    if (req.url === '/warm') return void res.writeHead(204).end();
    const at = Date.now();
    arrivals.push(at);
    if (at < notBefore) violations.push(at);
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await table.stop();
});

beforeEach(() => {
  arrivals = [];
  violations = [];
  notBefore = 0;
  answer = (_req, res) => res.writeHead(204).end();
});

const ctx: DeliveryContext = {
  idempotencyKey: 'rf_shared_limit',
  correlationId: 'corr-shared-limit',
  logger: new Logger({ logLevel: 'SILENT' }),
  rawBody: () => Promise.resolve(Buffer.alloc(0)),
};

let paths = 0;
/** A target of its own (its id comes from its URL), so that tests do not share a limit. */
const aTarget = (rateLimitPerSecond: number): HttpTarget => {
  const { routes } = resolveRoutes(
    RoutesSchema.parse([
      {
        match: { type: '*' },
        targets: [{ kind: 'http', url: `${base}/hooks/${(paths += 1)}`, rateLimitPerSecond }],
      },
    ]),
    new Set(),
  );
  return routes[0]?.targets[0] as HttpTarget;
};

/** One instance: its own DynamoDB client and limiter, counting the table requests it makes. */
const anInstance = (requests: { count: number }) => {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: table.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  client.middlewareStack.add(
    (next) => (args) => {
      requests.count += 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  return {
    client,
    delivery: new HttpDelivery({
      signer: () => Promise.resolve(signerFor([SECRET])),
      limiter: new TableLimiter(client, { tableName: table.tableName }),
    }),
  };
};

/**
 * Each instance delivers `each` events one after the other, as a container handles its batch.
 * The instances are warm, as containers are after their first batch: ten SDK clients making
 * their first request at once on this one thread would start them hundreds of ms late and
 * bunch their first calls, which says nothing about the limit.
 */
const deliverFromAll = async (target: HttpTarget, each: number, requests = { count: 0 }) => {
  const instances = Array.from({ length: INSTANCES }, () => anInstance(requests));
  await Promise.all([
    fetch(`${base}/warm`).then((response) => response.arrayBuffer()),
    ...instances.map(({ client }) =>
      client.send(new GetCommand({ TableName: table.tableName, Key: { PK: 'warm', SK: 'up' } })),
    ),
  ]);
  requests.count = 0;
  try {
    await Promise.all(
      instances.map(async ({ delivery }) => {
        for (let i = 0; i < each; i += 1) await delivery.deliver(target, anIntegrationEvent(), ctx);
      }),
    );
  } finally {
    for (const { client } of instances) client.destroy();
  }
};

/** The most requests the receiver saw within any `windowMs` (a window starting at each arrival). */
const maxInWindow = (times: number[], windowMs: number) => {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && (sorted[end] as number) < (sorted[start] as number) + windowMs) end += 1;
    max = Math.max(max, end - start);
  }
  return max;
};

describe('a target’s rate limit shared by every consumer instance', () => {
  // 10/s gives each instance a second per delivery, its turn included: on a busy two-core
  // machine (CI runs the end-to-end files beside this one) a turn and a delivery took up to
  // 750 ms, which at 20/s left slots unused and measured how late the machine ran, not the limit.
  it('keeps ten instances together within 10/s ± 10 % over any 5 s, and near the rate', async () => {
    const requests = { count: 0 };

    await deliverFromAll(aTarget(10), 10, requests);

    const span = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000;
    const rate = (arrivals.length - 1) / span;
    expect(arrivals).toHaveLength(100);
    expect(maxInWindow(arrivals, 5000)).toBeLessThanOrEqual(55);
    expect(rate).toBeGreaterThanOrEqual(7.5);
    // Each delivery: one write, two when its instance guessed wrong about the key being busy.
    // How often it guesses wrong follows how late this machine runs each call, so only the
    // bound is asserted here; shared-limit.test.ts pins one write per call on a fake clock.
    expect(requests.count).toBeGreaterThanOrEqual(arrivals.length);
    expect(requests.count).toBeLessThanOrEqual(2 * arrivals.length);
  });

  it('keeps every instance away for the Retry-After of a 429', async () => {
    const target = aTarget(20);
    answer = (_req, res) => {
      notBefore = Date.now() + 2000;
      answer = (_r, ok) => ok.writeHead(204).end();
      res.writeHead(429, { 'retry-after': '2' }).end();
    };
    const first = anInstance({ count: 0 });
    await expect(first.delivery.deliver(target, anIntegrationEvent(), ctx)).rejects.toMatchObject({
      errorClass: 'http-429',
      retryAfterSeconds: 2,
    });
    first.client.destroy();

    await deliverFromAll(target, 2);

    expect(arrivals).toHaveLength(1 + 2 * INSTANCES);
    expect(violations).toEqual([]);
    // They went when it was over, not a second Retry-After later (the margin is a busy machine's
    // late timers).
    expect(Math.min(...arrivals.slice(1)) - notBefore).toBeLessThan(1000);
  });

  it('keeps every instance away until X-RateLimit-Reset once X-RateLimit-Remaining is 0', async () => {
    const target = aTarget(20);
    answer = (_req, res) => {
      const reset = Math.ceil(Date.now() / 1000) + 2;
      notBefore = reset * 1000;
      answer = (_r, ok) => ok.writeHead(204).end();
      res.writeHead(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }).end();
    };
    // One instance hears it first, as with the 429 above. Were they all sending already, calls
    // that had their turn before the answer came could still arrive after it, as they would
    // from any rate limiter: that says nothing about the block.
    const first = anInstance({ count: 0 });
    await first.delivery.deliver(target, anIntegrationEvent(), ctx);
    first.client.destroy();

    await deliverFromAll(target, 2);

    expect(arrivals).toHaveLength(1 + 2 * INSTANCES);
    expect(violations).toEqual([]);
  });

  it('ignores malformed Retry-After and X-RateLimit headers and keeps delivering', async () => {
    const target = aTarget(20);
    answer = (_req, res) => {
      answer = (_r, ok) =>
        ok.writeHead(204, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'tomorrow' }).end();
      res
        .writeHead(429, { 'retry-after': 'later', 'x-ratelimit-remaining': '-', 'x-ratelimit-reset': '5' })
        .end();
    };
    const first = anInstance({ count: 0 });
    await expect(first.delivery.deliver(target, anIntegrationEvent(), ctx)).rejects.toMatchObject({
      errorClass: 'http-429',
    });
    first.client.destroy();
    const answered = Date.now();

    await deliverFromAll(target, 1);

    expect(arrivals).toHaveLength(1 + INSTANCES);
    // Read as a pause, `reset: 5` would have held every call until 5 s after that answer. The
    // others' first call goes at once: half the pause leaves room for a slow machine (how long
    // all ten take depends on it), and none for a pause that started a little before `answered`.
    expect(Math.min(...arrivals.slice(1)) - answered).toBeLessThan(MADE_UP_PAUSE_MS / 2);
  });
});
