import {
  developmentCredentials,
  generatedSecretString,
  localSecretFor,
  type ChannelCredentialsValue,
  type ProviderSecretValue,
} from '../dev-secrets';
import { API_FAKE_PROVIDERS, localApiCredentials, type ApiFakeProvider } from '../emulators/provider-apis';
import { resourcesOfType, type LocalResource, type Template, type TemplateResource } from '../template';
import { physicalName, resolveIn, stringProperty, type ProvisionContext, type Provisioner } from './context';

/**
 * Metadata the ProviderSecrets construct writes on each secret (lib/constructs/provider-secrets.ts,
 * pinned by its test). Spelled out here rather than imported, which would load the CDK library.
 */
const PROVIDER_METADATA = 'RelayFlow::Provider';
const TENANT_METADATA = 'RelayFlow::Tenant';
/** Metadata the ChannelSecrets construct writes on each secret (lib/constructs/channel-secrets.ts). */
const CHANNEL_METADATA = 'RelayFlow::Channel';
/** Metadata the Reconciliation construct writes on each API credentials secret (lib/constructs/reconciliation.ts). */
const RECONCILIATION_METADATA = 'RelayFlow::Reconciliation';

/**
 * A reconciliation secret's local value: the API credentials the provider-API fakes accept
 * (Stripe, GitHub), or development credentials of the provider's channel form (Twilio, Postmark,
 * Mailgun, whose APIs the channel fakes serve).
 */
const reconciliationCredentials = (provider: string, urls: ChannelUrls): unknown =>
  (API_FAKE_PROVIDERS as readonly string[]).includes(provider)
    ? localApiCredentials(provider as ApiFakeProvider)
    : developmentCredentials(provider, urls);

export interface ProviderSecretInUse {
  readonly provider: string;
  readonly tenant?: string;
  readonly secretName: string;
  readonly value: ProviderSecretValue;
  readonly source: 'environment' | 'generated';
}

/** A channel adapter's secret, holding development credentials. */
export interface ChannelSecretInUse {
  readonly via: string;
  readonly tenant?: string;
  readonly secretName: string;
  readonly value: ChannelCredentialsValue;
}

/** The channel fakes' base URLs by adapter. */
export type ChannelUrls = Readonly<Partial<Record<string, string>>>;

const CHANNEL_URL_VARIABLE = /^RELAYFLOW_CHANNEL_URL_([A-Z0-9_]+)$/;

/** The base URLs `RELAYFLOW_CHANNEL_URL_<VIA>` variables give, as the functions read them. */
const channelUrlsIn = (env: NodeJS.ProcessEnv): ChannelUrls =>
  Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) => {
      const via = CHANNEL_URL_VARIABLE.exec(name)?.[1];
      return via && value ? [[via.toLowerCase().replaceAll('_', '-'), value]] : [];
    }),
  );

const metadataOf = (secret: TemplateResource, key: string): string | undefined => {
  const value = secret.Metadata?.[key];
  return typeof value === 'string' ? value : undefined;
};

/**
 * AWS::SecretsManager::Secret with its template value. A provider's signing secret (marked by
 * its metadata) holds the local signing secret instead: `RELAYFLOW_SECRET_<PROVIDER>`, or one
 * generated in the provider's form. A channel adapter's secret (`RelayFlow::Channel`), created
 * empty (`{}`) for the operator to fill, holds fresh development credentials in the adapter's
 * form, pointed at the channel fakes where a credential is a URL (FCM's `tokenUrl`): `channelUrls`
 * (the fakes' base URLs), else the `RELAYFLOW_CHANNEL_URL_<VIA>` variables of `ctx.env`.
 */
export const provisionSecrets = (
  template: Template,
  ctx: ProvisionContext,
  channelUrls: ChannelUrls = {},
): ReturnType<
  Provisioner<{
    readonly providerSecrets: readonly ProviderSecretInUse[];
    readonly channelSecrets: readonly ChannelSecretInUse[];
  }>
> => {
  const resources = new Map<string, LocalResource>();
  const providerSecrets: ProviderSecretInUse[] = [];
  const channelSecrets: ChannelSecretInUse[] = [];
  const urls: ChannelUrls = { ...channelUrlsIn(ctx.env), ...channelUrls };
  const resolve = resolveIn(ctx);
  for (const [id, secret] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
    const name = stringProperty(secret, 'Name') ?? physicalName(ctx.stackName, id, 200);
    const provider = metadataOf(secret, PROVIDER_METADATA);
    const tenant = metadataOf(secret, TENANT_METADATA);
    const via = metadataOf(secret, CHANNEL_METADATA);
    const local = provider ? localSecretFor(provider, ctx.env) : undefined;
    const credentials = via ? developmentCredentials(via, urls) : undefined;
    const reconciled = metadataOf(secret, RECONCILIATION_METADATA);
    const apiCredentials = reconciled ? reconciliationCredentials(reconciled, urls) : undefined;
    const generate = secret.Properties?.GenerateSecretString as
      Parameters<typeof generatedSecretString>[0] | undefined;
    const value = local
      ? JSON.stringify(local.value)
      : credentials
        ? JSON.stringify(credentials)
        : apiCredentials
          ? JSON.stringify(apiCredentials)
          : generate
            ? generatedSecretString(generate)
            : String(resolve(secret.Properties?.SecretString ?? '{}'));
    const created = ctx.services.secretsManager.createSecret({ Name: name, SecretString: value });
    resources.set(id, { ref: created.ARN, attributes: { Id: created.ARN } });
    if (provider && local)
      providerSecrets.push({ provider, ...(tenant ? { tenant } : {}), secretName: name, ...local });
    if (via && credentials)
      channelSecrets.push({ via, ...(tenant ? { tenant } : {}), secretName: name, value: credentials });
  }
  return Promise.resolve({ resources, providerSecrets, channelSecrets });
};
