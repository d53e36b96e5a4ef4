import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the CDK app given a bad configuration', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'relayflow-bad-config-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints every problem with its path, and no stack trace, in one run', () => {
    writeFileSync(
      join(dir, 'relayflow.config.json'),
      JSON.stringify({
        retentionDays: 0,
        tenants: [{ id: 'acme' }, { id: 'acme' }],
        providers: { stripe: {} },
        routes: [
          { match: { type: 'payment.*' }, targets: [{ kind: 'http', url: 'ftp://example.com/hook' }] },
          { match: { type: '*', provider: 'strpe', tenant: 'globex' }, targets: [{ kind: 'eventbridge' }] },
        ],
      }),
    );

    const result = spawnSync('npx', ['tsx', 'bin/relayflow.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, RELAYFLOW_CONFIG: join(dir, 'relayflow.config.json') },
    });

    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: [
        `Invalid RelayFlow configuration (${join(dir, 'relayflow.config.json')}): 5 problems`,
        '  - retentionDays: Too small: expected number to be >=1',
        '  - tenants[1].id: "acme" is listed twice',
        '  - routes[0].targets[0].url: must be an http or https URL',
        '  - routes[1].match.provider: no provider "strpe" is enabled (enabled: "stripe")',
        '  - routes[1].match.tenant: no tenant "globex" (tenants: "default", "acme")',
        '',
      ].join('\n'),
    });
  });
});
