import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { MAX_RATE_PER_SECOND } from '../functions/replay/request';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';

export interface ReplayFigures {
  readonly ratePerSecond: number;
  readonly events: number;
  /** From StartExecution to the execution's end, through the local Step Functions emulator. */
  readonly seconds: number;
  readonly perSecond: number;
  readonly batches: number;
  /** Events the replay skipped, by reason (a benchmark run should have none). */
  readonly skipped: Readonly<Record<string, number>>;
  readonly failed: number;
}

const SECRET = 'whsec_bench_replay';
/** Events per measured replay: enough for several batches at the highest rate. */
const EVENTS = 300;
/** The state machine's default rate and the highest it accepts. */
export const REPLAY_RATES = [10, MAX_RATE_PER_SECOND] as const;

const signedStripe = (n: number) => {
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: `evt_replay_bench_${n}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: timestamp,
    data: {
      object: {
        id: `pi_${n}`,
        object: 'payment_intent',
        amount: 1000,
        currency: 'usd',
        customer: `cus_${n % 50}`,
      },
    },
  });
  return {
    body,
    signature: `t=${timestamp},v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`,
  };
};

const deletedRecords = (runtime: LocalRuntime) =>
  runtime.eventSources.reduce((sum, source) => sum + source.counters().deletedRecords, 0);

const drain = async (runtime: LocalRuntime, records: number) => {
  const deadline = Date.now() + 180_000;
  while (deletedRecords(runtime) < records) {
    if (Date.now() > deadline)
      throw new Error(`the consumer handled ${deletedRecords(runtime)} of ${records} records`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/**
 * Replay throughput on the local runtime: ingests {@link EVENTS} events and lets the consumer
 * process them, then force-replays them from the store at each rate of {@link REPLAY_RATES}
 * through the replay state machine (real-time waits) and times each execution.
 */
export const measureReplay = async (assemblyDir: string): Promise<ReplayFigures[]> => {
  const runtime = await startLocalRuntime({
    assemblyDir,
    port: 0,
    env: { RELAYFLOW_SECRET_STRIPE: SECRET },
    logSink: () => undefined,
  });
  const sfn = new SFNClient({
    endpoint: runtime.endpoints.stepfunctions,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const eventIds: string[] = [];
    for (let n = 0; n < EVENTS; n += 1) {
      const { body, signature } = signedStripe(n);
      const response = await fetch(`${runtime.endpoints.api}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body,
      });
      const answer = (await response.json()) as { events?: { id: string }[] };
      const id = answer.events?.[0]?.id;
      if (response.status !== 202 || !id) throw new Error(`ingest answered ${response.status}`);
      eventIds.push(id);
    }
    let records = EVENTS;
    await drain(runtime, records);

    const figures: ReplayFigures[] = [];
    for (const ratePerSecond of REPLAY_RATES) {
      const input = {
        source: 'store',
        filter: { eventIds },
        force: true,
        dryRun: false,
        limit: EVENTS,
        ratePerSecond,
        reason: 'benchmark',
      };
      const started = Date.now();
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: runtime.outputs.ReplayStateMachineArn,
          input: JSON.stringify(input),
        }),
      );
      let execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      while (execution.status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 100));
        execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      }
      const seconds = (Date.now() - started) / 1000;
      if (execution.status !== 'SUCCEEDED')
        throw new Error(`replay at ${ratePerSecond}/s ended ${execution.status}: ${execution.cause ?? ''}`);
      const summary = JSON.parse(execution.output ?? '{}') as {
        replayed: number;
        batches: number;
        failed: number;
        skippedReasons: Record<string, number>;
      };
      figures.push({
        ratePerSecond,
        events: summary.replayed,
        seconds,
        perSecond: summary.replayed / seconds,
        batches: summary.batches,
        skipped: summary.skippedReasons,
        failed: summary.failed,
      });
      records += summary.replayed;
      await drain(runtime, records);
    }
    return figures;
  } finally {
    sfn.destroy();
    await runtime.stop();
  }
};

if (require.main === module) {
  const assemblyDir = resolve(process.argv[2] ?? 'cdk.out');
  measureReplay(assemblyDir).then(
    (figures) => {
      for (const f of figures) {
        console.log(
          `rate ${f.ratePerSecond}/s: ${f.events} events in ${f.seconds.toFixed(1)} s = ${f.perSecond.toFixed(1)} events/s (${f.batches} batches; skipped ${JSON.stringify(f.skipped)}, failed ${f.failed})`,
        );
      }
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
