import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { checkConfig } from '../../lib/config';
import { reconciliationScheduleExpression } from '../../lib/reconciliation-config';
import { aConfig, buildStack } from '../helpers/stack';

const overrides = {
  providers: { stripe: {}, github: {}, twilio: {} },
  channels: { twilio: { tenants: ['acme'] } },
  reconciliation: {
    stripe: {
      every: '1 hour',
      lookback: '2 days',
      entities: ['subscription', 'invoice'],
      tenants: ['default', 'acme'],
    },
    github: {
      every: 'rate(30 minutes)',
      lookback: '1 day',
      retentionDays: 2,
      options: { repository: 'acme/shop', hookId: 42 },
    },
    twilio: { every: '15 minutes', lookback: '1 day', entities: ['message'] },
  },
  receiptDeadlines: { sms: '10 minutes' },
};

// One synthesized template for the file: building the stack is the slow part.
const { app, stack } = buildStack(overrides);
const template = Template.fromStack(stack);
const environmentOf = () => {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { RECONCILIATION: Match.anyValue() } } },
  });
  const [fn] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return fn?.Properties.Environment.Variables ?? {};
};

describe('Reconciliation construct', () => {
  it('creates the reconcile function with a five-minute timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('RelayFlow reconciliation'),
      Timeout: 300,
    });
  });

  it('schedules each provider and tenant at its own rate, in a group of its own', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'RelayFlowTest-reconcile' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'reconcile-stripe',
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Input: JSON.stringify({ provider: 'stripe' }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'reconcile-stripe-acme',
      Target: Match.objectLike({ Input: JSON.stringify({ provider: 'stripe', tenant: 'acme' }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'reconcile-github',
      ScheduleExpression: 'rate(30 minutes)',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'reconcile-twilio',
      ScheduleExpression: 'rate(15 minutes)',
    });
  });

  it('creates a secret per provider and tenant, referenced in outputs, never holding a value', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(
      Object.keys(outputs)
        .filter((key) => key.startsWith('ReconciliationSecret'))
        .sort(),
    ).toEqual([
      'ReconciliationSecretGithub',
      'ReconciliationSecretStripe',
      'ReconciliationSecretStripeAcme',
      'ReconciliationSecretTwilio',
    ]);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('reconciliation: stripe API credentials of tenant acme'),
      SecretString: '{}',
    });
    template.hasOutput('ReconcileFunctionName', {});
  });

  it("reuses the twilio channel's secret instead of creating one", () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('reconciliation: twilio') },
    });
    expect(Object.keys(secrets)).toEqual([]);
    template.hasOutput('ReconciliationSecretTwilio', {
      Value: { Ref: Match.stringLikeRegexp('^ChannelSecretstwilio') },
    });
  });

  it('hands the function each provider, its secrets and the receipt deadlines', () => {
    const variables = environmentOf();
    const text = JSON.stringify(variables.RECONCILIATION);
    expect(text).toContain('\\"lookbackMs\\":172800000');
    expect(text).toContain('\\"entities\\":[\\"subscription\\",\\"invoice\\"]');
    expect(text).toContain('\\"sms\\":600000');
    expect(text).toContain('\\"email\\":3600000');
    expect(text).toContain('\\"hookId\\":42');
    expect(text).toContain('\\"retentionDays\\":2');
    expect(text.match(/retentionDays/g)).toHaveLength(1);
  });

  it('may query only the two indexes it reads, and read its own secrets', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:Query',
            Resource: [
              { 'Fn::Join': ['', [Match.anyValue(), '/index/byReceived']] },
              { 'Fn::Join': ['', [Match.anyValue(), '/index/byEntity']] },
            ],
          }),
        ]),
      },
    });
  });

  it('adds the ReconciliationDrift alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'RelayFlowTest-ReconciliationDrift',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\(ReconciliationDrift\\)') }),
      ]),
    });
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});

describe('reconciliation configuration', () => {
  const problemsOf = (reconciliation: unknown, more: Record<string, unknown> = {}) => {
    const check = checkConfig({
      ...aConfig({ providers: { stripe: {}, shopify: {} } }),
      reconciliation,
      ...more,
    });
    return check.ok ? [] : check.problems;
  };

  it('lists every problem at once', () => {
    expect(
      problemsOf({
        stripe: { lookback: '40 days', entities: ['customer'], tenants: ['nobody'] },
        shopify: {},
        github: {},
      }),
    ).toEqual([
      'reconciliation.stripe.lookback: stripe keeps what it sent for 30 days (set retentionDays if your plan keeps more): a lookback of 40 days cannot be honoured',
      'reconciliation.stripe.entities[0]: stripe cannot read "customer" (entities: "subscription", "invoice")',
      'reconciliation.stripe.tenants[0]: no tenant "nobody" (tenants: "default", "acme", "beta")',
      'reconciliation.shopify: shopify cannot be reconciled (reconcilable: "stripe", "github", "twilio", "postmark", "mailgun"; docs/reconciliation.md says why the others cannot)',
      'reconciliation.github: enable github under `providers` to reconcile it',
    ]);
  });

  it('bounds the lookback by the retention a plan declares instead of the provider default', () => {
    expect(problemsOf({ stripe: { lookback: '40 days', retentionDays: 60 } })).toEqual([]);
    expect(problemsOf({ stripe: { lookback: '40 days', retentionDays: 35 } })).toEqual([
      'reconciliation.stripe.lookback: stripe keeps what it sent for 35 days: a lookback of 40 days cannot be honoured',
    ]);
    expect(problemsOf({ stripe: { retentionDays: 0 } })).toEqual([
      'reconciliation.stripe.retentionDays: Too small: expected number to be >0',
    ]);
  });

  it('refuses a receipt deadline it cannot read', () => {
    expect(problemsOf({}, { receiptDeadlines: { sms: 'soon' } })).toEqual([
      'receiptDeadlines.sms: must be a duration such as "15 minutes" (s, m, h or d)',
    ]);
  });

  it('refuses an every or a lookback it cannot read', () => {
    expect(problemsOf({ stripe: { every: 'hourly', lookback: 'a while' } })).toEqual([
      'reconciliation.stripe.every: must be whole minutes (`1 hour`, `15 minutes`) or rate(…) / cron(…) as Scheduler reads them',
      'reconciliation.stripe.lookback: must be a duration such as "2 days" (s, m, h or d)',
    ]);
  });

  it('accepts a valid section', () => {
    expect(
      problemsOf({ stripe: { entities: ['subscription'] } }, { receiptDeadlines: { email: '2 hours' } }),
    ).toEqual([]);
  });

  it.each([
    ['1 hour', 'rate(1 hour)'],
    ['90 minutes', 'rate(90 minutes)'],
    ['2d', 'rate(2 days)'],
    ['cron(0 * ? * * *)', 'cron(0 * ? * * *)'],
    ['30s', undefined],
  ])('reads every: %s as %s', (every, expression) => {
    expect(reconciliationScheduleExpression(every)).toBe(expression);
  });
});
