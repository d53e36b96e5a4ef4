import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { HttpMethod, type CfnStage, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, RuleTargetInput, type RuleTargetInputProperties } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventSourceConfig } from '../config';
import { RelayFlowFunction, type FunctionLogLevel, type PlatformLogLevel } from './relayflow-function';

export interface ProducerApiProps {
  /** The HTTP API the webhook routes are on: the producer routes join it. */
  readonly api: HttpApi;
  /** Its stage, whose route settings name every route's throttle. */
  readonly stage: HttpStage;
  /** The producer routes' throttle. Producers are the team's own services: the stage's, by default. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Tenant ids served besides `default`. */
  readonly tenants: readonly string[];
  /** EventBridge rules whose matching events the producer function publishes. @default none */
  readonly eventSources?: readonly EventSourceConfig[];
  readonly table: ITable;
  readonly rawBucket: IBucket;
  readonly queue: IQueue;
  readonly maxBodyBytes: number;
  readonly inlineBodyMaxBytes: number;
  readonly retentionDays: number;
  readonly logLevel: FunctionLogLevel;
  /** Lambda's own lines (START, END, REPORT). @default 'WARN' */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** X-Ray tracing of the producer function. @default true */
  readonly tracing?: boolean;
}

/** The producer's timeout; also, times three, how long a RECEIVED event is left to its publish. */
const PRODUCER_TIMEOUT = Duration.seconds(10);

/** The producer routes, on the webhook API: the default tenant's, and a tenant's. */
export const PRODUCER_PATHS = ['/events', '/events/{tenant}'] as const;

/**
 * What an event source's rule hands the function: the source as configured, and the whole event
 * (`<aws.events.event.json>`, which EventBridge fills in), since an event does not name its bus.
 */
class EventSourceInput extends RuleTargetInput {
  constructor(private readonly source: Omit<EventSourceConfig, 'pattern'>) {
    super();
  }

  bind(): RuleTargetInputProperties {
    return {
      inputTemplate: `{"relayflowEventSource":${JSON.stringify(this.source)},"event":<aws.events.event.json>}`,
    };
  }
}

/**
 * Domain events in (issue 17, docs/decisions/0047-domain-events.md): the producer function, its
 * routes `/events` and `/events/{tenant}` on the webhook API with AWS_IAM authorization (callers
 * sign with SigV4), one EventBridge rule per configured event source, and the dead-letter queue
 * where asynchronous deliveries (event sources, schedules) go when they cannot be published.
 * Schedules invoke {@link function} too (lib/constructs/schedules.ts).
 */
export class ProducerApi extends Construct {
  public readonly function: RelayFlowFunction;
  /** Event source and schedule deliveries that failed every attempt, with the original input. */
  public readonly deadLetterQueue: Queue;
  /** `POST` domain events here, signed for `execute-api` (the ProducerUrl output). */
  public readonly url: string;
  public readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: ProducerApiProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This is the dead-letter queue of the producer function and of its event source rules.',
      },
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason: 'This is a dead-letter queue; an operator reads it, nothing redrives it further.',
      },
    );

    this.function = new RelayFlowFunction(this, 'Function', {
      entry: 'functions/handlers/producer.ts',
      description: 'RelayFlow producer: domain events from the producer API, event sources and schedules',
      serviceName: 'producer',
      timeout: PRODUCER_TIMEOUT,
      logLevel: props.logLevel,
      platformLogLevel: props.platformLogLevel,
      tracing: props.tracing,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        TENANTS: JSON.stringify(props.tenants),
        EVENT_TABLE: props.table.tableName,
        RAW_BUCKET: props.rawBucket.bucketName,
        QUEUE_URL: props.queue.queueUrl,
        MAX_BODY_BYTES: String(props.maxBodyBytes),
        INLINE_BODY_MAX_BYTES: String(props.inlineBodyMaxBytes),
        RETENTION_DAYS: String(props.retentionDays),
        INGEST_LEASE_SECONDS: String(PRODUCER_TIMEOUT.toSeconds() * 3),
      },
    });
    // Asynchronous invocations (event sources, schedules) that fail every retry land here.
    (this.function.node.defaultChild as CfnFunction).deadLetterConfig = {
      targetArn: this.deadLetterQueue.queueArn,
    };
    this.deadLetterQueue.grantSendMessages(this.function);
    // As the verifiers: the table itself only, items by key, never an index.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [props.rawBucket.arnForObjects('raw/*')] }),
    );
    Validations.of(this.function.executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<RawPayloadsBucket5F23724D.Arn>/raw/*]',
      reason:
        'Raw bodies are written under keys derived from their digest: the key cannot be known in advance.',
    });
    props.queue.grantSendMessages(this.function);

    const integration = new HttpLambdaIntegration('Integration', this.function);
    const authorizer = new HttpIamAuthorizer();
    const stage = props.stage.node.defaultChild as CfnStage;
    // Beside the webhook routes' own throttles (lib/constructs/ingest-api.ts): every route's limit
    // is named in one place. CloudFormation spells the keys of this JSON map itself.
    const routeSettings: Record<string, unknown> = { ...(stage.routeSettings as Record<string, unknown>) };
    // Any method reaches the function, as on the webhook routes, so that a signed GET is told 405
    // rather than a bare 404; an unsigned request of any method is refused 403 by API Gateway.
    for (const path of PRODUCER_PATHS) {
      for (const route of props.api.addRoutes({ path, methods: [HttpMethod.ANY], integration, authorizer })) {
        routeSettings[`${HttpMethod.ANY} ${path}`] = {
          ThrottlingRateLimit: props.throttle.rateLimit,
          ThrottlingBurstLimit: props.throttle.burstLimit,
        };
        // CloudFormation refuses route settings that name a route it has not created yet.
        props.stage.node.addDependency(route);
      }
    }
    stage.routeSettings = routeSettings;
    this.url = `${props.api.apiEndpoint}/events`;

    this.rules = (props.eventSources ?? []).map(({ pattern, ...source }, index) => {
      const eventBus = source.bus.startsWith('arn:')
        ? EventBus.fromEventBusArn(this, `Bus${index}`, source.bus)
        : EventBus.fromEventBusName(this, `Bus${index}`, source.bus);
      return new Rule(this, `EventSource${index}`, {
        eventBus,
        description: `RelayFlow domain events from ${source.bus}`,
        // Written as EventBridge reads it (`detail-type`, not `detailType`): CDK passes it through.
        eventPattern: pattern,
        targets: [
          new LambdaFunction(this.function, {
            event: new EventSourceInput(source),
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: 185,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    });
  }
}
