import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { LogEntry } from '../../local/lambda';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';

const ROOT = resolve(__dirname, '..', '..');
const DIR = join(ROOT, '.relayflow', 'e2e');
const ASSEMBLY = join(DIR, 'cdk.out');
const META = join(DIR, 'meta.json');
const LOCK = join(DIR, 'lock');

/** Deterministic signing secrets of the end-to-end stack. */
export const E2E_SECRETS = {
  stripe: 'whsec_e2e_stripe_secret',
  github: 'e2e-github-secret',
  'standard-webhooks': `whsec_${Buffer.from('e2e-standard-webhooks-secret-32b').toString('base64')}`,
} as const;

export interface E2eAssembly {
  readonly assemblyDir: string;
  /** Port of the HTTP sink the stack's routes deliver to (the test serves it). */
  readonly sinkPort: number;
}

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** The configuration the end-to-end stack is synthesized from: a few providers, routes to a test sink. */
const e2eConfig = (sinkPort: number) => ({
  stackName: 'RelayFlowE2E',
  stage: 'dev',
  providers: { stripe: {}, github: {}, 'standard-webhooks': { entity: { kind: 'user', path: 'data.user_id' } } },
  retry: { maxAttempts: 3, backoffBaseSeconds: 1, backoffMaxSeconds: 2 },
  routes: [
    {
      match: { provider: 'standard-webhooks', type: '*' },
      onStale: 'skip',
      targets: [{ kind: 'http', id: 'stale-sink', url: `http://127.0.0.1:${sinkPort}/stale` }],
    },
    {
      match: { provider: 'github', type: '*' },
      targets: [
        { kind: 'http', id: 'first', url: `http://127.0.0.1:${sinkPort}/first` },
        { kind: 'http', id: 'second', url: `http://127.0.0.1:${sinkPort}/second` },
      ],
    },
    { match: { type: '*' }, targets: [{ kind: 'http', id: 'sink', url: `http://127.0.0.1:${sinkPort}/sink` }] },
  ],
});

/** Digest of everything the assembly is built from, so a stale one is rebuilt. */
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
  hash.update(readFileSync(join(ROOT, 'package-lock.json'))).update(readFileSync(__filename));
  return hash.digest('hex');
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Synthesizes the end-to-end stack once (bundling every function with esbuild) and reuses it
 * across test files and runs while its sources are unchanged. Test files run in parallel
 * workers: one synthesizes under a lock file, the others wait for it.
 */
export const e2eAssembly = async (): Promise<E2eAssembly> => {
  mkdirSync(DIR, { recursive: true });
  const digest = sourceDigest();
  for (;;) {
    if (existsSync(META)) {
      const meta = JSON.parse(readFileSync(META, 'utf8')) as E2eAssembly & { digest: string };
      if (meta.digest === digest && existsSync(join(ASSEMBLY, 'manifest.json'))) return meta;
    }
    let lock: number;
    try {
      lock = openSync(LOCK, 'wx');
    } catch {
      await sleep(500);
      continue;
    }
    try {
      const sinkPort = await freePort();
      const configFile = join(DIR, 'relayflow.e2e.json');
      writeFileSync(configFile, JSON.stringify(e2eConfig(sinkPort), null, 2));
      rmSync(ASSEMBLY, { recursive: true, force: true });
      const result = spawnSync('npx', ['cdk', 'synth', '-q', '-o', ASSEMBLY], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, RELAYFLOW_CONFIG: configFile },
      });
      if (result.status !== 0) throw new Error(`e2e synth failed:\n${result.stdout}\n${result.stderr}`);
      const meta = { assemblyDir: ASSEMBLY, sinkPort, digest };
      writeFileSync(META, JSON.stringify(meta));
      return meta;
    } finally {
      closeSync(lock);
      rmSync(LOCK, { force: true });
    }
  }
};

export interface RunningE2e {
  readonly runtime: LocalRuntime;
  readonly sinkPort: number;
  readonly logs: LogEntry[];
}

/** Starts the runtime on free ports with the deterministic secrets; collects function logs. */
export const startE2eRuntime = async (overrides: Partial<LocalRuntimeOptions> = {}): Promise<RunningE2e> => {
  const { assemblyDir, sinkPort } = await e2eAssembly();
  const logs: LogEntry[] = [];
  const runtime = await startLocalRuntime({
    assemblyDir,
    port: 0,
    env: {
      RELAYFLOW_SECRET_STRIPE: E2E_SECRETS.stripe,
      RELAYFLOW_SECRET_GITHUB: E2E_SECRETS.github,
      RELAYFLOW_SECRET_STANDARD_WEBHOOKS: E2E_SECRETS['standard-webhooks'],
    },
    logSink: (entry) => logs.push(entry),
    ...overrides,
  });
  return { runtime, sinkPort, logs };
};
