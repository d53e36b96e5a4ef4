/**
 * Fairness between tenants on the local runtime (issue 18, docs/decisions/0052-tenant-quotas.md).
 * Tenant B sends Stripe events at {@link B_RATE}/s, first alone, then while tenant A sends ten
 * times as many; A has a rate quota of {@link A_QUOTA}/s, written into the consumer's
 * TENANT_QUOTAS in a copy of the template (as declaring it in the configuration would). Every
 * event is routed to an HTTP receiver that answers after {@link RECEIVER_DELAY_MS}; B's latency
 * is ingest (the event's receivedAt) to the receiver's call. Without the quota A alone asks more
 * than the consumer can do at the mapping's {@link MAX_CONCURRENCY}, and B would wait behind it.
 *
 * Events are ingested by the verifier's own ingest code in this process, as
 * bench/consumer-throughput.ts does: the API's throttle is not what is measured.
 *
 * Alone: `npx tsx bench/fairness.ts [assemblyDir]` (without one, the default configuration is
 * synthesized into bench/.out/fairness). Prints the figures as JSON, then the markdown section.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { correlationIdFrom } from '../functions/contract/correlation-id';
import { ingestWebhook, type IngestDependencies, type IngestSettings } from '../functions/ingest/ingest';
import { stripeDefinition } from '../functions/providers/stripe';
import { signStripeRequest } from '../functions/providers/stripe/sign';
import { resolveDefinition } from '../functions/providers/types';
import { EventQueue } from '../functions/queue/event-queue';
import { RoutesSchema } from '../functions/routing/routes';
import { EventStore } from '../functions/store/event-store';
import { RawBodies } from '../functions/store/raw-bodies';
import { REGION, startLocalRuntime, type LocalRuntime } from '../local/runtime';
import { resourcesOfType, type Template, type TemplateResource } from '../local/template';

export const B_RATE = 1;
export const A_RATE = 10 * B_RATE;
export const A_QUOTA = 2;
export const MAX_CONCURRENCY = 2;
export const RECEIVER_DELAY_MS = 300;
const ALONE_SECONDS = 15;
const TOGETHER_SECONDS = 30;
/** How long the last of B's events may take to arrive once sending stopped. */
const DRAIN_MS = 20_000;
const SECRET = 'whsec_bench_fairness';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LatencyFigures {
  readonly sent: number;
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface FairnessFigures {
  readonly measuredAt: string;
  readonly machine: string;
  readonly bRate: number;
  readonly aRate: number;
  readonly aQuota: number;
  readonly maxConcurrency: number;
  readonly receiverDelayMs: number;
  readonly bAlone: LatencyFigures;
  readonly bWithA: LatencyFigures;
  /** A during the shared phase: what it sent, and what reached the receiver per second. */
  readonly a: { readonly sent: number; readonly delivered: number; readonly deliveredPerSecond: number };
  /** A's events by status once the shared phase drained; none may be DEAD_LETTERED. */
  readonly aStatuses: Readonly<Record<string, number>>;
  /** Delays by quota, as the consumer counted them (QuotaDelayed), and per A event delivered. */
  readonly quotaDelays: number;
}

const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}`;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** The receiver: answers 204 after the delay and notes, per tenant, each event's ingest-to-call latency. */
const startReceiver = async () => {
  const arrivals = new Map<string, { tenant: string; latencyMs: number; at: number }>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: string;
        tenant: string;
        receivedAt: string;
      };
      if (!arrivals.has(event.id))
        arrivals.set(event.id, { tenant: event.tenant, latencyMs: at - Date.parse(event.receivedAt), at });
      setTimeout(() => response.writeHead(204).end(), RECEIVER_DELAY_MS);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    arrivals,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
};

const variablesOf = (fn: TemplateResource) =>
  (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;

/** A copy of the assembly whose consumer routes to the receiver, with A's quota and the mapping's concurrency. */
const benchAssembly = (assemblyDir: string, receiverUrl: string): string => {
  const routes = RoutesSchema.parse([
    { match: { type: '*' }, targets: [{ kind: 'http', id: 'receiver', url: receiverUrl }] },
  ]);
  const copy = mkdtempSync(join(tmpdir(), 'relayflow-fairness-'));
  for (const name of readdirSync(assemblyDir)) {
    const from = join(assemblyDir, name);
    if (!name.endsWith('.template.json')) {
      symlinkSync(from, join(copy, name));
      continue;
    }
    const template = JSON.parse(readFileSync(from, 'utf8')) as Template;
    for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      if (mapping.Properties) mapping.Properties.ScalingConfig = { MaximumConcurrency: MAX_CONCURRENCY };
    }
    for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const variables = variablesOf(fn);
      if (!variables || !('ROUTES' in variables)) continue;
      variables.ROUTES = JSON.stringify(routes);
      variables.TENANT_QUOTAS = JSON.stringify({
        leaseSeconds: 30,
        tenants: { a: { eventsPerSecond: A_QUOTA } },
      });
    }
    writeFileSync(join(copy, name), JSON.stringify(template));
  }
  return copy;
};

/** Ingests Stripe events for a tenant by the verifier's own code, as the API would. */
class Sender {
  readonly store: EventStore;
  private readonly deps: IngestDependencies;
  private readonly clients: { destroy(): void }[];
  private readonly settings: IngestSettings = {
    tenants: new Set(['default', 'a', 'b']),
    maxBodyBytes: 1 << 20,
    inlineBodyMaxBytes: 65_536,
    ingestLeaseSeconds: 90,
  };
  private readonly stripe = (() => {
    const resolved = resolveDefinition(stripeDefinition, 'stripe', {});
    if (!resolved.success) throw new Error('the Stripe provider did not resolve');
    return resolved.data;
  })();

  constructor(runtime: LocalRuntime) {
    const client = (endpoint: string) => ({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    const dynamodb = new DynamoDBClient(client(runtime.endpoints.dynamodb));
    const s3 = new S3Client({ ...client(runtime.endpoints.s3), forcePathStyle: true });
    const sqs = new SQSClient(client(runtime.endpoints.sqs));
    this.clients = [dynamodb, s3, sqs];
    const rawBodies = new RawBodies(s3, runtime.outputs.RawBucketName ?? '');
    this.store = new EventStore(
      DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      { tableName: runtime.outputs.EventTableName ?? '', retentionDays: 1 },
      rawBodies,
    );
    this.deps = {
      store: this.store,
      rawBodies,
      queue: new EventQueue(sqs, runtime.outputs.MainQueueUrl ?? ''),
      secretsFor: () => Promise.resolve([SECRET]),
      now: () => new Date(),
    };
  }

  async send(tenant: string, phase: string, n: number, groups: number): Promise<string> {
    const now = new Date();
    const url = `https://bench.invalid/webhooks/stripe/${tenant}`;
    const body = Buffer.from(
      JSON.stringify({
        id: `evt_${tenant}_${phase}_${n}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(now.getTime() / 1000),
        data: {
          object: {
            id: `pi_${tenant}_${phase}_${n}`,
            object: 'payment_intent',
            customer: `cus_${tenant}_${n % groups}`,
          },
        },
      }),
    );
    const headers = { 'content-type': 'application/json' };
    const result = await ingestWebhook(this.deps, this.settings, this.stripe.provider, this.stripe.options, {
      tenant,
      correlationId: correlationIdFrom({}, now),
      receivedAt: now,
      request: {
        method: 'POST',
        url,
        path: `/webhooks/stripe/${tenant}`,
        rawQueryString: '',
        headers: { ...headers, ...signStripeRequest({ url, headers, body }, SECRET, now) },
        body,
        sourceIp: '127.0.0.1',
      },
    });
    const item = result.kind === 'ingested' ? result.items[0] : undefined;
    if (item?.outcome !== 'accepted')
      throw new Error(`event ${tenant}/${phase}/${n} ended ${JSON.stringify(result)}`);
    return item.eventId;
  }

  close(): void {
    for (const client of this.clients) client.destroy();
  }
}

/** Sends `rate` events a second for `seconds`, on a schedule that does not drift with slow sends. */
const sendAt = async (
  sender: Sender,
  tenant: string,
  phase: string,
  rate: number,
  seconds: number,
  groups: number,
) => {
  const started = performance.now();
  const sends: Promise<string>[] = [];
  for (let n = 0; n < rate * seconds; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sends.push(sender.send(tenant, phase, n, groups));
  }
  return Promise.all(sends);
};

const latencies = (
  arrivals: Map<string, { tenant: string; latencyMs: number }>,
  ids: readonly string[],
): LatencyFigures => {
  const found = ids.flatMap((id) => {
    const arrival = arrivals.get(id);
    return arrival ? [arrival.latencyMs] : [];
  });
  found.sort((a, b) => a - b);
  return {
    sent: ids.length,
    delivered: found.length,
    p50Ms: percentile(found, 50),
    p95Ms: percentile(found, 95),
    maxMs: found.at(-1) ?? Number.NaN,
  };
};

const waitFor = async (done: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
};

export const measureFairness = async (assemblyDir: string): Promise<FairnessFigures> => {
  const receiver = await startReceiver();
  const copy = benchAssembly(assemblyDir, receiver.url);
  let quotaDelays = 0;
  let runtime: LocalRuntime | undefined;
  let sender: Sender | undefined;
  try {
    runtime = await startLocalRuntime({
      assemblyDir: copy,
      port: 0,
      env: {},
      // The consumer's one count of a quota delay is its `QuotaDelayed` EMF line.
      logSink: (entry) => {
        if (entry.line.includes('"QuotaDelayed"')) quotaDelays += 1;
      },
    });
    sender = new Sender(runtime);
    const arrived = (ids: readonly string[]) => () => ids.every((id) => receiver.arrivals.has(id));

    // Every consumer instance has had its cold start before anything is timed.
    const warm = await sendAt(sender, 'b', 'warm', 20, 1, 20);
    await waitFor(arrived(warm), DRAIN_MS);

    const alone = await sendAt(sender, 'b', 'alone', B_RATE, ALONE_SECONDS, 20);
    await waitFor(arrived(alone), DRAIN_MS);
    const bAlone = latencies(receiver.arrivals, alone);

    quotaDelays = 0;
    const together = Date.now();
    const [aIds, bIds] = await Promise.all([
      sendAt(sender, 'a', 'together', A_RATE, TOGETHER_SECONDS, 50),
      sendAt(sender, 'b', 'together', B_RATE, TOGETHER_SECONDS, 20),
    ]);
    await waitFor(arrived(bIds), DRAIN_MS);
    const bWithA = latencies(receiver.arrivals, bIds);
    const aDelivered = aIds.filter((id) => receiver.arrivals.has(id)).length;
    const states = await sender.store.getStates(aIds);
    const aStatuses: Record<string, number> = {};
    for (const state of states.values()) aStatuses[state.status] = (aStatuses[state.status] ?? 0) + 1;
    return {
      measuredAt: new Date().toISOString(),
      machine: machine(),
      bRate: B_RATE,
      aRate: A_RATE,
      aQuota: A_QUOTA,
      maxConcurrency: MAX_CONCURRENCY,
      receiverDelayMs: RECEIVER_DELAY_MS,
      bAlone,
      bWithA,
      a: {
        sent: aIds.length,
        delivered: aDelivered,
        deliveredPerSecond: aDelivered / ((Date.now() - together) / 1000),
      },
      aStatuses,
      quotaDelays,
    };
  } finally {
    sender?.close();
    await runtime?.stop();
    await receiver.stop();
    rmSync(copy, { recursive: true, force: true });
  }
};

const ms = (value: number) => `${value.toFixed(0)} ms`;

/** The "Fairness" section of docs/benchmarks.md. */
export const fairnessSection = (f: FairnessFigures): string[] => {
  const ratio = f.bWithA.p95Ms / f.bAlone.p95Ms;
  return [
    `Tenant B sends ${f.bRate} Stripe events/s, first alone for ${ALONE_SECONDS} s, then for ${TOGETHER_SECONDS} s while tenant A sends`,
    `${f.aRate}/s (10×) with a rate quota of ${f.aQuota}/s (\`tenants[].quota.eventsPerSecond\`, written into the consumer's`,
    `TENANT_QUOTAS in a copy of the template). Every event goes to an HTTP receiver answering after ${f.receiverDelayMs} ms;`,
    `\`consumer.maxConcurrency\` is ${f.maxConcurrency}, which A's rate alone would exceed without its quota (docs/benchmarks.md,`,
    `"Consumer throughput"). Latency is ingest (the event's receivedAt) to the receiver's call. Command:`,
    `\`npx tsx bench/fairness.ts\`. Measured ${f.measuredAt} on ${f.machine}.`,
    '',
    '| B | events | delivered | p50 | p95 | max |',
    '|---|---|---|---|---|---|',
    ...(
      [
        ['alone', f.bAlone],
        [`with A at ${f.aRate}/s`, f.bWithA],
      ] as const
    ).map(
      ([label, l]) =>
        `| ${label} | ${l.sent} | ${l.delivered} | ${ms(l.p50Ms)} | ${ms(l.p95Ms)} | ${ms(l.maxMs)} |`,
    ),
    '',
    `B's p95 with A is ${ratio.toFixed(2)}× its p95 alone (goal: at most 2×). A sent ${f.a.sent} events; ${f.a.delivered} reached`,
    `the receiver while B was measured (${f.a.deliveredPerSecond.toFixed(1)}/s against its quota of ${f.aQuota}/s), the rest waited in`,
    `the queue, delayed, not refused. The consumer counted ${f.quotaDelays} quota delays. A's events by status at the end:`,
    `${Object.entries(f.aStatuses)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ')}.`,
  ];
};

if (require.main === module) {
  const root = resolve(__dirname, '..');
  const given = process.argv[2];
  const assemblyDir = given ? resolve(given) : join(root, 'bench', '.out', 'fairness');
  if (!given) execFileSync('npx', ['cdk', 'synth', '-q', '-o', assemblyDir], { cwd: root, stdio: 'inherit' });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  measureFairness(assemblyDir)
    .then((figures) => {
      console.log(JSON.stringify(figures, null, 2));
      console.log(['## Fairness', '', ...fairnessSection(figures)].join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
