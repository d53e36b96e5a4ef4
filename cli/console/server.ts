import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { MessageStore } from '../../functions/channels/message-store';
import { EventQueries } from '../../functions/operator/event-queries';
import { EventStore } from '../../functions/store/event-store';
import { RawBodies } from '../../functions/store/raw-bodies';
import { webhookRoutes } from '../commands/events';
import { pauseStoresOf } from '../commands/pause';
import { CliError, sentenceOf, type Environment } from '../environment';
import {
  TOKEN_COOKIE,
  TOKEN_HEADER,
  WINDOWS,
  type OverviewAnswer,
  type OverviewQuery,
  type SessionAnswer,
} from './contract';
import { deadLetters } from './api/dead-letters';
import { deadLetterQueueHealth } from './api/overview';
import { BadRequest, eventDetail, EventsQuerySchema, searchEvents } from './api/events';
import { activePauses, pause, PauseConflict, PauseRequestSchema, resume } from './api/pauses';
import { payloadRedactor, type PayloadRedactor } from './api/redact';
import { planReplay, replayInputFor, replayRun, ReplaySelectionSchema, startReplay } from './api/replay';

/** The port the console tries first; when it is taken, any free one. */
export const DEFAULT_PORT = 4800;
/** Largest JSON body a call may send: selections and pause requests are small. */
export const MAX_BODY_BYTES = 64 * 1024;

/** What the console runs against and with: real in `relayflow console`, fakes or the local runtime in tests. */
export interface ConsoleDependencies {
  /**
   * Reaches the stack (`connect` with the CLI's options). Called again after a failure, so that a
   * stack deployed, or a local runtime started, after the console is found.
   */
  connect(): Promise<Environment>;
  /** What the operator asked for, shown while the stack cannot be reached. */
  readonly target: { readonly stack: string; readonly local: boolean; readonly region?: string };
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** The built UI: index.html and assets/ (cli/dist/console). */
  readonly assetsDir: string;
  overview(env: Environment, query: OverviewQuery, now: Date): Promise<OverviewAnswer>;
  /** The configuration's `observability.piiPaths`: payloads are shown redacted as logs are. */
  readonly redactPaths: readonly string[];
  /** What the filters offer beyond the stack's own outputs, from the configuration. */
  readonly catalog: {
    readonly tenants: readonly string[];
    readonly channels: readonly string[];
    readonly targets: readonly string[];
  };
  /** Who pauses and resumes, for the pause's history. */
  readonly operator: string;
  /** Where a failure nobody waits for goes (a release that stopped in the background). */
  log(message: string): void;
}

export interface ConsoleOptions {
  /** 0: any free port. @default {@link DEFAULT_PORT}, else any free port */
  readonly port?: number;
}

export interface RunningConsole {
  /** The URL to open: it carries the session token once. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** No inline script or style, nothing from elsewhere, no framing (decision 0056). */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** An answer with a status: thrown by a handler, written by the server. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A digest first, so that the comparison takes the same time whatever the length offered. */
const digest = (value: string) => createHash('sha256').update(value).digest();
const sameToken = (offered: string | undefined, token: string): boolean =>
  offered !== undefined && timingSafeEqual(digest(offered), digest(token));

const cookieOf = (request: IncomingMessage, name: string): string | undefined => {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
};

const headerOf = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The first issue of a zod error, as one sentence naming the field. */
const issueText = (error: z.ZodError): string => {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message.replace(/\.$/, '')}.`;
};

const parseWith = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new HttpError(400, issueText(parsed.error));
  return parsed.data;
};

const OverviewQuerySchema = z.strictObject({
  window: z.enum(WINDOWS).default('1h'),
  tenant: z.string().trim().min(1).max(256).optional(),
  provider: z.string().trim().min(1).max(256).optional(),
  channel: z.string().trim().min(1).max(256).optional(),
  target: z.string().trim().min(1).max(256).optional(),
});

const EVENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The stack's stores, made once per connection. */
const stackOf = (env: Environment) => {
  const tableName = env.output('EventTableName');
  const retentionDays = Number(env.outputs.RetentionDays ?? 30);
  const rawBodies = new RawBodies(env.s3, env.output('RawBucketName'));
  return {
    env,
    tableName,
    queries: new EventQueries(env.dynamodb, tableName),
    // With the raw-body bucket, a normalized event too large for its item is read from S3.
    store: new EventStore(env.dynamodb, { tableName, retentionDays }, rawBodies),
    rawBodies,
    messages: new MessageStore(env.dynamodb, { tableName, retentionDays }),
    pauses: pauseStoresOf(env),
  };
};
type Stack = ReturnType<typeof stackOf>;

const listen = (server: Server, port: number) =>
  new Promise<number>((done, fail) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      fail(error);
    };
    const onListening = () => {
      server.off('error', onError);
      done((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });

/**
 * Starts the console's server on 127.0.0.1 (decision 0056): a per-start token, carried once by
 * the URL and then by an HttpOnly cookie, guards every request; the Host and Origin headers are
 * checked against DNS rebinding and cross-site calls; state-changing calls are POSTs that carry
 * the token in a header.
 */
export const startConsole = async (
  deps: ConsoleDependencies,
  options: ConsoleOptions = {},
): Promise<RunningConsole> => {
  const token = randomBytes(32).toString('base64url');
  const redactor: PayloadRedactor = payloadRedactor(deps.redactPaths);
  let port = 0;
  let closed = false;
  let stack: Promise<Stack> | undefined;

  const connected = (): Promise<Stack> => {
    if (stack) return stack;
    const attempt = deps.connect().then(stackOf);
    stack = attempt;
    // A failed connection is not kept: the next request tries again.
    attempt.catch(() => {
      if (stack === attempt) stack = undefined;
    });
    return attempt;
  };

  const session = async (): Promise<SessionAnswer> => {
    const { catalog, target } = deps;
    try {
      const { env } = await connected();
      const routes = webhookRoutes(env.outputs);
      return {
        stack: env.stackName,
        local: env.local,
        region: env.region,
        connected: true,
        providers: [...new Set(routes.map((r) => r.provider))].sort(),
        tenants: [...new Set(['default', ...routes.map((r) => r.tenant), ...catalog.tenants])].sort(),
        channels: [...catalog.channels].sort(),
        targets: [...catalog.targets].sort(),
      };
    } catch (error) {
      return {
        stack: target.stack,
        local: target.local,
        region: target.region ?? '',
        connected: false,
        problem: sentenceOf(error, target.local),
        providers: [],
        tenants: [],
        channels: [...catalog.channels].sort(),
        targets: [...catalog.targets].sort(),
      };
    }
  };

  /** The stack, or 503 with the sentence that says why it cannot be reached. */
  const reach = async (): Promise<Stack> => {
    try {
      return await connected();
    } catch (error) {
      throw new HttpError(503, sentenceOf(error, deps.target.local));
    }
  };

  const eventsDeps = (s: Stack) => ({
    client: s.env.dynamodb,
    tableName: s.tableName,
    store: s.store,
    rawBodies: s.rawBodies,
    messages: s.messages,
    targetIds: deps.catalog.targets,
    redactor,
    now: deps.now(),
  });

  const replayDeps = (s: Stack) => ({
    sfn: s.env.sfn,
    stateMachineArn: s.env.output('ReplayStateMachineArn'),
    queries: s.queries,
    now: () => deps.now(),
    sleep: (ms: number) => deps.sleep(ms),
  });

  /** A release that outlives the console stops at its next wait. */
  const releaseClock = {
    now: () => deps.now(),
    sleep: (ms: number) => (closed ? Promise.reject(new Error('the console stopped')) : deps.sleep(ms)),
  };

  type Handler = (request: { query: URLSearchParams; body: unknown; params: string[] }) => Promise<unknown>;
  const routes: { method: 'GET' | 'POST'; path: RegExp; handle: Handler }[] = [
    { method: 'GET', path: /^\/api\/session$/, handle: () => session() },
    {
      method: 'GET',
      path: /^\/api\/overview$/,
      handle: async ({ query }) => {
        const asked = parseWith(OverviewQuerySchema, Object.fromEntries(query));
        const s = await reach();
        return deps.overview(s.env, asked, deps.now());
      },
    },
    {
      method: 'GET',
      path: /^\/api\/events$/,
      handle: async ({ query }) => {
        const asked = parseWith(EventsQuerySchema, Object.fromEntries(query));
        return searchEvents(eventsDeps(await reach()), asked);
      },
    },
    {
      method: 'GET',
      path: /^\/api\/events\/([^/]+)$/,
      handle: async ({ params: [id = ''] }) => {
        if (!EVENT_ID.test(id)) throw new HttpError(400, `${id.slice(0, 128)} is not an event id.`);
        const detail = await eventDetail(eventsDeps(await reach()), id);
        if (!detail)
          throw new HttpError(
            404,
            `No event has the id ${id}; if it expired (retentionDays), its timeline is in the audit archive: relayflow audit query --event ${id}.`,
          );
        return detail;
      },
    },
    {
      method: 'GET',
      path: /^\/api\/dead-letters$/,
      handle: async () => {
        const s = await reach();
        return deadLetters({
          queries: s.queries,
          queueHealth: () => deadLetterQueueHealth(s.env, deps.now()),
          redactor,
        });
      },
    },
    {
      method: 'POST',
      path: /^\/api\/replay\/plan$/,
      handle: async ({ body }) => {
        const selection = parseWith(ReplaySelectionSchema, body);
        const input = replayInputFor(selection, true, deps.now());
        return { plan: await planReplay(replayDeps(await reach()), input) };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/replay$/,
      handle: async ({ body }) => {
        const selection = parseWith(ReplaySelectionSchema, body);
        const input = replayInputFor(selection, false, deps.now());
        return { executionId: await startReplay(replayDeps(await reach()), input) };
      },
    },
    {
      method: 'GET',
      // `plan` is the POST route's, not an execution's id.
      path: /^\/api\/replay\/(?!plan$)([^/]+)$/,
      handle: async ({ params: [id = ''] }) => {
        const run = await replayRun(replayDeps(await reach()), id);
        if (!run) throw new HttpError(404, `No replay execution ${id}.`);
        return run;
      },
    },
    {
      method: 'GET',
      path: /^\/api\/pauses$/,
      handle: async () => ({ pauses: await activePauses((await reach()).pauses) }),
    },
    {
      method: 'POST',
      path: /^\/api\/pauses$/,
      handle: async ({ body }) => {
        const asked = parseWith(PauseRequestSchema, body);
        return { pause: await pause((await reach()).pauses, asked, deps.operator, deps.now()) };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/resume$/,
      handle: async ({ body }) => {
        const asked = parseWith(PauseRequestSchema, body);
        const resumed = await resume((await reach()).pauses, asked, deps.operator, releaseClock, (error) =>
          deps.log(
            `relayflow console: the release of ${asked.scope} ${asked.id} stopped: ${sentenceOf(error, deps.target.local)}`,
          ),
        );
        return { pause: resumed };
      },
    },
  ];

  const send = (
    response: ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Readonly<Record<string, string>>,
  ) => {
    response.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Length': String(Buffer.byteLength(body)),
      ...headers,
    });
    response.end(response.req.method === 'HEAD' ? undefined : body);
  };

  const sendJson = (
    response: ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ) =>
    send(response, status, JSON.stringify(value), {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      ...headers,
    });

  const sendText = (
    response: ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ) =>
    send(response, status, `${text}\n`, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      ...headers,
    });

  /** Refusals before any route: JSON for the API, plain text for pages. */
  const refuse = (response: ServerResponse, api: boolean, error: HttpError) =>
    api
      ? sendJson(response, error.status, { error: error.message }, error.headers)
      : sendText(response, error.status, error.message, error.headers);

  const readBody = async (request: IncomingMessage): Promise<unknown> => {
    const type = headerOf(request, 'content-type') ?? '';
    if (!/^application\/json(\s*;|$)/i.test(type))
      throw new HttpError(415, 'Send the body as JSON (Content-Type: application/json).');
    const declared = Number(headerOf(request, 'content-length') ?? 0);
    if (declared > MAX_BODY_BYTES)
      throw new HttpError(413, `The body is larger than ${MAX_BODY_BYTES / 1024} KB.`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > MAX_BODY_BYTES)
        throw new HttpError(413, `The body is larger than ${MAX_BODY_BYTES / 1024} KB.`);
      chunks.push(bytes);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new HttpError(400, 'The body is not valid JSON.');
    }
  };

  const handleApi = async (
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    viaHeader: boolean,
  ) => {
    const method = request.method ?? 'GET';
    const matching = routes.filter((route) => route.path.test(url.pathname));
    if (matching.length === 0) throw new HttpError(404, `No API route ${url.pathname}.`);
    const route = matching.find((r) => r.method === method);
    if (!route) {
      const allowed = [...new Set(matching.map((r) => r.method))].join(', ');
      throw new HttpError(405, `${url.pathname} answers ${allowed} only.`, { Allow: allowed });
    }
    if (method === 'POST' && !viaHeader)
      throw new HttpError(403, `State-changing calls need the ${TOKEN_HEADER} header, not only the cookie.`);
    const params = (route.path.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
    const body = method === 'POST' ? await readBody(request) : undefined;
    try {
      const answer = await route.handle({ query: url.searchParams, body, params });
      sendJson(response, 200, answer);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof BadRequest) throw new HttpError(400, error.message);
      if (error instanceof PauseConflict) throw new HttpError(409, error.message);
      // A missing output (an older stack) or an unreachable stack: the operator's to fix.
      if (error instanceof CliError) throw new HttpError(503, error.message);
      if (/ECONNREFUSED/.test(String(error)) || /ECONNREFUSED/.test(String((error as Error).cause)))
        stack = undefined;
      throw new HttpError(500, sentenceOf(error, deps.target.local));
    }
  };

  const handleStatic = async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      throw new HttpError(405, 'Pages answer GET only.', { Allow: 'GET, HEAD' });
    const root = resolve(deps.assetsDir);
    if (url.pathname.startsWith('/assets/')) {
      const file = resolve(root, `.${decodeURIComponent(url.pathname)}`);
      if (!file.startsWith(`${join(root, 'assets')}${sep}`)) throw new HttpError(404, 'No such file.');
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new HttpError(404, 'No such file.');
      }
      send(response, 200, bytes, {
        'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
      });
      return;
    }
    let page: string;
    try {
      page = await readFile(join(root, 'index.html'), 'utf8');
    } catch {
      sendText(
        response,
        503,
        `The console's web UI is not built (no ${join(root, 'index.html')}): run npm run build:console, then reload this page.`,
      );
      return;
    }
    // The UI reads the token here for its POSTs' header; the page is only ever served to the session.
    const meta = `<meta name="relayflow-token" content="${token}">`;
    const injected = /<head[^>]*>/i.test(page)
      ? page.replace(/<head[^>]*>/i, (head) => `${head}${meta}`)
      : `${meta}${page}`;
    send(response, 200, injected, {
      'Content-Type': CONTENT_TYPES['.html'] ?? 'text/html',
      'Cache-Control': 'no-store',
    });
  };

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const host = (headerOf(request, 'host') ?? '').toLowerCase();
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    const api = url.pathname === '/api' || url.pathname.startsWith('/api/');
    try {
      // A page on another site that rebinds its name to 127.0.0.1 still sends its own Host.
      if (!allowedHosts().has(host))
        throw new HttpError(
          403,
          `The console answers only requests to 127.0.0.1:${port} or localhost:${port}.`,
        );
      const origin = headerOf(request, 'origin');
      if (origin !== undefined && origin !== `http://${host}`)
        throw new HttpError(403, 'Requests from another origin are refused.');
      if (headerOf(request, 'sec-fetch-site') === 'cross-site')
        throw new HttpError(403, 'Requests from another site are refused.');
      const offered = url.searchParams.get('token');
      if (offered !== null) {
        if (!sameToken(offered, token) || request.method !== 'GET')
          throw new HttpError(401, 'This console link is not valid: open the URL relayflow console printed.');
        url.searchParams.delete('token');
        send(response, 302, '', {
          Location: `${url.pathname}${url.search}`,
          'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          'Cache-Control': 'no-store',
        });
        return;
      }
      const viaHeader = sameToken(headerOf(request, TOKEN_HEADER), token);
      if (!viaHeader && !sameToken(cookieOf(request, TOKEN_COOKIE), token))
        throw new HttpError(401, 'Open the URL relayflow console printed: it carries this session’s token.');
      if (api) await handleApi(request, response, url, viaHeader);
      else await handleStatic(request, response, url);
    } catch (error) {
      const refusal =
        error instanceof HttpError ? error : new HttpError(500, sentenceOf(error, deps.target.local));
      // The page shows the sentence; the terminal keeps it, for the operator who reports it.
      if (refusal.status >= 500)
        deps.log(
          `relayflow console: ${request.method ?? 'GET'} ${url.pathname} failed (${refusal.status}): ${refusal.message}`,
        );
      if (response.headersSent) response.destroy();
      else refuse(response, api, refusal);
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  if (options.port === undefined) {
    try {
      port = await listen(server, DEFAULT_PORT);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      port = await listen(server, 0);
    }
  } else {
    try {
      port = await listen(server, options.port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new CliError(
          `Port ${options.port} is in use; pass another --port, or --port 0 for any free port.`,
        );
      throw error;
    }
  }

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      closed = true;
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      const current = stack;
      stack = undefined;
      if (current) await current.then((s) => destroyClients(s.env)).catch(() => undefined);
    },
  };
};

/** The SDK clients keep sockets open; a closed console lets the process end. */
const destroyClients = (env: Environment) => {
  for (const client of [
    env.dynamodb,
    env.sqs,
    env.sfn,
    env.secrets,
    env.sns,
    env.cloudwatch,
    env.lambda,
    env.s3,
    env.athena,
    env.scheduler,
  ])
    // A stand-in environment (tests) may leave clients out.
    (client as { destroy?: () => void } | undefined)?.destroy?.();
};
