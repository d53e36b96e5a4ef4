import { ConfigError, parseConfig } from '../../lib/config';

const problemsOf = (input: unknown): readonly string[] => {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

const base = { providers: { stripe: {} }, tenants: [{ id: 'acme' }] };

describe('eventSources in the configuration', () => {
  it('defaults to none, and takes a bus by name or ARN with a pattern, a tenant and an entity path', () => {
    expect(parseConfig(base).eventSources).toEqual([]);
    const sources = [
      { bus: 'orders', pattern: { source: ['com.example.shop'] } },
      {
        bus: 'arn:aws:events:eu-west-1:123456789012:event-bus/billing',
        pattern: { 'detail-type': ['Invoice Paid'] },
        tenant: 'acme',
        entity: { kind: 'invoice', path: 'invoiceId' },
      },
    ];

    expect(parseConfig({ ...base, eventSources: sources }).eventSources).toEqual(sources);
  });

  it('lists every problem of every source at once, patterns checked field by field', () => {
    expect(
      problemsOf({
        ...base,
        eventSources: [
          { bus: 'has spaces', pattern: { source: 'com.example.shop' } },
          { bus: 'orders', pattern: { detail: { amount: [{ numeric: ['>'] }] } }, tenant: 'nobody' },
          { bus: 'orders', pattern: {}, extra: true },
        ],
      }),
    ).toEqual([
      'eventSources[0].bus: an event bus name or ARN',
      'eventSources[0].pattern.source: must be a list of matchers (["value"]) or a nested pattern',
      'eventSources[1].pattern.detail.amount[0].numeric: must list operator, number pairs ("<", 10, ">=", 0)',
      'eventSources[1].tenant: no tenant "nobody" (tenants: "default", "acme")',
      'eventSources[2].pattern: an event pattern matches on at least one field',
      'eventSources[2]: Unrecognized key: "extra"',
    ]);
  });

  it('refuses more sources than the function’s resource policy holds', () => {
    const many = Array.from({ length: 51 }, () => ({ bus: 'orders', pattern: { source: ['x'] } }));

    expect(problemsOf({ ...base, eventSources: many })).toEqual([expect.stringMatching(/^eventSources: /)]);
  });
});

describe('provider "internal" in the configuration', () => {
  it('is a provider routes may match, enabled or not', () => {
    const config = parseConfig({
      ...base,
      routes: [
        {
          match: { provider: 'internal', type: 'order.*' },
          targets: [{ kind: 'http', url: 'https://example.com/orders' }],
        },
      ],
    });

    expect(config.routes[0]?.match.provider).toBe('internal');
  });

  it('is no id a generic sender may take', () => {
    expect(
      problemsOf({
        ...base,
        genericHmac: {
          internal: { signatureHeader: 'x-sig', id: { jsonPath: 'id' }, type: { jsonPath: 'type' } },
        },
      }),
    ).toContain('genericHmac.internal: id is reserved: domain events are published as provider "internal"');
  });
});
