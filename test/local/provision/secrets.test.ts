import { createPrivateKey } from 'node:crypto';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import type { Message } from '#shared/channels/contract';
import { fcmAdapter } from '#shared/channels/fcm/index';
import { ADAPTER_IDS, ADAPTER_LOADERS } from '#shared/channels/registry';
import { ChannelSecrets } from '../../../lib/constructs/channel-secrets';
import { developmentCredentials } from '../../../local/dev-secrets';
import { ChannelFakes } from '../../../local/emulators/channels';
import { SecretsManagerEmulator } from '../../../local/emulators/secretsmanager';
import type { ProvisionContext } from '../../../local/provision/context';
import { provisionSecrets } from '../../../local/provision/secrets';
import type { Template } from '../../../local/template';

const FAKES = 'http://127.0.0.1:4599';
const URLS = Object.fromEntries(
  ['postmark', 'sendgrid', 'mailgun', 'ses', 'twilio', 'fcm'].map((via) => [via, `${FAKES}/${via}`]),
);

/** The template the ChannelSecrets construct makes: the metadata local/provision/secrets.ts reads. */
const channelTemplate = (channels: Record<string, { tenants: string[] }>): Template => {
  const stack = new Stack(new App(), 'RelayFlow');
  new ChannelSecrets(stack, 'ChannelSecrets', { channels, removalPolicy: RemovalPolicy.DESTROY });
  return CdkTemplate.fromStack(stack).toJSON() as Template;
};

const contextOf = (env: NodeJS.ProcessEnv = {}) => {
  const secretsManager = new SecretsManagerEmulator();
  const ctx = {
    resources: new Map(),
    accountId: '000000000000',
    region: 'us-east-1',
    stackName: 'RelayFlow',
    env,
    services: { secretsManager },
  } as unknown as ProvisionContext;
  return { ctx, secretsManager };
};

const valueOf = (secretsManager: SecretsManagerEmulator, name: string) =>
  JSON.parse(secretsManager.getSecretValue({ SecretId: name }).SecretString) as Record<string, string>;

describe('development credentials of the channel adapters', () => {
  it.each(ADAPTER_IDS)("pass the %s adapter's own credentials schema", async (via) => {
    const adapter = await (ADAPTER_LOADERS[via] ?? (() => Promise.reject(new Error(via))))();

    const credentials = developmentCredentials(via, URLS);

    expect(credentials).toBeDefined();
    expect(adapter.credentials.safeParse(credentials).success).toBe(true);
  });

  it('take the forms the local README gives', () => {
    expect(developmentCredentials('postmark', URLS)).toEqual({
      serverToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      from: 'RelayFlow <relayflow@relayflow.example.com>',
    });
    expect(developmentCredentials('sendgrid', URLS)).toEqual({
      apiKey: expect.stringMatching(/^SG\.[\w-]+\.[\w-]+$/),
      from: 'RelayFlow <relayflow@relayflow.example.com>',
    });
    expect(developmentCredentials('mailgun', URLS)).toEqual({
      apiKey: expect.stringMatching(/^[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}$/),
      domain: 'mg.relayflow.example.com',
      from: 'RelayFlow <relayflow@mg.relayflow.example.com>',
    });
    expect(developmentCredentials('ses', URLS)).toEqual({
      from: 'RelayFlow <relayflow@relayflow.example.com>',
    });
    expect(developmentCredentials('twilio', URLS)).toEqual({
      accountSid: expect.stringMatching(/^AC[0-9a-f]{32}$/),
      authToken: expect.stringMatching(/^[0-9a-f]{32}$/),
      from: '+15550000000',
      whatsappFrom: '+15550000001',
    });
    expect(developmentCredentials('webhook', URLS)).toEqual({
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
    });
    expect(developmentCredentials('carrier-pigeon', URLS)).toBeUndefined();
  });

  it("give FCM a fresh RSA key in PEM and the fake's token endpoint", () => {
    const first = developmentCredentials('fcm', URLS) ?? {};
    const second = developmentCredentials('fcm', { fcm: `${FAKES}/fcm/` }) ?? {};

    expect(first).toEqual({
      projectId: 'relayflow-local',
      clientEmail: 'relayflow@relayflow-local.iam.gserviceaccount.com',
      privateKey: expect.stringMatching(
        /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/,
      ),
      tokenUrl: `${FAKES}/fcm/token`,
    });
    expect(createPrivateKey(first.privateKey ?? '').asymmetricKeyType).toBe('rsa');
    expect(second.tokenUrl).toBe(`${FAKES}/fcm/token`);
    expect(second.privateKey).not.toBe(first.privateKey);
  });

  it("let the FCM adapter get a token from the fake's endpoint and send", async () => {
    const fakes = new ChannelFakes({ receiptDelayMs: 0 });
    await fakes.start();
    try {
      const credentials = fcmAdapter.credentials.parse(developmentCredentials('fcm', fakes.urls));
      const message: Message = {
        v: 1,
        id: 'msg-1',
        tenant: 'default',
        channel: 'push',
        via: 'fcm',
        to: 'device-token-1',
        content: { title: 'Hello' },
        correlationId: 'corr-1',
        causationEventId: 'evt-1',
        metadata: {},
      };

      const result = await fcmAdapter.send(message, { credentials, fetch, baseUrl: fakes.urls.fcm });

      expect(result.providerMessageId).toMatch(/^projects\/relayflow-local\/messages\//);
      expect(fakes.sent().map((sent) => sent.status)).toEqual([200]);
    } finally {
      await fakes.stop();
    }
  });

  it('are fresh each time', () => {
    expect(developmentCredentials('twilio', URLS)?.authToken).not.toBe(
      developmentCredentials('twilio', URLS)?.authToken,
    );
  });
});

describe('provisionSecrets', () => {
  it("fills each channel secret, and each tenant's, with development credentials", async () => {
    const template = channelTemplate({ postmark: { tenants: ['acme'] }, fcm: { tenants: [] } });
    const { ctx, secretsManager } = contextOf();

    const { resources, channelSecrets, providerSecrets } = await provisionSecrets(template, ctx, URLS);

    expect(providerSecrets).toEqual([]);
    expect(resources.size).toBe(3);
    expect(channelSecrets.map(({ via, tenant }) => ({ via, tenant }))).toEqual([
      { via: 'postmark', tenant: undefined },
      { via: 'postmark', tenant: 'acme' },
      { via: 'fcm', tenant: undefined },
    ]);
    for (const secret of channelSecrets) {
      const adapter = await (ADAPTER_LOADERS[secret.via] ?? (() => Promise.reject(new Error())))();
      const stored = valueOf(secretsManager, secret.secretName);
      expect(stored).toEqual(secret.value);
      expect(adapter.credentials.safeParse(stored).success).toBe(true);
    }
    const [postmark, acme, fcm] = channelSecrets;
    expect(acme?.value.serverToken).not.toBe(postmark?.value.serverToken);
    expect(fcm?.value.tokenUrl).toBe(`${FAKES}/fcm/token`);
  });

  it('finds the fakes in RELAYFLOW_CHANNEL_URL_<VIA> when not given their URLs', async () => {
    const template = channelTemplate({ fcm: { tenants: [] } });
    const { ctx } = contextOf({ RELAYFLOW_CHANNEL_URL_FCM: 'http://127.0.0.1:4600/fcm' });

    const { channelSecrets } = await provisionSecrets(template, ctx);

    expect(channelSecrets[0]?.value.tokenUrl).toBe('http://127.0.0.1:4600/fcm/token');
  });

  it("leaves a secret of an adapter it does not know, and any other secret, with the template's value", async () => {
    const template: Template = {
      Resources: {
        Pigeon: {
          Type: 'AWS::SecretsManager::Secret',
          Properties: { SecretString: '{}' },
          Metadata: { 'RelayFlow::Channel': 'carrier-pigeon' },
        },
        Other: { Type: 'AWS::SecretsManager::Secret', Properties: { SecretString: '{"a":"b"}' } },
      },
    };
    const { ctx, secretsManager } = contextOf();

    const { channelSecrets } = await provisionSecrets(template, ctx, URLS);

    expect(channelSecrets).toEqual([]);
    expect(valueOf(secretsManager, 'RelayFlow-Pigeon')).toEqual({});
    expect(valueOf(secretsManager, 'RelayFlow-Other')).toEqual({ a: 'b' });
  });
});
