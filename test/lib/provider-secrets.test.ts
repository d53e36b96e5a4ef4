import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ProviderSecrets } from '../../lib/constructs/provider-secrets';

const secretsTemplate = () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SecretsTest');
  new ProviderSecrets(stack, 'ProviderSecrets', {
    providerIds: ['stripe', 'github'],
    dedicatedTenants: ['acme'],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return Template.fromStack(stack);
};

describe('ProviderSecrets', () => {
  it('marks each provider secret with the provider it signs for and no tenant', () => {
    const template = secretsTemplate();

    const shared = template.findResources('AWS::SecretsManager::Secret', {
      Metadata: Match.objectLike({ 'RelayFlow::Provider': 'stripe', 'RelayFlow::Tenant': Match.absent() }),
    });

    expect(Object.keys(shared)).toHaveLength(1);
  });

  it('marks a dedicated tenant secret with its provider and its tenant', () => {
    const template = secretsTemplate();

    template.hasResource('AWS::SecretsManager::Secret', {
      Metadata: Match.objectLike({ 'RelayFlow::Provider': 'github', 'RelayFlow::Tenant': 'acme' }),
    });
  });

  it('marks every secret it creates, one per provider and per provider and tenant', () => {
    const template = secretsTemplate();

    template.resourceCountIs('AWS::SecretsManager::Secret', 4);
    expect(
      Object.keys(
        template.findResources('AWS::SecretsManager::Secret', {
          Metadata: Match.objectLike({ 'RelayFlow::Provider': Match.anyValue() }),
        }),
      ),
    ).toHaveLength(4);
  });
});
