import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { fingerprintOf } from '../../cli/commands/secrets';
import type { RelayFlowConfigInput } from '../../lib/config';
import { linesOf, runAgainst, type CliStack } from '../helpers/cli-run';

const secretsMock = mockClient(SecretsManagerClient);
/** The secrets' values by name: what Secrets Manager would hold. */
let stored: Map<string, string>;

const BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const OUTPUTS = {
  WebhookUrlStripe: `${BASE}/webhooks/stripe`,
  WebhookUrlStripeAcme: `${BASE}/webhooks/stripe/acme`,
  WebhookUrlStripeBeta: `${BASE}/webhooks/stripe/beta`,
  SecretStripe: 'RelayFlow-stripe',
  SecretStripeAcme: 'RelayFlow-stripe-acme',
  WebhookUrlSendgrid: `${BASE}/webhooks/sendgrid`,
  SecretSendgrid: 'RelayFlow-sendgrid',
  WebhookUrlPostmark: `${BASE}/webhooks/postmark`,
  SecretPostmark: 'RelayFlow-postmark',
  WebhookUrlStandardWebhooks: `${BASE}/webhooks/standard-webhooks`,
  SecretStandardWebhooks: 'RelayFlow-standard-webhooks',
  WebhookUrlAcmeBilling: `${BASE}/webhooks/acme-billing`,
  SecretAcmeBilling: 'RelayFlow-acme-billing',
};
const CONFIG: RelayFlowConfigInput = {
  providers: { stripe: {}, sendgrid: {}, postmark: {}, 'standard-webhooks': {} },
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

const STRIPE_OLD = `whsec_${'Old1'.repeat(8)}`;
const STRIPE_NEW = `whsec_${'New2'.repeat(8)}`;
const EMPTY = JSON.stringify({ signingSecrets: [] });

const run = (argv: readonly string[], stack: Partial<CliStack> = {}) =>
  runAgainst({ outputs: OUTPUTS, config: CONFIG, ...stack }, argv);

const documentOf = (name: string) => JSON.parse(stored.get(name) ?? 'null') as unknown;

const p256 = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    der: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  };
};

beforeEach(() => {
  stored = new Map(
    Object.entries(OUTPUTS)
      .filter(([key]) => key.startsWith('Secret'))
      .map(([, name]) => [name, EMPTY]),
  );
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = stored.get(input.SecretId);
    if (value === undefined)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      });
    return { Name: input.SecretId, SecretString: value };
  });
  secretsMock.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string }) => {
    stored.set(input.SecretId, input.SecretString);
    return { Name: input.SecretId };
  });
});

describe('secret fingerprints', () => {
  it('are 8 hex digits of a salted digest, not of the bare value', () => {
    const bare = createHash('sha256').update(STRIPE_OLD).digest('hex');

    expect(fingerprintOf(STRIPE_OLD)).toMatch(/^[0-9a-f]{8}$/);
    expect(fingerprintOf(STRIPE_OLD)).toBe(fingerprintOf(STRIPE_OLD));
    expect(fingerprintOf(STRIPE_OLD)).not.toBe(fingerprintOf(STRIPE_NEW));
    expect(bare.startsWith(fingerprintOf(STRIPE_OLD))).toBe(false);
  });
});

describe('relayflow secrets set', () => {
  it("writes the value from --from-env as the provider's only signing secret", async () => {
    const result = await run(['secrets', 'set', 'stripe', '--from-env', 'STRIPE_SECRET'], {
      env: { STRIPE_SECRET: STRIPE_NEW },
    });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-stripe')).toEqual({ signingSecrets: [STRIPE_NEW] });
    expect(result.stdout).toBe(
      `RelayFlow-stripe now holds stripe's signing secret ${fingerprintOf(STRIPE_NEW)}; verifiers use it within 5 minutes.`,
    );
  });

  it('reads --stdin without the newline a pipe or a paste ends with', async () => {
    const result = await run(['secrets', 'set', 'stripe', '--stdin'], { stdin: `${STRIPE_NEW}\n` });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-stripe')).toEqual({ signingSecrets: [STRIPE_NEW] });
  });

  it('says which secrets it replaced, by fingerprint', async () => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: [STRIPE_OLD] }));

    const result = await run(['--json', 'secrets', 'set', 'stripe', '--from-env', 'S'], {
      env: { S: STRIPE_NEW },
    });

    expect(JSON.parse(result.stdout)).toEqual({
      provider: 'stripe',
      secret: 'RelayFlow-stripe',
      fingerprint: fingerprintOf(STRIPE_NEW),
      replaced: [fingerprintOf(STRIPE_OLD)],
    });
  });

  it("writes a tenant's own secret with --tenant", async () => {
    const result = await run(['secrets', 'set', 'stripe', '--tenant', 'acme', '--from-env', 'S'], {
      env: { S: STRIPE_NEW },
    });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-stripe-acme')).toEqual({ signingSecrets: [STRIPE_NEW] });
    expect(documentOf('RelayFlow-stripe')).toEqual({ signingSecrets: [] });
  });

  it("refuses --tenant for a tenant that shares the provider's secret, writing nothing", async () => {
    const result = await run(['secrets', 'set', 'stripe', '--tenant', 'beta', '--from-env', 'S'], {
      env: { S: STRIPE_NEW },
    });

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      "relayflow: Tenant beta shares stripe's secret (dedicatedSecrets: false); change it without --tenant, which changes it for every tenant that shares it.",
    ]);
    expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('refuses a tenant the stack does not serve', async () => {
    const result = await run(['secrets', 'set', 'stripe', '--tenant', 'gamma', '--from-env', 'S'], {
      env: { S: STRIPE_NEW },
    });

    expect(linesOf(result.stderr)).toEqual([
      'relayflow: Tenant gamma is not in stack RelayFlow; add it to tenants in relayflow.config.ts and deploy with npx cdk deploy.',
    ]);
  });

  it('refuses a provider the stack does not serve', async () => {
    const result = await run(['secrets', 'set', 'github', '--from-env', 'S'], {
      env: { S: 'a-github-secret-of-enough-length' },
    });

    expect(linesOf(result.stderr)).toEqual([
      'relayflow: github is not enabled in stack RelayFlow; enable it in relayflow.config.ts and deploy with npx cdk deploy.',
    ]);
  });

  it.each([
    [
      'stripe',
      'sk_live_51H8abcdefghijklmnopqrstuvwxyz',
      /is not a Stripe endpoint signing secret: whsec_ followed by/,
    ],
    ['sendgrid', 'not-a-key', /is not a SendGrid verification key: an ECDSA P-256 public key/],
    ['postmark', 'only-a-password-without-user', /is not HTTP basic credentials as username:password/],
    [
      'standard-webhooks',
      'whsec_c2hvcnQ=',
      /is not a Standard Webhooks secret: whsec_ followed by the base64 of 24 to 64 bytes/,
    ],
    ['acme-billing', 'short', /is not the secret acme-billing signs with: at least 16 characters/],
  ])(
    'refuses a value in the wrong format for %s in one sentence, before reaching AWS',
    async (provider, value, expected) => {
      const result = await run(['secrets', 'set', provider, '--from-env', 'S'], { env: { S: value } });

      expect(result.code).toBe(1);
      const lines = linesOf(result.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(expected);
      expect(lines[0]).toMatch(/; nothing was written\.$/);
      expect(result.connects).toBe(0);
    },
  );

  it('accepts a generic sender declared in the configuration', async () => {
    const secret = 'a-shared-secret-of-32-characters';

    const result = await run(['secrets', 'set', 'acme-billing', '--from-env', 'S'], { env: { S: secret } });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-acme-billing')).toEqual({ signingSecrets: [secret] });
  });

  it.each([
    [
      ['secrets', 'set', 'stripe'],
      'relayflow: Give the secret with --from-env <VARIABLE> or --stdin (one of them): a value on the command line would stay in the shell history.',
    ],
    [
      ['secrets', 'set', 'stripe', '--from-env', 'S', '--stdin'],
      'relayflow: Give the secret with --from-env <VARIABLE> or --stdin (one of them): a value on the command line would stay in the shell history.',
    ],
    [
      ['secrets', 'set', 'stripe', '--from-env', 'UNSET'],
      'relayflow: Environment variable UNSET is not set.',
    ],
    [['secrets', 'set', 'stripe', '--from-env', 'BLANK'], 'relayflow: Environment variable BLANK is empty.'],
  ])('refuses %j in one sentence', async (argv, message) => {
    const result = await run(argv, { env: { BLANK: ' \n' }, stdin: STRIPE_NEW });

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([message]);
    expect(result.connects).toBe(0);
  });

  it('stores a SendGrid key given as a PEM in the base64 DER form SendGrid shows', async () => {
    const key = p256();

    const result = await run(['secrets', 'set', 'sendgrid', '--stdin'], { stdin: key.pem });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-sendgrid')).toEqual({ signingSecrets: [key.der] });
  });

  it("drops a development secret's private key when its public key is replaced", async () => {
    const development = p256();
    stored.set(
      'RelayFlow-sendgrid',
      JSON.stringify({ signingSecrets: [development.der], signingPrivateKey: development.privateKey }),
    );

    await run(['secrets', 'set', 'sendgrid', '--stdin'], { stdin: p256().der });

    expect(documentOf('RelayFlow-sendgrid')).not.toHaveProperty('signingPrivateKey');
  });
});

describe('relayflow secrets list', () => {
  it('lists the active secrets newest first, by position, fingerprint and format', async () => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: [STRIPE_NEW, STRIPE_OLD, 'legacy'] }));

    const result = await run(['secrets', 'list', 'stripe']);

    expect(result.code).toBe(0);
    const [heading, header, ...rows] = result.stdout.split('\n');
    expect(heading).toBe(
      "RelayFlow-stripe: 3 active signing secrets of stripe, newest first; an event's secretIndex is its position - 1.",
    );
    expect(header).toMatch(/^POSITION\s+FINGERPRINT\s+FORMAT$/);
    expect(rows.map((row) => row.split(/\s+/))).toEqual([
      ['1', fingerprintOf(STRIPE_NEW), 'ok'],
      ['2', fingerprintOf(STRIPE_OLD), 'ok'],
      ['3', fingerprintOf('legacy'), 'unexpected'],
    ]);
  });

  it("lists a tenant's secret as data with --json", async () => {
    stored.set('RelayFlow-stripe-acme', JSON.stringify({ signingSecrets: [STRIPE_OLD] }));

    const result = await run(['--json', 'secrets', 'list', 'stripe', '--tenant', 'acme']);

    expect(JSON.parse(result.stdout)).toEqual({
      provider: 'stripe',
      tenant: 'acme',
      secret: 'RelayFlow-stripe-acme',
      shared: false,
      secrets: [{ position: 1, fingerprint: fingerprintOf(STRIPE_OLD), format: 'ok' }],
    });
  });

  it('says that an empty secret makes every delivery wait, and what to run', async () => {
    const result = await run(['secrets', 'list', 'stripe']);

    expect(result.stdout).toBe(
      'RelayFlow-stripe holds no signing secret for stripe: its deliveries are answered 503 until you run relayflow secrets set stripe --from-env <VARIABLE>.',
    );
  });

  it('says that a secret of another shape must be set again', async () => {
    stored.set('RelayFlow-stripe', 'whsec_pasted_as_plain_text');

    const result = await run(['secrets', 'list', 'stripe']);

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'relayflow: Secret RelayFlow-stripe is not {"signingSecrets": [...]}; replace it with relayflow secrets set stripe.',
    ]);
  });
});

describe('relayflow secrets rotate', () => {
  beforeEach(() => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: [STRIPE_OLD] }));
  });

  it('--add puts the new secret first and keeps the active ones', async () => {
    const result = await run(['secrets', 'rotate', 'stripe', '--add', '--from-env', 'S'], {
      env: { S: STRIPE_NEW },
    });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-stripe')).toEqual({ signingSecrets: [STRIPE_NEW, STRIPE_OLD] });
    expect(result.stdout).toBe(
      `Added ${fingerprintOf(STRIPE_NEW)} to stripe as position 1 of 2; verifiers use it within 5 minutes. Switch stripe to the new secret, then retire the old one: relayflow secrets rotate stripe --retire ${fingerprintOf(STRIPE_OLD)}`,
    );
  });

  it('--add refuses a secret that is already active', async () => {
    const result = await run(['secrets', 'rotate', 'stripe', '--add', '--stdin'], { stdin: STRIPE_OLD });

    expect(linesOf(result.stderr)).toEqual([
      `relayflow: That secret is already active for stripe at position 1 (${fingerprintOf(STRIPE_OLD)}); nothing was written.`,
    ]);
    expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('--retire removes the secret a fingerprint names', async () => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: [STRIPE_NEW, STRIPE_OLD] }));

    const result = await run([
      '--json',
      'secrets',
      'rotate',
      'stripe',
      '--retire',
      fingerprintOf(STRIPE_OLD),
    ]);

    expect(documentOf('RelayFlow-stripe')).toEqual({ signingSecrets: [STRIPE_NEW] });
    expect(JSON.parse(result.stdout)).toEqual({
      provider: 'stripe',
      secret: 'RelayFlow-stripe',
      retired: fingerprintOf(STRIPE_OLD),
      active: [fingerprintOf(STRIPE_NEW)],
    });
  });

  it('--retire removes the secret at a position', async () => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: [STRIPE_NEW, STRIPE_OLD] }));

    await run(['secrets', 'rotate', 'stripe', '--retire', '1']);

    expect(documentOf('RelayFlow-stripe')).toEqual({ signingSecrets: [STRIPE_OLD] });
  });

  it('refuses to retire the last active secret', async () => {
    const result = await run(['secrets', 'rotate', 'stripe', '--retire', '1']);

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      `relayflow: ${fingerprintOf(STRIPE_OLD)} is the only active secret of stripe; retiring it would refuse every delivery (add its successor first with relayflow secrets rotate stripe --add).`,
    ]);
    expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    [
      '0badf00d',
      `relayflow: No active secret of stripe has fingerprint 0badf00d (active: ${fingerprintOf(STRIPE_OLD)}).`,
    ],
    [
      '2',
      'relayflow: stripe has 1 active secret; --retire takes a position from 1 to 1 or a fingerprint (relayflow secrets list stripe).',
    ],
  ])('refuses --retire %s that names no active secret', async (which, message) => {
    const result = await run(['secrets', 'rotate', 'stripe', '--retire', which]);

    expect(linesOf(result.stderr)).toEqual([message]);
  });

  it('takes one step at a time: --add or --retire', async () => {
    const result = await run(['secrets', 'rotate', 'stripe', '--add', '--retire', '1', '--stdin'], {
      stdin: STRIPE_NEW,
    });

    expect(linesOf(result.stderr)).toEqual([
      'relayflow: Give --add (with --from-env or --stdin) or --retire <fingerprint|position>: one step of the rotation at a time.',
    ]);
    expect(result.connects).toBe(0);
  });

  it("keeps a development secret's private key while its public key stays active", async () => {
    const development = p256();
    stored.set(
      'RelayFlow-sendgrid',
      JSON.stringify({ signingSecrets: [development.der], signingPrivateKey: development.privateKey }),
    );
    const next = p256();

    await run(['secrets', 'rotate', 'sendgrid', '--add', '--stdin'], { stdin: next.der });
    const added = documentOf('RelayFlow-sendgrid');
    await run(['secrets', 'rotate', 'sendgrid', '--retire', fingerprintOf(development.der)]);

    expect(added).toEqual({
      signingSecrets: [next.der, development.der],
      signingPrivateKey: development.privateKey,
    });
    expect(documentOf('RelayFlow-sendgrid')).toEqual({ signingSecrets: [next.der] });
  });

  it('explains the rotation in its help', async () => {
    const result = await run(['secrets', 'rotate', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Rotating a signing secret without refusing a delivery:');
    expect(result.stdout).toContain('relayflow secrets rotate <provider> --retire <fingerprint|position>');
    expect(result.stdout).toContain('The last active secret cannot be retired.');
  });
});

describe('secret values', () => {
  const secret = `whsec_${'Tell4No1'.repeat(4)}`;

  const active = [secret, STRIPE_OLD];
  const before = [STRIPE_OLD];
  it.each([
    ['set', ['secrets', 'set', 'stripe', '--from-env', 'S'], before, 0],
    ['set --json', ['--json', 'secrets', 'set', 'stripe', '--from-env', 'S'], before, 0],
    ['set of a value in the wrong format', ['secrets', 'set', 'postmark', '--from-env', 'S'], before, 1],
    ['rotate --add', ['secrets', 'rotate', 'stripe', '--add', '--from-env', 'S'], before, 0],
    ['rotate --add --json', ['--json', 'secrets', 'rotate', 'stripe', '--add', '--from-env', 'S'], before, 0],
    ['rotate --add of an active one', ['secrets', 'rotate', 'stripe', '--add', '--from-env', 'S'], active, 1],
    ['list', ['secrets', 'list', 'stripe'], active, 0],
    ['list --json', ['--json', 'secrets', 'list', 'stripe'], active, 0],
    ['retire', ['secrets', 'rotate', 'stripe', '--retire', '1'], active, 0],
    ['retire --json', ['--json', 'secrets', 'rotate', 'stripe', '--retire', '1'], active, 0],
  ])('never appear in the output of %s', async (_name, argv, initial, code) => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: initial }));

    const result = await run(argv, { env: { S: secret } });

    expect(result.code).toBe(code);
    expect(`${result.stdout}\n${result.stderr}`).not.toContain(secret);
    expect(`${result.stdout}\n${result.stderr}`).not.toContain('Tell4No1');
  });

  it.each([
    ['a value in the format', ['secrets', 'set', 'stripe', '--from-env', secret]],
    ['text that is no variable name', ['secrets', 'set', 'postmark', `--from-env=hooks:${secret}`]],
  ])('are not printed back when given to --from-env as %s', async (_name, argv) => {
    const result = await run(argv);

    expect(linesOf(result.stderr)).toEqual([
      'relayflow: --from-env takes the name of an environment variable, and what it was given looks like a secret; nothing was written (remove it from your shell history).',
    ]);
  });

  it('are not printed back when given to --retire', async () => {
    stored.set('RelayFlow-stripe', JSON.stringify({ signingSecrets: [secret, STRIPE_OLD] }));

    const result = await run(['secrets', 'rotate', 'stripe', '--retire', secret]);

    expect(linesOf(result.stderr)).toEqual([
      'relayflow: --retire takes a fingerprint (8 hex digits) or a position, as relayflow secrets list stripe shows them.',
    ]);
  });

  it('are not printed back when given as an argument', async () => {
    const result = await run(['secrets', 'set', 'stripe', secret]);

    expect(result.code).toBe(1);
    expect(`${result.stdout}\n${result.stderr}`).not.toContain('Tell4No1');
  });

  it('never appear in the error of a failed write', async () => {
    secretsMock
      .on(PutSecretValueCommand)
      .rejects(new Error('User is not authorized to perform secretsmanager:PutSecretValue'));

    const result = await run(['secrets', 'set', 'stripe', '--from-env', 'S'], { env: { S: secret } });

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'relayflow: User is not authorized to perform secretsmanager:PutSecretValue.',
    ]);
    expect(result.stdout).toBe('');
  });
});
