import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readAssembly } from '../local/template';
import { batchIngestSection, measureBatchIngest, type BatchIngestFigures } from './batch-ingest';
import { initRatio, INIT_RUNS, measureBundles, measureReferenceBundle, type BundleFigures } from './bundles';
import { consoleSection, measureConsole, type ConsoleFigures } from './console';
import {
  consumerThroughputSection,
  measureConsumerThroughput,
  type ConsumerThroughputFigures,
} from './consumer-throughput';
import { fairnessSection, measureFairness, type FairnessFigures } from './fairness';
import { floodSection, measureFlood } from './flood';
import { measurePayloadItems, payloadItemsSection } from './payload-items';
import { measureReplay, type ReplayFigures } from './replay';
import { measureRuntime } from './runtime';
import { measureSharedLimit, sharedLimitSection } from './shared-limit';
import { measureVerifiers, verifierSection } from './verifiers';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const REPORT = join(ROOT, 'docs', 'benchmarks.md');

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

const machine = () => {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${process.platform}/${process.arch}`;
};

const bundleTable = (bundles: readonly BundleFigures[], reference: BundleFigures) => [
  `| function | bundle | init CPU (median of ${INIT_RUNS}) | init wall | CPU added to reference | largest contributors |`,
  '|---|---|---|---|---|---|',
  ...[reference, ...bundles].map((b) => {
    const added = b === reference ? '—' : `${((initRatio(b, reference) - 1) * 100).toFixed(0)}%`;
    const largest = b.largest.map((l) => `${l.name} ${kb(l.bytes)}`).join(', ');
    const beside = b.besideBytes > 0 ? ` (+ ${kb(b.besideBytes)} beside it)` : '';
    return `| ${b.name} | ${kb(b.bytes)}${beside} | ${ms(b.initCpuMs)} | ${ms(b.initMs)} | ${added} | ${largest} |`;
  }),
];

/** Replaces (or appends) one `## heading` section of the report, keeping the others. */
const upsertSection = (report: string, heading: string, body: string[]) => {
  const section = [`## ${heading}`, '', ...body, ''].join('\n');
  const pattern = new RegExp(`## ${heading}\\n[\\s\\S]*?(?=\\n## |$)`);
  return pattern.test(report)
    ? report.replace(pattern, section.trimEnd() + '\n')
    : `${report.trimEnd()}\n\n${section}`;
};

const main = async () => {
  const assemblyDir = join(OUT, 'cdk.out');
  console.log('synthesizing (bundles every function)…');
  const synthStarted = Date.now();
  execFileSync('npx', ['cdk', 'synth', '-q', '-o', assemblyDir], { cwd: ROOT, stdio: 'inherit' });
  const synthMs = Date.now() - synthStarted;
  const stack = readAssembly(assemblyDir);

  console.log('measuring bundles and init times…');
  const reference = await measureReferenceBundle(OUT);
  const bundles = measureBundles(stack, reference);
  console.log('measuring verifier CPU time…');
  const verifiers = await measureVerifiers();
  console.log('measuring the local runtime…');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const runtime = await measureRuntime(assemblyDir);
  console.log('measuring replay throughput…');
  let replay: ReplayFigures[] | Error;
  try {
    replay = await measureReplay(assemblyDir);
  } catch (error) {
    replay = error instanceof Error ? error : new Error(String(error));
  }
  console.log('measuring batch ingest (a 10,000-element SendGrid batch)…');
  let batchIngest: BatchIngestFigures | Error;
  try {
    batchIngest = await measureBatchIngest(assemblyDir);
  } catch (error) {
    batchIngest = error instanceof Error ? error : new Error(String(error));
  }
  console.log('measuring flood isolation…');
  const flood = await measureFlood(assemblyDir);
  console.log('measuring consumer throughput by message groups and maxConcurrency…');
  let consumerThroughput: ConsumerThroughputFigures | Error;
  try {
    consumerThroughput = await measureConsumerThroughput(assemblyDir);
  } catch (error) {
    consumerThroughput = error instanceof Error ? error : new Error(String(error));
  }
  console.log('measuring fairness between tenants under a quota…');
  let fairness: FairnessFigures | Error;
  try {
    fairness = await measureFairness(assemblyDir);
  } catch (error) {
    fairness = error instanceof Error ? error : new Error(String(error));
  }
  console.log('measuring payload items of the provider fixtures…');
  const payloadItems = await measurePayloadItems();
  console.log("measuring a target's shared rate limit (writes per call)…");
  const sharedLimit = await measureSharedLimit();
  console.log('measuring the operator console (bundle size, first paint in headless Chromium)…');
  let consoleFigures: ConsoleFigures | Error;
  try {
    consoleFigures = await measureConsole();
  } catch (error) {
    consoleFigures = error instanceof Error ? error : new Error(String(error));
  }
  console.log('measuring the SQS emulator…');
  const sqsBench = execFileSync('npx', ['tsx', 'bench/sqs-emulator.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });

  let report: string;
  try {
    report = readFileSync(REPORT, 'utf8');
  } catch {
    report =
      '# Benchmarks\n\nProduced by `npm run bench` (bench/run.ts); every figure is measured, none is typed in.\n';
  }
  report = upsertSection(report, 'Machine', [
    `Last run: ${new Date().toISOString()} on ${machine()}.`,
    '',
    'Command: `npm run bench`. Bundles are the ones `cdk synth` stages for deployment (ESM, minified, arm64 target',
    'node22), measured here on the local architecture.',
  ]);
  report = upsertSection(report, 'Bundles and cold start', [
    `Synthesis with bundling took ${(synthMs / 1000).toFixed(1)} s.`,
    '',
    'Init is the median cost of `import()`ing the bundle in a fresh Node.js process with the',
    "function's environment (clients are created, nothing is called), as CPU time (steady on a busy",
    'machine) and wall time. The reference bundle imports only the same AWS SDK clients, built with the',
    'same options; "added" is what our code adds to its CPU time, against the reference\'s own runs',
    "alternated with the function's (so that the machine's drift slows both alike). Goal: ≤ 20%.",
    "What a function rarely needs (the Tracer, the S3 and SES clients, jsonata, the source map's reader) is a",
    'module beside its bundle, read only by an invocation that needs it (decision 0064): their size is given',
    "beside the bundle's, and they are not part of init.",
    '',
    ...bundleTable(bundles, reference),
  ]);
  report = upsertSection(report, 'Verify and normalize CPU time', verifierSection(verifiers));
  report = upsertSection(report, 'Local runtime', [
    `Start-up (template read, emulators started, tables/queues/secrets/functions/routes created), after synthesis:`,
    `median ${ms(runtime.startupMs)} of ${runtime.startups.map(ms).join(', ')}. Function cold starts happen on first use.`,
    '',
    `Ingest through the local runtime: ${runtime.ingest.requests} Stripe-signed ~2 KB requests at concurrency ${runtime.ingest.concurrency}`,
    `(the consumers run at the same time): p50 ${ms(runtime.ingest.p50Ms)}, p99 ${ms(runtime.ingest.p99Ms)},`,
    `${runtime.ingest.perSecond.toFixed(0)} events/s accepted; ${runtime.ingest.throttled} answers were 429 from the route's default throttle`,
    `(50/s, burst 100) and were sent again 100 ms later. Everything (emulators, verifiers, consumer) shares this machine's cores.`,
    '',
    `Consumer, same run (the default configuration has no routes, so each record is unrouted: claim-check parse, store`,
    `reads, Powertools idempotency, the PROCESSED write): ${runtime.consumer.records} records in ${runtime.consumer.invocations} invocations,`,
    `${runtime.consumer.billedMsPerRecord.toFixed(1)} ms billed Lambda time per record (init included, as billed).`,
    '',
    `DynamoDB per event, ingest + consumer, as the emulator bills on-demand capacity (index writes included):`,
    `${runtime.dynamodb.wruPerEvent.toFixed(2)} WRU, ${runtime.dynamodb.rruPerEvent.toFixed(2)} RRU; requests per event: ${Object.entries(
      runtime.dynamodb.requestsPerEvent,
    )
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')}.`,
  ]);
  report = upsertSection(report, 'Replay throughput', [
    'Ingests 300 Stripe events, lets the consumer process them, then force-replays them from the store through the',
    'replay state machine (local Step Functions interpreter, real-time waits) at the default rate and at the maximum;',
    'timed from StartExecution to the end of the execution.',
    '',
    ...(replay instanceof Error
      ? [`This run did not complete: ${replay.message}.`]
      : [
          '| rate asked | events | seconds | events/s | batches | skipped | failed |',
          '|---|---|---|---|---|---|---|',
          ...replay.map(
            (r) =>
              `| ${r.ratePerSecond}/s | ${r.events} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.batches} | ${JSON.stringify(r.skipped)} | ${r.failed} |`,
          ),
        ]),
  ]);
  report = upsertSection(
    report,
    'Batch ingest',
    batchIngest instanceof Error
      ? [`This run did not complete: ${batchIngest.message}.`]
      : batchIngestSection(batchIngest),
  );
  report = upsertSection(report, 'Flood isolation', floodSection(flood));
  report = upsertSection(report, 'Payload items', payloadItemsSection(payloadItems));
  report = upsertSection(report, 'Shared rate limit', sharedLimitSection(sharedLimit));
  report = upsertSection(
    report,
    'Consumer throughput',
    consumerThroughput instanceof Error
      ? [`This run did not complete: ${consumerThroughput.message}.`]
      : consumerThroughputSection(consumerThroughput),
  );
  report = upsertSection(
    report,
    'Fairness',
    fairness instanceof Error
      ? [`This run did not complete: ${fairness.message}.`]
      : fairnessSection(fairness),
  );
  report = upsertSection(
    report,
    'Operator console',
    consoleFigures instanceof Error
      ? [`This run did not complete: ${consoleFigures.message}.`]
      : consoleSection(consoleFigures),
  );
  report = upsertSection(report, 'SQS emulator throughput', [
    'Command: `npx tsx bench/sqs-emulator.ts` (run by `npm run bench`). Through the real SDK over loopback HTTP:',
    '',
    '```',
    ...sqsBench.trim().split('\n'),
    '```',
  ]);
  writeFileSync(REPORT, report.trimEnd() + '\n');
  console.log(`wrote ${REPORT}`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
