import {
  deliver,
  drain,
  FaultSink,
  Ledger,
  queueDepth,
  violations,
  Webhooks,
  type Delivery,
} from '../../helpers/ledger';
import { startFaultRuntime, type RunningFaults } from '../../helpers/local-runtime';

jest.setTimeout(180_000);

const sink = new FaultSink();
let current: RunningFaults | undefined;

afterAll(async () => {
  await current?.runtime.stop();
  await sink.stop();
});

const NO_VIOLATIONS = { lost: [], duplicated: [], orderViolations: [], unexpected: [] };

describe('runtime restart', () => {
  it('14. a restart mid-run loses the in-memory state, and a provider resend is then processed with the same downstream keys', async () => {
    const ledger = new Ledger();
    const sinkPort = await sink.start();
    const first = await startFaultRuntime({ sinkPort });
    current = first;
    let webhooks = Webhooks.for(first.runtime);
    const customers = ['cus_f14_a', 'cus_f14_b'];
    const deliveries = new Map<string, (w: Webhooks) => Delivery>();
    const send = async (w: Webhooks, id: string, customer: string, created: number) => {
      deliveries.set(id, (ws) => ws.stripe({ id, customer, created }));
      return deliver(ledger, w.stripe({ id, customer, created }));
    };
    // Processed before the restart.
    for (const customer of customers)
      for (let seq = 1; seq <= 4; seq += 1) await send(webhooks, `evt_f14_${customer}_${seq}`, customer, seq);
    expect(
      await drain(first.runtime, { timeoutMs: 30_000, done: () => sink.sideEffects().length >= 8 }),
    ).toBe(true);
    // Acknowledged, then caught by the restart: queued or in flight at a slow sink.
    await Promise.all(first.runtime.eventSources.map((source) => source.stop()));
    for (const customer of customers)
      for (let seq = 5; seq <= 7; seq += 1) await send(webhooks, `evt_f14_${customer}_${seq}`, customer, seq);
    sink.behaviour = () => ({ status: 200, delayMs: 1000 });
    first.runtime.eventSources.forEach((source) => source.start());
    await new Promise((r) => setTimeout(r, 500));

    const stopping = Date.now();
    await first.runtime.stop();
    const stopMs = Date.now() - stopping;
    current = undefined;
    const effectsAtStop = sink.sideEffects().length;
    await new Promise((r) => setTimeout(r, 1500));
    const effectsAfterStop = sink.sideEffects().length;
    sink.behaviour = () => 200;
    const port = Number(new URL(first.runtime.endpoints.api).port);
    const second = await startFaultRuntime({ sinkPort, port });
    current = second;
    webhooks = Webhooks.for(second.runtime);
    const settled = await drain(second.runtime, { timeoutMs: 5000 });
    const effectsBeforeResend = sink.sideEffects().length;

    // stop() lets the batches in flight finish, then nothing more runs.
    expect(stopMs).toBeLessThan(60_000);
    expect(effectsAfterStop).toBe(effectsAtStop);
    // What the local runtime cannot promise: acknowledged work still queued does not survive it.
    expect(second.runtime.endpoints.api).toBe(first.runtime.endpoints.api);
    expect(settled).toBe(true);
    expect(await queueDepth(second.runtime, second.runtime.outputs.MainQueueUrl ?? '')).toBe(0);

    // The provider sends everything again; the restarted runtime knows none of it.
    const resent = [];
    for (const make of deliveries.values()) resent.push((await deliver(ledger, make(webhooks))).status);
    expect(resent.every((s) => s === 202)).toBe(true);
    expect(
      await drain(second.runtime, {
        timeoutMs: 60_000,
        done: () => new Set(sink.sideEffects().map((d) => d.key)).size >= 14,
      }),
    ).toBe(true);
    const report = ledger.check(sink);
    // What it does promise: the downstream key of an event is the same across the restart, so a
    // receiver that deduplicates on webhook-id applies each event once, and order holds.
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.sideEffects).toBe(14);
    expect(report.redelivered.length).toBeGreaterThanOrEqual(8);
    expect(effectsBeforeResend).toBeGreaterThanOrEqual(8);
  });
});
