import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf } from '../../cli/commands/secrets';
import type { WebhookUrl } from '../../cli/commands/urls';
import { connect } from '../../cli/environment';
import { runAgainst } from '../helpers/cli-run';
import { E2E_SECRETS, e2eAssembly, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';

jest.setTimeout(240_000);

let e2e: RunningE2e;
let dir: string;
let stateFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relayflow-operator-'));
  stateFile = join(dir, 'local.json');
  e2e = await startE2eRuntime({ stateFile });
});

afterAll(async () => {
  await e2e.runtime.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI with --local, finding the runtime through the state file it wrote (as npm start's). */
const relayflow = (...argv: string[]) =>
  runAgainst(
    {
      outputs: {},
      config: {
        providers: {
          stripe: {},
          github: {},
          'standard-webhooks': { entity: { kind: 'user', path: 'data.user_id' } },
        },
      },
    },
    ['--local', ...argv],
    (options) => connect({ ...options, localStateFile: stateFile }),
  );

describe('the operator commands against the local runtime', () => {
  it('relayflow urls prints the local webhook URL of every provider and the command that sets its secret', async () => {
    const result = await relayflow('--json', 'urls');

    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as WebhookUrl[];
    expect(Object.fromEntries(entries.map((e) => [e.provider, e.url]))).toEqual(e2e.runtime.webhookUrls);
    expect(entries.find((e) => e.provider === 'standard-webhooks')?.command).toBe(
      'relayflow --local secrets set standard-webhooks --from-env RELAYFLOW_SECRET_STANDARD_WEBHOOKS',
    );
  });

  it('relayflow secrets list shows the secret in use by its fingerprint, never its value', async () => {
    const result = await relayflow('secrets', 'list', 'standard-webhooks');

    expect(result.code).toBe(0);
    const [, , row] = result.stdout.split('\n');
    expect(row?.split(/\s+/)).toEqual(['1', fingerprintOf(E2E_SECRETS['standard-webhooks']), 'ok']);
    expect(result.stdout).not.toContain(E2E_SECRETS['standard-webhooks']);
  });

  it('relayflow secrets list flags a secret that is not in the provider’s format', async () => {
    const result = await relayflow('--json', 'secrets', 'list', 'stripe');

    expect(JSON.parse(result.stdout)).toMatchObject({
      provider: 'stripe',
      secrets: [{ position: 1, fingerprint: fingerprintOf(E2E_SECRETS.stripe), format: 'unexpected' }],
    });
  });
});

describe('the API description', () => {
  it('is written beside the template when the stack is synthesized', async () => {
    const { assemblyDir } = await e2eAssembly();

    expect(existsSync(join(assemblyDir, 'openapi.json'))).toBe(true);
  });

  it('is served at /openapi.json with the local runtime first among its servers', async () => {
    const response = await fetch(`${e2e.runtime.endpoints.api}/openapi.json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const document = (await response.json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: object;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers[0]?.url).toBe(e2e.runtime.endpoints.api);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/webhooks/stripe', '/webhooks/stripe/{tenant}', '/webhooks/github']),
    );
  });

  it('is rendered at /api-docs by a page that loads nothing from elsewhere', async () => {
    const response = await fetch(`${e2e.runtime.endpoints.api}/api-docs`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toContain("fetch('openapi.json')");
    expect(page).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
  });
});
