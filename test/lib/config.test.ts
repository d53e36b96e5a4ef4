import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  withLocalDemoRoute,
  checkConfig,
  checkConfigFile,
  CONFIG_WARNINGS,
  ConfigError,
  formatConfigProblems,
  loadConfig,
  parseConfig,
} from '../../lib/config';

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

  it('enables providers that sign the public URL without publicBaseUrl, which then defaults to the request', () => {
    const config = parseConfig({ providers: { hubspot: {}, twilio: {} } });

    expect(config.publicBaseUrl).toBeUndefined();
    expect(config.enabledProviders.map((p) => p.id)).toEqual(['hubspot', 'twilio']);
  });

  it('refuses a configuration with no provider', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^providers: enable at least one provider/)]);
  });

  it('refuses a tenant listed twice and backoff bounds the wrong way round', () => {
    const problems = problemsOf({
      providers: { stripe: {} },
      tenants: [{ id: 'acme' }, { id: 'acme' }],
      retry: { backoffBaseSeconds: 10, backoffMaxSeconds: 5 },
    });

    expect(problems).toEqual([
      'tenants[1].id: "acme" is listed twice',
      'retry.backoffMaxSeconds: must be at least retry.backoffBaseSeconds (10)',
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
      expect.stringMatching(/^genericHmac\.acme-billing\.limits\.reservedConcurrency:/),
      expect.stringMatching(
        /^api\.routeThrottlingBurstLimit: 300 exceeds the stage's api\.throttlingBurstLimit \(200\)/,
      ),
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
        /routes\[0\]\.match\.type: a glob may hold at most 8 "\*"/,
      );
    });

    it('refuses a misspelt route key rather than ignoring it', () => {
      expect(() => parseConfig(routeMatching('payment.*', { onstale: 'skip' }))).toThrow(
        /routes\[0\]: .*onstale/,
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

  describe('in one pass', () => {
    it('lists cross-field problems together with schema problems, in the order of the fields', () => {
      const problems = problemsOf({
        retentionDays: 0,
        tenants: [{ id: 'acme' }],
        providers: { stripe: { accounts: { globex: 'acct_1' } }, github: {} },
        routes: [
          { match: { type: 'x', provider: 'shopfy' }, targets: [{ kind: 'workflow', name: 'nope' }] },
          {
            match: { type: 'y', tenant: 'beta' },
            targets: [
              { kind: 'http', url: 'ftp://example.com' },
              { kind: 'eventbridge', id: 'a' },
              { kind: 'eventbridge', id: 'a', eventBusName: 'other' },
            ],
          },
        ],
        observability: { secretRetirement: { shopify: '2025-01-01' } },
      });

      expect(problems).toEqual([
        'retentionDays: Too small: expected number to be >=1',
        'providers.stripe.accounts.globex: no tenant "globex" (tenants: "default", "acme")',
        'routes[0].match.provider: no provider "shopfy" is enabled (enabled: "stripe", "github")',
        'routes[0].targets[0].name: workflow "nope" does not exist (known: suppress-bounced-recipient, dunning)',
        'routes[1].targets[0].url: must be an http or https URL',
        'routes[1].match.tenant: no tenant "beta" (tenants: "default", "acme")',
        'routes[1].targets[2].id: two targets share the id "a"; give them distinct ids',
        'observability.secretRetirement.shopify: no provider "shopify" is enabled (enabled: "stripe", "github")',
      ]);
    });

    it('refuses an autoDisable rule out of range and two routes with one id, listing both', () => {
      const problems = problemsOf({
        providers: { stripe: {} },
        routes: [
          { id: 'payments', match: { type: '*' }, targets: [{ kind: 'eventbridge' }] },
          {
            id: 'payments',
            match: { type: '*' },
            targets: [
              {
                kind: 'http',
                url: 'https://partner.example.com/hook',
                autoDisable: { consecutiveFailures: 1, failureRate: { threshold: 1.5 } },
              },
            ],
          },
        ],
      });

      expect(problems).toEqual([
        'routes[1].targets[0].autoDisable.consecutiveFailures: Too small: expected number to be >=2',
        'routes[1].targets[0].autoDisable.failureRate.threshold: Too big: expected number to be <=1',
        'routes[1].id: two routes share the id "payments"; a pause names one route',
      ]);
    });

    it('lists every bad filter path and operator with its config path', () => {
      const problems = problemsOf({
        providers: { stripe: {} },
        routes: [
          {
            match: {
              type: '*',
              filter: {
                and: [
                  { path: 'dat.amount', '>': 1 },
                  { path: 'data.amount', above: 1 },
                ],
              },
            },
            targets: [{ kind: 'eventbridge' }],
          },
          {
            match: { type: '*', filter: { not: { path: 'entity.name', exists: 'yes' } } },
            targets: [{ kind: 'eventbridge' }],
          },
        ],
      });

      expect(problems).toEqual([
        expect.stringMatching(
          /^routes\[0\]\.match\.filter\.and\[0\]\.path: "dat" is not a field of the event/,
        ),
        expect.stringMatching(/^routes\[0\]\.match\.filter\.and\[1\]\.above: unknown operator "above"/),
        'routes[1].match.filter.not.path: "entity.name": the entity has entity.kind and entity.id',
        'routes[1].match.filter.not.exists: must be true or false',
      ]);
    });

    it('checks retry policies on routes and targets, merged over the top-level retry', () => {
      const problems = problemsOf({
        providers: { stripe: {} },
        retry: { maxAttempts: 5, backoffBaseSeconds: 2, backoffMaxSeconds: 300 },
        routes: [
          {
            match: { type: '*' },
            retry: { backoffBaseSeconds: 60, backoffMaxSeconds: 10, retryOn: ['http-5xx', 'teapot'] },
            targets: [
              { kind: 'eventbridge', id: 'a', retry: { maxAttempts: 50 } },
              { kind: 'eventbridge', id: 'b', retry: { backoffBaseSeconds: 600 } },
            ],
          },
        ],
      });

      expect(problems).toEqual([
        expect.stringMatching(/^routes\[0\]\.retry\.retryOn\[1\]: "teapot" is not a retryable error class/),
        'routes[0].retry.backoffMaxSeconds: must be at least backoffBaseSeconds (60)',
        // The route's policy is invalid, so the targets' are merged over the top-level retry alone.
        "routes[0].targets[0].retry.maxAttempts: must be at most 20, the queue's maxReceiveCount (4 × retry.maxAttempts): raise retry.maxAttempts",
        'routes[0].targets[1].retry.backoffBaseSeconds: backoffMaxSeconds (300) would be below backoffBaseSeconds (600) once merged with the policies above it',
      ]);
    });

    it('compiles every transform at synth and lists each that does not compile', () => {
      const problems = problemsOf({
        providers: { stripe: {} },
        routes: [
          {
            match: { type: '*' },
            targets: [
              { kind: 'http', id: 'a', url: 'https://a.example.com', transform: '{ "x": }' },
              { kind: 'eventbridge', id: 'b', transform: 'data.amount' },
              { kind: 'eventbridge', id: 'c', transform: '$sum(data.lines.(' },
            ],
          },
        ],
      });

      expect(problems).toEqual([
        expect.stringMatching(/^routes\[0\]\.targets\[0\]\.transform: is not a JSONata expression: /),
        expect.stringMatching(/^routes\[0\]\.targets\[2\]\.transform: is not a JSONata expression: /),
      ]);
    });

    it('accepts filters and retry policies that are valid, keeping them in the routes', () => {
      const config = parseConfig({
        providers: { stripe: {} },
        routes: [
          {
            match: { type: '*', filter: { path: 'data.amount', '>=': 100 } },
            retry: { maxAttempts: 3, retryOn: ['timeout', 'http-5xx'] },
            targets: [{ kind: 'eventbridge', retry: { backoffMaxSeconds: 30 } }],
          },
        ],
      });

      expect(config.routes[0]).toMatchObject({
        match: { filter: { path: 'data.amount', '>=': 100 } },
        retry: { maxAttempts: 3, retryOn: ['timeout', 'http-5xx'] },
        targets: [{ retry: { backoffMaxSeconds: 30 } }],
      });
    });

    it('judges a reference only against a list that is valid itself, so that one mistake is one problem', () => {
      const problems = problemsOf({
        tenants: [{ id: 'Acme' }],
        providers: { stripe: {} },
        routes: [{ match: { type: '*', tenant: 'Acme' }, targets: [{ kind: 'eventbridge' }] }],
      });

      expect(problems).toEqual([expect.stringMatching(/^tenants\[0\]\.id: lower-case letters/)]);
    });

    it('accepts routes that name enabled providers, generic senders and tenants, default included', () => {
      const config = parseConfig({
        tenants: [{ id: 'acme' }],
        providers: { stripe: { accounts: { acme: 'acct_1' } } },
        genericHmac: {
          'acme-billing': { signatureHeader: 'x-sig', id: { jsonPath: 'id' }, type: { value: 't' } },
        },
        routes: [
          {
            match: { type: '*', provider: 'acme-billing', tenant: 'default' },
            targets: [{ kind: 'eventbridge' }],
          },
          { match: { type: '*', provider: 'stripe', tenant: 'acme' }, targets: [{ kind: 'eventbridge' }] },
        ],
      });

      expect(config.routes).toHaveLength(2);
    });

    it('refuses routes and provider options too large for their function environments', () => {
      const route = { match: { type: 'a.very.long.event.type.*' }, targets: [{ kind: 'eventbridge' }] };
      const sender = (n: number) => [
        `sender-${n}`,
        { signatureHeader: `x-${'s'.repeat(200)}`, id: { jsonPath: 'id' }, type: { value: 't' } },
      ];

      const problems = problemsOf({
        providers: { stripe: {} },
        genericHmac: Object.fromEntries(Array.from({ length: 12 }, (_, n) => sender(n))),
        routes: Array.from({ length: 60 }, () => route),
      });

      expect(problems).toEqual([
        expect.stringMatching(
          /^providers and genericHmac: their options take \d+ bytes of the replay function's environment/,
        ),
        expect.stringMatching(/^routes: take \d+ bytes of the consumer's environment, which allows 3000/),
      ]);
    });

    it('answers with the configuration or the problems, never by throwing', () => {
      expect(checkConfig({ providers: { stripe: {} } })).toMatchObject({
        ok: true,
        config: { enabledProviders: [{ id: 'stripe' }] },
      });
      expect(checkConfig({ providers: { stripe: {} }, stage: 'qa' })).toEqual({
        ok: false,
        problems: [expect.stringMatching(/^stage: /)],
      });
      expect(checkConfig('relayflow')).toEqual({
        ok: false,
        problems: ['Invalid input: expected object, received string'],
      });
    });

    it('reports a file it cannot read or that exports nothing as a problem of that file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'relayflow-config-'));
      writeFileSync(join(dir, 'empty.js'), 'module.exports = {};\n');

      expect(checkConfigFile({ RELAYFLOW_CONFIG: 'missing.json' }, dir)).toEqual({
        ok: false,
        source: join(dir, 'missing.json'),
        problems: ['file not found'],
      });
      expect(checkConfigFile({ RELAYFLOW_CONFIG: 'empty.js' }, dir)).toEqual({
        ok: false,
        source: join(dir, 'empty.js'),
        problems: [expect.stringMatching(/^exports no configuration/)],
      });
    });

    it('formats the problems as the file and one line each', () => {
      expect(formatConfigProblems('/app/relayflow.config.ts', ['a: b', 'c: d'])).toBe(
        'Invalid RelayFlow configuration (/app/relayflow.config.ts): 2 problems\n  - a: b\n  - c: d',
      );
    });
  });
});

describe('the local demo route', () => {
  const url = 'http://127.0.0.1:3001/deliveries';

  it('routes every event to the demo target when the configuration declares no routes', () => {
    const config = withLocalDemoRoute(parseConfig({ providers: { stripe: {} } }), url);

    expect(config.routes).toEqual([
      expect.objectContaining({
        match: expect.objectContaining({ type: '*' }),
        targets: [expect.objectContaining({ kind: 'http', id: 'demo', url, circuitHalfOpenAfterMs: 5_000 })],
      }),
    ]);
  });

  it('sends what no route of the configuration takes to the demo target, after its own routes', () => {
    const own = parseConfig({
      providers: { stripe: {} },
      routes: [
        {
          match: { type: 'invoice.*' },
          targets: [{ kind: 'http', id: 'mine', url: 'https://example.com/hook' }],
        },
      ],
    });

    expect(withLocalDemoRoute(own, url).routes.map((r) => r.targets[0]?.id)).toEqual(['mine', 'demo']);
  });

  it('leaves a configuration with a catch-all route of its own alone', () => {
    const own = parseConfig({
      providers: { stripe: {} },
      routes: [
        { match: { type: '*' }, targets: [{ kind: 'http', id: 'mine', url: 'https://example.com/hook' }] },
      ],
    });

    expect(withLocalDemoRoute(own, url)).toBe(own);
  });
});
