import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config';

const problemsOf = (input: unknown): readonly string[] => {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('fills every default for a minimal configuration', () => {
    const config = parseConfig({ providers: { stripe: {} } });

    expect(config).toMatchObject({
      stackName: 'RelayFlow',
      stage: 'prod',
      retentionDays: 30,
      maxBodyBytes: 4 * 1024 * 1024,
      tenants: [],
      retry: { maxAttempts: 5, backoffBaseSeconds: 2, backoffMaxSeconds: 300 },
      enabledProviders: [{ id: 'stripe', kind: 'builtin', options: { toleranceSeconds: 300 } }],
    });
  });

  it('lists every problem in one error', () => {
    const problems = problemsOf({
      retentionDays: 0,
      alarmEmail: 'not-an-email',
      retry: { maxAttempts: 0 },
      providers: { stripe: { toleranceSeconds: -1 }, nosuch: {} },
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^retentionDays:/),
        expect.stringMatching(/^alarmEmail:/),
        expect.stringMatching(/^retry\.maxAttempts:/),
      ]),
    );
  });

  it('lists every provider problem in one error', () => {
    const problems = problemsOf({ providers: { stripe: { toleranceSeconds: -1 }, nosuch: {} } });

    expect(problems).toEqual([expect.stringMatching(/^providers\.stripe\.toleranceSeconds:/), expect.stringMatching(/^providers\.nosuch: unknown provider/)]);
  });

  it('keeps an entity-extractor override with the provider options', () => {
    const config = parseConfig({ providers: { stripe: { entity: { kind: 'account', path: 'account' } } } });

    expect(config.enabledProviders[0]?.options).toEqual({ toleranceSeconds: 300, entity: { kind: 'account', path: 'account' } });
  });

  it('validates generic HMAC senders and refuses a built-in id', () => {
    const problems = problemsOf({ genericHmac: { stripe: { signatureHeader: 'x-sig', id: { header: 'x-id' }, type: { value: 't' } }, bad: {} } });

    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^genericHmac\.stripe: id is taken/), expect.stringMatching(/^genericHmac\.bad\./)]));
  });

  it('requires publicBaseUrl for providers that sign the public URL', () => {
    expect(problemsOf({ providers: { hubspot: {}, twilio: {} } })).toEqual([
      expect.stringMatching(/^providers\.hubspot: needs publicBaseUrl/),
      expect.stringMatching(/^providers\.twilio: needs publicBaseUrl/),
    ]);
    expect(parseConfig({ publicBaseUrl: 'https://hooks.example.com', providers: { hubspot: {} } }).enabledProviders).toHaveLength(1);
  });

  it('refuses a configuration with no provider', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/enable at least one provider/)]);
  });

  it('refuses a tenant listed twice and backoff bounds the wrong way round', () => {
    const problems = problemsOf({
      providers: { stripe: {} },
      tenants: [{ id: 'acme' }, { id: 'acme' }],
      retry: { backoffBaseSeconds: 10, backoffMaxSeconds: 5 },
    });

    expect(problems).toEqual([expect.stringMatching(/acme.*twice/), expect.stringMatching(/backoffMaxSeconds/)]);
  });

  it('loads a JSON file named by RELAYFLOW_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relayflow-config-'));
    writeFileSync(join(dir, 'custom.json'), JSON.stringify({ stackName: 'Custom', providers: { github: {} } }));

    const config = loadConfig({ RELAYFLOW_CONFIG: 'custom.json' }, dir);

    expect(config.stackName).toBe('Custom');
    expect(config.enabledProviders.map((p) => p.id)).toEqual(['github']);
  });

  it('loads the repository default relayflow.config.ts', () => {
    const config = loadConfig({}, join(__dirname, '..', '..'));

    expect(config.enabledProviders.length).toBeGreaterThan(0);
  });

  it('names a missing configuration file', () => {
    expect(() => loadConfig({ RELAYFLOW_CONFIG: 'missing.json' }, tmpdir())).toThrow(/missing\.json[\s\S]*file not found/);
  });
});
