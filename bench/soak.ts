/**
 * The load (soak) run, `npm run soak`: 10,000 Stripe-signed ~2 KB events over 200 entities
 * through the whole local pipeline, 20% delivered twice, 5% of sink calls failing once,
 * concurrency 50. Checks every invariant against the independent ledger, prints throughput,
 * latency and peak RSS, prices the run with the cost model, and writes both into
 * docs/benchmarks.md (`## Soak run`, `## Cost model`).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { FunctionCounters } from '../local/lambda';
import {
  drain,
  FaultSink,
  Ledger,
  violations,
  waitFor,
  Webhooks,
  type Delivery,
  type InvariantReport,
} from '../test/helpers/ledger';
import { startFaultRuntime } from '../test/helpers/local-runtime';
import { costModel, costSection, type CostReport, type MeasuredUsage } from './cost';

const ROOT = resolve(__dirname, '..');
const REPORT = join(ROOT, 'docs', 'benchmarks.md');

export interface SoakOptions {
  readonly events: number;
  readonly entities: number;
  readonly duplicateShare: number;
  readonly sinkFailureShare: number;
  readonly concurrency: number;
  /** The sink target without the shared rate limit (`rateLimitPerSecond: false`): what that setting saves. */
  readonly unlimitedTargets: boolean;
}

export const DEFAULT_SOAK: SoakOptions = {
  events: 10_000,
  entities: 200,
  duplicateShare: 0.2,
  sinkFailureShare: 0.05,
  concurrency: 50,
  unlimitedTargets: false,
};

export interface SoakFigures {
  readonly options: SoakOptions;
  readonly report: InvariantReport;
  readonly passed: boolean;
  readonly requests: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly sinkAttempts: number;
  readonly failedSinkCalls: number;
  /** From the first send to the last acknowledgement. */
  readonly ingestMs: number;
  /** From the first send to the last side effect. */
  readonly wallMs: number;
  readonly eventsPerSecond: number;
  readonly latency: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly peakRssBytes: number;
  readonly payloadBytes: number;
  readonly cost: CostReport;
  readonly lambda: Readonly<Record<string, FunctionCounters>>;
}

/** A stable share of keys, so that a run is reproducible: the first `share` of the hash space. */
const inShare = (key: string, share: number) =>
  createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32 < share;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** Events in the warm probe that prices Lambda duration. */
const WARM_PROBE_EVENTS = 100;

/** ~2 KB of event body: the size the cost goal is stated for. */
const PADDING = 'x'.repeat(1650);

/** DynamoDB reads or writes of one table, action and kind of item: how many, and their summed figures. */
type ItemKindGroup<Figure extends string> = {
  table: string;
  action: string;
  keyShape: string;
  count: number;
} & Record<Figure, number>;

/** Sums DynamoDB reads or writes per table, action and kind of item, each figure `figures` reads off one. */
const byItemKind = <Item extends { table: string; action: string; keyShape: string }, Figure extends string>(
  items: readonly Item[],
  figures: (item: Item) => Record<Figure, number>,
): ItemKindGroup<Figure>[] => {
  const groups = new Map<
    string,
    { table: string; action: string; keyShape: string; count: number; sums: Record<string, number> }
  >();
  for (const item of items) {
    const key = `${item.table} ${item.action} ${item.keyShape}`;
    const group = groups.get(key) ?? {
      table: item.table,
      action: item.action,
      keyShape: item.keyShape,
      count: 0,
      sums: {},
    };
    group.count += 1;
    for (const [name, value] of Object.entries<number>(figures(item)))
      group.sums[name] = (group.sums[name] ?? 0) + value;
    groups.set(key, group);
  }
  return [...groups.values()].map(({ sums, ...group }) => ({ ...group, ...sums }) as ItemKindGroup<Figure>);
};

export const runSoak = async (options: SoakOptions = DEFAULT_SOAK): Promise<SoakFigures> => {
  const sink = new FaultSink();
  // Transient failures: a fixed 5% of events see their first sink call fail with a 503.
  sink.behaviour = (delivery, attempt) =>
    attempt === 1 && inShare(delivery.webhookId, options.sinkFailureShare) ? 503 : 200;
  const sinkPort = await sink.start();
  let logBytes = 0;
  let logLines = 0;
  const platformLog = { bytes: 0, lines: 0 };
  const accessLog = { bytes: 0, lines: 0 };
  const throttledAccessLog = { bytes: 0, lines: 0 };
  const faults = await startFaultRuntime({
    sinkPort,
    unlimitedTargets: options.unlimitedTargets,
    unreservedConcurrency: options.concurrency + 60,
    accessLog: (line) => {
      // The stage's format is the stack's own JSON (lib/constructs/ingest-api.ts).
      const counted = line.includes('"status":"429"') ? throttledAccessLog : accessLog;
      counted.bytes += Buffer.byteLength(line);
      counted.lines += 1;
    },
    logSink: (entry) => {
      if (entry.stream === 'platform') {
        platformLog.bytes += Buffer.byteLength(entry.line);
        platformLog.lines += 1;
        return;
      }
      logBytes += Buffer.byteLength(entry.line);
      logLines += 1;
    },
  });
  const { runtime } = faults;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  try {
    const webhooks = Webhooks.for(runtime);
    const ledger = new Ledger();
    const perEntity = Math.ceil(options.events / options.entities);
    const entities = Array.from({ length: options.entities }, (_, i) => `cus_soak_${i}`);
    // The same body every time for one event: a duplicate is byte-identical, as a provider's retry is.
    const delivery = (customer: string, seq: number) =>
      webhooks.stripe({
        id: `evt_soak_${customer}_${seq}`,
        customer,
        created: seq,
        metadata: { note: PADDING },
      });

    /** Sends until acknowledged, as providers do (non-2xx and network errors are retried). */
    const sendUntilAcked = async (make: () => Delivery) => {
      for (let attempt = 1; ; attempt += 1) {
        const d = make();
        const response = await ledger.send(d.items, d.request).catch(() => undefined);
        if (response && response.status >= 200 && response.status < 300) return;
        if (attempt >= 300) throw new Error(`${d.items[0]?.key ?? '?'} not acknowledged after 300 attempts`);
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * attempt)));
      }
    };

    const started = Date.now();
    let next = 0;
    // `concurrency` senders; each takes the next entity and sends its events in order.
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        for (let index = next++; index < entities.length; index = next++) {
          const customer = entities[index] ?? '';
          for (let seq = 1; seq <= perEntity && index * perEntity + seq <= options.events; seq += 1) {
            const make = () => delivery(customer, seq);
            await sendUntilAcked(make);
            if (inShare(`${customer}#${seq}`, options.duplicateShare)) await sendUntilAcked(make);
          }
        }
      }),
    );
    const ingestMs = Date.now() - started;
    const expected = ledger.size;
    const drained = await drain(runtime, {
      timeoutMs: 600_000,
      quietMs: 2000,
      done: () => new Set(sink.sideEffects().map((d) => d.key)).size >= expected,
    });
    const wallMs = Math.max(...sink.sideEffects().map((d) => d.at)) - started;
    const report = ledger.check(sink);
    const found = violations(report);
    // The audit archive trails the table by its stream; it is part of every event's cost.
    await Promise.all(runtime.streams.map((stream) => stream.idle()));
    // Everything the cost model counts is taken here, before the warm probe adds to it.
    const archiveBytesAtEnd = runtime.emulators.firehose.bytesReceived();
    const capacityAtEnd = runtime.emulators.dynamodb.capacity();
    const writesAtEnd = runtime.emulators.dynamodb.writes();
    const readsAtEnd = runtime.emulators.dynamodb.reads();
    const dynamodbRequests = runtime.emulators.dynamodb.counters();
    const sqsRequests = runtime.emulators.sqs.counters();
    const secretsCalls = Object.values(runtime.emulators.secretsManager.counters()).reduce(
      (a, b) => a + b,
      0,
    );
    const logBytesAtEnd = logBytes;
    const logLinesAtEnd = logLines;
    const platformLogAtEnd = { ...platformLog };
    const accessLogAtEnd = { ...accessLog };
    const throttledAccessLogAtEnd = { ...throttledAccessLog };
    const apiRequests = ledger.requests.length;
    const sinkAttempts = sink.totalAttempts();
    const sinkEffects = sink.sideEffects().length;
    const passed =
      drained && Object.values(found).every((list) => list.length === 0) && report.sideEffects === expected;

    const latencies = sink
      .sideEffects()
      .map((d) => d.at - Date.parse(d.receivedAt))
      .sort((a, b) => a - b);
    const byStatus: Record<string, number> = {};
    for (const r of ledger.requests.slice(0, apiRequests))
      byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;

    // Warm probe: one event at a time, each processed before the next (see MeasuredUsage.warm).
    const before = runtime.lambda.counters();
    const recordsBefore = runtime.eventSources.reduce((sum, source) => sum + source.counters().records, 0);
    for (let seq = 1; seq <= WARM_PROBE_EVENTS; seq += 1) {
      const probe = delivery('cus_soak_probe', seq);
      await sendUntilAcked(() => probe);
      await waitFor(() => sink.sideEffects().some((d) => d.key === probe.items[0]?.key), 30_000, 10);
    }
    const after = runtime.lambda.counters();
    const probeDelta = (fragment: string) =>
      Object.keys(after)
        .filter((name) => name.includes(fragment))
        .reduce(
          (sum, name) => ({
            invocations: sum.invocations + (after[name]?.invocations ?? 0) - (before[name]?.invocations ?? 0),
            gbSeconds: sum.gbSeconds + (after[name]?.gbSeconds ?? 0) - (before[name]?.gbSeconds ?? 0),
          }),
          { invocations: 0, gbSeconds: 0 },
        );
    const probeVerifier = probeDelta('Verifier');
    const probeConsumer = probeDelta('Consumer');
    const probeRecords =
      runtime.eventSources.reduce((sum, source) => sum + source.counters().records, 0) - recordsBefore;

    const counters = before;
    const role = (fragment: string) =>
      Object.entries(counters)
        .filter(([name]) => name.includes(fragment))
        .reduce(
          (sum, [, c]) => ({
            invocations: sum.invocations + c.invocations,
            gbSeconds: sum.gbSeconds + c.gbSeconds,
          }),
          { invocations: 0, gbSeconds: 0 },
        );
    const capacity = capacityAtEnd;
    const consumerRecords = recordsBefore;
    const writeGroups = byItemKind(writesAtEnd, (w) => ({
      wru: w.tableWriteUnits + w.indexWriteUnits,
      bytes: Math.max(w.bytesBefore, w.bytesAfter),
    }));
    const readGroups = byItemKind(readsAtEnd, (r) => ({ rru: r.readUnits }));
    const usage: MeasuredUsage = {
      events: expected,
      // A request the stage or route throttle refuses (429) reaches no integration and is not billed.
      apiRequests: apiRequests - (byStatus['429'] ?? 0),
      lambda: { verifier: role('Verifier'), consumer: role('Consumer') },
      auditArchive: { ...role('AuditArchive'), firehoseBytes: archiveBytesAtEnd },
      consumerRecords,
      dynamodb: {
        wru: capacity.writeRequestUnits,
        rru: capacity.readRequestUnits,
        requests: dynamodbRequests,
      },
      // The event source mapping's own calls are SQS requests Lambda makes (and AWS bills) too.
      sqs: sqsRequests,
      secretsManagerCalls: secretsCalls,
      logBytes: logBytesAtEnd,
      platformLog: platformLogAtEnd,
      accessLog: accessLogAtEnd,
      throttledAccessLog: throttledAccessLogAtEnd,
      writes: writeGroups
        .sort((a, b) => b.wru - a.wru)
        .map((g) => ({
          table: g.table,
          action: g.action,
          keyShape: g.keyShape,
          count: g.count,
          wru: g.wru,
          meanBytes: g.bytes / g.count,
        })),
      reads: readGroups.sort((a, b) => b.rru - a.rru),
      warm: {
        verifierGbSecondsPerInvocation: probeVerifier.gbSeconds / Math.max(1, probeVerifier.invocations),
        consumerGbSecondsPerRecord: probeConsumer.gbSeconds / Math.max(1, probeRecords),
      },
    };
    return {
      options,
      report,
      passed,
      requests: { total: apiRequests, byStatus },
      sinkAttempts,
      failedSinkCalls: sinkAttempts - sinkEffects,
      wallMs,
      eventsPerSecond: expected / (wallMs / 1000),
      latency: {
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        maxMs: latencies.at(-1) ?? 0,
      },
      peakRssBytes: peakRss,
      payloadBytes: delivery(entities[0] ?? '', 1).bytes,
      ingestMs,
      cost: costModel(usage, logLinesAtEnd),
      lambda: counters,
    };
  } finally {
    clearInterval(sampler);
    await runtime.stop();
    await sink.stop();
  }
};

const machine = () => {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${process.platform}/${process.arch}`;
};

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Markdown lines of the `## Soak run` section. */
export const soakSection = (figures: SoakFigures): string[] => {
  const { options, report } = figures;
  const found = violations(report);
  const consumer = Object.entries(figures.lambda).find(([name]) => name.includes('Consumer'))?.[1];
  return [
    `Command: \`npm run soak\` (bench/soak.ts). Last run: ${new Date().toISOString()} on ${machine()}.`,
    '',
    `${options.events.toLocaleString('en')} Stripe-signed ~${figures.payloadBytes} B events over ${options.entities} entities, sent at`,
    `concurrency ${options.concurrency} (each entity's events in order, each acknowledged before the next);`,
    `${Math.round(options.duplicateShare * 100)}% delivered a second time; ${Math.round(options.sinkFailureShare * 100)}% of events see their first sink call fail (503).`,
    'The whole pipeline runs in this one process (emulators, API, verifier and consumer Lambdas in worker',
    'threads, the load generator and the sink), on the fault stack (`test/helpers/local-runtime.ts`).',
    options.unlimitedTargets
      ? 'Its sink target sends without the shared rate limit (`rateLimitPerSecond: false`).'
      : 'Its sink target keeps the default shared rate limit (50/s, one write per call).',
    '',
    '| figure | value |',
    '|---|---|',
    `| invariants | ${figures.passed ? '**all hold**' : '**VIOLATED**'}: lost ${found.lost.length}, duplicated ${found.duplicated.length}, order violations ${found.orderViolations.length}, unexpected ${found.unexpected.length} |`,
    `| events acknowledged / with one side effect | ${report.acknowledged} / ${report.sideEffects} |`,
    `| same downstream key delivered twice (receiver folds it) | ${report.redelivered.length} |`,
    `| HTTP requests sent (duplicates and retries included) | ${figures.requests.total} (${Object.entries(
      figures.requests.byStatus,
    )
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}) |`,
    `| sink calls / failed | ${figures.sinkAttempts} / ${figures.failedSinkCalls} |`,
    `| ingest: first send → last acknowledgement | ${(figures.ingestMs / 1000).toFixed(1)} s |`,
    `| throughput to PROCESSED (first send → last side effect) | **${figures.eventsPerSecond.toFixed(0)} events/s** (${(figures.wallMs / 1000).toFixed(1)} s) |`,
    `| latency received → sink, p50 / p99 / max | **${figures.latency.p50Ms} ms / ${figures.latency.p99Ms} ms** / ${figures.latency.maxMs} ms |`,
    `| peak RSS of the process (runtime + load generator) | **${mb(figures.peakRssBytes)}** |`,
    `| consumer invocations / records per invocation | ${consumer?.invocations ?? 0} / ${figures.cost.consumerBatchFill.toFixed(1)} |`,
  ];
};

/** Replaces (or appends) one `## heading` section of the report, keeping the others. */
export const upsertSection = (report: string, heading: string, body: readonly string[]) => {
  const section = [`## ${heading}`, '', ...body, ''].join('\n');
  const pattern = new RegExp(`## ${heading}\\n[\\s\\S]*?(?=\\n## |$)`);
  return pattern.test(report)
    ? report.replace(pattern, section.trimEnd() + '\n')
    : `${report.trimEnd()}\n\n${section}`;
};

const main = async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const options = {
    ...DEFAULT_SOAK,
    ...(process.env.SOAK_EVENTS ? { events: Number(process.env.SOAK_EVENTS) } : {}),
    unlimitedTargets: process.env.SOAK_UNLIMITED_TARGETS === 'true',
  };
  console.log(
    `soak: ${options.events} events over ${options.entities} entities, concurrency ${options.concurrency}…`,
  );
  const figures = await runSoak(options);
  const soak = soakSection(figures);
  const cost = costSection(figures.cost, {
    payloadBytes: figures.payloadBytes,
    duplicateShare: options.duplicateShare,
  });
  console.log([...soak, '', ...cost].join('\n'));
  // Only the default run is the report's: a smaller or varied one is printed for comparison.
  if (options.events === DEFAULT_SOAK.events && !options.unlimitedTargets) {
    let report = readFileSync(REPORT, 'utf8');
    report = upsertSection(report, 'Soak run', soak);
    report = upsertSection(report, 'Cost model', cost);
    writeFileSync(REPORT, report.trimEnd() + '\n');
    console.log(`wrote ${REPORT}`);
  }
  if (!figures.passed) {
    console.error('invariants violated:', JSON.stringify(violations(figures.report), null, 2));
    process.exitCode = 1;
  }
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
