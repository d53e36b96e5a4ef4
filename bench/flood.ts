/**
 * Flood isolation on the local runtime (security review, issue 11, item 6): concurrent unsigned
 * requests flood one provider's route while signed Stripe deliveries arrive on another. The
 * deliveries must all be answered 2xx; their latency is measured alone and under the flood.
 *
 * Alone: `npx tsx bench/flood.ts [assemblyDir]` (without one, the default configuration is
 * synthesized into bench/.out/flood). Prints the figures as JSON, then the markdown section.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { LocalRuntime } from '../local/runtime';
import { routeThrottleOf, type RouteThrottle } from '../local/apigateway';
import { startLocalRuntime } from '../local/runtime';
import { readAssembly } from '../local/template';
import { signedStripe } from './runtime';

const SECRET = 'whsec_bench_flood';
/** The concurrency that turned 4 of 5 Stripe deliveries into 500s before verifiers were isolated. */
const FLOOD_CONCURRENCY = 32;
const DELIVERIES = 50;
const DELIVERY_CONCURRENCY = 5;

export interface DeliveryFigures {
  readonly statuses: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface FloodFigures {
  readonly measuredAt: string;
  readonly floodedRoute: string;
  readonly deliveredRoute: string;
  /** Each route's throttle, from the template's stage. */
  readonly routeThrottle: RouteThrottle | undefined;
  readonly floodConcurrency: number;
  readonly deliveryConcurrency: number;
  /** The same number of deliveries without a flood, for comparison. */
  readonly alone: DeliveryFigures;
  readonly underFlood: DeliveryFigures;
  /** What the flood was answered, and how fast it was sent. */
  readonly flood: {
    readonly requests: number;
    readonly perSecond: number;
    readonly statuses: Readonly<Record<string, number>>;
  };
  /** Most verifier instances at once, and invocations Lambda throttled, per verifier. */
  readonly verifiers: Readonly<
    Record<
      string,
      { readonly peakConcurrency: number; readonly throttles: number; readonly reserved: number | undefined }
    >
  >;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

const count = (statuses: Record<string, number>, status: number) => {
  statuses[status] = (statuses[status] ?? 0) + 1;
};

/** Sends `deliveries` requests from `concurrency` senders; statuses and latencies of each. */
export const deliver = async (
  send: (n: number) => Promise<Response>,
  deliveries: number,
  concurrency: number,
): Promise<DeliveryFigures> => {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < deliveries; n = next++) {
        const sent = performance.now();
        const response = await send(n);
        await response.arrayBuffer();
        latencies.push(performance.now() - sent);
        count(statuses, response.status);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    statuses,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
};

/**
 * Floods `floodUrl` with unsigned POSTs from `concurrency` senders until `during` settles;
 * returns what `during` returned and what the flood was answered.
 */
export const whileFlooding = async <T>(
  floodUrl: string,
  concurrency: number,
  during: (flood: { readonly statuses: Readonly<Record<string, number>> }) => Promise<T>,
): Promise<{ result: T; flood: FloodFigures['flood'] }> => {
  const statuses: Record<string, number> = {};
  let requests = 0;
  let flooding = true;
  const started = performance.now();
  const flooders = Array.from({ length: concurrency }, async () => {
    while (flooding) {
      const response = await fetch(floodUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"unsigned":true}',
      }).catch(() => undefined);
      await response?.arrayBuffer();
      requests += 1;
      count(statuses, response?.status ?? 0);
    }
  });
  try {
    return {
      result: await during({ statuses }),
      flood: { requests, perSecond: requests / ((performance.now() - started) / 1000), statuses },
    };
  } finally {
    flooding = false;
    await Promise.all(flooders);
  }
};

/** Verifier figures by provider, from the Lambda service's counters and the template. */
export const verifierFigures = (
  runtime: LocalRuntime,
  providers: readonly string[],
  reserved: (provider: string) => number | undefined,
) => {
  const counters = runtime.lambda.counters();
  return Object.fromEntries(
    providers.map((provider) => {
      const [, c] =
        Object.entries(counters).find(([name]) => name.includes(`Verifier${provider.replaceAll('-', '')}`)) ??
        [];
      return [
        provider,
        {
          peakConcurrency: c?.peakConcurrency ?? 0,
          throttles: c?.throttles ?? 0,
          reserved: reserved(provider),
        },
      ];
    }),
  );
};

export const measureFlood = async (assemblyDir: string): Promise<FloodFigures> => {
  const runtime = await startLocalRuntime({
    assemblyDir,
    port: 0,
    env: { RELAYFLOW_SECRET_STRIPE: SECRET },
    logSink: () => undefined,
  });
  try {
    const { template } = readAssembly(assemblyDir);
    const reserved = (provider: string) => {
      const fn = Object.values(template.Resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::Function' &&
          r.Properties?.Description === `RelayFlow verifier for ${provider} webhooks`,
      );
      const value = fn?.Properties?.ReservedConcurrentExecutions;
      return typeof value === 'number' ? value : undefined;
    };
    const stage = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::ApiGatewayV2::Stage',
    )?.Properties;
    const stripeUrl = `${runtime.endpoints.api}/webhooks/stripe`;
    const floodUrl = `${runtime.endpoints.api}/webhooks/github`;
    const send = (offset: number) => (n: number) => {
      const { body, signature } = signedStripe(offset + n, SECRET);
      return fetch(stripeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body,
      });
    };
    // Warm both verifiers first: cold starts are not what is measured.
    await deliver(send(1_000_000), DELIVERY_CONCURRENCY, DELIVERY_CONCURRENCY);
    await deliver(() => fetch(floodUrl, { method: 'POST', body: '{}' }), 1, 1);

    const alone = await deliver(send(0), DELIVERIES, DELIVERY_CONCURRENCY);
    const { result: underFlood, flood } = await whileFlooding(floodUrl, FLOOD_CONCURRENCY, () =>
      deliver(send(DELIVERIES), DELIVERIES, DELIVERY_CONCURRENCY),
    );
    return {
      measuredAt: new Date().toISOString(),
      floodedRoute: 'ANY /webhooks/github',
      deliveredRoute: 'ANY /webhooks/stripe',
      routeThrottle: routeThrottleOf(stage, 'ANY /webhooks/github'),
      floodConcurrency: FLOOD_CONCURRENCY,
      deliveryConcurrency: DELIVERY_CONCURRENCY,
      alone,
      underFlood,
      flood,
      verifiers: verifierFigures(runtime, ['stripe', 'github'], reserved),
    };
  } finally {
    await runtime.stop();
  }
};

const ms = (value: number) => `${value.toFixed(1)} ms`;
const statusList = (statuses: Readonly<Record<string, number>>) =>
  Object.entries(statuses)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');

/** The "Flood isolation" section of docs/benchmarks.md. */
export const floodSection = (f: FloodFigures): string[] => [
  `${f.floodConcurrency} concurrent senders flood \`${f.floodedRoute}\` with unsigned requests while ${DELIVERIES} signed Stripe`,
  `deliveries arrive on \`${f.deliveredRoute}\` from ${f.deliveryConcurrency} senders; the same deliveries are first sent without`,
  `the flood. Both verifiers are warm. Default configuration: each route throttled on its own (${f.routeThrottle ? `${f.routeThrottle.rateLimit}/s, burst ${f.routeThrottle.burstLimit}` : 'none'}),`,
  'each verifier with its own reserved concurrency (table below; docs/decisions/0035-flood-isolation.md). Goal:',
  `every delivery answered 2xx. Measured ${f.measuredAt}; everything shares this machine's cores with the flood.`,
  '',
  '| Stripe deliveries | statuses | p50 | p99 | max |',
  '|---|---|---|---|---|',
  `| alone | ${statusList(f.alone.statuses)} | ${ms(f.alone.p50Ms)} | ${ms(f.alone.p99Ms)} | ${ms(f.alone.maxMs)} |`,
  `| under the flood | ${statusList(f.underFlood.statuses)} | ${ms(f.underFlood.p50Ms)} | ${ms(f.underFlood.p99Ms)} | ${ms(f.underFlood.maxMs)} |`,
  '',
  `The flood: ${f.flood.requests} requests (${f.flood.perSecond.toFixed(0)}/s) answered ${statusList(f.flood.statuses)}.`,
  '429 is the route throttle, 401 the verifier refusing the missing signature, 500 a verifier throttled at its reserved',
  'concurrency or failing (a timeout, on a machine this loaded).',
  '',
  '| verifier | reserved concurrency | peak concurrency | invocations throttled |',
  '|---|---|---|---|',
  ...Object.entries(f.verifiers).map(
    ([provider, v]) => `| ${provider} | ${v.reserved ?? 'none'} | ${v.peakConcurrency} | ${v.throttles} |`,
  ),
];

if (require.main === module) {
  const root = resolve(__dirname, '..');
  const given = process.argv[2];
  const assemblyDir = given ? resolve(given) : join(root, 'bench', '.out', 'flood');
  if (!given) execFileSync('npx', ['cdk', 'synth', '-q', '-o', assemblyDir], { cwd: root, stdio: 'inherit' });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  measureFlood(assemblyDir)
    .then((figures) => {
      console.log(JSON.stringify(figures, null, 2));
      console.log(['## Flood isolation', '', ...floodSection(figures)].join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
