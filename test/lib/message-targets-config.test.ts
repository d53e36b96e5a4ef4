import { ConfigError, parseConfig } from '../../lib/config';

const problemsOf = (input: unknown): readonly string[] => {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

const target = (overrides: Record<string, unknown>) => ({
  kind: 'message',
  channel: 'sms',
  via: 'twilio',
  to: '{{data.phone}}',
  content: { body: 'Paid {{data.amountText}}' },
  ...overrides,
});

const withTargets = (
  targets: unknown[],
  channels: Record<string, unknown> = { twilio: {}, postmark: {} },
) => ({
  providers: { stripe: {} },
  channels,
  routes: [{ match: { type: 'payment.*' }, targets }],
});

describe('message targets in the configuration', () => {
  it('accepts a target with inline content and one with a template, and fills onUncertain', () => {
    const config = parseConfig(
      withTargets([
        target({ id: 'a' }),
        target({
          id: 'b',
          channel: 'email',
          via: 'postmark',
          to: '{{data.email}}',
          content: undefined,
          template: 'payment-receipt',
        }),
      ]),
    );
    expect(config.routes?.[0]?.targets).toEqual([
      expect.objectContaining({ id: 'a', onUncertain: 'hold' }),
      expect.objectContaining({ id: 'b', template: 'payment-receipt', onUncertain: 'hold' }),
    ]);
  });

  it('lists every problem of every message target at once, each with its path', () => {
    const problems = problemsOf(
      withTargets(
        [
          target({ id: 't0', via: 'pigeon' }),
          target({ id: 't1', via: 'postmark' }),
          target({ id: 't2', channel: 'push', via: 'fcm', content: { title: 'x' } }),
          target({ id: 't3', template: 'payment-receipt' }),
          target({ id: 't4', content: undefined }),
          target({ id: 't5', content: undefined, template: 'no-such-template' }),
          target({ id: 't6', content: undefined, template: 'order-shipped' }),
          target({ id: 't7', content: { body: '{{#a}} never closed' } }),
          target({ id: 't8', content: { body: 'hi', subject: 'an email field' } }),
          target({ id: 't9', to: '{{data.phone' }),
        ],
        { twilio: {}, postmark: {} },
      ),
    );
    const adapters = '"postmark", "sendgrid", "mailgun", "ses", "twilio", "fcm", "webhook"';
    // Every one, once, in order, each with its path.
    expect(problems).toEqual([
      `routes[0].targets[0].via: no channel adapter "pigeon" (adapters: ${adapters})`,
      'routes[0].targets[1].channel: postmark sends email, not sms',
      'routes[0].targets[2].via: add fcm to `channels` (it holds the adapter\'s credentials); configured: "twilio", "postmark"',
      'routes[0].targets[3]: give exactly one of `template` (a name) and `content`',
      'routes[0].targets[4]: give exactly one of `template` (a name) and `content`',
      'routes[0].targets[5].template: template "no-such-template" does not exist (known: payment-receipt, dunning-reminder, order-shipped)',
      'routes[0].targets[6].template: template "order-shipped" has no sms version',
      'routes[0].targets[7].content.body: template: Unclosed section "a" at 19',
      'routes[0].targets[8].content: content: Unrecognized key: "subject"',
      'routes[0].targets[9].to: template: Unclosed tag at 12',
    ]);
    expect(new Set(problems).size).toBe(problems.length);
  });

  it('checks a named template’s content against the channel, and its syntax', () => {
    // The repository's templates are well formed: a target naming one for its channel is clean.
    expect(() =>
      parseConfig(
        withTargets([target({ content: undefined, template: 'dunning-reminder', channel: 'whatsapp' })]),
      ),
    ).not.toThrow();
  });

  it('refuses an unknown adapter in `channels` and a tenant it does not know', () => {
    const problems = problemsOf({
      providers: { stripe: {} },
      channels: { pigeon: {}, twilio: { tenants: ['ghost'] } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^channels\.pigeon: no channel adapter "pigeon"/),
        'channels.twilio.tenants[0]: no tenant "ghost" (tenants: "default")',
      ]),
    );
  });

  it('refuses a misspelt field and an unknown onUncertain by the target schema', () => {
    const problems = problemsOf(withTargets([target({ onUncertain: 'retry', tmplate: 'x' })]));
    expect(problems.some((p) => p.startsWith('routes[0].targets[0]'))).toBe(true);
    expect(problems.join('\n')).toMatch(/tmplate|onUncertain/);
  });
});
