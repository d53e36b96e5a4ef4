import { SQSClient } from '@aws-sdk/client-sqs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { routeThrottleOf, startHttpApi, type HttpApiRoute, type RunningHttpApi } from './apigateway';
import { generatedSecretString, localSecretFor, type ProviderSecretValue } from './dev-secrets';
import { CloudFormationEmulator } from './emulators/cloudformation';
import { DynamoDbEmulator } from './emulators/dynamodb';
import { EventBridgeEmulator, type EventPattern } from './emulators/eventbridge';
import { S3Emulator } from './emulators/s3';
import { SecretsManagerEmulator } from './emulators/secretsmanager';
import { SqsEmulator, type Clock } from './emulators/sqs';
import { invokeLambdaWith, StepFunctionsEmulator } from './emulators/stepfunctions';
import { SqsEventSourceMapping } from './event-source';
import { LambdaService, type LogSink } from './lambda';
import {
  bundleDirOf,
  readAssembly,
  resolveValue,
  resourcesOfType,
  type LocalResource,
  type ResolveContext,
  type SynthesizedStack,
  type TemplateResource,
} from './template';

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
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::KMS::Key',
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
  /** Time for the SQS emulator (visibility, dedup window); tests may pass a manual clock. */
  readonly sqsClock?: Clock;
  /** Time scale for Step Functions waits (1 = real time). */
  readonly stepFunctionsTimeScale?: number;
  /**
   * Lambda concurrency shared by the functions without reserved concurrency; the template's
   * reservations come on top of it, as an account's quota is sized to leave room for them.
   * @default 32
   */
  readonly unreservedConcurrency?: number;
}

export interface ProviderSecretInUse {
  readonly provider: string;
  readonly tenant?: string;
  readonly secretName: string;
  readonly value: ProviderSecretValue;
  readonly source: 'environment' | 'generated';
}

export interface LocalEndpoints {
  readonly api: string;
  readonly sqs: string;
  readonly dynamodb: string;
  readonly s3: string;
  readonly secretsmanager: string;
  readonly stepfunctions: string;
  readonly eventbridge: string;
  readonly cloudformation: string;
}

export interface LocalRuntime {
  readonly stackName: string;
  readonly endpoints: LocalEndpoints;
  /** Local webhook URL per provider id. */
  readonly webhookUrls: Readonly<Record<string, string>>;
  /** Stack outputs, resolved to local values (as DescribeStacks answers them). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly secrets: readonly ProviderSecretInUse[];
  readonly emulators: {
    readonly sqs: SqsEmulator;
    readonly dynamodb: DynamoDbEmulator;
    readonly s3: S3Emulator;
    readonly secretsManager: SecretsManagerEmulator;
    readonly cloudFormation: CloudFormationEmulator;
    readonly eventBridge: EventBridgeEmulator;
    readonly stepFunctions: StepFunctionsEmulator;
  };
  readonly lambda: LambdaService;
  readonly eventSources: readonly SqsEventSourceMapping[];
  /** Milliseconds from the call to a ready runtime. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** A string property of a resource, when the template sets one. */
const stringProperty = (resource: TemplateResource, key: string): string | undefined => {
  const value = resource.Properties?.[key];
  return typeof value === 'string' ? value : undefined;
};

const physicalName = (stackName: string, logicalId: string, max: number) =>
  `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, max);

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
    throw new Error(`the template uses services the local runtime does not emulate: ${unsupported.sort().join(', ')}`);
  }
};

/**
 * Runs a synthesized RelayFlow stack on this machine: every table, bucket, queue, secret,
 * function, route, event source mapping, rule and state machine of the template, served by
 * local emulators, with each function loaded from its built bundle and its template environment
 * resolved to local names. No AWS account is involved.
 */
export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  const started = Date.now();
  const stack = readAssembly(options.assemblyDir);
  assertSupported(stack);
  const env = options.env ?? process.env;
  const { template, stackName } = stack;

  const sqs = new SqsEmulator(options.sqsClock ? { clock: options.sqsClock } : {});
  const dynamodb = new DynamoDbEmulator();
  const s3 = new S3Emulator();
  const secretsManager = new SecretsManagerEmulator();
  const cloudFormation = new CloudFormationEmulator();
  const eventBridge = new EventBridgeEmulator();
  const reserved = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .reduce((sum, r) => sum + (typeof r.Properties?.ReservedConcurrentExecutions === 'number' ? r.Properties.ReservedConcurrentExecutions : 0), 0);
  const lambda = new LambdaService({
    region: REGION,
    ...(options.logSink ? { logSink: options.logSink } : {}),
    accountConcurrency: reserved + (options.unreservedConcurrency ?? DEFAULT_UNRESERVED_CONCURRENCY),
  });
  const stepFunctions = new StepFunctionsEmulator({ invokeLambda: invokeLambdaWith(lambda) });
  const stops: (() => Promise<void>)[] = [];
  const eventSources: SqsEventSourceMapping[] = [];
  let api: RunningHttpApi | undefined;

  const stopAll = async () => {
    await Promise.allSettled(eventSources.map((source) => source.stop()));
    sqs.close();
    await lambda.stop();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await stepFunctions.dispose();
  };

  try {
    const running = {
      sqs: await sqs.start(),
      dynamodb: await dynamodb.start(),
      s3: await s3.start(),
      secretsmanager: await secretsManager.start(),
      cloudformation: await cloudFormation.start(),
      eventbridge: await eventBridge.start(),
      stepfunctions: await stepFunctions.start(),
    };
    for (const server of Object.values(running)) stops.push(() => server.stop());

    const resources = new Map<string, LocalResource>();
    const ctx: ResolveContext = { resources, accountId: ACCOUNT_ID, region: REGION, stackName };
    const routes: HttpApiRoute[] = [];

    // Tables
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, table]) => {
      const tableName = stringProperty(table, 'TableName') ?? physicalName(stackName, id, 255);
      resources.set(id, {
        ref: tableName,
        attributes: { Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/${tableName}` },
      });
      return { tableName, properties: table.Properties };
    });
    await dynamodb.createTables(tables);

    // Buckets
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket').map(([id, bucket]) => {
      const name = stringProperty(bucket, 'BucketName') ?? physicalName(stackName, id, 63).toLowerCase();
      resources.set(id, {
        ref: name,
        attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${REGION}.amazonaws.com` },
      });
      return name;
    });
    await s3.createBuckets(buckets);

    // Queues: created first, then the redrive policies, which name each other by ARN.
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    for (const [id, queue] of queues) {
      const fifo = queue.Properties?.FifoQueue === true;
      const name = stringProperty(queue, 'QueueName') ?? `${physicalName(stackName, id, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
      const { RedrivePolicy: _redrive, QueueName: _name, Tags: _tags, ...attributes } = queue.Properties ?? {};
      const created = await sqs.createQueue({ QueueName: name, Attributes: queueAttributes(attributes) });
      const url = String(created.QueueUrl);
      resources.set(id, {
        ref: url,
        attributes: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`, QueueName: name, QueueUrl: url },
      });
    }
    for (const [id, queue] of queues) {
      const redrive = queue.Properties?.RedrivePolicy;
      if (!redrive) continue;
      await sqs.setQueueAttributes({
        QueueUrl: resources.get(id)?.ref,
        Attributes: { RedrivePolicy: JSON.stringify(resolveValue(redrive, ctx)) },
      });
    }

    // Secrets: placeholders now (functions reference their ARNs); values once we know which
    // provider each secret serves, from the verifiers' environment.
    const secretResources = resourcesOfType(template, 'AWS::SecretsManager::Secret');
    for (const [id, secret] of secretResources) {
      const name = stringProperty(secret, 'Name') ?? physicalName(stackName, id, 200);
      const generate = secret.Properties?.GenerateSecretString as Parameters<typeof generatedSecretString>[0] | undefined;
      const value = generate ? generatedSecretString(generate) : String(resolveValue(secret.Properties?.SecretString ?? '{}', ctx));
      const created = secretsManager.createSecret({ Name: name, SecretString: value });
      resources.set(id, { ref: created.ARN, attributes: { Id: created.ARN } });
    }

    // Event buses and state machines get ARNs before functions resolve environments.
    for (const [id, bus] of resourcesOfType(template, 'AWS::Events::EventBus')) {
      const name = stringProperty(bus, 'Name') ?? physicalName(stackName, id, 256);
      const { EventBusArn } = eventBridge.createEventBus({ Name: name });
      resources.set(id, { ref: name, attributes: { Arn: EventBusArn, Name: name } });
    }
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([id, machine]) => {
      const name = stringProperty(machine, 'StateMachineName') ?? physicalName(stackName, id, 80);
      const arn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${name}`;
      resources.set(id, { ref: arn, attributes: { Arn: arn, Name: name } });
      return { name, machine };
    });
    for (const [id] of resourcesOfType(template, 'AWS::IAM::Role')) {
      const name = physicalName(stackName, id, 64);
      resources.set(id, { ref: name, attributes: { Arn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}` } });
    }
    for (const [id] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
      const name = `/aws/relayflow/${id}`;
      resources.set(id, { ref: name, attributes: { Arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}:*` } });
    }
    for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic')) {
      resources.set(id, { ref: `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${physicalName(stackName, id, 256)}` });
    }

    // Functions: names first (environments may reference one another), then registration.
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    for (const [id, fn] of functions) {
      const name = stringProperty(fn, 'FunctionName') ?? physicalName(stackName, id, 64);
      resources.set(id, { ref: name, attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}` } });
    }
    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: running.sqs.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: running.dynamodb.endpoint,
      AWS_ENDPOINT_URL_S3: running.s3.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: running.secretsmanager.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: running.eventbridge.endpoint,
      AWS_ENDPOINT_URL_SFN: running.stepfunctions.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: running.cloudformation.endpoint,
      // Bundles target Node.js 22 on Lambda; the SDK's warning about the local Node.js is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // No X-Ray daemon runs here: traces are switched off rather than sent to nowhere.
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
    const environments = new Map<string, Record<string, string>>();
    for (const [id, fn] of functions) {
      const name = String(resources.get(id)?.ref);
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(resolveValue(variables, ctx) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
      environments.set(id, environment);
      lambda.register({
        functionName: name,
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`,
        bundleDir: bundleDirOf(stack, fn),
        handler: stringProperty(fn, 'Handler') ?? 'index.handler',
        environment: { ...baseEnv, ...environment },
        timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
        memoryMb: Number(fn.Properties?.MemorySize ?? 128),
        ...(typeof fn.Properties?.ReservedConcurrentExecutions === 'number'
          ? { reservedConcurrency: fn.Properties.ReservedConcurrentExecutions }
          : {}),
      });
    }

    // Provider secrets get the local signing secrets (RELAYFLOW_SECRET_<PROVIDER> or generated).
    const secretsInUse: ProviderSecretInUse[] = [];
    const secretNameByArn = new Map([...secretResources].map(([id]) => [String(resources.get(id)?.ref), id]));
    for (const environment of environments.values()) {
      const provider = environment.PROVIDER_ID;
      if (!provider || !environment.SECRET_ARN) continue;
      const targets: { arn: string; tenant?: string }[] = [{ arn: environment.SECRET_ARN }];
      for (const [tenant, arn] of Object.entries(JSON.parse(environment.TENANT_SECRET_ARNS ?? '{}') as Record<string, string>)) {
        targets.push({ arn, tenant });
      }
      for (const target of targets) {
        if (!secretNameByArn.has(target.arn)) continue;
        const { value, source } = localSecretFor(provider, env);
        const described = secretsManager.describeSecret({ SecretId: target.arn });
        secretsManager.putSecretValue({ SecretId: target.arn, SecretString: JSON.stringify(value) });
        secretsInUse.push({ provider, ...(target.tenant ? { tenant: target.tenant } : {}), secretName: described.Name, value, source });
      }
    }

    // Routes, throttled by the stage's route settings
    const stage = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').find(([, s]) => s.Properties?.StageName === '$default')?.[1];
    const stageProperties = stage
      ? (resolveValue({ DefaultRouteSettings: stage.Properties?.DefaultRouteSettings, RouteSettings: stage.Properties?.RouteSettings }, ctx) as Record<string, unknown>)
      : undefined;
    for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Integration')) resources.set(id, { ref: id });
    const integrations = new Map(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').map(([id, integration]) => [
        id,
        String(resolveValue(integration.Properties?.IntegrationUri, ctx)),
      ]),
    );
    for (const [, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
      const target = String(resolveValue(route.Properties?.Target ?? '', ctx));
      const integrationId = [...integrations.keys()].find((id) => target === `integrations/${id}`);
      const functionArn = integrationId ? integrations.get(integrationId) : undefined;
      if (!functionArn) throw new Error(`route ${String(route.Properties?.RouteKey)} has no Lambda integration the runtime can serve`);
      const routeKey = String(route.Properties?.RouteKey);
      const throttle = routeThrottleOf(stageProperties, routeKey);
      routes.push({
        routeKey,
        ...(throttle ? { throttle } : {}),
        target: async (event) => {
          const outcome = await lambda.invoke(functionArn, event);
          return 'error' in outcome ? { error: outcome.error } : { result: outcome.result };
        },
      });
    }

    // The API binds once its routes are known; only outputs refer to its URL.
    api = await startHttpApi({
      port: options.port ?? 3000,
      host: '127.0.0.1',
      routes,
      ...(options.accessLog ? { accessLog: (entry) => options.accessLog?.(JSON.stringify(entry)) } : {}),
    });
    const apiUrl = api.url;
    const apiId = api.apiId;
    stops.push(() => api?.stop() ?? Promise.resolve());
    for (const [id] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
      resources.set(id, { ref: apiId, attributes: { ApiEndpoint: apiUrl, ApiId: apiId } });
    }

    // State machines and rules
    for (const { name, machine } of machines) {
      const definition = machine.Properties?.DefinitionString ?? machine.Properties?.Definition;
      const resolved = typeof definition === 'string' ? definition : resolveValue(definition, ctx);
      stepFunctions.createStateMachine({
        name,
        definition: typeof resolved === 'string' ? resolved : JSON.stringify(resolved),
        roleArn: String(resolveValue(machine.Properties?.RoleArn ?? `arn:aws:iam::${ACCOUNT_ID}:role/local`, ctx)),
      });
    }
    for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
      const targets = (resolveValue(rule.Properties?.Targets ?? [], ctx) as { Arn: string }[]).map((t) => t.Arn);
      eventBridge.addRule({
        name: physicalName(stackName, id, 64),
        busName: String(resolveValue(rule.Properties?.EventBusName ?? 'default', ctx)),
        eventPattern: resolveValue(rule.Properties?.EventPattern, ctx) as EventPattern,
        targets: async (event) => {
          await Promise.all(targets.map((arn) => lambda.invoke(arn, event)));
        },
      });
    }

    // Event source mappings
    const sqsClient = new SQSClient({
      endpoint: running.sqs.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      const props = resolveValue(mapping.Properties ?? {}, ctx) as Record<string, unknown>;
      const queueArn = String(props.EventSourceArn);
      const queueName = queueArn.split(':').pop() ?? '';
      const queueUrl = `${running.sqs.endpoint}/${ACCOUNT_ID}/${queueName}`;
      const functionName = String(props.FunctionName);
      const source = new SqsEventSourceMapping({
        sqs: sqsClient,
        queueUrl,
        queueArn,
        batchSize: Number(props.BatchSize ?? 10),
        maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
        maximumConcurrency: Number((props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 5),
        reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
        invoke: async (event) => {
          const outcome = await lambda.invoke(functionName, event);
          return 'error' in outcome ? { error: outcome.error } : { result: outcome.result };
        },
        waitTimeSeconds: 1,
      });
      source.start();
      eventSources.push(source);
    }
    stops.push(() => {
      sqsClient.destroy();
      return Promise.resolve();
    });

    // Outputs, answered by the CloudFormation emulator so that the CLI has one code path.
    const outputs = Object.fromEntries(
      Object.entries(template.Outputs ?? {}).map(([key, output]) => [key, String(resolveValue(output.Value, ctx))]),
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
      routes
        .map((r) => /^ANY \/webhooks\/([^/{]+)$/.exec(r.routeKey)?.[1])
        .filter((p): p is string => Boolean(p))
        .map((provider) => [provider, `${apiUrl}/webhooks/${provider}`]),
    );
    const endpoints: LocalEndpoints = {
      api: apiUrl,
      sqs: running.sqs.endpoint,
      dynamodb: running.dynamodb.endpoint,
      s3: running.s3.endpoint,
      secretsmanager: running.secretsmanager.endpoint,
      stepfunctions: running.stepfunctions.endpoint,
      eventbridge: running.eventbridge.endpoint,
      cloudformation: running.cloudformation.endpoint,
    };
    if (options.stateFile) {
      mkdirSync(dirname(options.stateFile), { recursive: true });
      writeFileSync(
        options.stateFile,
        `${JSON.stringify({ stackName, region: REGION, endpoints, webhookUrls, pid: process.pid }, null, 2)}\n`,
      );
    }

    return {
      stackName,
      endpoints,
      webhookUrls,
      outputs,
      secrets: secretsInUse,
      emulators: { sqs, dynamodb, s3, secretsManager, cloudFormation, eventBridge, stepFunctions },
      lambda,
      eventSources,
      startupMs: Date.now() - started,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

/** CloudFormation queue properties carry SQS attribute names; SQS wants them as strings. */
const queueAttributes = (properties: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(properties)
      .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
      .map(([k, v]) => [k, String(v)]),
  );
