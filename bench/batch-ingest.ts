/**
 * Batch ingest on the local runtime, seen from the provider: a signed SendGrid Event Webhook
 * batch of 10,000 elements is POSTed, and every 503 is retried with a fresh signature as
 * SendGrid retries, until the answer is 2xx. The event table is then read to check that every
 * element was stored and enqueued exactly once (hardening goal: "A 10,000-element batch must be
 * fully ingested, once, within the provider's retry budget"; docs/decisions/0041). A 1,000-element
 * batch measures one invocation.
 *
 * Alone: `npx tsx bench/batch-ingest.ts [assemblyDir]` (without an assembly, one with SendGrid
 * enabled is synthesized into bench/.out/batch-ingest and reused while the sources are unchanged;
 * `BATCH_CONSUMER=running` keeps the consumer polling). Prints the figures as JSON, then the
 * markdown section. Traffic goes to 127.0.0.1 only; the runtime is stopped at the end.
 */
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { signSendgridRequest } from '../functions/providers/sendgrid/sign';
import { startLocalRuntime } from '../local/runtime';
import { readAssembly, resourcesOfType } from '../local/template';

const ROOT = resolve(__dirname, '..');
const FIXTURES = join(ROOT, 'functions', 'providers', 'sendgrid', 'fixtures');

/** The batches measured, in order; the first is a warm-up left out of the figures. */
const WARM_UP = { label: 'warm-up', elements: 10, messages: 5 } as const;
export const BATCHES = [
  { label: '1k', elements: 1_000, messages: 200 },
  { label: '10k', elements: 10_000, messages: 200 },
] as const;

/** Deliveries per batch before the bench gives up; SendGrid itself keeps retrying for 24 hours. */
const MAX_ATTEMPTS = 60;
/**
 * The pause between deliveries, compressed: SendGrid waits minutes between retries, which would
 * only lengthen the run and hide the ingest's own rate. (An element left RECEIVED by a killed
 * invocation is `in-progress` for the ingest lease, 3 × the verifier timeout; later deliveries
 * go on with the other elements meanwhile.)
 */
export const RETRY_PAUSE_MS = 1000;
/** No batch, retries included, runs longer than this. */
const BATCH_DEADLINE_MS = 10 * 60_000;
/** API Gateway answers within 30 s; this only guards against a hung socket. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface BatchAttempt {
  readonly status: number;
  readonly ms: number;
  /** Outcomes of the elements in the ingest's answer; empty when the answer was not the ingest's. */
  readonly outcomes: Readonly<Record<string, number>>;
}

export interface BatchRun {
  readonly label: string;
  readonly elements: number;
  /** Distinct `sg_message_id`s: the message groups the elements are ordered in. */
  readonly messages: number;
  readonly bodyBytes: number;
  readonly attempts: readonly BatchAttempt[];
  /** The last answer was 2xx. */
  readonly acknowledged: boolean;
  /** First send to the last answer, pauses between retries included. */
  readonly seconds: number;
  /** Time inside the deliveries only. */
  readonly busySeconds: number;
  readonly elementsPerSecond: number;
  readonly busyElementsPerSecond: number;
  /** Elements with a state item in the table, and those of them that reached the queue (not RECEIVED). */
  readonly stored: number;
  readonly enqueued: number;
  /** Elements sent to the queue more than once: `sends` above 1, or more than one ingest `enqueued`/`reopened` audit entry. */
  readonly enqueuedTwice: number;
  /**
   * Elements past RECEIVED without the ingest's `enqueued` entry: an invocation was killed after
   * SendMessageBatch and before the QUEUED mark, and the consumer took the message first. Sent
   * once; only the audit line is missing.
   */
  readonly enqueueNotAudited: number;
  /** Elements the consumer brought to PROCESSED more than once (only while the consumer runs). */
  readonly processedTwice: number;
  /** State items of the batch's ids beyond one per element (none can exist while ids key the table). */
  readonly extraStates: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface BatchIngestOptions {
  /**
   * `paused` (default) stops the consumer's event source mappings during the deliveries: on AWS
   * the consumer does not slow the ingest, here it shares the emulators' one thread with it.
   */
  readonly consumer?: 'paused' | 'running';
}

export interface BatchIngestFigures {
  readonly consumer: 'paused' | 'running';
  readonly maxBodyBytes: number;
  readonly verifierTimeoutSeconds: number;
  readonly runs: readonly BatchRun[];
}

// ---------------------------------------------------------------------------------------------
// The batch: documented element shapes with fresh ids

const FixtureSchema = z.object({ body: z.array(z.record(z.string(), z.unknown())) });

/** Every documented SendGrid element that is about a message (has `sg_message_id`). */
const elementShapes = (): Record<string, unknown>[] =>
  readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json') && file !== 'all-event-types.json')
    .sort()
    .flatMap((file) => FixtureSchema.parse(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))).body)
    .filter(
      (element) => typeof element.sg_message_id === 'string' && typeof element.sg_event_id === 'string',
    );

const digest = (text: string) => createHash('sha256').update(text).digest();

/** An id in SendGrid's shape (22 base64 characters and `==`), unique per run and index. */
const sgEventId = (runId: string, index: number) =>
  `${digest(`${runId}:${index}`).toString('base64').slice(0, 22)}==`;

/**
 * A batch of `elements` documented elements (shapes taken in turn) with unique `sg_event_id`s,
 * spread over `messages` message ids by a fixed hash, so that a chunk of the batch holds several
 * elements of some messages, as a real batch does. Compact JSON, as SendGrid sends it.
 */
export const sendgridBatch = (runId: string, elements: number, messages: number) => {
  const shapes = elementShapes();
  const now = Math.floor(Date.now() / 1000);
  const ids: string[] = [];
  const body = Array.from({ length: elements }, (_, index) => {
    const shape = shapes[index % shapes.length] ?? {};
    const message = digest(`${runId}:${index}:message`).readUInt32BE(0) % messages;
    const messageId = `${digest(`${runId}:m${message}`).toString('hex').slice(0, 11)}.dfd.64b469.filter0001.16648.5515E0B88.0`;
    const id = sgEventId(runId, index);
    ids.push(id);
    return {
      ...shape,
      email: `user${message}@example.com`,
      timestamp: now - 60 + (index % 60),
      sg_event_id: id,
      sg_message_id: messageId,
    };
  });
  return { body: Buffer.from(JSON.stringify(body)), ids };
};

// ---------------------------------------------------------------------------------------------
// Delivery as SendGrid does it

const AnswerSchema = z.object({
  events: z.optional(z.array(z.object({ id: z.string(), outcome: z.string() }))),
});

const outcomesOf = (text: string): Record<string, number> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const answer = AnswerSchema.safeParse(parsed);
  const counts: Record<string, number> = {};
  for (const event of (answer.success ? answer.data.events : undefined) ?? [])
    counts[event.outcome] = (counts[event.outcome] ?? 0) + 1;
  return counts;
};

/** Posts the batch, re-signed each time, until it is acknowledged or the budget is spent. */
const deliver = async (
  url: string,
  body: Buffer,
  privateKey: string,
): Promise<{ attempts: BatchAttempt[]; seconds: number }> => {
  const attempts: BatchAttempt[] = [];
  const started = performance.now();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 1) {
      const last = attempts.at(-1);
      if (last && last.status >= 200 && last.status < 300) break;
      if (performance.now() - started + RETRY_PAUSE_MS > BATCH_DEADLINE_MS) break;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
    const headers = {
      'content-type': 'application/json',
      ...signSendgridRequest({ url, headers: {}, body }, privateKey, new Date()),
    };
    const sent = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).catch(() => undefined);
    const text = response ? await response.text().catch(() => '') : '';
    attempts.push({
      status: response?.status ?? 0,
      ms: Math.round(performance.now() - sent),
      outcomes: outcomesOf(text),
    });
  }
  return { attempts, seconds: (performance.now() - started) / 1000 };
};

// ---------------------------------------------------------------------------------------------
// What the table holds

const StateSchema = z.object({
  externalId: z.string(),
  status: z.string(),
  sends: z.number(),
  audit: z.array(
    z.object({ action: z.string(), by: z.optional(z.string()), status: z.optional(z.string()) }),
  ),
});
type State = z.infer<typeof StateSchema>;

/** Every SendGrid state item of the event table, by `sg_event_id` (an array: more than one would be a finding). */
const sendgridStates = async (endpoint: string, tableName: string): Promise<Map<string, State[]>> => {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const states = new Map<string, State[]>();
  try {
    const pages = paginateScan(
      { client },
      {
        TableName: tableName,
        FilterExpression: 'SK = :state AND provider = :provider',
        ExpressionAttributeValues: { ':state': 'STATE', ':provider': 'sendgrid' },
        ProjectionExpression: 'externalId, #status, sends, audit',
        ExpressionAttributeNames: { '#status': 'status' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const state = StateSchema.parse(item);
        states.set(state.externalId, [...(states.get(state.externalId) ?? []), state]);
      }
    }
  } finally {
    client.destroy();
  }
  return states;
};

const tally = (ids: readonly string[], states: ReadonlyMap<string, readonly State[]>) => {
  let stored = 0;
  let enqueued = 0;
  let enqueuedTwice = 0;
  let enqueueNotAudited = 0;
  let processedTwice = 0;
  let extraStates = 0;
  const statuses: Record<string, number> = {};
  for (const id of ids) {
    const found = states.get(id) ?? [];
    const state = found[0];
    extraStates += Math.max(0, found.length - 1);
    if (!state) continue;
    stored += 1;
    statuses[state.status] = (statuses[state.status] ?? 0) + 1;
    const pastReceived = state.status !== 'RECEIVED' && state.status !== 'QUARANTINED';
    if (pastReceived) enqueued += 1;
    const enqueues = state.audit.filter(
      (entry) => entry.by === 'ingest' && (entry.action === 'enqueued' || entry.action === 'reopened'),
    ).length;
    if (enqueues > 1 || state.sends > 1) enqueuedTwice += 1;
    if (pastReceived && enqueues === 0) enqueueNotAudited += 1;
    if (state.audit.filter((entry) => entry.by === 'consumer' && entry.status === 'PROCESSED').length > 1)
      processedTwice += 1;
  }
  return { stored, enqueued, enqueuedTwice, enqueueNotAudited, processedTwice, extraStates, statuses };
};

// ---------------------------------------------------------------------------------------------
// The measurement

/** The SendGrid verifier's body limit and timeout, as the template gives them. */
const verifierSettings = (assemblyDir: string) => {
  const { template } = readAssembly(assemblyDir);
  const verifier = resourcesOfType(template, 'AWS::Lambda::Function').find(([, fn]) => {
    const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    return variables?.PROVIDER_ID === 'sendgrid';
  })?.[1];
  if (!verifier)
    throw new Error(`the assembly in ${assemblyDir} has no SendGrid verifier: enable providers.sendgrid`);
  const variables =
    (verifier.Properties?.Environment as { Variables?: Record<string, unknown> }).Variables ?? {};
  return {
    maxBodyBytes: Number(variables.MAX_BODY_BYTES),
    verifierTimeoutSeconds: Number(verifier.Properties?.Timeout ?? 3),
  };
};

/**
 * Measures batch ingest through the local runtime of `assemblyDir` (which must enable SendGrid;
 * the default configuration does). Without one, synthesizes its own (see {@link batchAssembly}).
 */
export const measureBatchIngest = async (
  assemblyDir?: string,
  options: BatchIngestOptions = {},
): Promise<BatchIngestFigures> => {
  const consumer = options.consumer ?? 'paused';
  const assembly = assemblyDir ?? batchAssembly();
  const settings = verifierSettings(assembly);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const runtime = await startLocalRuntime({
    assemblyDir: assembly,
    port: 0,
    env: { RELAYFLOW_SECRET_SENDGRID: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') },
    logSink: () => undefined,
  });
  try {
    const url = runtime.webhookUrls.sendgrid;
    if (!url || new URL(url).hostname !== '127.0.0.1')
      throw new Error(`no local SendGrid URL (${url ?? 'none'})`);
    const tableName = runtime.outputs.EventTableName;
    if (!tableName) throw new Error('the stack has no EventTableName output');
    const signingKey = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    // Each run gets ids no earlier run used, so that nothing is a duplicate of a previous bench.
    const runId = `${Date.now()}`;

    if (consumer === 'paused') await Promise.all(runtime.eventSources.map((source) => source.stop()));
    const warmUp = sendgridBatch(`${runId}:${WARM_UP.label}`, WARM_UP.elements, WARM_UP.messages);
    await deliver(url, warmUp.body, signingKey);

    const runs: BatchRun[] = [];
    for (const batch of BATCHES) {
      const { body, ids } = sendgridBatch(`${runId}:${batch.label}`, batch.elements, batch.messages);
      if (body.length > settings.maxBodyBytes) {
        throw new Error(
          `the ${batch.elements}-element body is ${body.length} B, over the verifier's limit of ${settings.maxBodyBytes} B`,
        );
      }
      const { attempts, seconds } = await deliver(url, body, signingKey);
      const last = attempts.at(-1);
      const busySeconds = attempts.reduce((sum, a) => sum + a.ms, 0) / 1000;
      const found = tally(ids, await sendgridStates(runtime.endpoints.dynamodb, tableName));
      runs.push({
        label: batch.label,
        elements: batch.elements,
        messages: batch.messages,
        bodyBytes: body.length,
        attempts,
        acknowledged: last !== undefined && last.status >= 200 && last.status < 300,
        seconds,
        busySeconds,
        elementsPerSecond: found.enqueued / seconds,
        busyElementsPerSecond: found.enqueued / busySeconds,
        ...found,
      });
    }
    return { consumer, ...settings, runs };
  } finally {
    await runtime.stop();
  }
};

/** The run met the goal: acknowledged, every element stored and enqueued, none twice. */
export const ingestedOnce = (run: BatchRun) =>
  run.acknowledged &&
  run.stored === run.elements &&
  run.enqueued === run.elements &&
  run.enqueuedTwice === 0 &&
  run.processedTwice === 0 &&
  run.extraStates === 0;

// ---------------------------------------------------------------------------------------------
// The report

const int = (n: number) => n.toLocaleString('en');
const answers = (run: BatchRun) => {
  const counts = new Map<number, number>();
  for (const a of run.attempts) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} × ${status}`).join(', ');
};
const attemptLine = (a: BatchAttempt, i: number) => {
  const outcomes = Object.entries(a.outcomes)
    .map(([outcome, n]) => `${int(n)} ${outcome}`)
    .join(', ');
  return `${i + 1}: ${a.status} in ${(a.ms / 1000).toFixed(1)} s${outcomes ? ` (${outcomes})` : ''}`;
};

/** Markdown lines of the `## Batch ingest` section. */
export const batchIngestSection = (figures: BatchIngestFigures): string[] => {
  const largest = figures.runs.at(-1);
  const findings = (r: BatchRun) =>
    [
      r.enqueuedTwice > 0 ? `${int(r.enqueuedTwice)} enqueued twice` : '',
      r.processedTwice > 0 ? `${int(r.processedTwice)} processed twice` : '',
      r.extraStates > 0 ? `${int(r.extraStates)} extra states` : '',
      r.enqueueNotAudited > 0 ? `${int(r.enqueueNotAudited)} without the \`enqueued\` audit line` : '',
    ]
      .filter(Boolean)
      .join(', ');
  return [
    'Signed SendGrid batches (documented element shapes, unique `sg_event_id`s, 200 message ids, compact JSON) POSTed',
    `to the local runtime; every non-2xx answer is retried ${RETRY_PAUSE_MS / 1000} s later with a fresh signature, as SendGrid retries`,
    `(SendGrid waits longer between retries and keeps retrying for 24 hours). Verifier timeout ${figures.verifierTimeoutSeconds} s, body limit`,
    `${int(figures.maxBodyBytes)} B. An element counts as ingested once its state item has left RECEIVED; "once" means one state item and one`,
    `send to the queue each (\`sends\` 1, one \`enqueued\` audit line at most). The consumer was ${figures.consumer} during the deliveries.`,
    `All emulators share one Node.js thread in this process on ${cpus().length} shared cores: the rates are the emulators', pessimistic.`,
    '',
    '| batch | body | deliveries (answers) | first send → 2xx | elements/s overall | elements/s inside deliveries | stored / enqueued | ingested once |',
    '|---|---|---|---|---|---|---|---|',
    ...figures.runs.map((r) => {
      const verdict = ingestedOnce(r) ? 'yes' : '**no**';
      const notes = findings(r);
      return `| ${int(r.elements)} | ${(r.bodyBytes / 2 ** 20).toFixed(2)} MiB | ${r.attempts.length} (${answers(r)}) | ${r.seconds.toFixed(1)} s | **${r.elementsPerSecond.toFixed(0)}** | ${r.busyElementsPerSecond.toFixed(0)} | ${int(r.stored)} / ${int(r.enqueued)} | ${verdict}${notes ? ` (${notes})` : ''} |`;
    }),
    '',
    ...(largest
      ? [
          `Deliveries of the ${int(largest.elements)}-element batch: ${largest.attempts.map(attemptLine).join('; ')}.`,
          '',
        ]
      : []),
    largest && ingestedOnce(largest)
      ? `The ${int(largest.elements)}-element batch was fully ingested, once, after ${largest.attempts.length} deliveries in ${largest.seconds.toFixed(0)} s: well inside SendGrid's 24-hour retry budget.`
      : `The goal (a ${int(largest?.elements ?? 0)}-element batch fully ingested, once, within the retry budget) was **not** met in this run.`,
  ];
};

// ---------------------------------------------------------------------------------------------
// An assembly of its own, for a run alone

const ASSEMBLY_DIR = join(ROOT, 'bench', '.out', 'batch-ingest');

/** The deployed defaults with SendGrid enabled (and nothing else to start). */
const BENCH_CONFIG = { stackName: 'RelayFlowBatchBench', stage: 'dev', providers: { sendgrid: {} } };

const sourceDigest = () => {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of ['functions', 'lib']) walk(join(ROOT, dir));
  return hash
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .update(JSON.stringify(BENCH_CONFIG))
    .digest('hex');
};

/** Synthesizes {@link BENCH_CONFIG} into bench/.out/batch-ingest, unless it is there for these sources. */
export const batchAssembly = (): string => {
  const assembly = join(ASSEMBLY_DIR, 'cdk.out');
  const digestFile = join(ASSEMBLY_DIR, 'digest');
  const digest = sourceDigest();
  if (
    existsSync(join(assembly, 'manifest.json')) &&
    existsSync(digestFile) &&
    readFileSync(digestFile, 'utf8') === digest
  )
    return assembly;
  mkdirSync(ASSEMBLY_DIR, { recursive: true });
  const configFile = join(ASSEMBLY_DIR, 'relayflow.config.json');
  writeFileSync(configFile, JSON.stringify(BENCH_CONFIG, null, 2));
  rmSync(assembly, { recursive: true, force: true });
  const result = spawnSync('npx', ['cdk', 'synth', '-q', '-o', assembly], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, RELAYFLOW_CONFIG: configFile },
    timeout: 10 * 60_000,
  });
  if (result.status !== 0) throw new Error(`synth failed:\n${result.stdout}\n${result.stderr}`);
  writeFileSync(digestFile, digest);
  return assembly;
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // A safety net: whatever hangs, the run ends.
  const watchdog = setTimeout(() => {
    console.error('batch-ingest: gave up after 25 minutes');
    process.exit(1);
  }, 25 * 60_000);
  watchdog.unref();
  const assemblyDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
  // BATCH_CONSUMER=running keeps the consumer polling during the deliveries.
  measureBatchIngest(assemblyDir, {
    consumer: process.env.BATCH_CONSUMER === 'running' ? 'running' : 'paused',
  }).then(
    (figures) => {
      console.log(JSON.stringify(figures, null, 2));
      console.log(['## Batch ingest', '', ...batchIngestSection(figures)].join('\n'));
      if (!figures.runs.every(ingestedOnce)) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
