/**
 * Consumer throughput on the local runtime (issue 13, capacity; docs/capacity.md). Events are
 * preloaded into the main FIFO queue over G message groups while the consumer's event source
 * mapping is stopped; the mapping is then started and timed until a set number of messages has
 * been deleted (a message is deleted once its event is done with: the events' final statuses are
 * checked afterwards). Every event is routed to an HTTP receiver that answers after
 * {@link RECEIVER_DELAY_MS}, as a real target takes time: that latency, not this machine's CPU,
 * is what FIFO ordering serializes. Repeated for several values of the mapping's
 * MaximumConcurrency (`consumer.maxConcurrency`).
 *
 * The route and the concurrency are written into a copy of the assembly's template, which is
 * all that declaring them in the configuration changes, so one synthesized assembly serves.
 *
 * Alone: `npx tsx bench/consumer-throughput.ts [assemblyDir]` (without one, the default
 * configuration is synthesized into bench/.out/consumer-throughput). Prints the figures as JSON,
 * then the markdown section.
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
import { mapLimit } from '../functions/concurrency/map-limit';
import { correlationIdFrom } from '../functions/contract/correlation-id';
import { ingestWebhook, type IngestDependencies, type IngestSettings } from '../functions/ingest/ingest';
import { stripeDefinition, type StripeOptions } from '../functions/providers/stripe';
import { signStripeRequest } from '../functions/providers/stripe/sign';
import { resolveDefinition, type Provider } from '../functions/providers/types';
import { EventQueue } from '../functions/queue/event-queue';
import { RoutesSchema } from '../functions/routing/routes';
import { EventStore } from '../functions/store/event-store';
import { RawBodies } from '../functions/store/raw-bodies';
import { FINAL_STATUSES } from '../functions/store/records';
import { REGION, startLocalRuntime, type LocalRuntime } from '../local/runtime';
import { readAssembly, resourcesOfType, type Template, type TemplateResource } from '../local/template';

/** Ascending: only the last count preloads more events than it measures (see {@link eventsFor}). */
export const GROUP_COUNTS = [1, 10, 100, 1000] as const;
export const MAX_CONCURRENCIES = [2, 5, 10] as const;
/** How long the receiver takes to answer each delivery. */
export const RECEIVER_DELAY_MS = 100;
/** Ingests in flight while preloading. */
const PRELOAD_PARALLEL = 16;
/** No measurement waits longer than this. */
const DEADLINE_MS = 120_000;
const SECRET = 'whsec_bench_consumer_throughput';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Events timed per measurement, and events preloaded: 40 per group up to 150 timed (one group
 * is slow, and its figure settles after a few batches), and at least one event per group, so
 * that every group exists. The events beyond those timed are left in the queue, which is why
 * the largest group count comes last.
 */
const eventsFor = (groups: number) => {
  const measured = Math.min(150, 40 * groups);
  return { measured, preloaded: Math.max(measured, groups) };
};

export interface ThroughputCell {
  readonly groups: number;
  readonly maxConcurrency: number;
  readonly measured: number;
  /** From starting the event source mapping to the `measured`-th message deleted. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Events of the cell found in a final status (PROCESSED or STALE) afterwards: at least `measured`. */
  readonly final: number;
  readonly batches: number;
  readonly recordsPerBatch: number;
  /** Mean billed duration of one consumer invocation. */
  readonly batchMs: number;
  /** Billed consumer time over wall time: how many invocations ran side by side on average. */
  readonly busyInstances: number;
}

export interface ConsumerThroughputFigures {
  readonly measuredAt: string;
  readonly machine: string;
  readonly receiverDelayMs: number;
  readonly cells: readonly ThroughputCell[];
}

const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}`;

/** An HTTP target that answers 204 after `delayMs`, as a receiver doing some work would. */
const startReceiver = async (delayMs: number) => {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => setTimeout(() => response.writeHead(204).end(), delayMs));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
};

const variablesOf = (fn: TemplateResource) =>
  (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;

/**
 * A copy of the assembly whose event source mappings say `maxConcurrency` and whose consumer
 * routes every event to `receiverUrl`: the template is rewritten, everything else is linked.
 */
const benchAssembly = (assemblyDir: string, maxConcurrency: number, receiverUrl: string): string => {
  const routes = RoutesSchema.parse([
    { match: { type: '*' }, targets: [{ kind: 'http', id: 'receiver', url: receiverUrl }] },
  ]);
  const copy = mkdtempSync(join(tmpdir(), 'relayflow-consumer-throughput-'));
  for (const name of readdirSync(assemblyDir)) {
    const from = join(assemblyDir, name);
    if (!name.endsWith('.template.json')) {
      symlinkSync(from, join(copy, name));
      continue;
    }
    const template = JSON.parse(readFileSync(from, 'utf8')) as Template;
    for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      if (mapping.Properties) mapping.Properties.ScalingConfig = { MaximumConcurrency: maxConcurrency };
    }
    for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const variables = variablesOf(fn);
      if (variables && 'ROUTES' in variables) variables.ROUTES = JSON.stringify(routes);
    }
    writeFileSync(join(copy, name), JSON.stringify(template));
  }
  return copy;
};

/** The ingest settings and retention the template gives the Stripe verifier. */
const verifierSettings = (assemblyDir: string): { settings: IngestSettings; retentionDays: number } => {
  const { template } = readAssembly(assemblyDir);
  const verifier = resourcesOfType(template, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Properties?.Description === 'RelayFlow verifier for stripe webhooks',
  )?.[1];
  const variables = verifier && variablesOf(verifier);
  if (!variables) throw new Error('the assembly has no Stripe verifier: enable stripe in its configuration');
  return {
    settings: {
      tenants: new Set(['default']),
      maxBodyBytes: Number(variables.MAX_BODY_BYTES),
      inlineBodyMaxBytes: Number(variables.INLINE_BODY_MAX_BYTES),
      ingestLeaseSeconds: Number(variables.INGEST_LEASE_SECONDS),
    },
    retentionDays: Number(variables.RETENTION_DAYS),
  };
};

/**
 * Loads events into the runtime's table and queue by running the verifier's own ingest code in
 * this process on Stripe-signed requests: the same items, messages and group ids as through the
 * API, without the route throttle and the Lambda hop, which are not what is measured.
 */
class Preloader {
  private readonly store: EventStore;
  private readonly deps: IngestDependencies;
  private readonly stripe: { readonly provider: Provider<StripeOptions>; readonly options: StripeOptions };
  private readonly settings: IngestSettings;
  private readonly clients: { destroy(): void }[];

  constructor(runtime: LocalRuntime, verifier: ReturnType<typeof verifierSettings>) {
    const client = (endpoint: string) => ({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    const { outputs } = runtime;
    const dynamodb = new DynamoDBClient(client(runtime.endpoints.dynamodb));
    const s3 = new S3Client({ ...client(runtime.endpoints.s3), forcePathStyle: true });
    const sqs = new SQSClient(client(runtime.endpoints.sqs));
    this.clients = [dynamodb, s3, sqs];
    const rawBodies = new RawBodies(s3, outputs.RawBucketName ?? '');
    this.store = new EventStore(
      DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      { tableName: outputs.EventTableName ?? '', retentionDays: verifier.retentionDays },
      rawBodies,
    );
    this.settings = verifier.settings;
    this.deps = {
      store: this.store,
      rawBodies,
      queue: new EventQueue(sqs, outputs.MainQueueUrl ?? ''),
      secretsFor: () => Promise.resolve([SECRET]),
      now: () => new Date(),
    };
    const resolved = resolveDefinition(stripeDefinition, 'stripe', {});
    if (!resolved.success) throw new Error('the Stripe provider did not resolve');
    this.stripe = resolved.data;
  }

  /** Ingests `events` new events spread evenly over `groups` customers; returns their event ids. */
  async load(run: string, events: number, groups: number): Promise<string[]> {
    const url = 'https://bench.invalid/webhooks/stripe';
    return mapLimit(
      Array.from({ length: events }, (_, n) => n),
      PRELOAD_PARALLEL,
      async (n) => {
        const now = new Date();
        const body = Buffer.from(
          JSON.stringify({
            id: `evt_${run}_${n}`,
            object: 'event',
            type: 'payment_intent.succeeded',
            created: Math.floor(now.getTime() / 1000),
            data: {
              object: {
                id: `pi_${run}_${n}`,
                object: 'payment_intent',
                amount: 1000,
                currency: 'usd',
                customer: `cus_${run}_${n % groups}`,
              },
            },
          }),
        );
        const headers = { 'content-type': 'application/json' };
        const result = await ingestWebhook(
          this.deps,
          this.settings,
          this.stripe.provider,
          this.stripe.options,
          {
            tenant: undefined,
            correlationId: correlationIdFrom({}, now),
            receivedAt: now,
            request: {
              method: 'POST',
              url,
              path: '/webhooks/stripe',
              rawQueryString: '',
              headers: { ...headers, ...signStripeRequest({ url, headers, body }, SECRET, now) },
              body,
              sourceIp: '127.0.0.1',
            },
          },
        );
        const item = result.kind === 'ingested' ? result.items[0] : undefined;
        if (item?.outcome !== 'accepted')
          throw new Error(`preload of event ${n} ended ${JSON.stringify(result)}`);
        return item.eventId;
      },
    );
  }

  /** How many of `eventIds` are in a final status. */
  async finalCount(eventIds: readonly string[]): Promise<number> {
    const states = await this.store.getStates(eventIds);
    return [...states.values()].filter((state) => FINAL_STATUSES.has(state.status)).length;
  }

  close(): void {
    for (const client of this.clients) client.destroy();
  }
}

interface Snapshot {
  readonly at: number;
  readonly deleted: number;
  readonly batches: number;
  readonly records: number;
  readonly invocations: number;
  readonly billedMs: number;
}

const snapshot = (runtime: LocalRuntime): Snapshot => {
  const mappings = runtime.eventSources.map((source) => source.counters());
  const name = runtime.outputs.ConsumerFunctionName ?? '';
  const consumer = runtime.lambda.counters()[name];
  if (!consumer) throw new Error(`no consumer function ${name} in the runtime`);
  const sum = (pick: (c: (typeof mappings)[number]) => number) => mappings.reduce((s, c) => s + pick(c), 0);
  return {
    at: performance.now(),
    deleted: sum((c) => c.deletedRecords),
    batches: sum((c) => c.batches),
    records: sum((c) => c.records),
    invocations: consumer.invocations,
    billedMs: consumer.billedDurationMs,
  };
};

/**
 * Starts the consumer's mappings, waits until `events` more messages have been deleted and
 * stops them again; the counters at the start and at that moment.
 */
const consume = async (runtime: LocalRuntime, events: number) => {
  const before = snapshot(runtime);
  for (const source of runtime.eventSources) source.start();
  try {
    for (;;) {
      const now = snapshot(runtime);
      if (now.deleted - before.deleted >= events) return { before, after: now };
      if (now.at - before.at > DEADLINE_MS)
        throw new Error(`the consumer deleted ${now.deleted - before.deleted} of ${events} messages in time`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await Promise.all(runtime.eventSources.map((source) => source.stop()));
  }
};

/** Every group count at one maximum concurrency, on one runtime; consumer instances are warmed first. */
const measureAt = async (
  assemblyDir: string,
  maxConcurrency: number,
  receiverUrl: string,
): Promise<ThroughputCell[]> => {
  const verifier = verifierSettings(assemblyDir);
  const copy = benchAssembly(assemblyDir, maxConcurrency, receiverUrl);
  let runtime: LocalRuntime | undefined;
  let preloader: Preloader | undefined;
  try {
    runtime = await startLocalRuntime({ assemblyDir: copy, port: 0, env: {}, logSink: () => undefined });
    preloader = new Preloader(runtime, verifier);
    await Promise.all(runtime.eventSources.map((source) => source.stop()));
    // A batch per poller, so that every instance the mapping will use has had its cold start.
    const warmUp = maxConcurrency * 10;
    await preloader.load(`warm${maxConcurrency}`, warmUp, warmUp);
    await consume(runtime, warmUp);

    const cells: ThroughputCell[] = [];
    for (const groups of GROUP_COUNTS) {
      const { measured, preloaded } = eventsFor(groups);
      const ids = await preloader.load(`c${maxConcurrency}g${groups}`, preloaded, groups);
      const { before, after } = await consume(runtime, measured);
      const ms = after.at - before.at;
      const batches = after.batches - before.batches;
      const billedMs = after.billedMs - before.billedMs;
      const cell: ThroughputCell = {
        groups,
        maxConcurrency,
        measured,
        seconds: ms / 1000,
        eventsPerSecond: measured / (ms / 1000),
        final: await preloader.finalCount(ids),
        batches,
        recordsPerBatch: (after.records - before.records) / Math.max(1, batches),
        batchMs: billedMs / Math.max(1, after.invocations - before.invocations),
        busyInstances: billedMs / ms,
      };
      console.error(
        `maxConcurrency ${maxConcurrency}, ${groups} groups: ${cell.eventsPerSecond.toFixed(1)} events/s, ${cell.final} of ${preloaded} final`,
      );
      cells.push(cell);
    }
    return cells;
  } finally {
    preloader?.close();
    await runtime?.stop();
    rmSync(copy, { recursive: true, force: true });
  }
};

export const measureConsumerThroughput = async (assemblyDir: string): Promise<ConsumerThroughputFigures> => {
  const receiver = await startReceiver(RECEIVER_DELAY_MS);
  try {
    const cells: ThroughputCell[] = [];
    for (const maxConcurrency of MAX_CONCURRENCIES)
      cells.push(...(await measureAt(assemblyDir, maxConcurrency, receiver.url)));
    return {
      measuredAt: new Date().toISOString(),
      machine: machine(),
      receiverDelayMs: RECEIVER_DELAY_MS,
      cells,
    };
  } finally {
    await receiver.stop();
  }
};

const int = (n: number) => n.toLocaleString('en');

/** The "Consumer throughput" section of docs/benchmarks.md. */
export const consumerThroughputSection = (f: ConsumerThroughputFigures): string[] => {
  const cellAt = (groups: number, maxConcurrency: number) =>
    f.cells.find((c) => c.groups === groups && c.maxConcurrency === maxConcurrency);
  /** The FIFO model: min(groups, maxConcurrency) streams, each as fast as the one group alone. */
  const model = (c: ThroughputCell) =>
    Math.min(c.groups, c.maxConcurrency) * (cellAt(1, c.maxConcurrency)?.eventsPerSecond ?? Number.NaN);
  const short = f.cells.filter((c) => c.final < c.measured);
  return [
    "Stripe events preloaded into the main FIFO queue over G message groups (customers) by the verifier's own ingest",
    "code, with the consumer stopped; then the consumer's event source mapping is started and timed until the",
    `measured number of messages is deleted (40 per group, at most 150; 1,000 groups preload 1,000 events). Every event`,
    `is routed to an HTTP receiver that answers after ${f.receiverDelayMs} ms. Batch size 10, consumer instances warmed first.`,
    'The route and `consumer.maxConcurrency` are written into a copy of the template. Command:',
    `\`npx tsx bench/consumer-throughput.ts\`. Measured ${f.measuredAt} on ${f.machine};`,
    'the emulators, the consumer instances and the receiver share these cores. docs/capacity.md reads these figures.',
    '',
    `| groups \\ maxConcurrency | ${MAX_CONCURRENCIES.join(' | ')} |`,
    `|---|${MAX_CONCURRENCIES.map(() => '---|').join('')}`,
    ...GROUP_COUNTS.map(
      (groups) =>
        `| ${int(groups)} | ${MAX_CONCURRENCIES.map((c) => cellAt(groups, c)?.eventsPerSecond.toFixed(1) ?? '—').join(' | ')} |`,
    ),
    '',
    'Events per second to PROCESSED. "Model" is min(groups, maxConcurrency) × the one-group rate at the same',
    'maxConcurrency; "instances busy" is billed consumer time over wall time.',
    '',
    '| groups | maxConcurrency | events | seconds | events/s | model | batches | records / batch | billed ms / batch | instances busy |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...f.cells.map(
      (c) =>
        `| ${int(c.groups)} | ${c.maxConcurrency} | ${c.measured} | ${c.seconds.toFixed(1)} | ${c.eventsPerSecond.toFixed(1)} | ${model(c).toFixed(1)} | ${c.batches} | ${c.recordsPerBatch.toFixed(1)} | ${c.batchMs.toFixed(0)} | ${c.busyInstances.toFixed(1)} |`,
    ),
    '',
    short.length === 0
      ? 'Every timed event was found in a final status afterwards.'
      : `**Fewer events than timed were found in a final status**: ${short.map((c) => `${c.final} of ${c.measured} (${c.groups} groups, maxConcurrency ${c.maxConcurrency})`).join('; ')}.`,
  ];
};

if (require.main === module) {
  const root = resolve(__dirname, '..');
  const given = process.argv[2];
  const assemblyDir = given ? resolve(given) : join(root, 'bench', '.out', 'consumer-throughput');
  if (!given) execFileSync('npx', ['cdk', 'synth', '-q', '-o', assemblyDir], { cwd: root, stdio: 'inherit' });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  measureConsumerThroughput(assemblyDir)
    .then((figures) => {
      console.log(JSON.stringify(figures, null, 2));
      console.log(['## Consumer throughput', '', ...consumerThroughputSection(figures)].join('\n'));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
