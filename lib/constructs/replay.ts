import { Duration, Stack, Validations, type CfnElement, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  QueryLanguage,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { MAX_JSON_ENV_BYTES, replayProvidersJson, type EnabledProvider } from '../config';
import { RelayFlowFunction, type FunctionLogLevel, type PlatformLogLevel } from './relayflow-function';

export interface ReplayProps {
  /** Every provider the stack serves: `renormalize` runs their current normalizers with these options. */
  readonly providers: readonly Pick<EnabledProvider, 'id' | 'kind' | 'options'>[];
  readonly table: ITable;
  readonly rawBucket: IBucket;
  /** The main FIFO queue replayed events are sent to. */
  readonly queue: IQueue;
  /** The main queue's FIFO dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  readonly retentionDays: number;
  readonly logLevel: FunctionLogLevel;
  /** Lambda's own lines (START, END, REPORT). @default 'WARN' */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** X-Ray tracing of the function and the state machine. @default true */
  readonly tracing?: boolean;
  /**
   * Longest a replay execution may run. At the slowest rate a 10,000-event replay takes a day.
   * @default 3 days
   */
  readonly timeout?: Duration;
}

/** A batch of up to 100 events, each a few reads and writes, fits well inside this. */
const REPLAY_FUNCTION_TIMEOUT = Duration.minutes(2);
/** DLQ messages a batch holds stay hidden longer than any batch can run. */
const DLQ_VISIBILITY = Duration.minutes(5);

/** Errors of the Lambda service itself: the invocation never ran or its answer was lost. */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/** The logical id cdk-nag names a resource by in its findings. */
const logicalIdOf = (construct: Construct): string => {
  const resource = construct.node.defaultChild;
  return resource ? Stack.of(construct).getLogicalId(resource as CfnElement) : construct.node.id;
};

/** State names, shared with the tests and the operations runbook. */
export const REPLAY_STATES = {
  plan: 'Plan',
  dryRun: 'DryRun?',
  planned: 'Planned',
  batch: 'ReplayBatch',
  more: 'MoreToReplay?',
  wait: 'WaitForRate',
  done: 'Replayed',
  failed: 'ReplayFailed',
} as const;

/**
 * Operator replay (ARCHITECTURE "Replay is safe by construction"): a Standard state machine
 * that plans (counts and samples the matching events; a dry run ends there), then replays
 * batches with a wait between them for the rate, and ends with a summary. One Lambda serves
 * both tasks. See docs/operations.md.
 */
export class Replay extends Construct {
  public readonly function: RelayFlowFunction;
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ReplayProps) {
    super(scope, id);
    const providersJson = replayProvidersJson(props.providers);
    if (Buffer.byteLength(providersJson) > MAX_JSON_ENV_BYTES) {
      throw new Error(
        `Replay: provider options take ${Buffer.byteLength(providersJson)} bytes; the replay function's environment allows ${MAX_JSON_ENV_BYTES}`,
      );
    }

    const tracing = props.tracing ?? true;
    this.function = new RelayFlowFunction(this, 'Function', {
      entry: 'functions/handlers/replay.ts',
      description: 'RelayFlow replay: plans and replays batches of stored events',
      serviceName: 'replay',
      timeout: REPLAY_FUNCTION_TIMEOUT,
      logLevel: props.logLevel,
      platformLogLevel: props.platformLogLevel,
      tracing,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        EVENT_TABLE: props.table.tableName,
        RAW_BUCKET: props.rawBucket.bucketName,
        QUEUE_URL: props.queue.queueUrl,
        DEAD_LETTER_QUEUE_URL: props.deadLetterQueue.queueUrl,
        RETENTION_DAYS: String(props.retentionDays),
        PROVIDERS: providersJson,
        DLQ_VISIBILITY_SECONDS: String(DLQ_VISIBILITY.toSeconds()),
      },
    });
    // Items by key and the three KEYS_ONLY indexes; PutItem replaces a re-normalized payload.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/*`],
      }),
    );
    this.function.addToRolePolicy(
      // PutObject: a re-normalized event too large for its item goes beside its raw body.
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [props.rawBucket.arnForObjects('raw/*')],
      }),
    );
    props.queue.grantSendMessages(this.function);
    props.deadLetterQueue.grant(
      this.function,
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    );
    Validations.of(this.function.executionRole).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalIdOf(props.rawBucket)}.Arn>/raw/*]`,
        reason:
          'Raw bodies are read by the key the event names, derived from their digest: it cannot be known in advance.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalIdOf(props.table)}.Arn>/index/*]`,
        reason:
          "Replay queries the event table's byEntity, byAttention and byReceived indexes; the wildcard covers exactly the table's indexes.",
      },
    );
    Validations.of(this.function).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'The replay function is invoked synchronously by its state machine, which retries and catches its errors; a Lambda DLQ applies only to asynchronous invocations.',
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      queryLanguage: QueryLanguage.JSON_PATH,
      definitionBody: DefinitionBody.fromChainable(this.definition()),
      timeout: props.timeout ?? Duration.days(3),
      tracingEnabled: tracing,
      logs: {
        destination: new LogGroup(this, 'Logs', {
          retention: props.logRetention,
          removalPolicy: props.removalPolicy,
        }),
        // Inputs and outputs carry event payloads and replay filters: failures only, without them.
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalIdOf(this.function)}.Arn>:*]`,
      reason:
        'Step Functions invokes the replay function by version-qualified ARN; CDK grants the function and its versions.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SF1',
      reason:
        'Logging every event writes replay inputs and outputs (filters, event ids, summaries) to CloudWatch Logs; errors are logged, and every replayed event has its audit entry in the event store (security review, issue 11).',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (CloudWatch Logs vended logs) and X-Ray tracing actions support no resource-level permissions.',
    });
    if (!tracing) {
      const reason = 'Tracing is switched off in the configuration (`tracing.enabled: false`).';
      Validations.of(this.stateMachine).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-SF2', reason },
        { id: 'Serverless::Serverless-StepFunctionStateMachineXray', reason },
      );
    }
  }

  private definition() {
    const failed = new Fail(this, REPLAY_STATES.failed, {
      comment: 'The replay could not go on; the cause names why (an invalid input is reported here).',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const invoke = (stateName: string, payload: Record<string, unknown>, comment: string) => {
      const task = new LambdaInvoke(this, stateName, {
        comment,
        lambdaFunction: this.function,
        payload: TaskInput.fromObject({ ...payload, executionId: JsonPath.stringAt('$$.Execution.Id') }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      });
      task.addRetry({
        errors: LAMBDA_SERVICE_ERRORS,
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        jitterStrategy: JitterType.FULL,
      });
      // Our table, bucket or queue failed: a batch is safe to run again (an event already
      // re-queued is skipped, a deleted DLQ message is not seen again).
      task.addRetry({
        errors: ['InfrastructureError'],
        interval: Duration.seconds(5),
        maxAttempts: 3,
        backoffRate: 2,
      });
      task.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
      return task;
    };

    const plan = invoke(
      REPLAY_STATES.plan,
      { action: 'plan', input: JsonPath.entirePayload },
      'Checks the input, counts the matching events and samples up to 20.',
    );
    const batch = invoke(
      REPLAY_STATES.batch,
      { action: 'batch', state: JsonPath.entirePayload },
      'Replays the next batch of matching events.',
    );
    const wait = new Wait(this, REPLAY_STATES.wait, {
      comment: 'Keeps to the rate: batch size / rate, in whole seconds.',
      time: WaitTime.secondsPath('$.plan.waitSeconds'),
    });
    const done = new Succeed(this, REPLAY_STATES.done, {
      comment: 'Replayed, skipped (with reasons) and failed counts.',
      outputPath: '$.summary',
    });
    const more = new Choice(this, REPLAY_STATES.more)
      .when(
        Condition.and(
          Condition.booleanEquals('$.more', true),
          Condition.numberLessThanJsonPath('$.summary.handled', '$.request.limit'),
        ),
        wait.next(batch),
      )
      .otherwise(done);
    return plan.next(
      new Choice(this, REPLAY_STATES.dryRun)
        .when(
          Condition.booleanEquals('$.request.dryRun', true),
          new Succeed(this, REPLAY_STATES.planned, {
            comment: 'A dry run ends with the plan.',
            outputPath: '$.plan',
          }),
        )
        .otherwise(batch.next(more)),
    );
  }
}
