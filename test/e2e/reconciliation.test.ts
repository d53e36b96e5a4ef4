import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MessageStore } from '#shared/channels/message-store';
import { EventQueries } from '#shared/operator/event-queries';
import { publishEvents } from '#shared/producer/client';
import { ReconciliationReportSchema, type ReconciliationReport } from '#shared/reconciliation/report';
import { EventStore } from '#shared/store/event-store';
import { eventIdOf, idempotencyKeyOf, type EventState } from '#shared/store/records';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(300_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sink = new Sink();
let e2e: RunningE2e;
let dir: string;
let store: EventStore;
let queries: EventQueries;
let messages: MessageStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relayflow-reconcile-'));
  e2e = await startE2eRuntime({ stateFile: join(dir, '.relayflow', 'local.json') });
  await sink.start(e2e.sinkPort);
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const settings = { tableName: e2e.runtime.outputs.EventTableName ?? '', retentionDays: 30 };
  store = new EventStore(documents, settings);
  queries = new EventQueries(documents, settings.tableName);
  messages = new MessageStore(documents, settings);
});
afterAll(async () => {
  if (e2e) {
    await e2e.runtime.stop();
    await sink.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** `relayflow --local --stack RelayFlowE2E …` against the e2e runtime: its exit code and what it printed. */
const relayflow = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDependencies = {
    connect: (options) => connect({ ...options, localStateFile: join(dir, '.relayflow', 'local.json') }),
    output: { out: (text) => out.push(text), err: (text) => err.push(text), interactive: false },
    now: () => new Date(e2e.runtime.clock.now()),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch,
    projectRoot: join(__dirname, '..', '..'),
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
  };
  const code = await runCli(['--local', '--stack', 'RelayFlowE2E', ...argv], deps);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

/** `relayflow --local --json reconcile run …`, through the Lambda API's Invoke: the report it printed. */
const reconcile = async (...argv: string[]): Promise<ReconciliationReport> => {
  const { out, err } = await relayflow('--json', 'reconcile', 'run', ...argv);
  const report = ReconciliationReportSchema.safeParse(JSON.parse(out));
  if (!report.success) throw new Error(`no report: ${out} ${err}`);
  return report.data;
};

const FINAL: ReadonlySet<string> = new Set(['PROCESSED', 'STALE']);
const allFinal = async (ids: readonly string[]) => {
  const states = await store.getStates(ids);
  return states.size === ids.length && [...states.values()].every((s) => FINAL.has(s.status));
};
/** Waits for the events to be final; what is not (id and status, or missing), for the failure message. */
const unsettled = async (ids: readonly string[], timeoutMs = 60_000) => {
  await eventually(() => allFinal(ids), timeoutMs);
  const states = await store.getStates(ids);
  return ids.flatMap((id) => {
    const status = states.get(id)?.status ?? 'missing';
    return FINAL.has(status) ? [] : [`${id} ${status} ${states.get(id)?.audit[0]?.detail ?? ''}`];
  });
};
const acceptedOnce = (state: EventState | undefined) =>
  state?.audit.filter((entry) => entry.action === 'accepted').length === 1 && (state.duplicates ?? 0) === 0;

const stripeEventId = (id: string) =>
  eventIdOf(idempotencyKeyOf('default', 'stripe', 'customer.subscription.updated', id));

/** Not a divisor of the loss pattern's 20: the five lost updates belong to five customers, each with others delivered. */
const STRIPE_CUSTOMERS = 25;
/** Four subscription updates per customer. */
const STRIPE_EVENTS = 4 * STRIPE_CUSTOMERS;
const GITHUB_DELIVERIES = 60;
const SMS_MESSAGES = 20;
/** Every twentieth delivery is lost before ingest: 5%. */
const lost = (i: number) => i % 20 === 7;

describe('reconciliation against the local provider fakes', () => {
  const figures: Record<string, number> = {};
  const droppedStripe: string[] = [];

  it('recovers every dropped event of 180 over three providers exactly once, and a second run finds nothing', async () => {
    const started = Date.now();
    const { providerApis, channels, clock } = e2e.runtime;
    const at = clock.now();

    // Stripe: subscription updates of 25 customers, 4 each, in order of `created`.
    const stripeIds: string[] = [];
    for (let i = 0; i < STRIPE_EVENTS; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => i + j).map(async (n) => {
          const id = `evt_rec_${n}`;
          stripeIds.push(id);
          if (lost(n)) droppedStripe.push(id);
          await providerApis.stripe.send(
            {
              id,
              type: 'customer.subscription.updated',
              created: Math.floor((at + n * 1000) / 1000),
              data: {
                object: {
                  id: `sub_${n % STRIPE_CUSTOMERS}`,
                  object: 'subscription',
                  customer: `cus_${n % STRIPE_CUSTOMERS}`,
                  status: n >= 3 * STRIPE_CUSTOMERS ? 'active' : 'trialing',
                },
              },
            },
            { drop: lost(n) },
          );
        }),
      );
    }

    // GitHub: pushes to 15 repositories; the dropped ones show as failed deliveries.
    const githubDropped: string[] = [];
    const githubGuids: string[] = [];
    for (let i = 0; i < GITHUB_DELIVERIES; i += 10) {
      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, j) => i + j).map((n) =>
          providerApis.github.send(
            'push',
            {
              ref: 'refs/heads/main',
              before: `sha${n - 1}`,
              after: `sha${n}`,
              repository: { id: n % 15, full_name: `acme/r${n % 15}` },
            },
            { drop: lost(n) },
          ),
        ),
      );
      sent.forEach((s, j) => {
        githubGuids.push(s.guid);
        if (lost(i + j)) githubDropped.push(s.guid);
      });
    }

    // Twilio: 20 SMS through the twilio channel; the final status callback of every tenth is lost.
    // Recipients the twilio fake delivers to (local/emulators/channels/conventions.ts).
    const numbers = Array.from(
      { length: SMS_MESSAGES },
      (_, i) => `+1555401${String(10 + i).padStart(4, '0')}`,
    );
    const lostCallbacks = new Set(numbers.filter((_, i) => i % 10 === 3));
    channels.dropReceipts(
      (r) => r.provider === 'twilio' && r.event === 'delivered' && lostCallbacks.has(r.to),
    );
    const published = await publishEvents(
      numbers.map((to, i) => ({
        type: 'notify.sms',
        entity: { kind: 'user', id: `rec-${i}` },
        data: { to },
        idempotencyKey: `rec-sms-${i}`,
      })),
      { url: e2e.runtime.outputs.ProducerUrl ?? '', region: 'us-east-1', credentials },
    );
    expect(published.events.every((e) => e.outcome === 'accepted')).toBe(true);
    // drain() covers the receipts scheduled so far: first every SMS must have reached the fake.
    const smsSent = () =>
      channels.sent().filter((s) => s.provider === 'twilio' && s.providerMessageId !== undefined).length;
    expect(await eventually(() => smsSent() >= SMS_MESSAGES, 60_000)).toBe(true);
    await channels.drain();
    const twilioCallbacks = channels.receipts().filter((r) => r.provider === 'twilio');

    const delivered = stripeIds.filter((id) => !droppedStripe.includes(id)).map(stripeEventId);
    expect(await unsettled(delivered)).toEqual([]);
    // Webhooks younger than the settle margin (5 minutes) are left alone: move past it.
    clock.advance(10 * 60_000);

    const stripe = await reconcile('--provider', 'stripe');
    const github = await reconcile('--provider', 'github');
    const twilio = await reconcile('--provider', 'twilio');

    expect(stripe).toMatchObject({
      checked: STRIPE_EVENTS,
      missing: droppedStripe.length,
      recovered: droppedStripe.length,
      errors: [],
    });
    expect(github).toMatchObject({
      missing: githubDropped.length,
      redelivered: githubDropped.length,
      errors: [],
    });
    expect(twilio).toMatchObject({ missing: lostCallbacks.size, recovered: lostCallbacks.size, errors: [] });

    // Each recovered once, in its entity's place: the customer's group, ordered by when it happened.
    const recoveredIds = droppedStripe.map(stripeEventId);
    expect(await unsettled(recoveredIds)).toEqual([]);
    const recovered = await store.getStates(recoveredIds);
    for (const id of droppedStripe) {
      const state = recovered.get(stripeEventId(id));
      const n = Number(id.replace('evt_rec_', ''));
      expect(state).toMatchObject({
        entityKind: 'customer',
        entityId: `cus_${n % STRIPE_CUSTOMERS}`,
        groupId: expect.stringContaining(`cus_${n % STRIPE_CUSTOMERS}`),
      });
      expect(acceptedOnce(state)).toBe(true);
      expect(state?.audit[0]?.detail).toBe(
        `recovered by reconciliation run ${stripe.runId} (verified by the provider API)`,
      );
    }
    // GitHub redelivers through the webhook URL, signed: each arrives once.
    const githubEventIds = github.missingRecords.map((r) => r.eventId);
    expect(await unsettled(githubEventIds)).toEqual([]);
    expect([...(await store.getStates(githubEventIds)).values()].every(acceptedOnce)).toBe(true);
    const twilioEventIds = twilio.missingRecords.map((r) => r.eventId);
    expect(await unsettled(twilioEventIds)).toEqual([]);

    // A second run over the same window finds nothing missing.
    const since = new Date(at - 60_000).toISOString();
    const again = await Promise.all(
      ['stripe', 'github', 'twilio'].map((provider) => reconcile('--provider', provider, '--since', since)),
    );
    expect(again.map((r) => r.missing)).toEqual([0, 0, 0]);

    Object.assign(figures, {
      sent: STRIPE_EVENTS + GITHUB_DELIVERIES + twilioCallbacks.length,
      checked: stripe.checked + github.checked + twilio.checked,
      dropped: droppedStripe.length + githubDropped.length + lostCallbacks.size,
      recovered: stripe.recovered + github.redelivered + twilio.recovered,
      duplicates: stripe.duplicates + github.duplicates + twilio.duplicates,
      secondRunMissing: again.reduce((sum, r) => sum + r.missing, 0),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    });
    console.log(`reconciliation fault test: ${JSON.stringify(figures)}`);
  });

  it('answers a late original after recovery as a duplicate', async () => {
    const id = droppedStripe[0] ?? '';
    const late = await e2e.runtime.providerApis.stripe.send({
      id,
      type: 'customer.subscription.updated',
      data: { object: {} },
    });

    expect(late).toMatchObject({ delivered: true, status: 200 });
    const state = await store.getState(stripeEventId(id));
    expect(state?.audit.map((e) => e.action)).toContain('duplicate');
    expect(state?.audit.filter((e) => e.action === 'accepted')).toHaveLength(1);
  });

  it("resolves missing receipts from the provider's answer", async () => {
    const { channels, clock } = e2e.runtime;
    const numbers = ['+15554100011', '+15554100012', '+15554100013'];
    channels.dropReceipts((r) => r.provider === 'twilio' && numbers.includes(r.to));
    await publishEvents(
      numbers.map((to, i) => ({
        type: 'notify.sms',
        entity: { kind: 'user', id: `mr-${i}` },
        data: { to },
        idempotencyKey: `mr-sms-${i}`,
      })),
      { url: e2e.runtime.outputs.ProducerUrl ?? '', region: 'us-east-1', credentials },
    );
    await channels.drain();
    const sent = async () =>
      (await messages.list('default', new Date(clock.now() - 3_600_000).toISOString(), 500)).filter((m) =>
        numbers.includes(m.to),
      );
    await eventually(async () => (await sent()).filter((m) => m.status === 'SENT').length === 3, 30_000);
    expect((await sent()).map((m) => m.status)).toEqual(['SENT', 'SENT', 'SENT']);
    clock.advance(6 * 60_000);

    // From now on: the inbound pass has nothing to list, the receipts pass asks about each message.
    const report = await reconcile('--provider', 'twilio', '--since', new Date(clock.now()).toISOString());

    expect(report.receiptsResolved).toBeGreaterThanOrEqual(3);
    const after = await sent();
    expect(after.map((m) => m.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
    for (const message of after)
      expect(message.timeline.at(-1)?.detail).toContain(`(from reconciliation run ${report.runId})`);
  });

  it('emits exactly one reconciliation.drift per run while a subscription has drifted, and none once repaired', async () => {
    const { providerApis } = e2e.runtime;
    // Our newest applied event of sub_7 says active (events 200 and on).
    providerApis.stripe.setObject('subscription', { id: 'sub_7', customer: 'cus_7', status: 'past_due' });
    const driftEvents = async () => {
      const page = await queries.entityPage(
        { tenant: 'default', provider: 'internal', kind: 'subscription', id: 'sub_7' },
        { limit: 50 },
      );
      return (await queries.states(page.entries.map((e) => e.eventId))).filter(
        (s) => s.type === 'reconciliation.drift',
      );
    };

    const first = await reconcile('--provider', 'stripe');
    const second = await reconcile('--provider', 'stripe');
    providerApis.stripe.setObject('subscription', { id: 'sub_7', customer: 'cus_7', status: 'active' });
    const repaired = await reconcile('--provider', 'stripe');

    expect(first.drifts).toEqual([
      expect.objectContaining({ kind: 'subscription', id: 'sub_7', ours: 'active', theirs: 'past_due' }),
    ]);
    expect(second.drifted).toBe(1);
    expect(repaired.drifted).toBe(0);
    const emitted = await driftEvents();
    expect(emitted).toHaveLength(2);
    expect(new Set(emitted.map((e) => e.externalId)).size).toBe(2);
  });

  it('recovers a webhook lost with `relayflow send stripe --lost`, as docs/reconciliation.md shows', async () => {
    const sent = await relayflow('send', 'stripe', '--lost');
    const [id] = /evt_\w+/.exec(sent.out) ?? [];
    // The earlier runs checked past the lost event's `created` (10 minutes back): the hint says --since.
    const hint = /Find it with: npx relayflow reconcile run (.*) --local --dry-run (--since \S+)/.exec(
      sent.out,
    );

    const report = await reconcile(...(hint?.slice(1).join(' ').split(' ') ?? []));
    const eventId = report.missingRecords[0]?.eventId ?? '';
    expect(await unsettled([eventId])).toEqual([]);
    const shown = await relayflow('events', 'show', eventId);

    expect(sent).toMatchObject({ code: 0, err: '' });
    expect(hint?.[1]).toBe('--provider stripe');
    expect(report).toMatchObject({ missing: 1, recovered: 1, missingRecords: [{ id, action: 'recovered' }] });
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/accepted.*recovered by reconciliation run/);
  });
});
