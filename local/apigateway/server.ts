import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildEvent, decodedPathSegments, newRequestId, splitTarget } from './event';
import type { ApiIdentity } from './event';
import { LOCAL_CREDENTIALS, verifyIamRequest, type LocalCredentials } from './iam';
import { INTERNAL_SERVER_ERROR, gatewayMessage, toHttpResponse } from './response';
import type { HttpResponse, IntegrationOutcome } from './response';
import { RouteTable } from './routes';
import { TokenBucket, type MonotonicClock, type RouteThrottle } from './throttle';

export type RouteTarget = (event: APIGatewayProxyEventV2) => Promise<IntegrationOutcome>;

export interface HttpApiRoute {
  /** `'$default'`, or `'<METHOD|ANY> /path/{var}/{greedy+}'`. */
  readonly routeKey: string;
  readonly target: RouteTarget;
  /** The route's throttle (the stage's route settings). @default none */
  readonly throttle?: RouteThrottle;
  /** `AWS_IAM`: only SigV4-signed requests reach the target (the route's AuthorizationType). @default none */
  readonly authorization?: 'AWS_IAM';
}

export interface AccessLogEntry {
  readonly requestId: string;
  readonly sourceIp: string;
  readonly requestTime: string;
  readonly method: string;
  readonly path: string;
  readonly routeKey: string | undefined;
  readonly status: number;
  readonly responseLength: number;
  /** Time from the first byte received to the response being written. */
  readonly latencyMs: number;
  readonly integrationLatencyMs: number | undefined;
  /** Why the integration gave no answer of its own (it failed or ran out of time); undefined when it answered. */
  readonly integrationError?: string;
}

export interface HttpApiOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly routes: readonly HttpApiRoute[];
  /** HTTP APIs accept payloads up to 10 MB. @default 10 MiB */
  readonly maxBodyBytes?: number;
  /** HTTP APIs give an integration at most 30 s; past it the client gets 503. @default 30_000 */
  readonly integrationTimeoutMs?: number;
  /** @default a random 10-character id */
  readonly apiId?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Called once per request after the response is sent. */
  readonly accessLog?: (entry: AccessLogEntry) => void;
  /** Time for the route throttles' token buckets. @default performance.now */
  readonly clock?: MonotonicClock;
  /** Credentials whose signatures AWS_IAM routes accept. @default the local runtime's (`local`/`local`) */
  readonly iamCredentials?: readonly LocalCredentials[];
  /** The instant signatures are checked against. @default the current time */
  readonly now?: () => Date;
}

export interface RunningHttpApi {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly apiId: string;
  stop(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const NOT_FOUND = gatewayMessage(404, 'Not Found');
const TOO_LARGE = gatewayMessage(413, 'Request Entity Too Large');
const SERVICE_UNAVAILABLE = gatewayMessage(503, 'Service Unavailable');
const TOO_MANY_REQUESTS = gatewayMessage(429, 'Too Many Requests');

/** A JSON-lines access log writer for `accessLog`. */
export function jsonAccessLog(
  write: (line: string) => void = (line) => process.stdout.write(line),
): (entry: AccessLogEntry) => void {
  return (entry) => write(`${JSON.stringify(entry)}\n`);
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'tooLarge'> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve('tooLarge');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        resolve('tooLarge');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('the client closed the connection before the body ended'));
    });
  });
}

/** The integration's failure in a word or a sentence: Lambda's own `errorMessage` where it gave one. */
const messageOf = (error: unknown): string => {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'errorMessage' in error)
    return String(error.errorMessage);
  return typeof error === 'string' ? error : 'Integration failure';
};

async function callTarget(
  target: RouteTarget,
  event: APIGatewayProxyEventV2,
  timeoutMs: number,
): Promise<HttpResponse & { readonly integrationError?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([target(event), timedOut]);
    if (outcome === 'timeout') return { ...SERVICE_UNAVAILABLE, integrationError: 'Integration timeout' };
    if ('error' in outcome) return { ...INTERNAL_SERVER_ERROR, integrationError: messageOf(outcome.error) };
    return toHttpResponse(outcome);
  } catch (error) {
    return { ...INTERNAL_SERVER_ERROR, integrationError: messageOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

function send(response: ServerResponse, reply: HttpResponse, closeConnection = false): void {
  response.statusCode = reply.statusCode;
  const grouped = new Map<string, string[]>();
  for (const [name, value] of reply.headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped)
    response.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
  response.setHeader('content-length', reply.body.length);
  if (closeConnection) response.setHeader('connection', 'close');
  response.end(reply.body);
}

/** Serves an API Gateway HTTP API ($default stage) with Lambda proxy integrations, payload format 2.0. */
export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  const table = new RouteTable(options.routes);
  const identity: ApiIdentity = {
    apiId: options.apiId ?? randomBytes(8).toString('hex').slice(0, 10),
    accountId: options.accountId ?? '000000000000',
    region: options.region ?? 'us-east-1',
  };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 30_000;
  const sockets = new Set<Socket>();
  const clock = options.clock ?? (() => performance.now());
  const iam = {
    credentials: options.iamCredentials ?? LOCAL_CREDENTIALS,
    accountId: identity.accountId,
    region: identity.region,
  };
  const authorizations = new Map(options.routes.map((route) => [route.routeKey, route.authorization]));
  const buckets = new Map(
    options.routes.flatMap((route) =>
      route.throttle ? [[route.routeKey, new TokenBucket(route.throttle, clock)] as const] : [],
    ),
  );

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedAt = performance.now();
    const now = options.now?.() ?? new Date();
    const requestId = newRequestId();
    const method = (request.method ?? 'GET').toUpperCase();
    const { encodedPath } = splitTarget(request.url ?? '/');
    // Filled in as the request progresses; read by the access log when the response is sent.
    const progress: { routeKey?: string; integrationLatencyMs?: number; integrationError?: string } = {};
    response.setHeader('apigw-requestid', requestId);
    response.on('finish', () => {
      options.accessLog?.({
        requestId,
        sourceIp: request.socket.remoteAddress ?? '',
        requestTime: now.toISOString(),
        method,
        path: encodedPath,
        routeKey: progress.routeKey,
        status: response.statusCode,
        responseLength: Number(response.getHeader('content-length') ?? 0),
        latencyMs: performance.now() - startedAt,
        integrationLatencyMs: progress.integrationLatencyMs,
        ...(progress.integrationError === undefined ? {} : { integrationError: progress.integrationError }),
      });
    });

    const body = await readBody(request, maxBodyBytes);
    if (body === 'tooLarge') {
      // The rest of the body is read and discarded so the client can read the 413 before the close.
      request.resume();
      send(response, TOO_LARGE, true);
      return;
    }
    const match = table.match(method, decodedPathSegments(encodedPath));
    if (match === undefined) {
      send(response, NOT_FOUND);
      return;
    }
    const routeKey = match.route.routeKey;
    progress.routeKey = routeKey;
    if (buckets.get(routeKey)?.take() === false) {
      send(response, TOO_MANY_REQUESTS);
      return;
    }
    const verdict =
      authorizations.get(routeKey) === 'AWS_IAM'
        ? await verifyIamRequest(
            { method, target: request.url ?? '/', rawHeaders: request.rawHeaders, body },
            iam,
            now,
          )
        : undefined;
    if (verdict?.ok === false) {
      send(response, gatewayMessage(403, verdict.message));
      return;
    }
    const built = buildEvent(
      {
        method,
        target: request.url ?? '/',
        rawHeaders: request.rawHeaders,
        httpVersion: request.httpVersion,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
        localPort: request.socket.localPort ?? 0,
        body,
      },
      { routeKey, pathParameters: match.pathParameters },
      identity,
      requestId,
      now,
    );
    const event = verdict?.ok
      ? { ...built, requestContext: { ...built.requestContext, authorizer: verdict.authorizer } }
      : built;
    const integrationStartedAt = performance.now();
    const reply = await callTarget(match.route.target, event, integrationTimeoutMs);
    progress.integrationLatencyMs = performance.now() - integrationStartedAt;
    progress.integrationError = reply.integrationError;
    if (!response.destroyed) send(response, reply);
  };

  // Unlike the emulators' fronts (emulators/loopback.ts) this accepts any Host: tunnels such as
  // ngrok forward providers' deliveries under their public name, and the API answers nothing a
  // deployed stack would not answer on the internet.
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, INTERNAL_SERVER_ERROR);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    port,
    apiId: identity.apiId,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}
