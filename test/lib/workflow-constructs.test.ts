import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthStack } from '../helpers/stack';

let template: Template;

beforeAll(() => {
  ({ template } = synthStack({
    maxCausationDepth: 5,
    routes: [
      { match: { provider: 'stripe', type: 'invoice.*' }, targets: [{ kind: 'workflow', name: 'dunning' }] },
    ],
  }));
});

const alarmNamed = (name: string) => {
  const [alarm] = Object.values(
    template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `RelayFlowTest-${name}` } }),
  );
  return (alarm as { Properties: Record<string, unknown> } | undefined)?.Properties;
};

describe('workflows in the stack', () => {
  it('gives the consumer the causation depth and what its workflows publish through', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'consumer',
          MAX_CAUSATION_DEPTH: '5',
          TENANTS: '["acme","beta"]',
          MAX_BODY_BYTES: '4194304',
          INLINE_BODY_MAX_BYTES: '65536',
          INGEST_LEASE_SECONDS: '90',
        }),
      },
    });
  });

  it('lets the consumer queue the domain events its workflows emit', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ProcessingConsumerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventQueue[0-9A-F]{8}$'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it.each([
    ['CompensationFailed', 'compensationfailed'],
    ['CausationCycle', 'causationcycle'],
  ])('alarms on the first %s, with its runbook section', (name, anchor) => {
    expect(alarmNamed(name)).toMatchObject({
      Metrics: [expect.objectContaining({ Expression: `SELECT SUM(${name}) FROM "RelayFlow"` })],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: expect.stringContaining(`Runbook: docs/operations.md#${anchor}`),
    });
  });
});
