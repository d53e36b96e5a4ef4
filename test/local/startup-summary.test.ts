import { startupSummary } from '../../local/startup-summary';

const SECRET = 'whsec_do_not_print_me';

const aRuntime = () => ({
  stackName: 'RelayFlow',
  startupMs: 42,
  webhookUrls: { stripe: 'http://127.0.0.1:3000/webhooks/stripe' },
  endpoints: {
    api: 'http://127.0.0.1:3000',
    sqs: 'http://127.0.0.1:1',
    dynamodb: 'http://127.0.0.1:2',
    s3: 'http://127.0.0.1:3',
    secretsmanager: 'http://127.0.0.1:4',
    stepfunctions: 'http://127.0.0.1:5',
    eventbridge: 'http://127.0.0.1:6',
    cloudformation: 'http://127.0.0.1:7',
    sns: 'http://127.0.0.1:8',
    cloudwatch: 'http://127.0.0.1:9',
    lambda: 'http://127.0.0.1:10',
    firehose: 'http://127.0.0.1:11',
    scheduler: 'http://127.0.0.1:12',
  },
  secrets: [
    {
      provider: 'stripe',
      secretName: 'RelayFlow-ProviderSecretsstripe',
      value: { signingSecrets: [SECRET] },
      source: 'generated' as const,
    },
    {
      provider: 'stripe',
      tenant: 'acme',
      secretName: 'RelayFlow-ProviderSecretsstripeacme',
      value: { signingSecrets: ['whsec_second'] },
      source: 'environment' as const,
    },
  ],
});

describe('the npm start summary', () => {
  it('names each signing secret without printing its value, and says how to print them', () => {
    const text = startupSummary(aRuntime(), { stateFile: '/tmp/local.json' });

    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('whsec_second');
    expect(text).toContain(
      'RelayFlow-ProviderSecretsstripe  (generated; set RELAYFLOW_SECRET_STRIPE to choose)',
    );
    expect(text).toContain('stripe/acme');
    expect(text).toContain('npm start -- --show-secrets');
  });

  it('prints the values when asked with --show-secrets', () => {
    const text = startupSummary(aRuntime(), { stateFile: '/tmp/local.json', showSecrets: true });

    expect(text).toContain(`RelayFlow-ProviderSecretsstripe: ${SECRET}`);
    expect(text).toContain('RelayFlow-ProviderSecretsstripeacme: whsec_second  (from the environment)');
  });

  it('still lists the webhook URLs and the emulated endpoints', () => {
    const text = startupSummary(aRuntime(), { stateFile: '/tmp/local.json' });

    expect(text).toContain('http://127.0.0.1:3000/webhooks/stripe');
    expect(text).toContain('secretsmanager');
    expect(text).toContain("The webhook API's description:  http://127.0.0.1:3000/api-docs");
  });
});
