import type { RemovalPolicy } from 'aws-cdk-lib';
import { CfnOutput, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret, type CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { outputId } from './ingest-api';

/** Template metadata naming the channel adapter a secret holds credentials for. */
export const CHANNEL_METADATA = 'RelayFlow::Channel';
/** Template metadata naming the tenant whose own credentials a secret holds, if any. */
const TENANT_METADATA = 'RelayFlow::Tenant';

export interface ChannelSecretsProps {
  /** Configured adapters, each with the tenants that have credentials of their own. */
  readonly channels: Readonly<Record<string, { readonly tenants: readonly string[] }>>;
  readonly removalPolicy: RemovalPolicy;
}

/** Where the consumer finds an adapter's credentials: its secret, and its tenants' own. */
export interface ChannelSecretArns {
  readonly secretArn: string;
  readonly tenants: Readonly<Record<string, string>>;
}

/**
 * One Secrets Manager secret per configured channel adapter, and one per adapter and tenant
 * listed under it, holding the adapter's credentials as JSON (functions/channels/<via>/README.md).
 * Created holding `{}`: a message through an adapter without credentials fails with a retryable
 * `credentials-missing` until the operator sets them (`relayflow channels credentials <via>`).
 */
export class ChannelSecrets extends Construct {
  private readonly secrets: Secret[] = [];
  readonly arns: Readonly<Record<string, ChannelSecretArns>>;

  constructor(scope: Construct, id: string, props: ChannelSecretsProps) {
    super(scope, id);
    const arns: Record<string, ChannelSecretArns> = {};
    for (const [via, { tenants }] of Object.entries(props.channels)) {
      const own = this.create(via, undefined, props.removalPolicy);
      const perTenant: Record<string, string> = {};
      for (const tenant of tenants)
        perTenant[tenant] = this.create(via, tenant, props.removalPolicy).secretArn;
      arns[via] = { secretArn: own.secretArn, tenants: perTenant };
    }
    this.arns = arns;
  }

  private create(via: string, tenant: string | undefined, removalPolicy: RemovalPolicy): Secret {
    const secret = new Secret(this, tenant ? `${via}-${tenant}` : via, {
      description: `RelayFlow ${via} credentials${tenant ? ` for tenant ${tenant}` : ''}`,
      // Not a secret: an empty document for the operator to fill.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy,
    });
    const resource = secret.node.defaultChild as CfnSecret;
    resource.addMetadata(CHANNEL_METADATA, via);
    if (tenant) resource.addMetadata(TENANT_METADATA, tenant);
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: "The provider issues these credentials; they are rotated in the provider's dashboard.",
    });
    // At the stack's root, so that the output's name is exactly this: the CLI finds the secret by it.
    new CfnOutput(Stack.of(this), `ChannelSecret${outputId(via)}${tenant ? outputId(tenant) : ''}`, {
      value: secret.secretName,
      description: `Credentials of the ${via} channel adapter${tenant ? ` for tenant ${tenant}` : ''}`,
    });
    this.secrets.push(secret);
    return secret;
  }

  grantRead(grantee: IGrantable): void {
    for (const secret of this.secrets) secret.grantRead(grantee);
  }
}
