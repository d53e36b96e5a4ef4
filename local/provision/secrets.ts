import { generatedSecretString, localSecretFor, type ProviderSecretValue } from '../dev-secrets';
import { resourcesOfType, type LocalResource, type TemplateResource } from '../template';
import { physicalName, resolveIn, stringProperty, type Provisioner } from './context';

/**
 * Metadata the ProviderSecrets construct writes on each secret (lib/constructs/provider-secrets.ts,
 * pinned by its test). Spelled out here rather than imported, which would load the CDK library.
 */
const PROVIDER_METADATA = 'RelayFlow::Provider';
const TENANT_METADATA = 'RelayFlow::Tenant';

export interface ProviderSecretInUse {
  readonly provider: string;
  readonly tenant?: string;
  readonly secretName: string;
  readonly value: ProviderSecretValue;
  readonly source: 'environment' | 'generated';
}

const metadataOf = (secret: TemplateResource, key: string): string | undefined => {
  const value = secret.Metadata?.[key];
  return typeof value === 'string' ? value : undefined;
};

/**
 * AWS::SecretsManager::Secret with its template value. A provider's signing secret (marked by
 * its metadata) holds the local signing secret instead: `RELAYFLOW_SECRET_<PROVIDER>`, or one
 * generated in the provider's form.
 */
export const provisionSecrets: Provisioner<{ readonly providerSecrets: readonly ProviderSecretInUse[] }> = (
  template,
  ctx,
) => {
  const resources = new Map<string, LocalResource>();
  const providerSecrets: ProviderSecretInUse[] = [];
  const resolve = resolveIn(ctx);
  for (const [id, secret] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
    const name = stringProperty(secret, 'Name') ?? physicalName(ctx.stackName, id, 200);
    const provider = metadataOf(secret, PROVIDER_METADATA);
    const tenant = metadataOf(secret, TENANT_METADATA);
    const local = provider ? localSecretFor(provider, ctx.env) : undefined;
    const generate = secret.Properties?.GenerateSecretString as
      Parameters<typeof generatedSecretString>[0] | undefined;
    const value = local
      ? JSON.stringify(local.value)
      : generate
        ? generatedSecretString(generate)
        : String(resolve(secret.Properties?.SecretString ?? '{}'));
    const created = ctx.services.secretsManager.createSecret({ Name: name, SecretString: value });
    resources.set(id, { ref: created.ARN, attributes: { Id: created.ARN } });
    if (provider && local)
      providerSecrets.push({ provider, ...(tenant ? { tenant } : {}), secretName: name, ...local });
  }
  return Promise.resolve({ resources, providerSecrets });
};
