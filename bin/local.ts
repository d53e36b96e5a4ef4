import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { secretVariableFor } from '../local/dev-secrets';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';

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

const describe = (runtime: LocalRuntime) => {
  const lines = [
    '',
    `RelayFlow is running locally (stack ${runtime.stackName}, ready ${runtime.startupMs} ms after synthesis).`,
    '',
    'Webhook URLs:',
    ...Object.entries(runtime.webhookUrls).map(([provider, url]) => `  ${provider.padEnd(18)} ${url}`),
    '',
    'Signing secrets in use:',
    ...runtime.secrets.map(
      (s) =>
        `  ${`${s.provider}${s.tenant ? `/${s.tenant}` : ''}`.padEnd(18)} ${s.value.signingSecrets.join(', ')}  (${
          s.source === 'generated' ? `generated; set ${secretVariableFor(s.provider)} to choose` : 'from the environment'
        })`,
    ),
    '',
    'Emulated AWS endpoints:',
    ...Object.entries(runtime.endpoints).map(([service, url]) => `  ${service.padEnd(18)} ${url}`),
    '',
    `Endpoints and names: ${STATE_FILE}`,
    'Send a signed test event:  npm run send -- stripe',
    'Stop with Ctrl+C.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
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
  describe(runtime);
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
