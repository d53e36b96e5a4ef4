import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { CONSOLE_DIST } from '../../cli/build-console';
import { ROOT } from '../../cli/build';
import {
  TOKEN_HEADER,
  type DeadLettersAnswer,
  type EventsAnswer,
  type OverviewAnswer,
  type PausesAnswer,
  type SessionAnswer,
} from '../../cli/console/contract';

/** What the fake answers for one API call: a status and a JSON body. */
export interface FakeAnswer {
  readonly status: number;
  readonly body: unknown;
}

export type FakeApi = (request: {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly body: unknown;
}) => FakeAnswer | undefined;

export interface FakeConsole {
  readonly url: string;
  readonly token: string;
  /** Every API call the UI made, in order, with the token header it sent. */
  readonly calls: { method: string; path: string; token: string | undefined }[];
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const readBody = (request: IncomingMessage) =>
  new Promise<unknown>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        resolve(text);
      }
    });
  });

/**
 * A stand-in for the console server (cli/console/server.ts) that serves the committed UI build and
 * answers the API from `api`: for the UI's own states (not connected, errors, empty) and for the
 * first-paint bench, which measure the UI, not the stores behind the real server.
 */
export const startFakeConsole = async (api: FakeApi): Promise<FakeConsole> => {
  const token = 'fake-console-token';
  const dist = join(ROOT, CONSOLE_DIST);
  // Where the real server puts it.
  const page = readFileSync(join(dist, 'index.html'), 'utf8').replace(
    '<head>',
    `<head><meta name="relayflow-token" content="${token}">`,
  );
  const calls: FakeConsole['calls'] = [];
  const send = (response: ServerResponse, status: number, type: string, body: string | Buffer) =>
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) {
      const sent = request.headers[TOKEN_HEADER];
      calls.push({
        method: request.method ?? 'GET',
        path: url.pathname + url.search,
        token: typeof sent === 'string' ? sent : undefined,
      });
      void readBody(request).then((body) => {
        if (sent !== token)
          return send(response, 401, 'application/json', JSON.stringify({ error: 'Wrong token.' }));
        const answer = api({
          method: request.method ?? 'GET',
          path: url.pathname,
          params: url.searchParams,
          body,
        }) ?? {
          status: 404,
          body: { error: `No such API call: ${url.pathname}` },
        };
        return send(response, answer.status, 'application/json', JSON.stringify(answer.body));
      });
      return;
    }
    if (url.pathname.startsWith('/assets/')) {
      const file = normalize(join(dist, url.pathname));
      if (!file.startsWith(dist)) return send(response, 404, 'text/plain', 'not found');
      try {
        return send(response, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
      } catch {
        return send(response, 404, 'text/plain', 'not found');
      }
    }
    return send(response, 200, TYPES['.html'] ?? 'text/html', page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export const SAMPLE_SESSION: SessionAnswer = {
  stack: 'RelayFlow',
  local: true,
  region: 'us-east-1',
  connected: true,
  providers: ['github', 'stripe'],
  tenants: ['default'],
  channels: ['email'],
  targets: ['sink'],
};

/** An hour of made-up but plausible traffic, bucketed by minute, ending at `now`. */
export const sampleOverview = (now: number): OverviewAnswer => {
  const start = now - 3_600_000;
  const series = (f: (i: number) => number) =>
    Array.from({ length: 60 }, (_, i) => ({ t: start + i * 60_000, v: f(i) }));
  const received = series((i) => 20 + Math.round(10 * Math.sin(i / 6)));
  return {
    window: '1h',
    bucketSeconds: 60,
    series: {
      received,
      processed: received.map((p, i) => ({ ...p, v: p.v - (i % 17 === 0 ? 2 : 0) })),
      failed: series((i) => (i % 17 === 0 ? 2 : 0)),
      retried: series((i) => (i % 9 === 0 ? 3 : 0)),
    },
    totals: {
      received: received.reduce((n, p) => n + p.v, 0),
      processed: received.reduce((n, p) => n + p.v, 0) - 8,
      failed: 8,
      retried: 21,
    },
    retryRate: 0.018,
    queues: {
      main: { visible: 3, inFlight: 2, oldestAgeSeconds: 4 },
      deadLetter: { visible: 8, inFlight: 0, oldestAgeSeconds: 1900 },
    },
    replays: [],
    channels: [{ via: 'postmark', channel: 'email', counts: { DELIVERED: 12, BOUNCED: 1 } }],
    targets: [{ target: 'sink', delivered: 1180, failed: 8, disabled: false }],
    pauses: [],
  };
};

/** Answers every GET of the UI's first screens with {@link SAMPLE_SESSION} and {@link sampleOverview}. */
export const sampleApi =
  (now = Date.now()): FakeApi =>
  ({ method, path }) => {
    if (method !== 'GET') return undefined;
    if (path === '/api/session') return { status: 200, body: SAMPLE_SESSION };
    if (path === '/api/overview') return { status: 200, body: sampleOverview(now) };
    if (path === '/api/events')
      return { status: 200, body: { items: [], scanned: 0 } satisfies EventsAnswer };
    if (path === '/api/dead-letters')
      return {
        status: 200,
        body: { depth: { visible: 0, inFlight: 0 }, groups: [], scanned: 0 } satisfies DeadLettersAnswer,
      };
    if (path === '/api/pauses') return { status: 200, body: { pauses: [] } satisfies PausesAnswer };
    return undefined;
  };
