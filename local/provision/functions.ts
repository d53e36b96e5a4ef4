import type { FunctionConfig } from '../lambda';
import { bundleDirOf, resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, stringProperty, type Provisioner } from './context';

/**
 * AWS::Lambda::Function, registered with the Lambda service from its staged bundle. Every name
 * comes first, since environments may refer to other functions; each environment is resolved
 * to local names and sits on top of the endpoints of the local services.
 */
export const provisionFunctions: Provisioner = (template, ctx) => {
  const { region, accountId, stackName } = ctx;
  const resources = new Map<string, LocalResource>();
  const functions = resourcesOfType(template, 'AWS::Lambda::Function');
  for (const [id, fn] of functions) {
    const name = stringProperty(fn, 'FunctionName') ?? physicalName(stackName, id, 64);
    resources.set(id, {
      ref: name,
      attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${name}` },
    });
  }
  const { endpoints } = ctx;
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsmanager,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
    AWS_ENDPOINT_URL_SFN: endpoints.stepfunctions,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpoints.cloudformation,
    AWS_ENDPOINT_URL_FIREHOSE: endpoints.firehose,
    // Bundles target Node.js 22 on Lambda; the SDK's warning about the local Node.js is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No X-Ray daemon runs here: traces are switched off rather than sent to nowhere.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };
  const resolve = resolveIn(ctx, resources);
  for (const [id, fn] of functions) {
    const name = String(resources.get(id)?.ref);
    const variables =
      (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment = Object.fromEntries(
      Object.entries(resolve(variables) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
    ctx.services.lambda.register({
      functionName: name,
      arn: `arn:aws:lambda:${region}:${accountId}:function:${name}`,
      bundleDir: bundleDirOf(ctx.stack, fn),
      handler: stringProperty(fn, 'Handler') ?? 'index.handler',
      environment: { ...baseEnv, ...environment },
      timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
      memoryMb: Number(fn.Properties?.MemorySize ?? 128),
      ...loggingOf(resolve(fn.Properties?.LoggingConfig)),
      ...(typeof fn.Properties?.ReservedConcurrentExecutions === 'number'
        ? { reservedConcurrency: fn.Properties.ReservedConcurrentExecutions }
        : {}),
    });
  }
  return Promise.resolve({ resources });
};

type Logging = Pick<FunctionConfig, 'logFormat' | 'applicationLogLevel' | 'systemLogLevel' | 'logGroupName'>;

/**
 * Lambda's LoggingConfig: the log format, the log group and, with JSON, the levels Lambda filters by. The Lambda
 * service checks the values against its own schema when the function is registered.
 */
const loggingOf = (config: unknown): Logging => {
  const { LogFormat, ApplicationLogLevel, SystemLogLevel, LogGroup } = (config ?? {}) as {
    readonly LogFormat?: Logging['logFormat'];
    readonly ApplicationLogLevel?: Logging['applicationLogLevel'];
    readonly SystemLogLevel?: Logging['systemLogLevel'];
    readonly LogGroup?: string;
  };
  return {
    logFormat: LogFormat,
    applicationLogLevel: ApplicationLogLevel,
    systemLogLevel: SystemLogLevel,
    ...(LogGroup === undefined ? {} : { logGroupName: LogGroup }),
  };
};

/** Concurrency the template reserves for its functions, which an account's quota must leave room for. */
export const reservedConcurrencyOf = (template: Parameters<Provisioner>[0]): number =>
  resourcesOfType(template, 'AWS::Lambda::Function').reduce((sum, [, fn]) => {
    const reserved = fn.Properties?.ReservedConcurrentExecutions;
    return sum + (typeof reserved === 'number' ? reserved : 0);
  }, 0);
