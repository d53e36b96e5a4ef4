import { overview, type OverviewResult } from '../../cli/console/api/overview';
import { connect, type Environment } from '../../cli/environment';
import { startConsoleRuntime, type ConsoleRuntime } from '../helpers/console-local';
import { postStripe } from '../helpers/local-runtime';
import { eventually } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(300_000);

let local: ConsoleRuntime;
let env: Environment;

beforeAll(async () => {
  local = await startConsoleRuntime('console-overview');
  env = await connect({ local: true, stack: 'RelayFlow', localStateFile: local.stateFile });
});
afterAll(async () => {
  await local?.stop();
});

const sendPayment = async (id: string) => {
  const response = await postStripe(local.e2e, {
    id,
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${id}`, object: 'payment_intent', customer: `cus_${id}` } },
  });
  expect(response.status).toBe(202);
};

describe('the console overview on the local runtime', () => {
  it("counts the events sent and processed from the metrics the stack's filters read off the functions' lines", async () => {
    for (const n of [1, 2, 3]) await sendPayment(`evt_console_overview_${n}`);

    let answer: OverviewResult | undefined;
    const processed = await eventually(
      async () => {
        answer = await overview(env, { window: '15m' }, new Date(local.e2e.runtime.clock.now()));
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
      new Date(local.e2e.runtime.clock.now()),
    );
    expect(github.totals).toEqual({ received: 0, processed: 0, failed: 0, retried: 0 });
  });
});
