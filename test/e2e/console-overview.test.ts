import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { overview, type OverviewResult } from '../../cli/console/api/overview';
import { connect, type Environment } from '../../cli/environment';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(300_000);

const stripe = new Stripe('sk_test_e2e');
const sink = new Sink();
let e2e: RunningE2e;
let workDir: string;
let env: Environment;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'relayflow-console-overview-'));
  const stateFile = join(workDir, 'local.json');
  e2e = await startE2eRuntime({ stateFile });
  await sink.start(e2e.sinkPort);
  env = await connect({ local: true, stack: 'RelayFlow', localStateFile: stateFile });
});
afterAll(async () => {
  // The sink is started only once the runtime is: stopping one never started would wait forever.
  if (e2e) await Promise.all([e2e.runtime.stop(), sink.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});

const postStripe = async (id: string) => {
  const body = JSON.stringify({
    id,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', customer: `cus_${id}` } },
  });
  const response = await fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: E2E_SECRETS.stripe,
      }),
    },
    body,
  });
  expect(response.status).toBe(202);
};

describe('the console overview on the local runtime', () => {
  it("counts the events sent and processed from the functions' own EMF metrics", async () => {
    for (const n of [1, 2, 3]) await postStripe(`evt_console_overview_${n}`);

    let answer: OverviewResult | undefined;
    const processed = await eventually(
      async () => {
        answer = await overview(env, { window: '15m' }, new Date(e2e.runtime.clock.now()));
        return answer.totals.processed >= 3;
      },
      60_000,
      500,
    );

    expect(processed).toBe(true);
    // The runtime is this file's own: these three events are all it received.
    expect(answer?.totals).toMatchObject({ received: 3, processed: 3, failed: 0 });
    expect(answer?.series.received.some((p) => p.v > 0)).toBe(true);
    expect(answer?.queues.main.visible).toBe(0);
    const github = await overview(
      env,
      { window: '15m', provider: 'github' },
      new Date(e2e.runtime.clock.now()),
    );
    expect(github.totals).toEqual({ received: 0, processed: 0, failed: 0, retried: 0 });
  });
});
