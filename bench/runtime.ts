import { createHmac } from 'node:crypto';
import { startLocalRuntime } from '../local/runtime';

export interface RuntimeFigures {
  /** Median of the start-ups, ms from call to ready (after synthesis). */
  readonly startupMs: number;
  readonly startups: readonly number[];
  readonly ingest: {
    readonly requests: number;
    readonly concurrency: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly perSecond: number;
    /** Answers 429 from the route throttle, each sent again 100 ms later. */
    readonly throttled: number;
  };
  /** Consumer cost per record on the local runtime (unrouted events: idempotency + store only). */
  readonly consumer: {
    readonly records: number;
    readonly billedMsPerRecord: number;
    readonly invocations: number;
  };
  /** DynamoDB capacity per event over ingest + consumption, as the emulator bills it. */
  readonly dynamodb: {
    readonly wruPerEvent: number;
    readonly rruPerEvent: number;
    readonly requestsPerEvent: Record<string, number>;
  };
}

const SECRET = 'whsec_bench_runtime';
const REQUESTS = 1000;
const CONCURRENCY = 20;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** A Stripe-signed request of about 2 KB, one per entity so that nothing waits on a group. */
export const signedStripe = (n: number, secret = SECRET) => {
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: `evt_bench_${n}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: timestamp,
    data: {
      object: {
        id: `pi_${n}`,
        object: 'payment_intent',
        amount: 1000,
        currency: 'usd',
        customer: `cus_${n % 200}`,
        description: 'x'.repeat(1700),
      },
    },
  });
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { body, signature: `t=${timestamp},v1=${v1}` };
};

/** Start-up time of the local runtime and ingest latency through it (verifier only; consumers run too). */
export const measureRuntime = async (assemblyDir: string): Promise<RuntimeFigures> => {
  const startups: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const runtime = await startLocalRuntime({ assemblyDir, port: 0, env: {}, logSink: () => undefined });
    startups.push(runtime.startupMs);
    await runtime.stop();
  }
  const runtime = await startLocalRuntime({
    assemblyDir,
    port: 0,
    env: { RELAYFLOW_SECRET_STRIPE: SECRET },
    logSink: () => undefined,
  });
  try {
    const url = `${runtime.endpoints.api}/webhooks/stripe`;
    const latencies: number[] = [];
    let throttled = 0;
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const n = next++;
          for (;;) {
            const { body, signature } = signedStripe(n);
            const sent = performance.now();
            const response = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'stripe-signature': signature },
              body,
            });
            await response.arrayBuffer();
            // The route's default throttle (50/s, burst 100) refuses what comes faster: send again, as providers do.
            if (response.status === 429) {
              throttled += 1;
              await new Promise((resolve) => setTimeout(resolve, 100));
              continue;
            }
            if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
            latencies.push(performance.now() - sent);
            break;
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const deleted = () =>
      runtime.eventSources.reduce((sum, source) => sum + source.counters().deletedRecords, 0);
    const drainDeadline = Date.now() + 180_000;
    while (deleted() < REQUESTS && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 250));
    const consumerCounters = Object.entries(runtime.lambda.counters()).find(([name]) =>
      name.includes('Consumer'),
    )?.[1];
    const capacity = runtime.emulators.dynamodb.capacity();
    const requests = runtime.emulators.dynamodb.counters();
    latencies.sort((a, b) => a - b);
    startups.sort((a, b) => a - b);
    return {
      consumer: {
        records: deleted(),
        invocations: consumerCounters?.invocations ?? 0,
        billedMsPerRecord: (consumerCounters?.billedDurationMs ?? Number.NaN) / Math.max(1, deleted()),
      },
      dynamodb: {
        wruPerEvent: capacity.writeRequestUnits / REQUESTS,
        rruPerEvent: capacity.readRequestUnits / REQUESTS,
        requestsPerEvent: Object.fromEntries(
          Object.entries(requests).map(([action, n]) => [action, Number((n / REQUESTS).toFixed(2))]),
        ),
      },
      startupMs: startups[1] ?? Number.NaN,
      startups,
      ingest: {
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        perSecond: REQUESTS / seconds,
        throttled,
      },
    };
  } finally {
    await runtime.stop();
  }
};
