import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalRuntime } from '../local/runtime';
import { SHOW_SECRETS_FLAG, startupSummary } from '../local/startup-summary';

const ROOT = resolve(__dirname, '..');
const STATE_FILE = resolve(ROOT, '.relayflow', 'local.json');

const synthesize = () => {
  const started = Date.now();
  process.stdout.write('Synthesizing the stack and building the Lambda bundles… ');
  const result = spawnSync('npx', ['cdk', 'synth', '-q'], { cwd: ROOT, encoding: 'utf8', env: process.env });
  if (result.status !== 0) {
    process.stdout.write('failed.\n');
    process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
    throw new Error('cdk synth failed (output above)');
  }
  process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
};

const main = async () => {
  // Bundles target Node.js 22 on Lambda; the SDK's warning about the local Node.js is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  synthesize();
  const runtime = await startLocalRuntime({
    assemblyDir: resolve(ROOT, 'cdk.out'),
    port: Number(process.env.PORT ?? 3000),
    stateFile: STATE_FILE,
  });
  process.stdout.write(
    startupSummary(runtime, { stateFile: STATE_FILE, showSecrets: process.argv.includes(SHOW_SECRETS_FLAG) }),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    runtime
      .stop()
      .then(() => rmSync(STATE_FILE, { force: true }))
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
};

main().catch((error: unknown) => {
  process.stderr.write(`relayflow: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
