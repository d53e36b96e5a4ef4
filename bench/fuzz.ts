/**
 * The long hostile-input soak (`npm run fuzz`): the same harness as test/functions/hostile, with
 * many more runs. Prints, per verifier, the answers given and what rejected requests cost, then
 * a 10,000-request flood of bad signatures per verifier and one to random tenant paths.
 * Usage: tsx bench/fuzz.ts [runs per verifier, default 2000] [flood size, default 10000]
 * Exits 1 when an invariant broke (a 5xx for a client fault, a crash, a write for a rejection).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'RelayFlowFuzz';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const main = async () => {
  const fc = (await import('fast-check')).default;
  const hostile = await import('../test/helpers/hostile');
  const runs = Number(process.argv[2] ?? 2000);
  const floodSize = Number(process.argv[3] ?? 10_000);
  const targets = hostile.buildTargets();
  hostile.resetMocks(targets);
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => unhandled.push(reason));
  let broken = 0;

  console.log(`hostile soak: ${runs} runs per verifier, flood of ${floodSize}`);
  console.log('verifier            requests  2xx  401  404  405  413  5xx  rejected-writes  crashes  ms');
  for (const target of targets) {
    const counts = {
      requests: 0,
      ok: 0,
      401: 0,
      404: 0,
      405: 0,
      413: 0,
      server: 0,
      rejectedWrites: 0,
      crashes: 0,
    };
    const serverKinds = new Map<string, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(hostile.hostileEvents(target), async ({ kind, event }) => {
        hostile.resetHistory();
        counts.requests += 1;
        let status: number;
        try {
          status = (
            (await hostile.withOutput(
              () => undefined,
              () => target.handler(event),
            )) as { statusCode: number }
          ).statusCode;
        } catch {
          counts.crashes += 1;
          return;
        }
        if (status >= 500) {
          counts.server += 1;
          serverKinds.set(kind, (serverKinds.get(kind) ?? 0) + 1);
        } else if (status < 300) counts.ok += 1;
        else if (status in counts) counts[status as 401 | 404 | 405 | 413] += 1;
        if (hostile.REJECTED_STATUSES.has(status)) {
          const w = hostile.writeCounts();
          if (w.puts + w.otherUpdates + w.sends + w.objects > 0 || w.rejectionUpdates > 1)
            counts.rejectedWrites += 1;
        }
      }),
      { numRuns: runs },
    );
    const ms = Math.round(performance.now() - started);
    console.log(
      `${target.id.padEnd(20)}${String(counts.requests).padStart(8)}${String(counts.ok).padStart(5)}${String(counts[401]).padStart(5)}${String(counts[404]).padStart(5)}${String(counts[405]).padStart(5)}${String(counts[413]).padStart(5)}${String(counts.server).padStart(5)}${String(counts.rejectedWrites).padStart(17)}${String(counts.crashes).padStart(9)}${String(ms).padStart(6)}`,
    );
    for (const [kind, n] of serverKinds) console.log(`    5xx from "${kind}": ${n}`);
    broken += counts.server + counts.rejectedWrites + counts.crashes;
  }

  console.log('\nflood of bad signatures (real clock)');
  console.log('verifier            requests  event-writes  counter-updates  secret-reads  tenant-dims  ms');
  const line = (id: string, r: Awaited<ReturnType<typeof hostile.flood>>) =>
    console.log(
      `${id.padEnd(20)}${String(r.requests).padStart(8)}${String(r.writes.puts + r.writes.otherUpdates + r.writes.sends + r.writes.objects).padStart(14)}${String(r.writes.rejectionUpdates).padStart(17)}${String(r.writes.secretReads).padStart(14)}${String(r.tenantDimensions).padStart(13)}${String(r.elapsedMs).padStart(6)}`,
    );
  for (const target of targets) {
    const request = hostile.aBadlySignedRequest(target);
    const report = await hostile.flood(target, floodSize, () => hostile.anEvent(request));
    line(target.id, report);
    broken += report.writes.puts + report.writes.otherUpdates + report.writes.sends + report.writes.objects;
  }
  const stripe = targets.find((t) => t.id === 'stripe');
  if (stripe) {
    const request = hostile.aBadlySignedRequest(stripe);
    const report = await hostile.flood(stripe, floodSize, (i) =>
      hostile.anEvent(request, { tenant: `t${i}` }),
    );
    line('stripe, random tenants', report);
    console.log(
      '    (known bug: one metric dimension value per unknown tenant; counter items per tenant at the next flush)',
    );
  }

  if (Object.getOwnPropertyNames(Object.prototype).join() !== prototypeKeys) {
    console.log('Object.prototype was changed');
    broken += 1;
  }
  if (unhandled.length > 0) console.log(`${unhandled.length} unhandled rejections`);
  broken += unhandled.length;
  console.log(broken === 0 ? '\nall invariants held' : `\n${broken} invariant breaks (see above)`);
  process.exitCode = broken === 0 ? 0 : 1;
};

void main();
