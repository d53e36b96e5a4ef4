import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  checkConfigFile,
  formatConfigProblems,
  LOCAL_DEMO_TARGET_CONTEXT,
  needsLocalDemoRoute,
} from '../lib/config';
import { startDemoTarget } from '../local/demo-target';
import { forgetAssembly, recordAssembly, reusableAssembly, synthInputsDigest } from '../local/start/digest';
import { assertPortFree, portFrom } from '../local/start/port';
import { startSynthesis } from '../local/start/synth';

const ROOT = resolve(__dirname, '..');
const ASSEMBLY_DIR = resolve(ROOT, 'cdk.out');
const STATE_FILE = resolve(ROOT, '.relayflow', 'local.json');

/**
 * SIGINT is Ctrl+C (to the whole process group) or npm relaying it; SIGTERM is kill, CI and
 * process managers; SIGHUP is a closed terminal. Each stops the runtime cleanly.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A stop that hangs (a stuck worker) must not keep the port held until someone finds the pid. */
const STOP_DEADLINE_MS = 10_000;

const ago = (since: Date) => {
  const minutes = Math.round((Date.now() - since.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
};

/** Synthesizes into cdk.out unless it already holds what the current sources synthesize to. */
const prepareAssembly = async (synthArgs: readonly string[], stopRequest: AbortSignal) => {
  const digest = synthInputsDigest({ root: ROOT, env: process.env, synthArgs });
  const reusable = reusableAssembly(ASSEMBLY_DIR, digest);
  if (reusable) {
    process.stdout.write(
      `Stack unchanged since the last start; reusing cdk.out (synthesized ${ago(reusable.synthesizedAt)}, inputs ${digest.slice(0, 12)}).\n`,
    );
    return;
  }
  if (stopRequest.aborted) return;
  const started = Date.now();
  process.stdout.write('Synthesizing the stack and building the Lambda bundles (up to half a minute)… ');
  forgetAssembly(ASSEMBLY_DIR);
  const synthesis = startSynthesis(ROOT, synthArgs);
  stopRequest.addEventListener('abort', () => synthesis.stop(), { once: true });
  try {
    await synthesis.done;
  } catch (error) {
    if (stopRequest.aborted) return;
    process.stdout.write('failed.\n');
    throw error;
  }
  recordAssembly(ASSEMBLY_DIR, digest);
  process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
};

const run = async (stopRequest: AbortSignal) => {
  // Bundles target Node.js 22 on Lambda; the SDK's warning about the local Node.js is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const port = portFrom(process.env.PORT);
  // Before synthesis, which takes half a minute: a busy port is known in milliseconds.
  await assertPortFree(port);
  const check = checkConfigFile();
  if (!check.ok) throw new Error(formatConfigProblems(check.source, check.problems));
  // Without a route that takes every event, most events would show nothing after the happy path:
  // the rest go to the demo target, one port above the API (stable, so the digest holds).
  const demoPort = needsLocalDemoRoute(check.config)
    ? portFrom(process.env.DEMO_PORT ?? String(port + 1))
    : 0;
  if (demoPort) await assertPortFree(demoPort, 'DEMO_PORT');
  const demoUrl = `http://127.0.0.1:${demoPort}`;
  const synthArgs = [
    'synth',
    '-q',
    ...(demoPort ? ['-c', `${LOCAL_DEMO_TARGET_CONTEXT}=${demoUrl}/deliveries`] : []),
  ];
  await prepareAssembly(synthArgs, stopRequest);
  if (stopRequest.aborted) return;
  const demo = demoPort
    ? await startDemoTarget({ port: demoPort, log: (line) => process.stdout.write(`${line}\n`) }).catch(
        async (error: NodeJS.ErrnoException) => {
          // Taken while synthesizing.
          if (error.code === 'EADDRINUSE') await assertPortFree(demoPort, 'DEMO_PORT');
          throw error;
        },
      )
    : undefined;
  // Loaded only now: its emulators and SDK clients take a second to load, which a busy port or a
  // synthesis need not wait for.
  const { startLocalRuntime } = await import('../local/runtime');
  const { SHOW_SECRETS_FLAG, startupSummary } = await import('../local/startup-summary');
  const runtime = await startLocalRuntime({ assemblyDir: ASSEMBLY_DIR, port, stateFile: STATE_FILE }).catch(
    async (error: NodeJS.ErrnoException) => {
      // Taken while synthesizing.
      if (error.code === 'EADDRINUSE') await assertPortFree(port);
      throw error;
    },
  );
  try {
    if (stopRequest.aborted) return;
    process.stdout.write(
      startupSummary(runtime, {
        stateFile: STATE_FILE,
        showSecrets: process.argv.includes(SHOW_SECRETS_FLAG),
      }),
    );
    if (demo) {
      process.stdout.write(
        [
          `Demo target: ${demo.endpoint} (no route of the configuration takes every event: what none takes is delivered here)`,
          `  curl -X PUT ${demoUrl}/outage     starts an outage: deliveries answer 503 until`,
          `  curl -X DELETE ${demoUrl}/outage  ends it; curl ${demoUrl}/ lists what arrived`,
          '',
        ].join('\n'),
      );
    }
    await once(stopRequest, 'abort');
  } finally {
    await runtime.stop();
    await demo?.stop();
    rmSync(STATE_FILE, { force: true });
  }
};

const controller = new AbortController();
const requestStop = (reason: string) => {
  // Ctrl+C reaches this process twice, from the terminal and relayed by npm.
  if (controller.signal.aborted) return;
  controller.abort();
  setTimeout(() => {
    process.stderr.write(`relayflow: not stopped after ${STOP_DEADLINE_MS / 1000} s; exiting anyway.\n`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  process.stdout.write(`\n${reason}: stopping…\n`);
};
for (const signal of STOP_SIGNALS) process.on(signal, () => requestStop(signal));
// Writing fails once the terminal is closed (EIO) or a pipe's reader is gone (EPIPE). Unhandled,
// that error would end the process before the stop, leaving the state file behind.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => requestStop('output closed'));

run(controller.signal).then(
  // A requested stop that completed is a success: scripts and process managers that stop the
  // runtime with a signal should not see it as a failure.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`relayflow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
