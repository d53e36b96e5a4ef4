import { generateKeyPairSync } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { RelayFlowConfigInput } from '../../lib/config';
import { linesOf, runAgainst, type CliStack } from '../helpers/cli-run';

const secretsMock = mockClient(SecretsManagerClient);
/** The secrets' values by name: what Secrets Manager would hold. */
let stored: Map<string, string>;

const OUTPUTS = {
  ApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
  ChannelSecretPostmark: 'RelayFlow-channel-postmark',
  ChannelSecretPostmarkAcme: 'RelayFlow-channel-postmark-acme',
  ChannelSecretTwilio: 'RelayFlow-channel-twilio',
  ChannelSecretFcm: 'RelayFlow-channel-fcm',
};
const CONFIG: RelayFlowConfigInput = {
  providers: { postmark: {} },
  tenants: [{ id: 'acme' }, { id: 'beta' }],
  channels: { postmark: { tenants: ['acme'] }, twilio: {}, fcm: {} },
};

const POSTMARK = { serverToken: 'pm-token-4c1e-secret', from: 'RelayFlow <no-reply@example.com>' };
const TWILIO = {
  accountSid: `AC${'0a'.repeat(16)}`,
  authToken: 'twilio-auth-token-secret',
  from: '+15557122661',
};
const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const run = (argv: readonly string[], stack: Partial<CliStack> = {}) =>
  runAgainst({ outputs: OUTPUTS, config: CONFIG, ...stack }, argv);

const documentOf = (name: string) => JSON.parse(stored.get(name) ?? 'null') as unknown;

/** Every secret value the tests use: none may reach stdout or stderr. */
const SECRET_VALUES = [POSTMARK.serverToken, TWILIO.authToken, 'whsec_leak', PRIVATE_KEY.slice(40, 80)];
const expectNoSecrets = (result: { stdout: string; stderr: string }) => {
  for (const value of SECRET_VALUES) {
    expect(result.stdout).not.toContain(value);
    expect(result.stderr).not.toContain(value);
  }
};

beforeEach(() => {
  stored = new Map(
    Object.entries(OUTPUTS)
      .filter(([key]) => key.startsWith('ChannelSecret'))
      .map(([, name]) => [name, '{}']),
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

describe('relayflow channels credentials', () => {
  it("writes the JSON from --from-env, checked, into the adapter's secret", async () => {
    const result = await run(['channels', 'credentials', 'postmark', '--from-env', 'PM'], {
      env: { PM: JSON.stringify(POSTMARK) },
    });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-channel-postmark')).toEqual(POSTMARK);
    expect(result.stdout).toBe(
      "RelayFlow-channel-postmark now holds postmark's credentials (serverToken, from); the consumer uses them within 5 minutes.",
    );
    expectNoSecrets(result);
  });

  it("writes a tenant's own secret with --tenant, from --stdin", async () => {
    const result = await run(['channels', 'credentials', 'postmark', '--tenant', 'acme', '--stdin'], {
      stdin: `${JSON.stringify(POSTMARK, null, 2)}\n`,
    });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-channel-postmark-acme')).toEqual(POSTMARK);
    expect(documentOf('RelayFlow-channel-postmark')).toEqual({});
    expect(result.stdout).toContain("postmark (tenant acme)'s credentials");
  });

  it('--tenant default is the adapter’s own secret', async () => {
    const result = await run(
      ['channels', 'credentials', 'twilio', '--tenant', 'default', '--from-env', 'T'],
      {
        env: { T: JSON.stringify(TWILIO) },
      },
    );

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-channel-twilio')).toEqual(TWILIO);
  });

  it('stores what the adapter reads, and names the fields it ignored', async () => {
    const result = await run(['--json', 'channels', 'credentials', 'postmark', '--from-env', 'PM'], {
      env: { PM: JSON.stringify({ ...POSTMARK, messageStrem: 'broadcast' }) },
    });
    stored.set('RelayFlow-channel-postmark', JSON.stringify(POSTMARK));
    const again = await run(['--json', 'channels', 'credentials', 'postmark', '--from-env', 'PM'], {
      env: { PM: JSON.stringify(POSTMARK) },
    });

    expect(JSON.parse(result.stdout)).toEqual({
      via: 'postmark',
      secret: 'RelayFlow-channel-postmark',
      fields: ['serverToken', 'from'],
      ignored: ['messageStrem'],
      replaced: false,
    });
    expect(JSON.parse(again.stdout)).toMatchObject({ replaced: true, ignored: [] });
  });

  it('takes an FCM service account key with a PEM private key', async () => {
    const fcm = {
      projectId: 'myproject-b5ae1',
      clientEmail: 'relayflow@myproject-b5ae1.iam.gserviceaccount.com',
      privateKey: PRIVATE_KEY,
      tokenUrl: 'https://oauth2.googleapis.com/token',
    };

    const result = await run(['channels', 'credentials', 'fcm', '--stdin'], { stdin: JSON.stringify(fcm) });

    expect(result.code).toBe(0);
    expect(documentOf('RelayFlow-channel-fcm')).toEqual(fcm);
    expectNoSecrets(result);
  });

  describe('refuses, writing nothing', () => {
    afterEach(() => {
      // eslint-disable-next-line jest/no-standalone-expect -- every refusal here writes nothing
      expect(secretsMock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    });

    it('an unknown adapter, suggesting the nearest, before reaching the stack', async () => {
      const result = await run(['channels', 'credentials', 'postmrak', '--from-env', 'PM'], {
        env: { PM: JSON.stringify(POSTMARK) },
      });

      expect(result.code).toBe(1);
      expect(result.connects).toBe(0);
      expect(linesOf(result.stderr)).toEqual([
        'relayflow: No channel adapter postmrak; did you mean postmark? (adapters: postmark, sendgrid, mailgun, ses, twilio, fcm, webhook).',
      ]);
    });

    it('an adapter the stack does not configure', async () => {
      const result = await run(['channels', 'credentials', 'sendgrid', '--from-env', 'SG'], {
        env: { SG: JSON.stringify({ apiKey: 'SG.x', from: 'a@example.com' }) },
      });

      expect(result.code).toBe(1);
      expect(linesOf(result.stderr)).toEqual([
        'relayflow: The sendgrid channel adapter is not configured in stack RelayFlow; add it under channels in relayflow.config.ts (channels: { sendgrid: {} }) and deploy with npx cdk deploy.',
      ]);
    });

    it('an adapter the local runtime does not configure, saying to restart npm start', async () => {
      const result = await run(['--local', 'channels', 'credentials', 'sendgrid', '--from-env', 'SG'], {
        local: true,
        env: { SG: JSON.stringify({ apiKey: 'SG.x', from: 'a@example.com' }) },
      });

      expect(result.stderr).toContain('not configured in the local runtime');
      expect(result.stderr).toContain('restart npm start');
    });

    it('a tenant without credentials of its own', async () => {
      const result = await run(
        ['channels', 'credentials', 'postmark', '--tenant', 'beta', '--from-env', 'PM'],
        {
          env: { PM: JSON.stringify(POSTMARK) },
        },
      );

      expect(result.code).toBe(1);
      expect(linesOf(result.stderr)).toEqual([
        "relayflow: Tenant beta has no postmark credentials of its own in stack RelayFlow (it uses postmark's); list it in channels.postmark.tenants in relayflow.config.ts and deploy with npx cdk deploy, or set postmark's without --tenant.",
      ]);
    });

    it('a value that is not JSON, without quoting it', async () => {
      const result = await run(['channels', 'credentials', 'postmark', '--from-env', 'PM'], {
        env: { PM: `serverToken=${POSTMARK.serverToken}` },
      });

      expect(result.code).toBe(1);
      expect(result.connects).toBe(0);
      expect(linesOf(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(
        /^relayflow: Environment variable PM is not JSON( \(at character \d+\))?: postmark credentials are a JSON object \(functions\/channels\/postmark\/README\.md\); nothing was written\./,
      );
      expectNoSecrets(result);
    });

    it('JSON that is not an object', async () => {
      const result = await run(['channels', 'credentials', 'webhook', '--stdin'], { stdin: '"whsec_leak"' });

      expect(linesOf(result.stderr)).toEqual([
        'relayflow: Standard input is JSON but not an object: webhook credentials are a JSON object (functions/channels/webhook/README.md); nothing was written.',
      ]);
      expectNoSecrets(result);
    });

    it("a document that does not match the adapter's schema, by field path only", async () => {
      const result = await run(['channels', 'credentials', 'postmark', '--from-env', 'PM'], {
        env: { PM: JSON.stringify({ serverToken: '', from: 42, messageStream: ['whsec_leak'] }) },
      });

      expect(result.code).toBe(1);
      expect(result.connects).toBe(0);
      expect(linesOf(result.stderr)).toEqual([
        'relayflow: Environment variable PM is not postmark credentials (functions/channels/postmark/README.md): serverToken: empty; from: not a string; messageStream: not a string; nothing was written.',
      ]);
      expectNoSecrets(result);
    });

    it("names missing fields and an adapter's own rules (Twilio's sender and auth)", async () => {
      const result = await run(['channels', 'credentials', 'twilio', '--stdin'], {
        stdin: JSON.stringify({ accountSid: TWILIO.accountSid }),
      });

      expect(linesOf(result.stderr)).toEqual([
        'relayflow: Standard input is not twilio credentials (functions/channels/twilio/README.md): Twilio credentials need authToken, or apiKeySid with apiKeySecret; Twilio credentials need a sender: from, whatsappFrom or messagingServiceSid; nothing was written.',
      ]);
    });

    it('an invalid URL or enum value, without quoting it', async () => {
      const fcm = await run(['channels', 'credentials', 'fcm', '--stdin'], {
        stdin: JSON.stringify({
          project_id: 'p',
          client_email: 'e',
          private_key: PRIVATE_KEY,
          tokenUrl: 'whsec_leak',
        }),
      });
      const mailgun = await run(['channels', 'credentials', 'mailgun', '--stdin'], {
        stdin: JSON.stringify({
          apiKey: 'k',
          domain: 'mg.example.com',
          from: 'a@mg.example.com',
          region: 'whsec_leak',
        }),
      });

      expect(fcm.stderr).toContain(
        'projectId: missing; clientEmail: missing; privateKey: missing; tokenUrl: not a URL; nothing was written. A service account key file names them project_id, client_email, private_key and token_uri',
      );
      expect(mailgun.stderr).toContain('region: not one of "us", "eu"; nothing was written.');
      expectNoSecrets(fcm);
      expectNoSecrets(mailgun);
    });

    it('a value given as an argument, or neither source, or both', async () => {
      const asArgument = await run([
        'channels',
        'credentials',
        'postmark',
        '--from-env',
        JSON.stringify(POSTMARK),
      ]);
      const neither = await run(['channels', 'credentials', 'postmark']);
      const both = await run(['channels', 'credentials', 'postmark', '--from-env', 'PM', '--stdin'], {
        env: { PM: '{}' },
        stdin: '{}',
      });
      const unset = await run(['channels', 'credentials', 'postmark', '--from-env', 'NOPE']);
      const empty = await run(['channels', 'credentials', 'postmark', '--stdin'], { stdin: '\n' });

      expect(linesOf(asArgument.stderr)).toEqual([
        'relayflow: --from-env takes the name of an environment variable, and what it was given is not one; nothing was written (if it was the credentials, remove them from your shell history).',
      ]);
      expectNoSecrets(asArgument);
      expect(neither.stderr).toContain('Give the credentials with --from-env <VARIABLE> or --stdin');
      expect(both.stderr).toContain('Give the credentials with --from-env <VARIABLE> or --stdin');
      expect(linesOf(unset.stderr)).toEqual(['relayflow: Environment variable NOPE is not set.']);
      expect(linesOf(empty.stderr)).toEqual(['relayflow: Standard input is empty.']);
      for (const result of [asArgument, neither, both, unset, empty]) expect(result.connects).toBe(0);
    });
  });
});

describe('relayflow channels list', () => {
  it('lists each configured adapter and tenant, whether its credentials pass, never the values', async () => {
    stored.set('RelayFlow-channel-postmark', JSON.stringify(POSTMARK));
    stored.set('RelayFlow-channel-twilio', JSON.stringify({ accountSid: TWILIO.accountSid }));

    const result = await run(['channels', 'list']);

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'VIA       TENANT  CHANNELS       CREDENTIALS   SECRET',
      'postmark          email          yes           RelayFlow-channel-postmark',
      'postmark  acme                   no (empty)    RelayFlow-channel-postmark-acme',
      'twilio            sms, whatsapp  no (invalid)  RelayFlow-channel-twilio',
      'fcm               push           no (empty)    RelayFlow-channel-fcm',
      '',
      'Messages through an adapter without credentials wait and retry; set them with relayflow channels credentials <via> [--tenant <id>] --from-env <VARIABLE>.',
    ]);
    expectNoSecrets(result);
  });

  it('prints JSON with --json', async () => {
    stored.set('RelayFlow-channel-postmark-acme', JSON.stringify(POSTMARK));
    stored.delete('RelayFlow-channel-fcm');

    const result = await run(['--json', 'channels', 'list']);

    expect(JSON.parse(result.stdout)).toEqual([
      {
        via: 'postmark',
        channels: ['email'],
        secret: 'RelayFlow-channel-postmark',
        credentials: 'empty',
        ok: false,
        tenants: [
          { tenant: 'acme', secret: 'RelayFlow-channel-postmark-acme', credentials: 'set', ok: true },
        ],
      },
      {
        via: 'twilio',
        channels: ['sms', 'whatsapp'],
        secret: 'RelayFlow-channel-twilio',
        credentials: 'empty',
        ok: false,
        tenants: [],
      },
      {
        via: 'fcm',
        channels: ['push'],
        secret: 'RelayFlow-channel-fcm',
        credentials: 'missing',
        ok: false,
        tenants: [],
      },
    ]);
    expectNoSecrets(result);
  });

  it('names the one command to run when a single secret lacks credentials', async () => {
    stored.set('RelayFlow-channel-webhook', '{}');

    const result = await run(['channels', 'list'], {
      outputs: { ChannelSecretWebhook: 'RelayFlow-channel-webhook' },
    });

    expect(result.stdout).toContain('set them with relayflow channels credentials webhook --from-env');
  });

  it('says how to configure an adapter when the stack has none', async () => {
    const result = await run(['channels', 'list'], { outputs: { ApiUrl: OUTPUTS.ApiUrl } });

    expect(result.stdout).toBe(
      'No channel adapter is configured in stack RelayFlow; add them under channels in relayflow.config.ts (adapters: postmark, sendgrid, mailgun, ses, twilio, fcm, webhook) and deploy with npx cdk deploy.',
    );
  });
});
