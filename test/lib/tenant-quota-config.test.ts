import {
  ConfigError,
  consumerQuotas,
  MAX_JSON_ENV_BYTES,
  parseConfig,
  tenantQuotas,
  type RelayFlowConfigInput,
} from '../../lib/config';

const problemsOf = (input: RelayFlowConfigInput): readonly string[] => {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

const base = { providers: { stripe: {} } } satisfies RelayFlowConfigInput;

describe('tenant quotas in the configuration', () => {
  it('reads each tenant quota and the default tenant one, leaving out tenants without', () => {
    const config = parseConfig({
      ...base,
      defaultTenantQuota: { lagAlarmMinutes: 10 },
      tenants: [
        { id: 'acme', quota: { eventsPerSecond: 2.5, maxConcurrent: 3, lagAlarmMinutes: 5 } },
        { id: 'beta' },
      ],
    });

    const quotas = tenantQuotas(config);

    expect(Object.fromEntries(quotas)).toEqual({
      default: { lagAlarmMinutes: 10 },
      acme: { eventsPerSecond: 2.5, maxConcurrent: 3, lagAlarmMinutes: 5 },
    });
    // The alarm threshold is not the consumer's business, nor is a tenant with only an alarm.
    expect(JSON.parse(JSON.stringify(consumerQuotas(quotas)))).toEqual({
      acme: { eventsPerSecond: 2.5, maxConcurrent: 3 },
    });
  });

  it('has no quotas when none is configured', () => {
    const config = parseConfig({ ...base, tenants: [{ id: 'acme' }] });

    expect(tenantQuotas(config).size).toBe(0);
    expect(consumerQuotas(tenantQuotas(config))).toEqual({});
  });

  it('refuses non-positive, fractional and non-numeric values, each at its place', () => {
    const problems = problemsOf({
      ...base,
      defaultTenantQuota: { eventsPerSecond: 0 },
      tenants: [
        { id: 'acme', quota: { eventsPerSecond: -1, maxConcurrent: 1.5, lagAlarmMinutes: 0 } },
        { id: 'beta', quota: { maxConcurrent: 0, eventsPerSecond: '5' as unknown as number } },
      ],
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        'tenants[0].quota.eventsPerSecond: must be a positive number of events per second',
        'tenants[0].quota.maxConcurrent: must be a whole number of events',
        'tenants[0].quota.lagAlarmMinutes: must be at least 1 minute',
        'tenants[1].quota.maxConcurrent: must be at least 1',
        'tenants[1].quota.eventsPerSecond: must be a number of events per second',
        'defaultTenantQuota.eventsPerSecond: must be a positive number of events per second',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('refuses an empty quota and unknown fields', () => {
    const problems = problemsOf({
      ...base,
      tenants: [
        { id: 'acme', quota: {} },
        { id: 'beta', quota: { rate: 5 } as never },
      ],
    });

    expect(problems).toEqual([
      'tenants[0].quota: set at least one of eventsPerSecond, maxConcurrent and lagAlarmMinutes, or leave quota out',
      expect.stringMatching(/^tenants\[1\]\.quota: .*rate/),
      // A misspelt field leaves the quota without any field it knows.
      'tenants[1].quota: set at least one of eventsPerSecond, maxConcurrent and lagAlarmMinutes, or leave quota out',
    ]);
  });

  it('refuses a concurrency cap the consumer never reaches', () => {
    const problems = problemsOf({
      ...base,
      consumer: { maxConcurrency: 5 },
      defaultTenantQuota: { maxConcurrent: 5 },
      tenants: [{ id: 'acme', quota: { maxConcurrent: 4 } }],
    });

    expect(problems).toEqual([
      'defaultTenantQuota.maxConcurrent: must be below consumer.maxConcurrency (5), which already caps every tenant together',
    ]);
  });

  it('refuses a quota on a listed default tenant: it has defaultTenantQuota', () => {
    expect(problemsOf({ ...base, tenants: [{ id: 'default', quota: { eventsPerSecond: 1 } }] })).toEqual([
      'tenants[0].quota: the default tenant takes its quota from defaultTenantQuota',
    ]);
  });

  it("refuses quotas that, with the routes, overflow the consumer's environment", () => {
    const tenants = Array.from({ length: 80 }, (_, n) => ({
      id: `tenant-number-${n}`,
      quota: { eventsPerSecond: 1000, maxConcurrent: 5 },
    }));

    const problems = problemsOf({ ...base, tenants });

    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^tenants: their quotas \\(\\d+ bytes\\) and the routes \\(2\\) take more .* ${MAX_JSON_ENV_BYTES} bytes`,
        ),
      ),
    ]);
  });
});
