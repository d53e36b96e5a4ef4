import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { CliError, type Environment } from '../../../cli/environment';
import type { OverviewAnswer, OverviewQuery } from '../../../cli/console/contract';
import {
  DEFAULT_PORT,
  MAX_BODY_BYTES,
  startConsole,
  type ConsoleDependencies,
  type RunningConsole,
} from '../../../cli/console/server';
import { fakeEnvironment } from '../../helpers/cli-run';

const OUTPUTS = {
  EventTableName: 'events',
  RawBucketName: 'raw',
  MainQueueUrl: 'http://127.0.0.1:9/000000000000/main.fifo',
  DeadLetterQueueUrl: 'http://127.0.0.1:9/000000000000/dlq.fifo',
  ReplayStateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Replay',
  WebhookUrlStripe: 'https://api.example.com/webhooks/stripe',
  WebhookUrlGithubAcme: 'https://api.example.com/webhooks/github/acme',
};

const sfn = mockClient(SFNClient);
let assets: string;
let running: RunningConsole | undefined;
const overviewCalls: OverviewQuery[] = [];

const environment = (): Environment => ({
  ...fakeEnvironment({ stackName: 'RelayFlowTest', outputs: OUTPUTS }),
  sfn: new SFNClient({ region: 'us-east-1' }),
});

const dependencies = (overrides: Partial<ConsoleDependencies> = {}): ConsoleDependencies => ({
  connect: () => Promise.resolve(environment()),
  target: { stack: 'RelayFlowTest', local: false, region: 'us-east-1' },
  now: () => new Date('2025-06-01T12:00:00Z'),
  sleep: () => Promise.resolve(),
  assetsDir: assets,
  overview: (_env, query) => {
    overviewCalls.push(query);
    return Promise.resolve({ window: query.window } as OverviewAnswer);
  },
  redactPaths: [],
  catalog: { tenants: ['beta'], channels: ['postmark'], targets: ['sink'] },
  operator: 'tester',
  log: () => undefined,
  ...overrides,
});

const start = async (overrides: Partial<ConsoleDependencies> = {}, port = 0) => {
  running = await startConsole(dependencies(overrides), { port });
  return running;
};

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A raw HTTP call, so that a test sets any Host, Origin or cookie it wants. */
const call = (
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
) =>
  new Promise<Answer>((done, fail) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          done({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', fail);
    request.end(options.body);
  });

const cookie = (token: string) => ({ cookie: `relayflow_console=${token}` });
const tokenHeader = (token: string) => ({ 'x-relayflow-token': token });
const json = { 'content-type': 'application/json' };
const errorOf = (answer: Answer) => (JSON.parse(answer.body) as { error: string }).error;

beforeEach(() => {
  assets = mkdtempSync(join(tmpdir(), 'relayflow-console-assets-'));
  mkdirSync(join(assets, 'assets'));
  writeFileSync(
    join(assets, 'index.html'),
    '<!doctype html><html lang="en"><head><title>RelayFlow</title></head><body><script type="module" src="/assets/app.js"></script></body></html>',
  );
  writeFileSync(join(assets, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(join(assets, 'assets', 'app.css'), 'body{margin:0}');
  writeFileSync(join(assets, 'secret.txt'), 'not an asset');
  sfn.reset();
  overviewCalls.length = 0;
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  rmSync(assets, { recursive: true, force: true });
});

describe('the session token', () => {
  it('is a fresh 32-byte base64url value per start, carried once by the printed URL', async () => {
    const first = await start();
    const second = await startConsole(dependencies(), { port: 0 });
    try {
      expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(second.token).not.toBe(first.token);
      expect(first.url).toBe(`http://127.0.0.1:${first.port}/?token=${first.token}`);
    } finally {
      await second.close();
    }
  });

  it('in the URL sets an HttpOnly, SameSite=Strict cookie and redirects to the same path without it', async () => {
    const { port, token } = await start();
    const answer = await call(port, `/events/ev_1?tab=raw&token=${token}`);
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/events/ev_1?tab=raw');
    expect(answer.headers['set-cookie']).toEqual([
      `relayflow_console=${token}; HttpOnly; SameSite=Strict; Path=/`,
    ]);
  });

  it('refuses a wrong token in the URL with 401 and sets no cookie', async () => {
    const { port, token } = await start();
    const answer = await call(port, `/?token=${token.slice(1)}x`);
    expect(answer.status).toBe(401);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('refuses an API call without a token with 401', async () => {
    const { port } = await start();
    const answer = await call(port, '/api/session');
    expect(answer.status).toBe(401);
    expect(errorOf(answer)).toMatch(/URL relayflow console printed/);
  });

  it('refuses a wrong token in the cookie or the header with 401', async () => {
    const { port, token } = await start();
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await call(port, '/api/session', { headers: cookie(wrong) })).status).toBe(401);
    expect((await call(port, '/api/session', { headers: tokenHeader(wrong) })).status).toBe(401);
    expect((await call(port, '/api/session', { headers: tokenHeader('') })).status).toBe(401);
  });

  it('lets a request with the cookie or the header through', async () => {
    const { port, token } = await start();
    expect((await call(port, '/api/session', { headers: cookie(token) })).status).toBe(200);
    expect((await call(port, '/api/session', { headers: tokenHeader(token) })).status).toBe(200);
  });

  it('refuses pages to a browser without the cookie, so the token meta is never served to it', async () => {
    const { port, token } = await start();
    const answer = await call(port, '/');
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain(token);
  });
});

describe('Host and Origin', () => {
  it.each(['evil.example.com', 'evil.example.com:4800', '127.0.0.1', '10.0.0.1:PORT', '127.0.0.1:1'])(
    'refuses Host %s with 403, even with the right token',
    async (host) => {
      const { port, token } = await start();
      const answer = await call(port, '/api/session', {
        headers: { ...tokenHeader(token), host: host.replace('PORT', String(port)) },
      });
      expect(answer.status).toBe(403);
      expect(errorOf(answer)).toMatch(/only requests to 127\.0\.0\.1/);
    },
  );

  it.each(['127.0.0.1', 'localhost', '[::1]'])('accepts the loopback Host %s:<port>', async (name) => {
    const { port, token } = await start();
    const answer = await call(port, '/api/session', {
      headers: { ...tokenHeader(token), host: `${name}:${port}` },
    });
    expect(answer.status).toBe(200);
  });

  it.each(['https://evil.example.com', 'http://127.0.0.1:1', 'null'])(
    'refuses Origin %s with 403',
    async (origin) => {
      const { port, token } = await start();
      const answer = await call(port, '/api/pauses', {
        method: 'POST',
        headers: { ...tokenHeader(token), ...cookie(token), ...json, origin },
        body: JSON.stringify({ scope: 'provider', id: 'stripe', reason: 'maintenance' }),
      });
      expect(answer.status).toBe(403);
      expect(errorOf(answer)).toMatch(/another origin/);
    },
  );

  it("accepts the console's own origin", async () => {
    const { port, token } = await start();
    const answer = await call(port, '/api/session', {
      headers: { ...tokenHeader(token), origin: `http://localhost:${port}`, host: `localhost:${port}` },
    });
    expect(answer.status).toBe(200);
  });

  it('refuses a request the browser marks cross-site', async () => {
    const { port, token } = await start();
    const answer = await call(port, '/api/session', {
      headers: { ...cookie(token), 'sec-fetch-site': 'cross-site' },
    });
    expect(answer.status).toBe(403);
  });
});

describe('state-changing calls', () => {
  it.each(['/api/replay', '/api/replay/plan', '/api/resume'])(
    'refuses GET %s with 405 and says to POST',
    async (path) => {
      const { port, token } = await start();
      const answer = await call(port, path, { headers: tokenHeader(token) });
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('POST');
    },
  );

  it('refuses a POST that carries only the cookie with 403: a cross-site form can send a cookie, not a header', async () => {
    const { port, token } = await start();
    const answer = await call(port, '/api/replay', {
      method: 'POST',
      headers: { ...cookie(token), ...json },
      body: JSON.stringify({ eventIds: ['ev_1'], reason: 'sink fixed' }),
    });
    expect(answer.status).toBe(403);
    expect(errorOf(answer)).toMatch(/x-relayflow-token header/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('starts a replay for a POST with the header, as a console execution with the checked input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
    const { port, token } = await start();
    const answer = await call(port, '/api/replay', {
      method: 'POST',
      headers: { ...tokenHeader(token), ...json },
      body: JSON.stringify({ eventIds: ['ev_1'], source: 'store', reason: 'sink fixed' }),
    });
    expect(answer.status).toBe(200);
    const { executionId } = JSON.parse(answer.body) as { executionId: string };
    expect(executionId).toMatch(/^console-20250601T120000-[0-9a-f]{6}$/);
    const [sent] = sfn.commandCalls(StartExecutionCommand);
    expect(sent?.args[0].input).toMatchObject({
      stateMachineArn: OUTPUTS.ReplayStateMachineArn,
      name: executionId,
    });
    expect(JSON.parse(sent?.args[0].input.input ?? '{}')).toMatchObject({
      source: 'store',
      filter: { eventIds: ['ev_1'] },
      dryRun: false,
      reason: 'sink fixed',
    });
  });

  it('refuses a replay without a reason, and force without confirm, before starting anything', async () => {
    const { port, token } = await start();
    const post = (body: object) =>
      call(port, '/api/replay', {
        method: 'POST',
        headers: { ...tokenHeader(token), ...json },
        body: JSON.stringify(body),
      });
    const noReason = await post({ eventIds: ['ev_1'] });
    expect(noReason.status).toBe(400);
    expect(errorOf(noReason)).toMatch(/^reason is required/);
    const unconfirmed = await post({ eventIds: ['ev_1'], reason: 'again', force: true });
    expect(unconfirmed.status).toBe(400);
    expect(errorOf(unconfirmed)).toMatch(/confirm: true/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a body that is not JSON (415), too large (413), malformed (400) or not what the route takes (400)', async () => {
    const { port, token } = await start();
    const post = (body: string | Buffer, headers: Record<string, string> = json) =>
      call(port, '/api/pauses', { method: 'POST', headers: { ...tokenHeader(token), ...headers }, body });
    const form = await post('scope=provider', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const large = await post(Buffer.alloc(MAX_BODY_BYTES + 1, 'a'));
    expect(large.status).toBe(413);
    expect(errorOf(large)).toBe('The body is larger than 64 KB.');
    const broken = await post('{"scope":');
    expect(broken.status).toBe(400);
    expect(errorOf(broken)).toBe('The body is not valid JSON.');
    const noReason = await post(JSON.stringify({ scope: 'provider', id: 'stripe' }));
    expect(noReason.status).toBe(400);
    expect(errorOf(noReason)).toBe('reason: reason is required: it is the audit of the pause.');
    const unknown = await post(JSON.stringify({ scope: 'planet', id: 'x', reason: 'because' }));
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatch(/^scope: /);
  });
});

describe('headers', () => {
  it('sends a strict Content-Security-Policy and the other security headers on every answer, and no-store on the API', async () => {
    const { port, token } = await start();
    for (const answer of [
      await call(port, '/api/session', { headers: tokenHeader(token) }),
      await call(port, '/', { headers: cookie(token) }),
      await call(port, '/api/session'),
    ]) {
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
      expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-frame-options']).toBe('DENY');
    }
    const api = await call(port, '/api/session', { headers: tokenHeader(token) });
    expect(api.headers['cache-control']).toBe('no-store');
    expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('static files', () => {
  it('serves index.html for any page path, deep links included, with the token in a meta tag', async () => {
    const { port, token } = await start();
    for (const path of ['/', '/events/ev_123', '/dead-letters']) {
      const answer = await call(port, path, { headers: cookie(token) });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toContain(`<head><meta name="relayflow-token" content="${token}"><title>`);
    }
  });

  it('serves assets with their content types, and nothing outside assets/', async () => {
    const { port, token } = await start();
    const script = await call(port, '/assets/app.js', { headers: cookie(token) });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log("app");');
    const style = await call(port, '/assets/app.css', { headers: cookie(token) });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await call(port, '/assets/missing.js', { headers: cookie(token) })).status).toBe(404);
    expect((await call(port, '/assets/..%2Fsecret.txt', { headers: cookie(token) })).status).toBe(404);
    // The URL parser resolves an encoded `..` first: the path is then a page's, never the file.
    expect((await call(port, '/assets/%2E%2E/secret.txt', { headers: cookie(token) })).body).not.toContain(
      'not an asset',
    );
  });

  it('answers a page saying to build the UI when index.html is missing', async () => {
    rmSync(join(assets, 'index.html'));
    const { port, token } = await start();
    const answer = await call(port, '/', { headers: cookie(token) });
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('run npm run build:console');
  });
});

describe('the API', () => {
  it('says which stack it shows, with the providers and tenants of its webhook URLs and the configured channels and targets', async () => {
    const { port, token } = await start();
    const answer = await call(port, '/api/session', { headers: tokenHeader(token) });
    expect(JSON.parse(answer.body)).toEqual({
      stack: 'RelayFlowTest',
      local: false,
      region: 'us-east-1',
      connected: true,
      providers: ['github', 'stripe'],
      tenants: ['acme', 'beta', 'default'],
      channels: ['postmark'],
      targets: ['sink'],
    });
  });

  it('still starts when the stack cannot be reached: the session says why, the other routes answer 503, and a later request connects', async () => {
    let attempts = 0;
    const { port, token } = await start({
      target: { stack: 'RelayFlow', local: true },
      connect: () => {
        attempts += 1;
        return attempts === 1
          ? Promise.reject(
              new CliError(
                'The local runtime is not running (no .relayflow/local.json); start it with npm start.',
              ),
            )
          : Promise.resolve(environment());
      },
    });
    const session = JSON.parse(
      (await call(port, '/api/session', { headers: tokenHeader(token) })).body,
    ) as object;
    expect(session).toMatchObject({
      stack: 'RelayFlow',
      local: true,
      connected: false,
      problem: 'The local runtime is not running (no .relayflow/local.json); start it with npm start.',
      providers: [],
    });
    const later = JSON.parse(
      (await call(port, '/api/session', { headers: tokenHeader(token) })).body,
    ) as object;
    expect(later).toMatchObject({ connected: true, stack: 'RelayFlowTest' });
  });

  it('answers 503 with the reason on a data route while the stack cannot be reached', async () => {
    const { port, token } = await start({
      connect: () =>
        Promise.reject(
          new CliError(
            'Stack RelayFlow does not exist in us-east-1; deploy it with cdk deploy or pass --stack.',
          ),
        ),
    });
    const answer = await call(port, '/api/dead-letters', { headers: tokenHeader(token) });
    expect(answer.status).toBe(503);
    expect(errorOf(answer)).toMatch(/^Stack RelayFlow does not exist/);
  });

  it('hands the overview its checked query, with 1h as the default window', async () => {
    const { port, token } = await start();
    const answer = await call(port, '/api/overview?tenant=acme', { headers: tokenHeader(token) });
    expect(answer.status).toBe(200);
    expect(overviewCalls).toEqual([{ window: '1h', tenant: 'acme' }]);
    const wrong = await call(port, '/api/overview?window=2h', { headers: tokenHeader(token) });
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong)).toMatch(/^window: /);
  });

  it('refuses unknown search parameters and malformed event ids with 400, and unknown routes with 404', async () => {
    const { port, token } = await start();
    const typo = await call(port, '/api/events?stauts=DEAD_LETTERED', { headers: tokenHeader(token) });
    expect(typo.status).toBe(400);
    expect(errorOf(typo)).toMatch(/stauts/);
    const badId = await call(port, '/api/events/ev%20x', { headers: tokenHeader(token) });
    expect(badId.status).toBe(400);
    expect((await call(port, '/api/nothing', { headers: tokenHeader(token) })).status).toBe(404);
  });
});

describe('the port', () => {
  const hold = async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : 0 };
  };

  it('binds 127.0.0.1 only', async () => {
    const { port, token } = await start();
    const other = await new Promise<string>((done) => {
      const request = httpRequest(
        { host: '::1', port, path: '/api/session', headers: tokenHeader(token) },
        () => done('answered'),
      );
      request.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
      request.end();
    });
    expect(other).not.toBe('answered');
  });

  it('falls back to any free port when the default 4800 is taken', async () => {
    const held = createServer();
    // Taken by this test, or already by something else: taken either way.
    await new Promise<void>((done) => {
      held.once('error', () => done());
      held.listen(DEFAULT_PORT, '127.0.0.1', done);
    });
    try {
      running = await startConsole(dependencies());
      expect(running.port).not.toBe(DEFAULT_PORT);
      expect(running.port).toBeGreaterThan(0);
    } finally {
      held.close();
    }
  });

  it('refuses a port that is taken with a sentence naming --port', async () => {
    const held = await hold();
    try {
      await expect(startConsole(dependencies(), { port: held.port })).rejects.toThrow(
        `Port ${held.port} is in use; pass another --port, or --port 0 for any free port.`,
      );
    } finally {
      held.server.close();
    }
  });
});
