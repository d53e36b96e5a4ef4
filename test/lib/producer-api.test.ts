import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthStack } from '../helpers/stack';

type Resource = { Properties: Record<string, unknown> };

const EVENT_SOURCES = [
  { bus: 'orders', pattern: { source: ['com.example.shop'], 'detail-type': ['Order Placed'] } },
  {
    bus: 'arn:aws:events:us-east-1:123456789012:event-bus/billing',
    pattern: { detail: { amount: [{ numeric: ['>', 0] }] } },
    tenant: 'acme',
    entity: { kind: 'invoice', path: 'invoiceId' },
  },
];

const producerOf = (template: Template): [string, Resource] => {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) =>
    String((r as Resource).Properties.Description).startsWith('RelayFlow producer'),
  );
  if (!found) throw new Error('no producer function');
  return found as [string, Resource];
};

describe('ProducerApi', () => {
  const { template, stack } = synthStack({ eventSources: EVENT_SOURCES });
  const [producerId] = producerOf(template);
  const routes = () =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as Resource).Properties);

  it('adds /events and /events/{tenant} to the webhook API, with AWS_IAM authorization', () => {
    const producerRoutes = routes().filter((r) => String(r.RouteKey).includes('/events'));

    expect(producerRoutes.map((r) => [r.RouteKey, r.AuthorizationType])).toEqual([
      ['ANY /events', 'AWS_IAM'],
      ['ANY /events/{tenant}', 'AWS_IAM'],
    ]);
    expect(
      routes()
        .filter((r) => String(r.RouteKey).startsWith('ANY /webhooks/'))
        .map((r) => r.AuthorizationType),
    ).not.toContain('AWS_IAM');
  });

  it("names the producer routes' throttle (the stage's) beside the providers', the stage created after them", () => {
    const [stageId, stageResource] =
      Object.entries(template.findResources('AWS::ApiGatewayV2::Stage'))[0] ?? [];
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route')).filter((id) =>
      id.includes('events'),
    );

    expect(stageId).toBeDefined();
    expect((stageResource as Resource).Properties.RouteSettings).toMatchObject({
      'ANY /events': { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      'ANY /events/{tenant}': { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    expect((stageResource as { DependsOn: string[] }).DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('creates one rule per event source, on its bus, with its pattern, targeting the producer', () => {
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'orders',
      EventPattern: EVENT_SOURCES[0]?.pattern,
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [producerId, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'billing',
      EventPattern: EVENT_SOURCES[1]?.pattern,
    });
  });

  it('hands the function the source as configured and the whole event, through an input template', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'billing',
      Targets: [
        Match.objectLike({
          InputTransformer: {
            InputTemplate:
              '{"relayflowEventSource":{"bus":"arn:aws:events:us-east-1:123456789012:event-bus/billing","tenant":"acme","entity":{"kind":"invoice","path":"invoiceId"}},"event":<aws.events.event.json>}',
          },
        }),
      ],
    });
  });

  it("keeps what neither EventBridge nor Lambda could deliver in the producer's dead-letter queue", () => {
    const [dlqId] = Object.keys(
      template.findResources('AWS::SQS::Queue', {
        Properties: { RedrivePolicy: Match.absent(), FifoQueue: Match.absent() },
      }),
    ).filter((id) => id.startsWith('Producer'));
    expect(dlqId).toBeDefined();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^RelayFlow producer'),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
    });
  });

  it('lets each rule invoke the function', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Permission',
      { FunctionName: { 'Fn::GetAtt': [producerId, 'Arn'] }, Principal: 'events.amazonaws.com' },
      2,
    );
  });

  it("gives the function the verifiers' table access, the queue and the raw-body bucket", () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ProducerFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          }),
          Match.objectLike({ Action: 's3:PutObject' }),
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']) }),
        ]),
      },
    });
  });

  it("outputs the producer URL (the API's own endpoint), the function and the dead-letter queue", () => {
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));

    template.hasOutput('ProducerUrl', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/events']] },
    });
    template.hasOutput('ProducerFunctionName', { Value: { Ref: producerId } });
    template.hasOutput('ProducerDeadLetterQueueUrl', Match.anyValue());
    expect(stack.producer.function.node.defaultChild).toBeDefined();
  });
});

describe('ProducerApi without event sources', () => {
  const { template } = synthStack();

  it('creates no rule, but still serves the producer routes', () => {
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /events',
      AuthorizationType: 'AWS_IAM',
    });
  });
});
