import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { ChannelFakes, channelUrlEnvironment, type FakeProvider } from './emulators/channels';
import { CloudFormationEmulator } from './emulators/cloudformation';
import { CloudWatchEmulator } from './emulators/cloudwatch';
import { DynamoDbEmulator } from './emulators/dynamodb';
import { EventBridgeEmulator } from './emulators/eventbridge';
import { FirehoseEmulator, type ObjectWriter } from './emulators/firehose';
import { LambdaApiEmulator } from './emulators/lambda-api';
import { ProviderApiFakes, providerApiUrlEnvironment } from './emulators/provider-apis';
import { S3Emulator } from './emulators/s3';
import { SchedulerEmulator } from './emulators/scheduler';
import { SecretsManagerEmulator } from './emulators/secretsmanager';
import { SnsEmulator } from './emulators/sns';
import { SqsEmulator } from './emulators/sqs';
import { invokeLambdaWith, StepFunctionsEmulator } from './emulators/stepfunctions';
import type { DynamoStreamEventSource, SqsEventSourceMapping } from './event-source';
import { LambdaService, RuntimeClock, type LogSink } from './lambda';
import { provisionAlarms } from './provision/alarms';
import {
  provisionDeliveryStreams,
  provisionStreamEventSources,
  s3ObjectWriter,
} from './provision/audit-archive';
import { provisionBuckets } from './provision/buckets';
import type { LocalServices, ProvisionContext, ServiceEndpoints } from './provision/context';
import { provisionEventBuses } from './provision/event-buses';
import { eventSourceMappingApiProvisioner } from './provision/event-source-mapping-api';
import { provisionEventSourceMappings } from './provision/event-source-mappings';
import { provisionFunctions, reservedConcurrencyOf } from './provision/functions';
import { httpApiProvisioner } from './provision/http-api';
import { provisionInert } from './provision/inert';
import { provisionMetricFilters } from './provision/metric-filters';
import { provisionSubscriptions, provisionTopics } from './provision/notifications';
import { provisionQueues } from './provision/queues';
import { provisionRules } from './provision/rules';
import { provisionSchedules } from './provision/schedules';
import { provisionSecrets, type ProviderSecretInUse } from './provision/secrets';
import { provisionStateMachines } from './provision/state-machines';
import { provisionTables } from './provision/tables';
import {
  readAssembly,
  resolveValue,
  resourcesOfType,
  type LocalResource,
  type SynthesizedStack,
} from './template';

export type { ProviderSecretInUse } from './provision/secrets';

export const ACCOUNT_ID = '000000000000';
const DEFAULT_UNRESERVED_CONCURRENCY = 32;
export const REGION = 'us-east-1';

/** Resource types the runtime creates and serves. */
const SERVED = new Set([
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Stage',
  'AWS::StepFunctions::StateMachine',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::CloudWatch::Alarm',
  'AWS::Logs::MetricFilter',
  'AWS::KinesisFirehose::DeliveryStream',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::Scheduler::Schedule',
]);

/**
 * Resource types no code calls at run time: permissions, policies, log groups, monitoring.
 * They are accepted without being emulated (the runtime enforces no IAM and keeps logs on stdout).
 */
const INERT = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::CDK::Metadata',
  'AWS::CloudWatch::Dashboard',
  'AWS::SNS::TopicPolicy',
  'AWS::KMS::Key',
  'AWS::XRay::SamplingRule',
  // The audit archive's catalog and query side: `relayflow audit query --local` reads the
  // archive objects itself, and Firehose's delivery log stream stays empty.
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Athena::WorkGroup',
  'AWS::Logs::LogStream',
]);

export interface LocalRuntimeOptions {
  /** The cloud assembly to run (`cdk.out`). */
  readonly assemblyDir: string;
  /** API port on 127.0.0.1. @default 3000; 0 picks a free port */
  readonly port?: number;
  /** Where `RELAYFLOW_SECRET_<PROVIDER>` variables are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where endpoints and names are written for the CLI and tests. @default none */
  readonly stateFile?: string;
  /** Function log lines. @default stdout with a `[function]` prefix */
  readonly logSink?: LogSink;
  /** API access log lines. @default none */
  readonly accessLog?: (line: string) => void;
  /**
   * Time for every lease, visibility timeout, backoff, Lambda timeout and Step Functions wait,
   * including the time the functions' own `Date` reads. @default real time, until advanced
   */
  readonly clock?: RuntimeClock;
  /**
   * Lambda concurrency shared by the functions without reserved concurrency; the template's
   * reservations come on top of it, as an account's quota is sized to leave room for them.
   * @default 32
   */
  readonly unreservedConcurrency?: number;
}

export type LocalEndpoints = ServiceEndpoints & { readonly api: string };

export interface LocalRuntime {
  readonly stackName: string;
  readonly endpoints: LocalEndpoints;
  /** Local webhook URL per provider id. */
  readonly webhookUrls: Readonly<Record<string, string>>;
  /** Stack outputs, resolved to local values (as DescribeStacks answers them). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly secrets: readonly ProviderSecretInUse[];
  readonly emulators: Omit<LocalServices, 'lambda'>;
  readonly lambda: LambdaService;
  /** The providers' send APIs the channel adapters call, with their receipts and test hooks. */
  readonly channels: ChannelFakes;
  /** The provider APIs reconciliation reads (`urls` has every one), and the harness that loses webhooks. */
  readonly providerApis: ProviderApiFakes;
  readonly eventSources: readonly SqsEventSourceMapping[];
  /** Table streams and their mappings (the audit archive's); `idle()` waits for them to drain. */
  readonly streams: readonly DynamoStreamEventSource[];
  /** The one clock of the runtime; tests move it forward instead of sleeping. */
  readonly clock: RuntimeClock;
  /** Milliseconds from the call to a ready runtime. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Fails start-up naming every resource type nothing here serves. */
const assertSupported = (stack: SynthesizedStack) => {
  const unsupported = [
    ...new Set(
      Object.values(stack.template.Resources)
        .map((r) => r.Type)
        .filter((type) => !SERVED.has(type) && !INERT.has(type)),
    ),
  ];
  if (unsupported.length > 0) {
    throw new Error(
      `the template uses services the local runtime does not emulate: ${unsupported.sort().join(', ')}`,
    );
  }
};

/**
 * Runs a synthesized RelayFlow stack on this machine: every table, bucket, queue, secret,
 * function, route, event source mapping, rule, state machine, topic and alarm of the template, served by
 * local emulators, with each function loaded from its built bundle and its template environment
 * resolved to local names. No AWS account is involved.
 */
/** A loopback port nothing listens on now, for a server started a moment later. */
const freeLoopbackPort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });

export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  const started = Date.now();
  const stack = readAssembly(options.assemblyDir);
  assertSupported(stack);
  const { template, stackName } = stack;
  const clock = options.clock ?? new RuntimeClock();

  // Started first: the functions' environment carries its URLs; receipts are routed once the API is up.
  const channels = new ChannelFakes({
    sleep: (ms) => clock.sleep(ms),
    now: () => new Date(clock.now()),
    log: (line) => console.warn(line),
  });
  await channels.start();
  const providerApis = new ProviderApiFakes({
    now: () => new Date(clock.now()),
    log: (line) => console.warn(line),
    channelUrls: {
      twilio: channels.urls.twilio,
      postmark: channels.urls.postmark,
      mailgun: channels.urls.mailgun,
    },
  });
  await providerApis.start();
  const lambda = new LambdaService({
    region: REGION,
    clock,
    // Lambda's own base environment, plus where each channel adapter finds its provider's fake.
    baseEnv: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...channelUrlEnvironment(channels.urls),
      ...providerApiUrlEnvironment(providerApis.urls),
    },
    ...(options.logSink ? { logSink: options.logSink } : {}),
    // CloudWatch Logs turns the EMF records among the functions' log lines, and the lines its
    // metric filters match, into metrics.
    onJsonLog: (record, _functionName, logGroupName) =>
      services.cloudWatch.putFunctionLog(record, logGroupName),
    accountConcurrency:
      reservedConcurrencyOf(template) + (options.unreservedConcurrency ?? DEFAULT_UNRESERVED_CONCURRENCY),
  });
  const services: LocalServices = {
    sqs: new SqsEmulator({ clock }),
    dynamodb: new DynamoDbEmulator({ sleep: (ms) => clock.sleep(ms) }),
    s3: new S3Emulator(),
    secretsManager: new SecretsManagerEmulator(),
    cloudFormation: new CloudFormationEmulator(),
    eventBridge: new EventBridgeEmulator(),
    stepFunctions: new StepFunctionsEmulator({
      invokeLambda: invokeLambdaWith(lambda),
      clock: { now: () => new Date(clock.now()), sleep: (ms, signal) => clock.sleep(ms, signal) },
    }),
    sns: new SnsEmulator(),
    cloudWatch: new CloudWatchEmulator({ now: () => new Date(clock.now()) }),
    lambdaApi: new LambdaApiEmulator({
      now: () => new Date(clock.now()),
      invoke: (functionName, event) => lambda.invoke(functionName, event),
    }),
    // Its targets (the template's functions and queues) are connected as they are provisioned.
    scheduler: new SchedulerEmulator({ clock }),
    // Its writer reaches the S3 emulator, whose endpoint exists only once started.
    firehose: new FirehoseEmulator(
      (bucket, key, body) => writeObject(bucket, key, body),
      () => new Date(clock.now()),
    ),
    lambda,
  };
  let writeObject: ObjectWriter = () => Promise.reject(new Error('the S3 emulator is not running'));
  const { sqs, stepFunctions, cloudFormation } = services;
  const stops: (() => Promise<void>)[] = [() => channels.stop(), () => providerApis.stop()];
  let eventSources: readonly SqsEventSourceMapping[] = [];
  let streams: readonly DynamoStreamEventSource[] = [];

  const stopAll = async () => {
    await Promise.allSettled([...eventSources, ...streams].map((source) => source.stop()));
    sqs.close();
    await lambda.stop();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await stepFunctions.dispose();
  };

  try {
    const running = {
      sqs: await sqs.start(),
      dynamodb: await services.dynamodb.start(),
      s3: await services.s3.start(),
      secretsmanager: await services.secretsManager.start(),
      cloudformation: await cloudFormation.start(),
      eventbridge: await services.eventBridge.start(),
      stepfunctions: await stepFunctions.start(),
      sns: await services.sns.start(),
      cloudwatch: await services.cloudWatch.start(),
      lambda: await services.lambdaApi.start(),
      firehose: await services.firehose.start(),
      scheduler: await services.scheduler.start(),
    };
    for (const server of Object.values(running)) stops.push(() => server.stop());
    const serviceEndpoints = Object.fromEntries(
      Object.entries(running).map(([name, server]) => [name, server.endpoint]),
    ) as unknown as ServiceEndpoints;

    const resources = new Map<string, LocalResource>();
    const ctx: ProvisionContext = {
      resources,
      accountId: ACCOUNT_ID,
      region: REGION,
      stackName,
      stack,
      services,
      endpoints: serviceEndpoints,
      clock,
      env: options.env ?? process.env,
      onStop: (stop) => stops.push(stop),
    };
    writeObject = s3ObjectWriter(ctx);
    const adopt = <Extra extends object>(
      provisioned: { readonly resources: ReadonlyMap<string, LocalResource> } & Extra,
    ): Extra => {
      for (const [id, resource] of provisioned.resources) resources.set(id, resource);
      return provisioned;
    };

    // Each provisioner refers only to resources made before it.
    adopt(await provisionTables(template, ctx));
    adopt(await provisionBuckets(template, ctx));
    adopt(await provisionQueues(template, ctx));
    const { providerSecrets } = adopt(await provisionSecrets(template, ctx, channels.urls));
    adopt(await provisionEventBuses(template, ctx));
    adopt(await provisionTopics(template, ctx));
    adopt(await provisionInert(template, ctx));
    adopt(await provisionMetricFilters(template, ctx));
    adopt(await provisionDeliveryStreams(template, ctx));
    // The consumer's environment names the API's endpoint (where providers post status
    // callbacks), but the API starts after the functions it calls: its port is chosen first.
    const apiPort = options.port === 0 ? await freeLoopbackPort() : (options.port ?? 3000);
    for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api'))
      resources.set(id, { ref: id, attributes: { ApiEndpoint: `http://127.0.0.1:${apiPort}` } });
    adopt(await provisionFunctions(template, ctx));
    adopt(await provisionStateMachines(template, ctx));
    adopt(await provisionRules(template, ctx));
    adopt(await provisionSchedules(template, ctx));
    const api = adopt(
      await httpApiProvisioner({
        port: apiPort,
        ...(options.accessLog ? { accessLog: options.accessLog } : {}),
      })(template, ctx),
    );
    adopt(await provisionSubscriptions(template, ctx));
    adopt(await provisionAlarms(template, ctx));
    const mappings = await provisionEventSourceMappings(template, ctx);
    eventSources = adopt(mappings).eventSources;
    adopt(await eventSourceMappingApiProvisioner(mappings)(template, ctx));
    streams = adopt(await provisionStreamEventSources(template, ctx)).streams;

    // Outputs, answered by the CloudFormation emulator so that the CLI has one code path.
    const outputs = Object.fromEntries(
      Object.entries(template.Outputs ?? {}).map(([key, output]) => [
        key,
        String(resolveValue(output.Value, ctx)),
      ]),
    );
    cloudFormation.registerStack({
      stackName,
      outputs: Object.fromEntries(
        Object.entries(template.Outputs ?? {}).map(([key, output]) => [
          key,
          { value: outputs[key] ?? '', ...(output.Description ? { description: output.Description } : {}) },
        ]),
      ),
    });

    const webhookUrls = Object.fromEntries(
      api.routeKeys
        .map((routeKey) => /^ANY \/webhooks\/([^/{]+)$/.exec(routeKey)?.[1])
        .filter((p): p is string => Boolean(p))
        .map((provider) => [provider, `${api.url}/webhooks/${provider}`]),
    );
    const webhookTarget = (provider: string, tenant: string | undefined) => {
      const url = webhookUrls[provider];
      const secret =
        providerSecrets.find((s) => s.provider === provider && s.tenant === tenant) ??
        providerSecrets.find((s) => s.provider === provider && s.tenant === undefined);
      // SendGrid's verifier holds the public key; only a development secret has the private one.
      const key = provider === 'sendgrid' ? secret?.value.signingPrivateKey : secret?.value.signingSecrets[0];
      return url && key ? { url: tenant ? `${url}/${tenant}` : url, secret: key } : undefined;
    };
    providerApis.routeWebhooks({ target: webhookTarget });
    channels.routeReceipts({
      target: webhookTarget,
      // As the CLI's send signs: the ingest rebuilds the URL from the Host without its port, under https.
      signedUrl: (posted) => {
        const url = new URL(posted);
        return `https://${url.hostname}${url.pathname}${url.search}`;
      },
      eventBridge: services.eventBridge,
    });
    const channelUrls: Readonly<Record<FakeProvider, string>> = channels.urls;
    const endpoints: LocalEndpoints = { api: api.url, ...serviceEndpoints };
    if (options.stateFile) {
      mkdirSync(dirname(options.stateFile), { recursive: true });
      writeFileSync(
        options.stateFile,
        `${JSON.stringify({ stackName, region: REGION, endpoints, webhookUrls, channels: channelUrls, providerApis: providerApis.urls, pid: process.pid }, null, 2)}\n`,
      );
    }

    const { lambda: _lambda, ...emulators } = services;
    return {
      stackName,
      endpoints,
      webhookUrls,
      outputs,
      secrets: providerSecrets,
      emulators,
      lambda,
      channels,
      providerApis,
      eventSources,
      streams,
      clock,
      startupMs: Date.now() - started,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
