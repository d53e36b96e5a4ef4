import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ScheduleTickSchema } from '../../functions/producer/contract';
import { Schedules, type SchedulesProps } from '../../lib/constructs/schedules';
import { buildStack, synthStack } from '../helpers/stack';

const NIGHTLY = {
  name: 'nightly',
  expression: 'cron(0 2 * * ? *)',
  timezone: 'Europe/Paris',
  type: 'report.nightly',
  tenant: 'acme',
  data: { report: 'ledger' },
};
const PULSE = { name: 'pulse', expression: 'rate(15 minutes)', type: 'pulse' };

const build = (overrides: Partial<SchedulesProps> = {}) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RelayFlowTest');
  const target = new Function(stack, 'Producer', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({})'),
  });
  const schedules = new Schedules(stack, 'Schedules', {
    schedules: [NIGHTLY, PULSE],
    target,
    removalPolicy: RemovalPolicy.RETAIN,
    ...overrides,
  });
  return { stack, target, schedules, template: Template.fromStack(stack) };
};

const scheduleNamed = (template: Template, name: string) => {
  const found = Object.values(
    template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } }),
  ) as { Properties: { Target: { Input: string } } }[];
  if (found.length !== 1) throw new Error(`expected one schedule ${name}, found ${found.length}`);
  return found[0]!.Properties;
};

describe('Schedules construct', () => {
  it('puts one schedule per definition in a group named for the stack', () => {
    const { template } = build();

    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'RelayFlowTest' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'nightly',
      GroupName: 'RelayFlowTest',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
  });

  it('reads a schedule without a time zone in UTC', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'pulse',
      ScheduleExpression: 'rate(15 minutes)',
      ScheduleExpressionTimezone: 'UTC',
    });
  });

  it('invokes the producer function with a tick whose time is the Scheduler context attribute', () => {
    const { template, stack, target } = build();
    const nightly = scheduleNamed(template, 'nightly');

    expect(stack.resolve(nightly.Target)).toMatchObject({ Arn: stack.resolve(target.functionArn) });
    const input: unknown = JSON.parse(nightly.Target.Input);
    expect(input).toEqual({
      relayflowSchedule: {
        name: 'nightly',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        type: 'report.nightly',
        tenant: 'acme',
        data: { report: 'ledger' },
      },
    });
  });

  it('gives the producer a tick its contract reads once Scheduler fills the time in', () => {
    const { template } = build();
    const input = scheduleNamed(template, 'pulse').Target.Input.replace(
      '<aws.scheduler.scheduled-time>',
      '2025-06-01T09:15:00Z',
    );

    expect(ScheduleTickSchema.safeParse(JSON.parse(input))).toMatchObject({ success: true });
  });

  it('sets the retry policy explicitly: 5 attempts within an hour by default', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'nightly',
      Target: { RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 } },
    });
  });

  it('takes the retry policy it is given', () => {
    const { template } = build({ retry: { attempts: 10, maxEventAge: Duration.minutes(20) } });

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 1200 } },
    });
  });

  it('dead-letters every schedule to its own standard queue', () => {
    const { template, stack, schedules } = build();

    template.allResourcesProperties('AWS::Scheduler::Schedule', {
      Target: { DeadLetterConfig: { Arn: stack.resolve(schedules.deadLetterQueue.queueArn) } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      FifoQueue: Match.absent(),
    });
  });

  it('encrypts the dead-letter queue and refuses it any request without TLS', () => {
    const { template, stack, schedules } = build();

    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [stack.resolve(schedules.deadLetterQueue.queueUrl)],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
  });

  it('keeps the dead-letter queue and the group when the removal policy retains', () => {
    const { template } = build();

    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Retain' });
  });

  it("lets only this account's schedules of the group assume the role", () => {
    const { template, stack, schedules } = build();

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': stack.resolve(schedules.group.scheduleGroupArn),
              },
            },
          },
        ],
      },
    });
  });

  it('allows the role to invoke the producer function itself and send to the dead-letter queue, nothing else', () => {
    const { template, stack, schedules, target } = build();
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [stack.resolve(schedules.role.roleName)] },
    });

    expect(Object.values(policies).map((p) => (p as { Properties: unknown }).Properties)).toEqual([
      expect.objectContaining({
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: stack.resolve(target.functionArn) },
            {
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Resource: stack.resolve(schedules.deadLetterQueue.queueArn),
            },
          ],
        },
      }),
    ]);
  });

  it('refuses its definitions with every problem listed', () => {
    expect(() =>
      build({
        schedules: [
          NIGHTLY,
          { ...PULSE, name: 'nightly' },
          { name: 'once', expression: 'at(2030-01-01T00:00:00)', type: 'x' },
          { name: 'bad.name', expression: 'cron(0 2 * * * *)', timezone: 'Mars/Olympus', type: 'x' },
        ],
        retry: { attempts: 200, maxEventAge: Duration.seconds(30) },
      }),
    ).toThrow(
      'Schedules: schedules[1] (nightly): the name is used twice; ' +
        'schedules[2] (once): schedules recur: use cron(…) or rate(…); ' +
        'schedules[3] (bad.name): the name must be letters, digits, "-" and "_", at most 48; ' +
        'schedules[3] (bad.name): cron(0 2 * * * *) one of day-of-month and day-of-week must be ?, and only one (e.g. cron(0 9 ? * MON *)); ' +
        'schedules[3] (bad.name): timezone "Mars/Olympus" is not an IANA time zone name, e.g. Europe/Paris or UTC; ' +
        'retry.attempts must be a whole number from 0 to 185; ' +
        'retry.maxEventAge must be from 60 to 86,400 seconds',
    );
  });

  it('refuses to be made without a schedule', () => {
    expect(() => build({ schedules: [] })).toThrow('Schedules: declare at least one schedule');
  });
});

describe('schedules in the RelayFlow stack', () => {
  const configured = {
    schedules: [
      { name: 'nightly', cron: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris', type: 'report.nightly' },
      { name: 'pulse', rate: 'rate(15 minutes)', type: 'pulse', tenant: 'acme' },
    ],
  };

  it('target the producer function', () => {
    const { template, stack } = synthStack(configured);
    const producer = stack.resolve(stack.producer.function.functionArn) as unknown;

    template.allResourcesProperties('AWS::Scheduler::Schedule', { Target: { Arn: producer } });
  });

  it('name their group and dead-letter queue in outputs, for the CLI', () => {
    const { template } = synthStack(configured);

    template.hasOutput('ScheduleGroupName', {});
    template.hasOutput('ScheduleDeadLetterQueueUrl', {});
  });

  it('make nothing when none is configured', () => {
    const { template } = synthStack();

    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(Object.keys(template.findOutputs('ScheduleGroupName'))).toEqual([]);
  });

  it('leave cdk-nag (AwsSolutions and Serverless) no unacknowledged finding', () => {
    const { app } = buildStack(configured);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

    expect(() => app.synth()).not.toThrow();
  });
});
