import { Aws, Duration, Stack, TimeZone, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
  type IScheduleTarget,
  type ScheduleTargetConfig,
} from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduleTick } from '../../functions/producer/contract';
import { SCHEDULE_NAME } from '../config';
import { parseScheduleExpression, timezoneProblem } from '../schedule-expression';

/** One scheduled trigger, as the configuration declares it (lib/config.ts `schedules`). */
export interface ScheduleDefinition {
  /** The schedule's name in the group, and the `schedule` entity its events belong to. */
  readonly name: string;
  /** `cron(…)` or `rate(…)`, in EventBridge Scheduler's syntax. */
  readonly expression: string;
  /** IANA time zone the expression is read in. @default 'UTC' */
  readonly timezone?: string;
  /** The type of each tick's event. */
  readonly type: string;
  /** @default the default tenant */
  readonly tenant?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Scheduler's retry policy for a tick it could not hand to the target. */
export interface TickRetry {
  /** 0 to 185. */
  readonly attempts: number;
  /** 60 seconds to 24 hours. */
  readonly maxEventAge: Duration;
}

export interface SchedulesProps {
  readonly schedules: readonly ScheduleDefinition[];
  /**
   * The producer function: it turns a tick into one domain event (functions/producer/contract.ts).
   * Scheduler invokes it asynchronously, so a tick it fails on is retried by Lambda and kept in
   * the function's own dead-letter queue, not in {@link Schedules.deadLetterQueue}.
   */
  readonly target: IFunction;
  /**
   * How often, and for how long, Scheduler retries a tick Lambda did not accept (throttled,
   * refused) before it goes to the dead-letter queue.
   * @default 5 attempts within 1 hour
   */
  readonly retry?: TickRetry;
  readonly removalPolicy: RemovalPolicy;
}

const DEFAULT_RETRY: TickRetry = { attempts: 5, maxEventAge: Duration.hours(1) };

/**
 * Scheduler's templated Lambda target, bound as given. aws-scheduler-targets' LambdaInvoke also
 * grants the role every version and alias of the function (`<arn>:*`); this role may invoke the
 * function itself only.
 */
class FunctionTarget implements IScheduleTarget {
  constructor(private readonly config: ScheduleTargetConfig) {}

  bind(): ScheduleTargetConfig {
    return this.config;
  }
}

/**
 * The target input of a schedule: a {@link ScheduleTick} whose `scheduledTime` Scheduler fills in
 * with the tick's time when it invokes the producer.
 */
export const tickInput = (definition: ScheduleDefinition): string => {
  const tick: ScheduleTick = {
    relayflowSchedule: {
      name: definition.name,
      scheduledTime: ContextAttribute.scheduledTime.toString(),
      type: definition.type,
      ...(definition.tenant ? { tenant: definition.tenant } : {}),
      ...(definition.data ? { data: { ...definition.data } } : {}),
    },
  };
  return JSON.stringify(tick);
};

const retryProblems = (retry: TickRetry): string[] => {
  const problems: string[] = [];
  if (!Number.isInteger(retry.attempts) || retry.attempts < 0 || retry.attempts > 185)
    problems.push('retry.attempts must be a whole number from 0 to 185');
  const age = retry.maxEventAge.toSeconds();
  if (age < 60 || age > 86_400) problems.push('retry.maxEventAge must be from 60 to 86,400 seconds');
  return problems;
};

const definitionProblems = (definitions: readonly ScheduleDefinition[]): string[] => {
  const problems: string[] = [];
  if (definitions.length === 0) problems.push('declare at least one schedule');
  definitions.forEach((definition, index) => {
    const at = `schedules[${index}] (${definition.name})`;
    if (!SCHEDULE_NAME.test(definition.name))
      problems.push(`${at}: the name must be letters, digits, "-" and "_", at most 48`);
    if (definitions.findIndex((d) => d.name === definition.name) !== index)
      problems.push(`${at}: the name is used twice`);
    const parsed = parseScheduleExpression(definition.expression);
    if (!parsed.ok) problems.push(`${at}: ${definition.expression} ${parsed.problem}`);
    else if (parsed.expression.kind === 'at') problems.push(`${at}: schedules recur: use cron(…) or rate(…)`);
    const zoneProblem = timezoneProblem(definition.timezone ?? 'UTC');
    if (zoneProblem) problems.push(`${at}: timezone ${zoneProblem}`);
  });
  return problems;
};

/**
 * Scheduled triggers (issue 17, docs/workflows.md "Schedules", decision 0048): one EventBridge
 * Scheduler schedule per definition, in a schedule group named for the stack, each invoking the
 * producer function with a tick. A tick Lambda does not accept is retried by Scheduler, then kept
 * in {@link deadLetterQueue}; `relayflow schedules replay` delivers it again.
 */
export class Schedules extends Construct {
  public readonly group: ScheduleGroup;
  public readonly schedules: readonly Schedule[];
  /** Scheduler's dead-letter events: ticks it could not hand to the producer. */
  public readonly deadLetterQueue: Queue;
  /** The role Scheduler assumes: it may invoke the producer and send to the dead-letter queue, nothing else. */
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const retry = props.retry ?? DEFAULT_RETRY;
    const groupName = Stack.of(this).stackName;
    const problems = [
      ...definitionProblems(props.schedules),
      ...retryProblems(retry),
      ...(groupName.length > 64
        ? [`the schedule group is named for the stack, and ${groupName} is longer than 64 characters`]
        : []),
    ];
    if (problems.length > 0) throw new Error(`Schedules: ${problems.join('; ')}`);

    // Scheduler sends no dead-letter event to a FIFO queue: this one is standard.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    const reason =
      "This is the schedules' dead-letter queue (Scheduler's DeadLetterConfig); its ticks are delivered again by relayflow schedules replay, never redriven.";
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SQS3', reason },
      { id: 'Serverless::Serverless-SQSRedrivePolicy', reason },
    );

    this.group = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: groupName,
      removalPolicy: props.removalPolicy,
    });
    this.role = new Role(this, 'Role', {
      description: 'RelayFlow schedules: invoke the producer, dead-letter what it does not take',
      // Only this account's schedules of this group may assume it (confused deputy).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );

    this.schedules = props.schedules.map(
      (definition) =>
        new Schedule(this, `Schedule${definition.name}`, {
          scheduleName: definition.name,
          scheduleGroup: this.group,
          description: `RelayFlow schedule ${definition.name}: each tick becomes one ${definition.type} event`,
          schedule: ScheduleExpression.expression(
            definition.expression,
            TimeZone.of(definition.timezone ?? 'UTC'),
          ),
          timeWindow: TimeWindow.off(),
          target: new FunctionTarget({
            arn: props.target.functionArn,
            role: this.role,
            input: ScheduleTargetInput.fromText(tickInput(definition)),
            deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
            retryPolicy: {
              maximumRetryAttempts: retry.attempts,
              maximumEventAgeInSeconds: retry.maxEventAge.toSeconds(),
            },
          }),
        }),
    );
  }
}
