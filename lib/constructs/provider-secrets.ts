import type { RemovalPolicy } from 'aws-cdk-lib';
import { SecretValue, Validations } from 'aws-cdk-lib';
import { Secret, type CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Template metadata naming the provider a secret signs for. */
const PROVIDER_METADATA = 'RelayFlow::Provider';
/** Template metadata naming the dedicated tenant a secret belongs to, if any. */
const TENANT_METADATA = 'RelayFlow::Tenant';

export interface ProviderSecretsProps {
  readonly providerIds: readonly string[];
  /** Tenants that get their own secret for every provider instead of sharing the provider's. */
  readonly dedicatedTenants: readonly string[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One Secrets Manager secret per provider, plus one per provider and dedicated tenant. Each
 * holds `{"signingSecrets": [...]}`: several entries are active at once during a rotation.
 * They are created empty; the operator pastes the provider's secret in (README, "Deploy").
 */
export class ProviderSecrets extends Construct {
  private readonly shared = new Map<string, Secret>();
  private readonly perTenant = new Map<string, Map<string, Secret>>();

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    for (const provider of props.providerIds) {
      this.shared.set(
        provider,
        this.create(`${provider}`, `RelayFlow signing secrets for ${provider}`, props.removalPolicy, {
          provider,
        }),
      );
      const tenants = new Map<string, Secret>();
      for (const tenant of props.dedicatedTenants) {
        tenants.set(
          tenant,
          this.create(
            `${provider}-${tenant}`,
            `RelayFlow signing secrets for ${provider}, tenant ${tenant}`,
            props.removalPolicy,
            { provider, tenant },
          ),
        );
      }
      this.perTenant.set(provider, tenants);
    }
  }

  private create(
    id: string,
    description: string,
    removalPolicy: RemovalPolicy,
    owner: { provider: string; tenant?: string },
  ): Secret {
    const secret = new Secret(this, id, {
      description,
      // Not a secret: an empty list for the operator to fill. Requests are answered 503 (and
      // retried by the provider) until a signing secret is in place, so nothing is lost.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ signingSecrets: [] })),
      removalPolicy,
    });
    // Says whose secret this is in the template itself, so that tools reading it (the local
    // runtime gives each provider secret a signing secret) need not infer it from Lambda wiring.
    const resource = secret.node.defaultChild as CfnSecret;
    resource.addMetadata(PROVIDER_METADATA, owner.provider);
    if (owner.tenant) resource.addMetadata(TENANT_METADATA, owner.tenant);
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        "The provider issues these secrets; rotation happens in the provider's dashboard, with several active secrets (README, Rotating a signing secret).",
    });
    return secret;
  }

  secretFor(provider: string): Secret {
    const secret = this.shared.get(provider);
    if (!secret) throw new Error(`no secret for provider ${provider}`);
    return secret;
  }

  tenantSecretsFor(provider: string): ReadonlyMap<string, Secret> {
    return this.perTenant.get(provider) ?? new Map();
  }
}
