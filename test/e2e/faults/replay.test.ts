import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  deliver,
  drain,
  FaultSink,
  Ledger,
  queueDepth,
  violations,
  waitFor,
  Webhooks,
} from '../../helpers/ledger';
import { startFaultRuntime, type RunningFaults } from '../../helpers/local-runtime';

jest.setTimeout(180_000);

const sink = new FaultSink();
let faults: RunningFaults;
let webhooks: Webhooks;
let sfn: SFNClient;
const broken = new Set<string>();

beforeAll(async () => {
  faults = await startFaultRuntime({ sinkPort: await sink.start() });
  webhooks = Webhooks.for(faults.runtime);
  sfn = new SFNClient({
    endpoint: faults.runtime.endpoints.stepfunctions,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  sink.behaviour = (delivery) => (broken.has(delivery.key) ? 500 : 200);
});
afterAll(async () => {
  sfn.destroy();
  await faults.runtime.stop();
  await sink.stop();
});
afterEach(() => faults.runtime.emulators.sqs.clearFaults());

const NO_VIOLATIONS = { lost: [], duplicated: [], orderViolations: [], unexpected: [] };
const dlqDepth = () => queueDepth(faults.runtime, faults.runtime.outputs.DeadLetterQueueUrl ?? '');

/** Sends an event the sink refuses until its attempts are spent and it sits in the DLQ. */
const deadLetter = async (ledger: Ledger, id: string, customer: string) => {
  const key = `stripe:${id}`;
  broken.add(key);
  const before = await dlqDepth();
  expect((await deliver(ledger, webhooks.stripe({ id, customer, created: 1 }))).status).toBe(202);
  expect(await waitFor(async () => (await dlqDepth()) > before, 60_000)).toBe(true);
  broken.delete(key);
};

/** Runs the replay state machine on the DLQ and waits for the execution to end. */
const replay = async (reason: string) => {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: faults.runtime.outputs.ReplayStateMachineArn,
      input: JSON.stringify({ source: 'dlq', dryRun: false, ratePerSecond: 100, reason }),
    }),
  );
  let status = 'RUNNING';
  await waitFor(
    async () => {
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
      return status !== 'RUNNING';
    },
    90_000,
    200,
  );
  return status;
};

describe('replay faults', () => {
  it('10. a replay running while live traffic flows for the same entity applies every event once', async () => {
    const ledger = new Ledger();
    await deadLetter(ledger, 'evt_f10_dead', 'cus_f10');
    const dlqBefore = await dlqDepth();

    const live = (async () => {
      for (let seq = 2; seq <= 10; seq += 1)
        await deliver(
          ledger,
          webhooks.stripe({ id: `evt_f10_live_${seq}`, customer: 'cus_f10', created: seq }),
        );
    })();
    const [status] = await Promise.all([replay('fault scenario 10: replay under live traffic'), live]);

    expect(status).toBe('SUCCEEDED');
    expect(
      await drain(faults.runtime, {
        timeoutMs: 60_000,
        done: () => sink.sideEffects().filter((d) => d.entity === 'cus_f10').length >= 10,
      }),
    ).toBe(true);
    const report = ledger.check(sink, { orderExempt: ['stripe:evt_f10_dead'] });
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(10);
    expect(await dlqDepth()).toBe(dlqBefore - 1);
  });

  it('11. a replay that dies between the re-send and the DLQ delete is run again, and the event still applies once', async () => {
    const ledger = new Ledger();
    await deadLetter(ledger, 'evt_f11_dead', 'cus_f11');
    // Every delete fails (all SDK attempts of every try): the re-send happened, the DLQ keeps the message.
    faults.runtime.emulators.sqs.injectFault('DeleteMessage', {
      kind: 'error',
      code: 'InternalError',
      times: 1000,
    });

    // The replay counts the failed delete against the event (the execution itself may succeed).
    await replay('fault scenario 11: delete fails');
    faults.runtime.emulators.sqs.clearFaults();
    expect(
      await drain(faults.runtime, {
        timeoutMs: 30_000,
        done: () => sink.sideEffects().some((d) => d.key === 'stripe:evt_f11_dead'),
      }),
    ).toBe(true);
    const stillInDlq = await dlqDepth();
    // The receive of the crashed run holds the message in flight: step over its visibility.
    faults.runtime.clock.advance(10 * 60_000);
    const rerun = await replay('fault scenario 11: run again');

    expect(stillInDlq).toBeGreaterThanOrEqual(1);
    expect(rerun).toBe('SUCCEEDED');
    expect(await drain(faults.runtime, { timeoutMs: 30_000 })).toBe(true);
    const report = ledger.check(sink);
    expect(violations(report)).toEqual(NO_VIOLATIONS);
    expect(report.redelivered).toEqual([]);
    expect(report.sideEffects).toBe(1);
    expect(await dlqDepth()).toBe(0);
  });
});
