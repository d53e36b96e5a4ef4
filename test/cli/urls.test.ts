import type { WebhookUrl } from '../../cli/commands/urls';
import type { RelayFlowConfigInput } from '../../lib/config';
import { runAgainst, type CliStack } from '../helpers/cli-run';

const BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const OUTPUTS = {
  ApiUrl: BASE,
  EventTableName: 'RelayFlow-Events',
  WebhookUrlStripe: `${BASE}/webhooks/stripe`,
  WebhookUrlStripeAcme: `${BASE}/webhooks/stripe/acme`,
  WebhookUrlStripeBeta: `${BASE}/webhooks/stripe/beta`,
  SecretStripe: 'RelayFlow-stripe',
  SecretStripeAcme: 'RelayFlow-stripe-acme',
  WebhookUrlStandardWebhooks: `${BASE}/webhooks/standard-webhooks`,
  WebhookUrlStandardWebhooksAcme: `${BASE}/webhooks/standard-webhooks/acme`,
  WebhookUrlStandardWebhooksBeta: `${BASE}/webhooks/standard-webhooks/beta`,
  SecretStandardWebhooks: 'RelayFlow-standard-webhooks',
  SecretStandardWebhooksAcme: 'RelayFlow-standard-webhooks-acme',
  WebhookUrlAcmeBilling: `${BASE}/webhooks/acme-billing`,
  WebhookUrlAcmeBillingAcme: `${BASE}/webhooks/acme-billing/acme`,
  WebhookUrlAcmeBillingBeta: `${BASE}/webhooks/acme-billing/beta`,
  SecretAcmeBilling: 'RelayFlow-acme-billing',
  SecretAcmeBillingAcme: 'RelayFlow-acme-billing-acme',
};
const CONFIG: RelayFlowConfigInput = {
  providers: {
    stripe: {},
    'standard-webhooks': { types: { 'contact.created': 'customer.created' } },
  },
  tenants: [
    { id: 'acme', dedicatedSecrets: true },
    { id: 'beta', dedicatedSecrets: false },
  ],
  genericHmac: {
    'acme-billing': {
      signatureHeader: 'x-acme-signature',
      id: { jsonPath: 'id' },
      type: { jsonPath: 'event' },
    },
  },
};

const urls = (argv: readonly string[], stack: Partial<CliStack> = {}) =>
  runAgainst({ outputs: OUTPUTS, config: CONFIG, ...stack }, argv);

/** The block `relayflow urls` prints for one URL: its first line names provider and tenant. */
const blockOf = (stdout: string, heading: string) =>
  stdout
    .split('\n\n')
    .find((block) => block.startsWith(`${heading}: `))
    ?.split('\n');

describe('relayflow urls', () => {
  it("prints a provider's URL with its dashboard settings and the command that sets its secret", async () => {
    const result = await urls(['urls']);

    expect(result.code).toBe(0);
    expect(blockOf(result.stdout, 'stripe')).toEqual([
      `stripe: ${BASE}/webhooks/stripe`,
      '  Paste into:    Stripe Dashboard → Developers → Webhooks → Add destination: Snapshot payload, your',
      '                 account (or connected accounts), Webhook endpoint, this URL as the endpoint URL',
      '  Events:        payment_intent.succeeded, payment_intent.payment_failed, charge.refunded,',
      '                 invoice.paid, invoice.payment_failed, customer.created, customer.updated,',
      '                 customer.deleted, customer.subscription.created, customer.subscription.updated,',
      '                 customer.subscription.deleted, checkout.session.completed; any other event type you',
      '                 select is stored as stripe.<type>',
      '  Content type:  application/json (Stripe always sends JSON)',
      "  Secret:        the destination's Signing secret (Reveal) on its page; test and live mode",
      '                 destinations each have their own',
      '  Format:        a Stripe endpoint signing secret: whsec_ followed by at least 24 letters and digits',
      '  Then run:      relayflow secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE',
    ]);
  });

  it("prints a tenant's URL with the command for the tenant's own secret", async () => {
    const result = await urls(['urls']);

    const block = blockOf(result.stdout, 'stripe (tenant acme)');
    expect(block?.[0]).toBe(`stripe (tenant acme): ${BASE}/webhooks/stripe/acme`);
    expect(block?.at(-1)).toBe(
      '  Then run:      relayflow secrets set stripe --tenant acme --from-env RELAYFLOW_SECRET_STRIPE_ACME',
    );
  });

  it("says that a tenant without a secret of its own shares the provider's", async () => {
    const result = await urls(['urls']);

    const block = blockOf(result.stdout, 'stripe (tenant beta)');
    expect(block?.slice(-3)).toEqual([
      "  Secret:        shared with stripe's default URL (dedicatedSecrets: false): the same secret, set",
      '                 without --tenant',
      '  Then run:      relayflow secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE',
    ]);
  });

  it('lists every URL of the stack, providers in order and each default before its tenants', async () => {
    const result = await urls(['urls']);

    expect(result.stdout.split('\n\n').map((block) => block.split(':')[0])).toEqual([
      'acme-billing',
      'acme-billing (tenant acme)',
      'acme-billing (tenant beta)',
      'standard-webhooks',
      'standard-webhooks (tenant acme)',
      'standard-webhooks (tenant beta)',
      'stripe',
      'stripe (tenant acme)',
      'stripe (tenant beta)',
    ]);
  });

  it("reads a sender's settings from the configuration the stack was deployed with", async () => {
    const result = await urls(['--json', 'urls', 'standard-webhooks']);

    const [first] = JSON.parse(result.stdout) as WebhookUrl[];
    expect(first?.events).toEqual(['contact.created']);
    const [generic] = JSON.parse((await urls(['--json', 'urls', 'acme-billing'])).stdout) as WebhookUrl[];
    expect(generic?.secret.expected).toMatch(/^the secret acme-billing signs with: at least 16 characters/);
  });

  it('gives the same as data with --json', async () => {
    const result = await urls(['--json', 'urls', 'stripe']);

    const entries = JSON.parse(result.stdout) as WebhookUrl[];
    expect(entries.map((e) => [e.tenant, e.url, e.secret.name, e.secret.shared, e.command])).toEqual([
      [
        undefined,
        `${BASE}/webhooks/stripe`,
        'RelayFlow-stripe',
        false,
        'relayflow secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE',
      ],
      [
        'acme',
        `${BASE}/webhooks/stripe/acme`,
        'RelayFlow-stripe-acme',
        false,
        'relayflow secrets set stripe --tenant acme --from-env RELAYFLOW_SECRET_STRIPE_ACME',
      ],
      [
        'beta',
        `${BASE}/webhooks/stripe/beta`,
        'RelayFlow-stripe',
        true,
        'relayflow secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE',
      ],
    ]);
    expect(entries[0]).toMatchObject({
      provider: 'stripe',
      contentType: 'application/json (Stripe always sends JSON)',
      events: expect.arrayContaining(['payment_intent.succeeded', 'checkout.session.completed']),
      secret: { expected: expect.stringMatching(/^a Stripe endpoint signing secret/) },
    });
  });

  it('names the stack and region in the commands when they are not the defaults', async () => {
    const result = await urls(['--json', '--stack', 'Billing', '--region', 'eu-west-1', 'urls', 'stripe'], {
      stackName: 'Billing',
    });

    expect((JSON.parse(result.stdout) as WebhookUrl[])[0]?.command).toBe(
      'relayflow --stack Billing --region eu-west-1 secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE',
    );
  });

  it('names --local in the commands for the local runtime', async () => {
    const result = await urls(['--json', '--local', 'urls', 'stripe'], { local: true });

    expect((JSON.parse(result.stdout) as WebhookUrl[])[0]?.command).toBe(
      'relayflow --local secrets set stripe --from-env RELAYFLOW_SECRET_STRIPE',
    );
  });

  it('says when the stack has no URL for the provider asked', async () => {
    const result = await urls(['urls', 'github']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Stack RelayFlow has no webhook URL for github.');
  });
});
