import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { REPLAY_STATES, Replay, type ReplayProps } from '../../lib/constructs/replay';
import { synthStack } from '../helpers/stack';

interface RenderedState {
  Type: string;
  Next?: string;
  End?: boolean;
  Parameters?: Record<string, unknown>;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Choices?: Record<string, unknown>[];
  Default?: string;
  SecondsPath?: string;
  OutputPath?: string;
  ErrorPath?: string;
  CausePath?: string;
}

const build = (overrides: Partial<ReplayProps> = {}) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ReplayTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  new Replay(stack, 'Replay', {
    providers: [
      { id: 'stripe', kind: 'builtin', options: {} },
      { id: 'acme-billing', kind: 'generic-hmac', options: { signatureHeader: 'x-sig' } },
    ],
    table: new Table(stack, 'Events', { partitionKey: { name: 'PK', type: AttributeType.STRING } }),
    rawBucket: new Bucket(stack, 'Raw'),
    queue: new Queue(stack, 'Main', { fifo: true }),
    deadLetterQueue: new Queue(stack, 'Dlq', { fifo: true }),
    retentionDays: 30,
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
    ...overrides,
  });
  return Template.fromStack(stack);
};

/**
 * The states of the one state machine, as rendered: the DefinitionString's Fn::Join with every
 * token (function ARNs, partition) replaced by a placeholder.
 */
const renderedStates = (template: Template): Record<string, RenderedState> => {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  const definition = (machines[0] as { Properties: { DefinitionString: unknown } }).Properties
    .DefinitionString;
  const join = (definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]);
  return (JSON.parse(text) as { States: Record<string, RenderedState> }).States;
};

describe('Replay construct', () => {
  const template = build();
  const states = renderedStates(template);

  it('renders the plan, dry-run choice, batch loop with a rate wait, and the end states', () => {
    expect(Object.fromEntries(Object.entries(states).map(([name, state]) => [name, state.Type]))).toEqual({
      [REPLAY_STATES.plan]: 'Task',
      [REPLAY_STATES.dryRun]: 'Choice',
      [REPLAY_STATES.planned]: 'Succeed',
      [REPLAY_STATES.batch]: 'Task',
      [REPLAY_STATES.more]: 'Choice',
      [REPLAY_STATES.wait]: 'Wait',
      [REPLAY_STATES.done]: 'Succeed',
      [REPLAY_STATES.failed]: 'Fail',
    });
    expect(states[REPLAY_STATES.plan]?.Next).toBe(REPLAY_STATES.dryRun);
    expect(states[REPLAY_STATES.batch]?.Next).toBe(REPLAY_STATES.more);
    expect(states[REPLAY_STATES.wait]).toMatchObject({
      SecondsPath: '$.plan.waitSeconds',
      Next: REPLAY_STATES.batch,
    });
  });

  it('ends a dry run with the plan and a replay with the summary', () => {
    expect(states[REPLAY_STATES.dryRun]).toMatchObject({
      Choices: [{ Variable: '$.request.dryRun', BooleanEquals: true, Next: REPLAY_STATES.planned }],
      Default: REPLAY_STATES.batch,
    });
    expect(states[REPLAY_STATES.planned]?.OutputPath).toBe('$.plan');
    expect(states[REPLAY_STATES.done]?.OutputPath).toBe('$.summary');
  });

  it('loops while more remain and the limit is not reached', () => {
    expect(states[REPLAY_STATES.more]).toMatchObject({
      Choices: [
        {
          And: [
            { Variable: '$.more', BooleanEquals: true },
            { Variable: '$.summary.handled', NumericLessThanPath: '$.request.limit' },
          ],
          Next: REPLAY_STATES.wait,
        },
      ],
      Default: REPLAY_STATES.done,
    });
  });

  it.each([REPLAY_STATES.plan, REPLAY_STATES.batch])(
    'gives %s explicit retries of Lambda service errors and of our own infrastructure errors',
    (name) => {
      expect(states[name]?.Retry).toEqual([
        expect.objectContaining({
          ErrorEquals: [
            'Lambda.ServiceException',
            'Lambda.AWSLambdaException',
            'Lambda.SdkClientException',
            'Lambda.TooManyRequestsException',
            'Lambda.ClientExecutionTimeoutException',
          ],
          MaxAttempts: 6,
          BackoffRate: 2,
        }),
        expect.objectContaining({ ErrorEquals: ['InfrastructureError'], MaxAttempts: 3 }),
      ]);
    },
  );

  it.each([REPLAY_STATES.plan, REPLAY_STATES.batch])(
    'catches every error of %s into the Fail state with its cause',
    (name) => {
      expect(states[name]?.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], Next: REPLAY_STATES.failed, ResultPath: '$.error' },
      ]);
      expect(states[REPLAY_STATES.failed]).toMatchObject({
        ErrorPath: '$.error.Error',
        CausePath: '$.error.Cause',
      });
    },
  );

  it('passes the action and the execution id to the replay function', () => {
    expect(states[REPLAY_STATES.plan]?.Parameters).toEqual({
      action: 'plan',
      'input.$': '$',
      'executionId.$': '$$.Execution.Id',
    });
    expect(states[REPLAY_STATES.batch]?.Parameters).toEqual({
      action: 'batch',
      'state.$': '$',
      'executionId.$': '$$.Execution.Id',
    });
  });

  it('is a Standard workflow with X-Ray tracing on', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
    });
  });

  it('logs failed executions only, without their inputs and outputs (event payloads)', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [Match.objectLike({ CloudWatchLogsLogGroup: Match.anyValue() })],
      },
    });
  });

  it('gives the replay function every provider with its options for renormalize', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROVIDERS: JSON.stringify({
            stripe: { kind: 'builtin', options: {} },
            'acme-billing': { kind: 'generic-hmac', options: { signatureHeader: 'x-sig' } },
          }),
          DLQ_VISIBILITY_SECONDS: '300',
        }),
      },
      Timeout: 120,
    });
  });

  it('lets the function receive, delete and release dead-letter messages but only send to the main queue', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Main'), 'Arn'] },
          }),
          Match.objectLike({
            Action: [
              'sqs:ReceiveMessage',
              'sqs:DeleteMessage',
              'sqs:ChangeMessageVisibility',
              'sqs:GetQueueAttributes',
            ],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlq'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('lets the function read raw bodies and write a re-normalized event too large for its item beside them', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['/raw/*'])]) }),
          }),
        ]),
      },
    });
  });

  it('refuses provider options too large for the function environment', () => {
    const huge = { id: 'big', kind: 'generic-hmac' as const, options: { note: 'x'.repeat(4000) } };
    expect(() => build({ providers: [huge] })).toThrow(/provider options take \d+ bytes/);
  });
});

describe('the stack', () => {
  it('outputs the replay state machine ARN and function name for the CLI', () => {
    const { template } = synthStack();
    template.hasOutput('ReplayStateMachineArn', {
      Value: { Ref: Match.stringLikeRegexp('^ReplayStateMachine') },
    });
    template.hasOutput('ReplayFunctionName', { Value: { Ref: Match.stringLikeRegexp('^ReplayFunction') } });
  });
});
