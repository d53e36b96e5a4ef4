import type { Template } from 'aws-cdk-lib/assertions';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { RelayFlowConfigInput } from '../../lib/config';
import { CONFIG_WARNINGS } from '../../lib/config';
import { INGEST_WARNINGS } from '../../lib/constructs/ingest-api';
import { synthStack } from '../helpers/stack';

/** A generic sender whose id and type are both signed (read from the body). */
const SIGNED_SENDER: RelayFlowConfigInput['genericHmac'] = {
  'acme-billing': {
    signatureHeader: 'x-acme-signature',
    id: { jsonPath: 'id' },
    type: { jsonPath: 'event' },
  },
};

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };

const verifierOf = (template: Template, provider: string): Resource => {
  const found = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (r) => (r as Resource).Properties.Description === `RelayFlow verifier for ${provider} webhooks`,
  );
  if (!found) throw new Error(`no verifier for ${provider}`);
  return found as Resource;
};

const stageOf = (template: Template): Resource => {
  const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
  expect(stages).toHaveLength(1);
  return stages[0] as Resource;
};

describe('IngestApi flood isolation', () => {
  const { template } = synthStack({
    genericHmac: SIGNED_SENDER,
    providers: {
      stripe: {},
      github: { limits: { rateLimit: 80, burstLimit: 150, reservedConcurrency: 10 } },
      shopify: { limits: { reservedConcurrency: false } },
    },
  });

  it('reserves the default concurrency for a verifier whose provider sets no limits', () => {
    expect(verifierOf(template, 'stripe').Properties.ReservedConcurrentExecutions).toBe(50);
  });

  it("reserves a provider's own concurrency when it sets one", () => {
    expect(verifierOf(template, 'github').Properties.ReservedConcurrentExecutions).toBe(10);
  });

  it('leaves a verifier unreserved when its provider sets reservedConcurrency: false', () => {
    expect(verifierOf(template, 'shopify').Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('reserves the default concurrency for a generic HMAC sender too', () => {
    expect(verifierOf(template, 'acme-billing').Properties.ReservedConcurrentExecutions).toBe(50);
  });

  it("throttles both of a provider's routes with its own limits, or the route defaults", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({
        'ANY /webhooks/stripe': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        'ANY /webhooks/stripe/{tenant}': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        'ANY /webhooks/github': { ThrottlingRateLimit: 80, ThrottlingBurstLimit: 150 },
        'ANY /webhooks/github/{tenant}': { ThrottlingRateLimit: 80, ThrottlingBurstLimit: 150 },
        'ANY /webhooks/acme-billing': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      }),
    });
  });

  it('names a throttle for every route and no route that does not exist', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as Resource).Properties.RouteKey,
    );
    expect(Object.keys(stageOf(template).Properties.RouteSettings as object).sort()).toEqual(
      [...routeKeys].sort(),
    );
  });

  it('keeps the stage default throttle as the ceiling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  it('creates the stage after every route its settings name, as CloudFormation requires', () => {
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(stageOf(template).DependsOn).toEqual(expect.arrayContaining(routeIds));
  });
});

describe('IngestApi tenant secrets', () => {
  const sharedTenantWarnings = (built: ReturnType<typeof synthStack>) =>
    Annotations.fromStack(built.stack).findWarning(
      '*',
      Match.stringLikeRegexp(`${INGEST_WARNINGS.sharedTenantSecret}`),
    );

  it('warns at synth, naming the tenant, when a tenant shares the provider secret', () => {
    const warnings = sharedTenantWarnings(
      synthStack({
        genericHmac: SIGNED_SENDER,
        tenants: [{ id: 'acme' }, { id: 'beta', dedicatedSecrets: false }],
      }),
    );

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.entry.data).toMatch(
      /Tenant\(s\) beta have dedicatedSecrets: false[\s\S]*also accepted at/,
    );
  });

  it('gives every tenant its own secret per provider by default, without a warning', () => {
    const built = synthStack({
      providers: { stripe: {} },
      genericHmac: {},
      tenants: [{ id: 'acme' }, { id: 'beta' }],
    });

    expect(sharedTenantWarnings(built)).toEqual([]);
    const secrets = Object.values(built.template.findResources('AWS::SecretsManager::Secret')).filter((r) =>
      String((r as Resource).Properties.Description).startsWith('RelayFlow signing secrets for stripe'),
    );
    expect(secrets).toHaveLength(3);
  });
});

describe('IngestApi generic HMAC senders', () => {
  const unsignedIdentityWarnings = (built: ReturnType<typeof synthStack>) =>
    Annotations.fromStack(built.stack).findWarning(
      '*',
      Match.stringLikeRegexp(CONFIG_WARNINGS.unsignedIdentity),
    );

  it("warns at synth on the sender's verifier when it takes its id from an unsigned header by choice", () => {
    const built = synthStack({
      genericHmac: {
        'acme-billing': {
          signatureHeader: 'x-sig',
          id: { header: 'x-acme-delivery' },
          type: { jsonPath: 'event' },
          unsignedIdentity: true,
        },
      },
    });

    const warnings = unsignedIdentityWarnings(built);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.id).toMatch(/IngestApi\/Verifier-acme-billing$/);
    expect(warnings[0]?.entry.data).toMatch(/acme-billing[\s\S]*id[\s\S]*signature does not cover/);
  });

  it('prints no identity warning for a sender whose id and type are signed', () => {
    expect(unsignedIdentityWarnings(synthStack({ genericHmac: SIGNED_SENDER }))).toEqual([]);
  });
});

describe('IngestApi permissions', () => {
  const { template } = synthStack({ providers: { sendgrid: {} } });

  it("lets a verifier read a batch body's states in one BatchGetItem, on the table only", () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventStore'), 'Arn'] },
          }),
        ]),
      },
    });
  });
});
