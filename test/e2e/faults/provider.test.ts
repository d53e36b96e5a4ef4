import { deliver, drain, FaultSink, Ledger, violations, Webhooks } from '../../helpers/ledger';
import { startFaultRuntime, type RunningFaults } from '../../helpers/local-runtime';

jest.setTimeout(120_000);

const sink = new FaultSink();
let faults: RunningFaults;
let webhooks: Webhooks;

beforeAll(async () => {
  faults = await startFaultRuntime({ sinkPort: await sink.start() });
  webhooks = Webhooks.for(faults.runtime);
});
afterAll(async () => {
  await faults.runtime.stop();
  await sink.stop();
});

const NO_VIOLATIONS = { lost: [], duplicated: [], orderViolations: [], unexpected: [] };
const effectsFor = (entity: string, path: string) =>
  sink.sideEffects(path).filter((d) => d.entity === entity);

describe('provider behaviour', () => {
  it('12a. with stale suppression on, an event older than one already applied to its entity is not applied', async () => {
    const ledger = new Ledger();
    const newer = await deliver(
      ledger,
      webhooks.stripe({ id: 'evt_f12_new', customer: 'cus_f12_skip', created: 20, type: 'customer.updated' }),
    );
    const older = await deliver(
      ledger,
      webhooks.stripe({ id: 'evt_f12_old', customer: 'cus_f12_skip', created: 10, type: 'customer.updated' }),
    );
    const sameInstant = await deliver(
      ledger,
      webhooks.stripe({
        id: 'evt_f12_same',
        customer: 'cus_f12_skip',
        created: 20,
        type: 'customer.updated',
      }),
    );

    expect([newer.status, older.status, sameInstant.status]).toEqual([202, 202, 202]);
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => effectsFor('cus_f12_skip', '/skip').length >= 2,
      }),
    ).toBe(true);
    const report = ledger.check(sink, { path: '/skip', withoutSideEffect: ['stripe:evt_f12_old'] });
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(effectsFor('cus_f12_skip', '/skip').map((d) => d.key)).toEqual([
      'stripe:evt_f12_new',
      'stripe:evt_f12_same',
    ]);
  });

  it('12b. with stale suppression off, out-of-order events are all applied, in the order they arrived', async () => {
    const ledger = new Ledger();
    for (const [id, created] of [
      ['evt_f12_p3', 30],
      ['evt_f12_p1', 10],
      ['evt_f12_p2', 20],
    ] as const) {
      expect(
        (await deliver(ledger, webhooks.stripe({ id, customer: 'cus_f12_apply', created }))).status,
      ).toBe(202);
    }

    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => effectsFor('cus_f12_apply', '/sink').length >= 3,
      }),
    ).toBe(true);
    const report = ledger.check(sink, { path: '/sink' });
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(effectsFor('cus_f12_apply', '/sink').map((d) => d.key)).toEqual([
      'stripe:evt_f12_p3',
      'stripe:evt_f12_p1',
      'stripe:evt_f12_p2',
    ]);
  });

  it('13a. a HubSpot batch that repeats part of an earlier batch applies each event once', async () => {
    const ledger = new Ledger();
    const at = Date.now();
    const event = (n: number) => ({ eventId: 913_000 + n, objectId: 91_300 + (n % 2), occurredAt: at + n });

    const first = await deliver(ledger, webhooks.hubspot([event(1), event(2), event(3)]));
    const overlapping = await deliver(ledger, webhooks.hubspot([event(2), event(3), event(4)]));
    const repeated = await deliver(ledger, webhooks.hubspot([event(3), event(4)]));

    expect([first.status, overlapping.status, repeated.status]).toEqual([202, 202, 200]);
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => sink.sideEffects().filter((d) => d.key.startsWith('hubspot:913')).length >= 4,
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(4);
  });

  it('13b. a SendGrid batch that repeats part of an earlier batch applies each event once, in order per message', async () => {
    const ledger = new Ledger();
    const at = Math.floor(Date.now() / 1000);
    const event = (n: number) => ({
      sgEventId: `sg_f13_${n}`,
      messageId: `msg_f13_${n % 2}`,
      timestamp: at + n,
    });

    const first = await deliver(ledger, webhooks.sendgrid([event(1), event(2), event(3), event(4)]));
    const overlapping = await deliver(ledger, webhooks.sendgrid([event(3), event(4), event(5), event(6)]));

    expect([first.status, overlapping.status]).toEqual([202, 202]);
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => sink.sideEffects().filter((d) => d.key.startsWith('sendgrid:sg_f13_')).length >= 6,
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(6);
  });
});
