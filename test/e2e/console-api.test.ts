import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { overview } from '../../cli/console/api/overview';
import type {
  DeadLettersAnswer,
  EventDetailAnswer,
  EventsAnswer,
  PauseAnswer,
  PausesAnswer,
  PlanAnswer,
  ReplayRun,
  ReplayStarted,
  SessionAnswer,
} from '../../cli/console/contract';
import { startConsole, type RunningConsole } from '../../cli/console/server';
import { connect } from '../../cli/environment';
import { sendStripe, startConsoleRuntime, type ConsoleRuntime } from '../helpers/console-local';
import { eventually } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(300_000);

const DEAD = 'cus_console_api_dead';
let local: ConsoleRuntime;
let running: RunningConsole;

/** A call to the console as its UI makes it: the token in the header. */
const api = async <T>(path: string, body?: object): Promise<{ status: number; body: T }> => {
  const response = await fetch(`http://127.0.0.1:${running.port}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: {
      'x-relayflow-token': running.token,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
};

const send = (customer: string, seq: number) => sendStripe(local.e2e, customer, seq);

const statusOf = async (eventId: string) =>
  (await api<EventDetailAnswer>(`/api/events/${eventId}`)).body.event?.status;

beforeAll(async () => {
  local = await startConsoleRuntime('console-api');
  const assets = join(local.workDir, 'console');
  mkdirSync(join(assets, 'assets'), { recursive: true });
  writeFileSync(
    join(assets, 'index.html'),
    '<!doctype html><html><head><title>RelayFlow</title></head></html>',
  );
  running = await startConsole(
    {
      connect: () => connect({ local: true, stack: 'RelayFlow', localStateFile: local.stateFile }),
      target: { stack: 'RelayFlow', local: true },
      now: () => new Date(local.e2e.runtime.clock.now()),
      sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
      assetsDir: assets,
      overview,
      redactPaths: [],
      catalog: { tenants: [], channels: ['postmark', 'twilio', 'fcm'], targets: ['sink'] },
      operator: 'e2e',
      log: () => undefined,
    },
    { port: 0 },
  );
});
afterAll(async () => {
  await running?.close();
  await local?.stop();
});

describe('the console API against the local runtime', () => {
  it('takes the token from the printed URL into a cookie, then serves the page with the token for its calls', async () => {
    const first = await fetch(running.url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toBe(`relayflow_console=${running.token}`);
    const page = await fetch(`http://127.0.0.1:${running.port}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<meta name="relayflow-token" content="${running.token}">`);
  });

  it("says it is connected to the local runtime's stack, with its providers", async () => {
    const { status, body } = await api<SessionAnswer>('/api/session');
    expect(status).toBe(200);
    expect(body).toMatchObject({ stack: 'RelayFlowE2E', local: true, connected: true });
    expect(body.providers).toEqual(expect.arrayContaining(['stripe', 'github', 'standard-webhooks']));
    expect(body.tenants).toContain('default');
  });

  it('finds an event by its correlation id and shows its timeline, its redacted raw request and its normalized event', async () => {
    const sent = [await send('cus_console_api_a', 1), await send('cus_console_api_b', 2)];
    const wanted = sent[1];
    const found = await api<EventsAnswer>(
      `/api/events?correlationId=${encodeURIComponent(wanted?.correlationId ?? '')}`,
    );
    expect(found.status).toBe(200);
    expect(found.body.items.map((e) => e.eventId)).toEqual([wanted?.eventId]);
    expect(found.body.items[0]).toMatchObject({
      provider: 'stripe',
      type: 'invoice.paid',
      entity: 'customer:cus_console_api_b',
    });

    const detail = await api<EventDetailAnswer>(`/api/events/${wanted?.eventId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.timeline[0]).toMatchObject({ action: 'accepted', by: 'ingest' });
    expect(detail.body.raw?.headers['stripe-signature']).toMatch(/^masked:sha256:[0-9a-f]{16}$/);
    expect(detail.body.raw?.body).toContain('in_cus_console_api_b_2');
    expect(detail.body.normalized).toMatchObject({ type: 'invoice.paid', provider: 'stripe' });
    expect(detail.body.messages).toEqual([]);

    expect(
      await eventually(async () => (await statusOf(wanted?.eventId ?? '')) === 'PROCESSED', 60_000, 300),
    ).toBe(true);
    const processed = await api<EventsAnswer>('/api/events?provider=stripe&status=PROCESSED&type=invoice.*');
    expect(processed.body.items.map((e) => e.eventId)).toContain(wanted?.eventId);
    expect(processed.body.scanned).toBeGreaterThan(0);
    const byField = await api<EventsAnswer>(
      '/api/events?field=data.data.object.customer&value=cus_console_api_a',
    );
    expect(byField.body.items.map((e) => e.eventId)).toEqual([sent[0]?.eventId]);
    const missing = await api<{ error: string }>('/api/events/ev_00000000000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/^No event has the id/);
  });

  it('dead-letters an event, lists it in the inbox, plans its replay, replays it and follows it to PROCESSED', async () => {
    local.sink.behaviour = (delivery) => (delivery.event.entity.id === DEAD ? 503 : 200);
    const { eventId } = await send(DEAD, 1);
    expect(
      await eventually(async () => (await statusOf(eventId)) === 'DEAD_LETTERED', 90_000, 500, {
        clock: local.e2e.runtime.clock,
        stepMs: 5_000,
      }),
    ).toBe(true);

    const inbox = await api<DeadLettersAnswer>('/api/dead-letters');
    expect(inbox.status).toBe(200);
    const group = inbox.body.groups.find((g) => g.eventIds.includes(eventId));
    expect(group).toMatchObject({ provider: 'stripe', entity: `customer:${DEAD}`, count: 1 });
    expect(group?.errorClass).not.toBe('unknown');
    expect(inbox.body.depth.visible + inbox.body.depth.inFlight).toBeGreaterThanOrEqual(1);
    // Locally CloudWatch has no AWS/SQS ages: the oldest of a sample, as the overview shows it.
    expect(inbox.body.depth.oldestAgeSeconds).toBeGreaterThanOrEqual(0);

    local.sink.behaviour = () => 200;
    const planned = await api<PlanAnswer>('/api/replay/plan', { eventIds: [eventId], source: 'dlq' });
    expect(planned.status).toBe(200);
    expect(planned.body.plan).toMatchObject({ source: 'dlq', selected: 1 });
    expect(planned.body.plan.sample.map((e) => e.eventId)).toEqual([eventId]);
    expect(await statusOf(eventId)).toBe('DEAD_LETTERED');

    const started = await api<ReplayStarted>('/api/replay', {
      eventIds: [eventId],
      source: 'dlq',
      reason: 'sink fixed (console e2e)',
    });
    expect(started.status).toBe(200);
    let run: ReplayRun | undefined;
    const done = await eventually(
      async () => {
        run = (await api<ReplayRun>(`/api/replay/${started.body.executionId}`)).body;
        return run.status === 'SUCCEEDED' && run.outcomes?.[0]?.status === 'PROCESSED';
      },
      90_000,
      500,
      { clock: local.e2e.runtime.clock, stepMs: 1_000 },
    );
    expect({ done, run }).toMatchObject({
      done: true,
      run: {
        executionId: started.body.executionId,
        plan: { selected: 1 },
        summary: { replayed: 1, failed: 0 },
        outcomes: [{ eventId, status: 'PROCESSED' }],
      },
    });
    const detail = await api<EventDetailAnswer>(`/api/events/${eventId}`);
    expect(detail.body.timeline.map((e) => e.action)).toEqual(
      expect.arrayContaining(['dead-lettered', 'replayed', 'processed']),
    );
    expect((await api<{ error: string }>('/api/replay/console-nothing')).status).toBe(404);
  });

  it('pauses a provider with a reason, lists the pause, and resumes it until it has ended', async () => {
    const paused = await api<PauseAnswer>('/api/pauses', {
      scope: 'provider',
      id: 'github',
      reason: 'maintenance window',
    });
    expect(paused.status).toBe(200);
    expect(paused.body.pause).toMatchObject({ scope: 'provider', id: 'github', state: 'paused', by: 'e2e' });
    const listed = await api<PausesAnswer>('/api/pauses');
    expect(listed.body.pauses.map((p) => `${p.scope}#${p.id}`)).toContain('provider#github');

    const noReason = await api<{ error: string }>('/api/resume', { scope: 'provider', id: 'github' });
    expect(noReason.status).toBe(400);
    const resumed = await api<PauseAnswer>('/api/resume', {
      scope: 'provider',
      id: 'github',
      reason: 'done',
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body.pause.state).toMatch(/^(resuming|ended)$/);
    expect(
      await eventually(
        async () => (await api<PausesAnswer>('/api/pauses')).body.pauses.every((p) => p.id !== 'github'),
        30_000,
        300,
      ),
    ).toBe(true);
    const again = await api<{ error: string }>('/api/resume', {
      scope: 'provider',
      id: 'github',
      reason: 'again',
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('There is no active pause provider#github.');
  });

  it('answers the overview over a window', async () => {
    const { status, body } = await api<{ window: string }>('/api/overview?window=1h');
    // The body is in the assertion: a failure then shows the server's sentence.
    expect({ status, body }).toMatchObject({ status: 200, body: { window: '1h' } });
  });
});
