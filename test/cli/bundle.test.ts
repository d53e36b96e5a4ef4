import { execFile, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BUNDLE, bundleCli, loadsWithRequire, packageJson, ROOT } from '../../cli/build';
import { parseGenericHmacOptions } from '#shared/providers/generic-hmac/index';
import { verifyGenericHmac } from '#shared/providers/generic-hmac/verify';
import { CloudFormationEmulator } from '../../local/emulators/cloudformation';
import type { RunningEmulator } from '../../local/emulators/loopback';
import { SecretsManagerEmulator } from '../../local/emulators/secretsmanager';

/** `@aws-sdk/client-sqs/x` → `@aws-sdk/client-sqs`; `node_modules/commander/lib/x.js` → `commander`. */
const packageOf = (specifier: string): string => {
  const parts = specifier.replace(/^node_modules\//, '').split('/');
  return (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
};

const LockSchema = z.object({
  packages: z.record(
    z.string(),
    z.object({ dev: z.boolean().optional(), devOptional: z.boolean().optional() }),
  ),
});

/**
 * A folder laid out as `npm ci --omit=dev` leaves a checkout: RelayFlow's package.json, the
 * bundle, and node_modules holding only the packages package-lock.json does not mark dev. The
 * packages are symlinks into our node_modules; run with --preserve-symlinks, Node resolves from the
 * link (this folder), never from our node_modules, where the dev dependencies are.
 */
const productionCheckout = (): string => {
  const folder = mkdtempSync(join(tmpdir(), 'relayflow-omit-dev-'));
  cpSync(join(ROOT, 'package.json'), join(folder, 'package.json'));
  mkdirSync(join(folder, dirname(BUNDLE)), { recursive: true });
  cpSync(join(ROOT, BUNDLE), join(folder, BUNDLE));
  const lock = LockSchema.parse(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')));
  for (const [path, entry] of Object.entries(lock.packages)) {
    const topLevel =
      path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/');
    if (!topLevel || entry.dev === true || entry.devOptional === true || !existsSync(join(ROOT, path)))
      continue;
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    symlinkSync(join(ROOT, path), join(folder, path), 'dir');
  }
  return folder;
};

/** Written beside the bundle: on exit, lists every CommonJS module the process loaded from outside `folder`. */
const LOADED_OUTSIDE = `const folder = process.cwd() + require('node:path').sep;
process.on('exit', () => {
  const outside = Object.keys(require.cache).filter((file) => !file.startsWith(folder));
  require('node:fs').writeFileSync(folder + 'loaded-outside.json', JSON.stringify(outside));
});
`;

/** Runs the bundle in `checkout` as a production install would, and lists what it loaded from elsewhere. */
const runBundle = (checkout: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
  writeFileSync(join(checkout, 'loaded-outside.cjs'), LOADED_OUTSIDE);
  const result = spawnSync(
    process.execPath,
    ['--preserve-symlinks', '--preserve-symlinks-main', '--require', './loaded-outside.cjs', BUNDLE, ...args],
    {
      cwd: checkout,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...env },
    },
  );
  const loadedOutside = z
    .array(z.string())
    .parse(JSON.parse(readFileSync(join(checkout, 'loaded-outside.json'), 'utf8')));
  return { ...result, loadedOutside };
};

/** What `send acme` answers when the configuration declares no sender of that id (and none near it). */
const UNKNOWN_ACME =
  /^relayflow: Unknown provider 'acme': not built in, and no genericHmac sender of the configuration has that id \(known: stripe, .*\)\.\n$/;

describe('the relayflow bundle (cli/dist/relayflow.cjs)', () => {
  it('is what npm run build:cli builds from the sources today', async () => {
    const result = await bundleCli(false);
    const rebuilt = result.outputFiles?.[0]?.text;

    expect({
      bundle: BUNDLE,
      upToDate: rebuilt === readFileSync(join(ROOT, BUNDLE), 'utf8'),
      fix: 'npm run build:cli',
    }).toMatchObject({ upToDate: true });
  });

  it('requires only packages listed in dependencies, and bundles only ESM-only ones', async () => {
    const { metafile } = await bundleCli(false);
    const inputs = Object.entries(metafile.inputs);
    // esbuild also lists an import it dropped as unused (a relative path) as external: only packages count.
    const isPackage = (path: string) => !isBuiltin(path) && !path.startsWith('.') && !path.startsWith('/');
    const required = new Set(
      inputs.flatMap(([, input]) =>
        input.imports.filter((i) => i.external && isPackage(i.path)).map((i) => packageOf(i.path)),
      ),
    );
    const bundled = new Set(
      inputs.filter(([file]) => file.startsWith('node_modules/')).map(([file]) => packageOf(file)),
    );

    expect([...required, ...bundled].filter((name) => !(name in packageJson.dependencies))).toEqual([]);
    expect([...required].filter((name) => !loadsWithRequire(name))).toEqual([]);
    expect([...bundled].filter((name) => loadsWithRequire(name))).toEqual([]);
  });
});

describe('the relayflow bundle without dev dependencies', () => {
  let checkout: string;

  beforeAll(() => {
    checkout = productionCheckout();
  });

  afterAll(() => {
    rmSync(checkout, { recursive: true, force: true });
  });

  it('runs in a checkout that can reach no dev dependency', () => {
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(join(checkout, BUNDLE))});
      const reachable = (n) => { try { r.resolve(n); return true; } catch { return false; } };
      console.log(JSON.stringify(${JSON.stringify(Object.keys(packageJson.devDependencies))}.filter(reachable)));`;

    const reachableDevDependencies = spawnSync(process.execPath, ['--preserve-symlinks', '-e', probe], {
      cwd: checkout,
      encoding: 'utf8',
    });
    const help = runBundle(checkout, ['--help']);

    expect(JSON.parse(reachableDevDependencies.stdout)).toEqual([]);
    expect(help.loadedOutside).toEqual([]);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: relayflow \[options\] \[command\]/);
    expect(help.status).toBe(0);
  });

  it('reads a .json configuration for send', () => {
    writeFileSync(join(checkout, 'config.json'), JSON.stringify({ providers: { stripe: {} } }));
    writeFileSync(join(checkout, 'payload.json'), '{"hello":"world"}');

    const result = runBundle(checkout, ['send', 'acme', 'payload.json'], { RELAYFLOW_CONFIG: 'config.json' });

    expect(result.loadedOutside).toEqual([]);
    expect(result.stderr).toMatch(UNKNOWN_ACME);
    expect(result.status).toBe(1);
  });

  it('says that a .ts configuration needs tsx, in one sentence', () => {
    writeFileSync(
      join(checkout, 'relayflow.config.ts'),
      'const config: { providers: object } = { providers: { stripe: {} } };\nexport default config;\n',
    );
    writeFileSync(join(checkout, 'payload.json'), '{"hello":"world"}');

    const result = runBundle(checkout, ['send', 'acme', 'payload.json']);

    expect(result.stderr).toBe(
      `relayflow: ${join(checkout, 'relayflow.config.ts')} is TypeScript, which relayflow reads only with tsx (a dev dependency): run npm ci, or point RELAYFLOW_CONFIG at a .json configuration.\n`,
    );
    expect(result.status).toBe(1);
  });
});

describe('the relayflow bundle with dev dependencies', () => {
  it("reads relayflow.config.ts through the project's tsx", () => {
    const cwd = mkdtempSync(join(tmpdir(), 'relayflow-cli-'));
    try {
      writeFileSync(
        join(cwd, 'relayflow.config.ts'),
        'const config: { providers: object } = { providers: { stripe: {} } };\nexport default config;\n',
      );
      writeFileSync(join(cwd, 'payload.json'), '{"hello":"world"}');

      const result = spawnSync(process.execPath, [join(ROOT, BUNDLE), 'send', 'acme', 'payload.json'], {
        cwd,
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
      });

      expect(result.stderr).toMatch(UNKNOWN_ACME);
      expect(result.status).toBe(1);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('relayflow send to a genericHmac sender, through the bundle', () => {
  const SENDER = {
    signatureHeader: 'x-acme-signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
    id: { jsonPath: 'id' },
    type: { jsonPath: 'event' },
  };
  let cwd: string;
  let emulators: RunningEmulator[];
  let webhook: Server;
  const received: { headers: Record<string, string>; body: Buffer }[] = [];

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
        res.writeHead(202, { 'x-correlation-id': 'c-bundle' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/webhooks/acme-billing`;
    const cloudformation = new CloudFormationEmulator();
    cloudformation.registerStack({
      stackName: 'RelayFlow',
      outputs: {
        WebhookUrlAcmeBilling: { value: webhookUrl },
        SecretAcmeBilling: { value: 'RelayFlow-acme-billing' },
      },
    });
    const secrets = new SecretsManagerEmulator();
    secrets.createSecret({
      Name: 'RelayFlow-acme-billing',
      SecretString: JSON.stringify({ signingSecrets: ['acme-secret'] }),
    });
    emulators = [await cloudformation.start(), await secrets.start()];
    const [cloudformationEndpoint, secretsEndpoint] = emulators.map((e) => e.endpoint);
    const unused = 'http://127.0.0.1:9';

    // A configuration written as the README shows, in a folder with no lib/ beside it.
    cwd = mkdtempSync(join(tmpdir(), 'relayflow-generic-'));
    writeFileSync(
      join(cwd, 'relayflow.config.ts'),
      `import { defineConfig } from './lib/config';\nexport default defineConfig({ providers: { stripe: {} }, genericHmac: { 'acme-billing': ${JSON.stringify(SENDER)} } });\n`,
    );
    writeFileSync(join(cwd, 'invoice.json'), '{"id":"inv_1","event":"invoice.paid"}');
    mkdirSync(join(cwd, '.relayflow'));
    writeFileSync(
      join(cwd, '.relayflow', 'local.json'),
      JSON.stringify({
        stackName: 'RelayFlow',
        region: 'us-east-1',
        endpoints: {
          cloudformation: cloudformationEndpoint,
          secretsmanager: secretsEndpoint,
          sqs: unused,
          dynamodb: unused,
          stepfunctions: unused,
          s3: unused,
          sns: unused,
          cloudwatch: unused,
          lambda: unused,
          scheduler: unused,
        },
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(emulators.map((e) => e.stop()));
    await new Promise((resolve) => webhook.close(resolve));
    rmSync(cwd, { recursive: true, force: true });
  });

  it("signs with the sender's secret so that its verifier accepts the request", async () => {
    // Asynchronous: the emulators and the webhook answer from this process while the bundle runs.
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [join(ROOT, BUNDLE), '--local', 'send', 'acme-billing', 'invoice.json'],
        { cwd, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });

    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/→ 202 {2}correlation id c-bundle/);
    expect(result.code).toBe(0);
    const [request] = received;
    expect(request?.body.toString()).toBe('{"id":"inv_1","event":"invoice.paid"}');
    const verdict = verifyGenericHmac({
      request: {
        method: 'POST',
        url: '/webhooks/acme-billing',
        path: '/webhooks/acme-billing',
        rawQueryString: '',
        headers: request?.headers ?? {},
        body: request?.body ?? Buffer.alloc(0),
        sourceIp: '127.0.0.1',
      },
      secrets: ['acme-secret'],
      now: new Date(),
      options: parseGenericHmacOptions('acme-billing', SENDER),
    });
    expect(verdict).toMatchObject({ ok: true });
  });
});
