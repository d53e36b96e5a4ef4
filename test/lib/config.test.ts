import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_WARNINGS, ConfigError, loadConfig, parseConfig } from '../../lib/config';

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

    expect(problems).toEqual([
      expect.stringMatching(/^providers\.stripe\.toleranceSeconds:/),
      expect.stringMatching(/^providers\.nosuch: unknown provider/),
    ]);
  });

  it('keeps an entity-extractor override with the provider options', () => {
    const config = parseConfig({ providers: { stripe: { entity: { kind: 'account', path: 'account' } } } });

    expect(config.enabledProviders[0]?.options).toEqual({
      toleranceSeconds: 300,
      entity: { kind: 'account', path: 'account' },
    });
  });

  it('validates generic HMAC senders and refuses a built-in id', () => {
    const problems = problemsOf({
      genericHmac: {
        stripe: { signatureHeader: 'x-sig', id: { header: 'x-id' }, type: { value: 't' } },
        bad: {},
      },
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^genericHmac\.stripe: id is taken/),
        expect.stringMatching(/^genericHmac\.bad\./),
      ]),
    );
  });

  it('requires publicBaseUrl for providers that sign the public URL', () => {
    expect(problemsOf({ providers: { hubspot: {}, twilio: {} } })).toEqual([
      expect.stringMatching(/^providers\.hubspot: needs publicBaseUrl/),
      expect.stringMatching(/^providers\.twilio: needs publicBaseUrl/),
    ]);
    expect(
      parseConfig({ publicBaseUrl: 'https://hooks.example.com', providers: { hubspot: {} } })
        .enabledProviders,
    ).toHaveLength(1);
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

    expect(problems).toEqual([
      expect.stringMatching(/acme.*twice/),
      expect.stringMatching(/backoffMaxSeconds/),
    ]);
  });

  it('gives a tenant its own secrets unless it says otherwise', () => {
    const config = parseConfig({
      providers: { stripe: {} },
      tenants: [{ id: 'acme' }, { id: 'beta', dedicatedSecrets: false }],
    });

    expect(config.tenants).toEqual([
      { id: 'acme', dedicatedSecrets: true },
      { id: 'beta', dedicatedSecrets: false },
    ]);
  });

  it('gives every verifier the default route throttle and reserved concurrency', () => {
    const config = parseConfig({ providers: { stripe: {} } });

    expect(config.enabledProviders[0]?.limits).toEqual({
      rateLimit: 50,
      burstLimit: 100,
      reservedConcurrency: 50,
    });
  });

  it("takes a provider's own limits, keeps them out of its options, and reads false as no reservation", () => {
    const config = parseConfig({
      api: { verifierReservedConcurrency: false },
      providers: { stripe: { limits: { rateLimit: 80, reservedConcurrency: 5 } }, github: {} },
      genericHmac: {
        'acme-billing': {
          signatureHeader: 'x-sig',
          id: { jsonPath: 'id' },
          type: { value: 'invoice' },
          limits: { burstLimit: 10 },
        },
      },
    });

    const byId = Object.fromEntries(config.enabledProviders.map((p) => [p.id, p]));
    expect(byId.stripe?.limits).toEqual({ rateLimit: 80, burstLimit: 100, reservedConcurrency: 5 });
    expect(byId.github?.limits).toEqual({ rateLimit: 50, burstLimit: 100, reservedConcurrency: undefined });
    expect(byId['acme-billing']?.limits).toEqual({
      rateLimit: 50,
      burstLimit: 10,
      reservedConcurrency: undefined,
    });
    expect(byId.stripe?.options).not.toHaveProperty('limits');
    expect(byId['acme-billing']?.options).not.toHaveProperty('limits');
  });

  it('lowers the route throttle default to a lower stage throttle', () => {
    const config = parseConfig({
      api: { throttlingRateLimit: 37, throttlingBurstLimit: 74 },
      providers: { stripe: {} },
    });

    expect(config.enabledProviders[0]?.limits).toMatchObject({ rateLimit: 37, burstLimit: 74 });
  });

  it('refuses a route throttle above the stage throttle, which stays the ceiling', () => {
    const problems = problemsOf({
      api: { throttlingRateLimit: 60, routeThrottlingBurstLimit: 300 },
      providers: { stripe: { limits: { rateLimit: 61 } }, github: {} },
      genericHmac: {
        'acme-billing': {
          signatureHeader: 'x-sig',
          id: { jsonPath: 'id' },
          type: { value: 't' },
          limits: { reservedConcurrency: 0 },
        },
      },
    });

    expect(problems).toEqual([
      expect.stringMatching(
        /^providers\.stripe\.limits\.rateLimit: 61 exceeds the stage's api\.throttlingRateLimit \(60\)/,
      ),
      expect.stringMatching(
        /^api\.routeThrottlingBurstLimit: 300 exceeds the stage's api\.throttlingBurstLimit \(200\)/,
      ),
      expect.stringMatching(/^genericHmac\.acme-billing\.limits\.reservedConcurrency:/),
    ]);
  });

  it("refuses a generic sender whose id comes from an unsigned header, with the sender's own explanation", () => {
    const problems = problemsOf({
      genericHmac: {
        'acme-billing': { signatureHeader: 'x-sig', id: { header: 'x-id' }, type: { jsonPath: 'event' } },
      },
    });

    expect(problems).toEqual([
      expect.stringMatching(
        /^genericHmac\.acme-billing\.id\b.*not covered by the signature.*unsignedIdentity: true/,
      ),
    ]);
  });

  it('accepts an unsigned id header declared with unsignedIdentity: true, with a warning for synth', () => {
    const config = parseConfig({
      genericHmac: {
        'acme-billing': {
          signatureHeader: 'x-sig',
          id: { header: 'x-id' },
          type: { jsonPath: 'event' },
          unsignedIdentity: true,
        },
      },
    });

    expect(config.enabledProviders[0]?.warnings).toEqual([
      { id: CONFIG_WARNINGS.unsignedIdentity, message: expect.stringContaining('acme-billing') },
    ]);
  });

  it('loads a JSON file named by RELAYFLOW_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relayflow-config-'));
    writeFileSync(
      join(dir, 'custom.json'),
      JSON.stringify({ stackName: 'Custom', providers: { github: {} } }),
    );

    const config = loadConfig({ RELAYFLOW_CONFIG: 'custom.json' }, dir);

    expect(config.stackName).toBe('Custom');
    expect(config.enabledProviders.map((p) => p.id)).toEqual(['github']);
  });

  it('loads the repository default relayflow.config.ts', () => {
    const config = loadConfig({}, join(__dirname, '..', '..'));

    expect(config.enabledProviders.length).toBeGreaterThan(0);
  });

  it('names a missing configuration file', () => {
    expect(() => loadConfig({ RELAYFLOW_CONFIG: 'missing.json' }, tmpdir())).toThrow(
      /missing\.json[\s\S]*file not found/,
    );
  });

  describe('routes', () => {
    const routeMatching = (type: string, extra: Record<string, unknown> = {}) => ({
      providers: { stripe: {} },
      routes: [{ match: { type }, targets: [{ kind: 'eventbridge' }], ...extra }],
    });

    it('caps a type glob at 8 stars, as the consumer does at cold start', () => {
      expect(parseConfig(routeMatching('*.*.*.*.*.*.*.*')).routes).toHaveLength(1);
      expect(() => parseConfig(routeMatching('*.*.*.*.*.*.*.*.*'))).toThrow(
        /routes\.0\.match\.type: a glob may hold at most 8 "\*"/,
      );
    });

    it('refuses a misspelt route key rather than ignoring it', () => {
      expect(() => parseConfig(routeMatching('payment.*', { onstale: 'skip' }))).toThrow(
        /routes\.0: .*onstale/,
      );
    });

    it('fills the target defaults the consumer relies on', () => {
      expect(parseConfig(routeMatching('payment.*')).routes[0]).toEqual({
        match: { type: 'payment.*' },
        targets: [{ kind: 'eventbridge', eventBusName: 'default' }],
        onStale: 'apply',
      });
    });
  });
});
