import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Stripe from 'stripe';
import type { LogEntry } from '../../local/lambda';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';

const ROOT = resolve(__dirname, '..', '..');
const DIR = join(ROOT, '.relayflow', 'e2e');

/** Deterministic signing secrets of the end-to-end stack. */
export const E2E_SECRETS = {
  stripe: 'whsec_e2e_stripe_secret',
  github: 'e2e-github-secret',
  'standard-webhooks': `whsec_${Buffer.from('e2e-standard-webhooks-secret-32b').toString('base64')}`,
} as const;

/**
 * The lowest port the OS hands out for `listen(0)` and outgoing connections. Ports below it are
 * never taken by another test's server or client unless it asks for them by number.
 */
const ephemeralLow = (): number => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 49152;
  } catch {
    return 49152;
  }
};

const canListen = (port: number) =>
  new Promise<boolean>((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });

/** Each Jest worker picks from its own slice, so two workers never hand out the same port. */
const PORT_SLICES = 16;
const portSlice = (() => {
  const first = 20000;
  const size = Math.floor((ephemeralLow() - first) / PORT_SLICES);
  const worker = Number(process.env.JEST_WORKER_ID ?? 1);
  return { start: first + ((worker - 1) % PORT_SLICES) * size, size };
})();
let portCursor = Math.floor(Math.random() * Math.max(portSlice.size, 1));

/**
 * A port nothing listens on now, for a server a test starts next (possibly minutes later, as a
 * synthesized demo port is). It lies below the OS's ephemeral range: a port `listen(0)` chose
 * could be handed to another worker's server, or to an outgoing connection, before this test
 * binds it.
 */
export const freePort = async (): Promise<number> => {
  for (let tried = 0; portSlice.size > 0 && tried < portSlice.size; tried++) {
    const port = portSlice.start + (portCursor++ % portSlice.size);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${portSlice.start}-${portSlice.start + portSlice.size - 1}`);
};

/**
 * The port the stacks' routes name at synth time. Each run rewrites it to the port of its own
 * sink, so that test files (and the soak run) can run side by side from one synthesized assembly.
 */
const SINK_PORT_PLACEHOLDER = 1;

/** New Year's midnight: a schedule that exists but does not tick while a test runs. */
const YEARLY = 'cron(0 0 1 1 ? *)';

/** The configuration the end-to-end stack is synthesized from: a few providers, routes to a test sink. */
const e2eConfig = () => ({
  stackName: 'RelayFlowE2E',
  stage: 'dev',
  providers: {
    stripe: {},
    github: {},
    'standard-webhooks': { entity: { kind: 'user', path: 'data.user_id' } },
    // Where the channel fakes post their receipts (test/e2e/channels.test.ts).
    postmark: {},
    twilio: {},
  },
  channels: { postmark: {}, twilio: {}, fcm: {} },
  retry: { maxAttempts: 3, backoffBaseSeconds: 1, backoffMaxSeconds: 2 },
  // test/e2e/reconciliation.test.ts runs these itself (`relayflow reconcile run`): a yearly cron
  // never ticks during a test (a rate would tick at creation). Twilio reads with the channel's secret.
  reconciliation: {
    stripe: { every: YEARLY, lookback: '1 day', entities: ['subscription'] },
    github: { every: YEARLY, lookback: '1 day', options: { repository: 'relayflow/local', hookId: 1 } },
    twilio: { every: YEARLY, lookback: '1 day' },
  },
  receiptDeadlines: { sms: '5 minutes' },
  // Domain events from a bus of the account (test/e2e/producer.test.ts); they reach the sink below.
  eventSources: [
    { bus: 'orders', pattern: { source: ['com.example.shop'] }, entity: { kind: 'order', path: 'orderId' } },
  ],
  routes: [
    {
      match: { provider: 'standard-webhooks', type: '*' },
      onStale: 'skip',
      targets: [{ kind: 'http', id: 'stale-sink', url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/stale` }],
    },
    {
      // The dunning saga (test/e2e/workflows.test.ts); what it emits goes to the sink below.
      match: { provider: 'stripe', type: 'invoice.payment_failed' },
      targets: [{ kind: 'workflow', name: 'dunning' }],
    },
    {
      match: { provider: 'github', type: '*' },
      targets: [
        { kind: 'http', id: 'first', url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/first` },
        { kind: 'http', id: 'second', url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/second` },
      ],
    },
    // Domain events `notify.<channel>` become messages (test/e2e/channels.test.ts).
    {
      match: { provider: 'internal', type: 'notify.email' },
      targets: [
        {
          kind: 'message',
          id: 'email',
          channel: 'email',
          via: 'postmark',
          to: '{{data.to}}',
          content: { subject: 'Hello {{entity.id}}', text: 'A message for {{data.to}}' },
        },
      ],
    },
    ...(['sms', 'whatsapp'] as const).map((channel) => ({
      match: { provider: 'internal', type: `notify.${channel}` },
      targets: [
        {
          kind: 'message',
          id: channel,
          channel,
          via: 'twilio',
          to: '{{data.to}}',
          content: { body: 'A message for {{entity.id}}' },
        },
      ],
    })),
    {
      match: { provider: 'internal', type: 'notify.push' },
      targets: [
        {
          kind: 'message',
          id: 'push',
          channel: 'push',
          via: 'fcm',
          to: '{{data.to}}',
          content: { title: 'Hello {{entity.id}}', body: 'A message for you' },
        },
      ],
    },
    {
      match: { type: '*' },
      targets: [{ kind: 'http', id: 'sink', url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/sink` }],
    },
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
 * Synthesizes a stack from `config` into `dir` once (bundling every function with esbuild) and
 * reuses it across test files and runs while its sources are unchanged. Test files run in
 * parallel workers: one synthesizes under a lock file, the others wait for it.
 */
const synthesizeOnce = async <Extra extends object>(
  dir: string,
  build: () => Promise<{ config: object; extra: Extra }>,
) => {
  const assembly = join(dir, 'cdk.out');
  const metaFile = join(dir, 'meta.json');
  const lockFile = join(dir, 'lock');
  mkdirSync(dir, { recursive: true });
  const digest = sourceDigest();
  for (;;) {
    if (existsSync(metaFile)) {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Extra & {
        assemblyDir: string;
        digest: string;
      };
      if (meta.digest === digest && existsSync(join(assembly, 'manifest.json'))) return meta;
    }
    let lock: number;
    try {
      lock = openSync(lockFile, 'wx');
    } catch {
      await sleep(500);
      continue;
    }
    try {
      const { config, extra } = await build();
      const configFile = join(dir, 'relayflow.config.json');
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      rmSync(assembly, { recursive: true, force: true });
      const result = spawnSync('npx', ['cdk', 'synth', '-q', '-o', assembly], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, RELAYFLOW_CONFIG: configFile },
      });
      if (result.status !== 0) throw new Error(`synth of ${dir} failed:\n${result.stdout}\n${result.stderr}`);
      const meta = { ...extra, assemblyDir: assembly, digest };
      writeFileSync(metaFile, JSON.stringify(meta));
      return meta;
    } finally {
      closeSync(lock);
      rmSync(lockFile, { force: true });
    }
  }
};

/** Synthesizes the end-to-end stack once (in `.relayflow/e2e`) and reuses it while its sources are unchanged. */
export const e2eAssembly = async (): Promise<{ readonly assemblyDir: string }> => {
  const meta = await synthesizeOnce(DIR, () => Promise.resolve({ config: e2eConfig(), extra: {} }));
  return { assemblyDir: meta.assemblyDir };
};

export interface RunningE2e {
  readonly runtime: LocalRuntime;
  readonly sinkPort: number;
  readonly logs: LogEntry[];
  /** The API stage's access log lines, in its format. */
  readonly accessLogs: string[];
}

/**
 * Starts the end-to-end stack on free ports with the deterministic secrets, its routes pointed at
 * a free port for the test's sink (see {@link RunningE2e.sinkPort}); collects function and access logs.
 */
export const startE2eRuntime = async (overrides: Partial<LocalRuntimeOptions> = {}): Promise<RunningE2e> => {
  const { assemblyDir } = await e2eAssembly();
  const sinkPort = await freePort();
  const logs: LogEntry[] = [];
  const accessLogs: string[] = [];
  const runtime = await startForSink(assemblyDir, sinkPort, {
    env: {
      RELAYFLOW_SECRET_STRIPE: E2E_SECRETS.stripe,
      RELAYFLOW_SECRET_GITHUB: E2E_SECRETS.github,
      RELAYFLOW_SECRET_STANDARD_WEBHOOKS: E2E_SECRETS['standard-webhooks'],
    },
    logSink: (entry) => logs.push(entry),
    accessLog: (line) => accessLogs.push(line),
    ...overrides,
  });
  return { runtime, sinkPort, logs, accessLogs };
};

const stripeSigner = new Stripe('sk_test_e2e');

/** Posts `event` to the end-to-end stack's Stripe webhook, signed with its secret as Stripe signs it. */
export const postStripe = (e2e: RunningE2e, event: object): Promise<Response> => {
  const body = JSON.stringify(event);
  return fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripeSigner.webhooks.generateTestHeaderString({
        payload: body,
        secret: E2E_SECRETS.stripe,
      }),
    },
    body,
  });
};

const FAULTS_DIR = join(ROOT, '.relayflow', 'faults');

/** Signing secrets of the fault stack; SendGrid's key pair is generated per run (see `secrets`). */
export const FAULT_SECRETS = {
  ...E2E_SECRETS,
  hubspot: 'fault-hubspot-client-secret',
} as const;

/** The public base URL HubSpot signs (its signature covers the URL). */
export const FAULT_PUBLIC_BASE_URL = 'https://hooks.example.com';

/**
 * The configuration of the fault and soak stack: the deployed defaults except a short retry
 * policy (3 attempts, 1–2 s backoff) and a 2 s circuit half-open time, so that failures play out
 * in seconds. Stripe `customer.*` events go to a route with stale suppression (`/skip`);
 * everything else, batch providers included, to `/sink` without it.
 */
const faultConfig = () => ({
  stackName: 'RelayFlowFaults',
  stage: 'dev',
  publicBaseUrl: FAULT_PUBLIC_BASE_URL,
  providers: {
    stripe: {},
    github: {},
    'standard-webhooks': { entity: { kind: 'user', path: 'data.user_id' } },
    hubspot: {},
    sendgrid: {},
  },
  retry: { maxAttempts: 3, backoffBaseSeconds: 1, backoffMaxSeconds: 2 },
  routes: [
    {
      match: { provider: 'stripe', type: 'customer.*' },
      onStale: 'skip',
      targets: [
        {
          kind: 'http',
          id: 'skip',
          url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/skip`,
          circuitHalfOpenAfterMs: 2000,
        },
      ],
    },
    {
      match: { type: '*' },
      targets: [
        {
          kind: 'http',
          id: 'sink',
          url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/sink`,
          circuitHalfOpenAfterMs: 2000,
        },
      ],
    },
  ],
});

/** Synthesizes the fault stack once (in `.relayflow/faults`), like {@link e2eAssembly}. */
export const faultAssembly = async (): Promise<{ readonly assemblyDir: string }> => {
  const meta = await synthesizeOnce(FAULTS_DIR, () => Promise.resolve({ config: faultConfig(), extra: {} }));
  return { assemblyDir: meta.assemblyDir };
};

/**
 * A copy of an assembly whose routes deliver to `sinkPort`: the manifest and template are
 * rewritten, the bundles are linked, not copied.
 */
const assemblyForSink = (assemblyDir: string, sinkPort: number, rewrite = (text: string) => text): string => {
  const copy = mkdtempSync(join(tmpdir(), 'relayflow-faults-'));
  for (const name of readdirSync(assemblyDir)) {
    const from = join(assemblyDir, name);
    if (name.startsWith('asset.')) symlinkSync(from, join(copy, name), 'dir');
    else if (name.endsWith('.json') && statSync(from).isFile()) {
      writeFileSync(
        join(copy, name),
        rewrite(
          readFileSync(from, 'utf8').replaceAll(
            `127.0.0.1:${SINK_PORT_PLACEHOLDER}/`,
            `127.0.0.1:${sinkPort}/`,
          ),
        ),
      );
    }
  }
  return copy;
};

/** Starts the runtime on a per-run copy of `assemblyDir` that delivers to `sinkPort`; `stop()` removes the copy. */
const startForSink = async (
  assemblyDir: string,
  sinkPort: number,
  options: Partial<LocalRuntimeOptions>,
  rewrite?: (text: string) => string,
): Promise<LocalRuntime> => {
  const copy = assemblyForSink(assemblyDir, sinkPort, rewrite);
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({ assemblyDir: copy, port: 0, ...options });
  } catch (error) {
    rmSync(copy, { recursive: true, force: true });
    throw error;
  }
  const stop = runtime.stop;
  return {
    ...runtime,
    stop: async () => {
      await stop();
      rmSync(copy, { recursive: true, force: true });
    },
  };
};

/**
 * The fault stack's template with `rateLimitPerSecond: false` on its targets. The routes travel as
 * JSON inside the consumer's environment, itself a JSON string; a template without the default
 * limit fails here rather than measure the limit it claims to leave out.
 */
const withoutSharedLimits = (text: string): string => {
  const limited = '\\"rateLimitPerSecond\\":50';
  if (!text.includes(limited) && text.includes('rateLimitPerSecond'))
    throw new Error("the fault stack's targets no longer carry the default rateLimitPerSecond of 50");
  return text.replaceAll(limited, '\\"rateLimitPerSecond\\":false');
};

export interface RunningFaults extends RunningE2e {
  /** Function names of the stack by role. */
  readonly functions: { readonly consumer: string; readonly verifier: (provider: string) => string };
}

/**
 * Starts the fault stack on free ports, its routes pointed at an HTTP sink on `sinkPort`.
 * `stop()` also removes the per-run assembly copy.
 */
export const startFaultRuntime = async (
  options: {
    readonly sinkPort: number;
    /** The routes' targets without the shared rate limit (`rateLimitPerSecond: false`), for the soak's comparison. */
    readonly unlimitedTargets?: boolean;
  } & Partial<LocalRuntimeOptions>,
): Promise<RunningFaults> => {
  const { sinkPort, unlimitedTargets = false, ...overrides } = options;
  const { assemblyDir } = await faultAssembly();
  const logs: LogEntry[] = [];
  const accessLogs: string[] = [];
  const runtime = await startForSink(
    assemblyDir,
    sinkPort,
    {
      accessLog: (line) => {
        if (accessLogs.length < 20_000) accessLogs.push(line);
      },
      env: {
        RELAYFLOW_SECRET_STRIPE: FAULT_SECRETS.stripe,
        RELAYFLOW_SECRET_GITHUB: FAULT_SECRETS.github,
        RELAYFLOW_SECRET_STANDARD_WEBHOOKS: FAULT_SECRETS['standard-webhooks'],
        RELAYFLOW_SECRET_HUBSPOT: FAULT_SECRETS.hubspot,
      },
      logSink: (entry) => {
        if (logs.length < 20_000) logs.push(entry);
      },
      ...overrides,
    },
    unlimitedTargets ? withoutSharedLimits : undefined,
  );
  const names = Object.keys(runtime.lambda.counters());
  const nameOf = (fragment: string) => {
    const name = names.find((n) => n.includes(fragment));
    if (!name) throw new Error(`no function named like ${fragment} in ${names.join(', ')}`);
    return name;
  };
  return {
    runtime,
    sinkPort,
    logs,
    accessLogs,
    functions: {
      consumer: nameOf('Consumer'),
      verifier: (provider) => nameOf(`Verifier${provider.replaceAll('-', '')}`),
    },
  };
};

const SCHEDULES_DIR = join(ROOT, '.relayflow', 'schedules');

/**
 * The configuration of the schedules stack (test/e2e/schedules.test.ts): two cron schedules,
 * which tick only when a test moves the clock past their times (a rate schedule would tick at
 * start), and every event routed to the sink.
 */
const schedulesConfig = () => ({
  stackName: 'RelayFlowSchedules',
  stage: 'dev',
  providers: { stripe: {} },
  tenants: [{ id: 'acme' }],
  retry: { maxAttempts: 3, backoffBaseSeconds: 1, backoffMaxSeconds: 2 },
  routes: [
    {
      match: { type: '*' },
      targets: [{ kind: 'http', id: 'sink', url: `http://127.0.0.1:${SINK_PORT_PLACEHOLDER}/sink` }],
    },
  ],
  schedules: [
    { name: 'quarter-hour', cron: 'cron(0/15 * * * ? *)', type: 'clock.quarter' },
    {
      name: 'nightly',
      cron: 'cron(0 2 * * ? *)',
      timezone: 'Europe/Paris',
      type: 'report.nightly',
      tenant: 'acme',
      data: { report: 'ledger' },
    },
  ],
});

/** Synthesizes the schedules stack once (in `.relayflow/schedules`), like {@link e2eAssembly}. */
export const schedulesAssembly = async (): Promise<{ readonly assemblyDir: string }> => {
  const meta = await synthesizeOnce(SCHEDULES_DIR, () =>
    Promise.resolve({ config: schedulesConfig(), extra: {} }),
  );
  return { assemblyDir: meta.assemblyDir };
};

/** Starts the schedules stack on free ports, its route pointed at a sink on `sinkPort`; collects function logs. */
export const startSchedulesRuntime = async (
  options: { readonly sinkPort: number } & Partial<LocalRuntimeOptions>,
): Promise<RunningE2e> => {
  const { sinkPort, ...overrides } = options;
  const { assemblyDir } = await schedulesAssembly();
  const logs: LogEntry[] = [];
  const accessLogs: string[] = [];
  const runtime = await startForSink(assemblyDir, sinkPort, {
    env: { RELAYFLOW_SECRET_STRIPE: E2E_SECRETS.stripe },
    logSink: (entry) => logs.push(entry),
    accessLog: (line) => accessLogs.push(line),
    ...overrides,
  });
  return { runtime, sinkPort, logs, accessLogs };
};
