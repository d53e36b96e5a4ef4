import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

/** A failure the operator can act on: printed as one sentence, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ConnectOptions {
  readonly local: boolean;
  readonly stack: string;
  readonly region?: string;
  /** Where the local runtime writes its endpoints. @default .relayflow/local.json under the working directory */
  readonly localStateFile?: string;
}

/** The stack's resources, found by its outputs, and the clients to reach them. */
export interface Environment {
  readonly stackName: string;
  readonly region: string;
  readonly local: boolean;
  readonly outputs: Readonly<Record<string, string>>;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly cloudwatch: CloudWatchClient;
  /** The Lambda API (event source mappings), not the functions' own endpoints. */
  readonly lambda: LambdaClient;
  /** The audit archive's objects (`audit query --local` reads them directly). */
  readonly s3: S3Client;
  /** Queries of the audit archive on a deployed stack. */
  readonly athena: AthenaClient;
  /** EventBridge Scheduler: the stack's schedules (`schedules list`, `schedules replay`). */
  readonly scheduler: SchedulerClient;
  /**
   * The local runtime's provider API fakes by provider (`send --lost`), from the state file npm
   * start writes; absent for a deployed stack.
   */
  readonly providerApis?: Readonly<Record<string, string>>;
  /** An output the command needs; a missing one is the operator's problem to fix (old stack). */
  output(key: string): string;
}

const LocalStateSchema = z.object({
  stackName: z.string().min(1),
  region: z.string().min(1),
  endpoints: z
    .object({
      sqs: z.string().url(),
      dynamodb: z.string().url(),
      secretsmanager: z.string().url(),
      stepfunctions: z.string().url(),
      cloudformation: z.string().url(),
      s3: z.string().url(),
      sns: z.string().url(),
      cloudwatch: z.string().url(),
      lambda: z.string().url(),
      scheduler: z.string().url(),
    })
    .passthrough(),
  providerApis: z.record(z.string(), z.string().url()).optional(),
});

const describeError = (error: unknown, options: ConnectOptions, cloudformation?: string): string => {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code =
    (error as { code?: string; cause?: { code?: string } } | undefined)?.code ??
    (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return options.local
      ? `The local runtime is not running (nothing answers at ${cloudformation ?? 'its endpoints'}); start it with npm start.`
      : `Could not reach AWS: ${message}.`;
  }
  if (name === 'CredentialsProviderError' || /credentials/i.test(message)) {
    return 'No AWS credentials found; configure them (AWS_PROFILE, aws configure or aws sso login) or use --local.';
  }
  if (/does not exist/.test(message)) {
    return `Stack ${options.stack} does not exist in ${options.region ?? 'this region'}; deploy it with cdk deploy or pass --stack.`;
  }
  return `Could not read stack ${options.stack}: ${message.replace(/\.$/, '')}.`;
};

/**
 * Finds the stack's resources by its CloudFormation outputs (decision 15). `--local` only swaps
 * endpoints and credentials for the local runtime's; the lookup is the same DescribeStacks.
 */
export const connect = async (options: ConnectOptions): Promise<Environment> => {
  let stackName = options.stack;
  let region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  let endpoints: Partial<
    Record<
      | 'sqs'
      | 'dynamodb'
      | 'secretsmanager'
      | 'stepfunctions'
      | 'cloudformation'
      | 's3'
      | 'sns'
      | 'cloudwatch'
      | 'lambda'
      | 'scheduler',
      string
    >
  > = {};
  let credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  let providerApis: Readonly<Record<string, string>> | undefined;
  const file = options.localStateFile ?? resolve(process.cwd(), '.relayflow', 'local.json');
  if (options.local) {
    if (!existsSync(file))
      throw new CliError(`The local runtime is not running (no ${file}); start it with npm start.`);
    let state: z.infer<typeof LocalStateSchema>;
    try {
      state = LocalStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      throw new CliError(`${file} is not what the local runtime writes; restart it with npm start.`);
    }
    stackName = state.stackName;
    region = state.region;
    endpoints = state.endpoints;
    providerApis = state.providerApis;
    credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  if (!region) {
    // Without a region there is no deployed stack to reach; a running npm start is the likelier target.
    throw new CliError(
      existsSync(file)
        ? `No AWS region configured, and the local runtime is running (${file}): pass --local to use it, or set AWS_REGION or --region for a deployed stack.`
        : 'No AWS region configured; set AWS_REGION or pass --region.',
    );
  }
  const config = (endpoint: string | undefined) => ({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: options.local ? 1 : 3,
  });

  const cloudformation = new CloudFormationClient(config(endpoints.cloudformation));
  let outputs: Record<string, string>;
  try {
    const result = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = result.Stacks?.[0];
    if (!stack)
      throw new CliError(
        `Stack ${stackName} does not exist in ${region}; deploy it with cdk deploy or pass --stack.`,
      );
    outputs = Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      describeError(error, { ...options, stack: stackName, region }, endpoints.cloudformation),
    );
  } finally {
    cloudformation.destroy();
  }

  return {
    stackName,
    region,
    local: options.local,
    outputs,
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(config(endpoints.dynamodb)), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    sqs: new SQSClient(config(endpoints.sqs)),
    sfn: new SFNClient(config(endpoints.stepfunctions)),
    secrets: new SecretsManagerClient(config(endpoints.secretsmanager)),
    sns: new SNSClient(config(endpoints.sns)),
    cloudwatch: new CloudWatchClient(config(endpoints.cloudwatch)),
    lambda: new LambdaClient(config(endpoints.lambda)),
    // The S3 emulator is addressed by path: a local host name has no bucket subdomains.
    s3: new S3Client({ ...config(endpoints.s3), forcePathStyle: options.local }),
    athena: new AthenaClient(config(undefined)),
    scheduler: new SchedulerClient(config(endpoints.scheduler)),
    ...(providerApis ? { providerApis } : {}),
    output: (key) => {
      const value = outputs[key];
      if (value === undefined)
        throw new CliError(
          `Stack ${stackName} has no output ${key}; redeploy it with this version of RelayFlow.`,
        );
      return value;
    },
  };
};

/** Turns an error from an AWS call during a command into one sentence. */
export const sentenceOf = (error: unknown, local: boolean): string => {
  if (error instanceof CliError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  if (/ECONNREFUSED/.test(message) || /ECONNREFUSED/.test(cause)) {
    return local
      ? 'The local runtime stopped answering; start it with npm start.'
      : `Could not reach AWS: ${message}.`;
  }
  return `${message.replace(/\.$/, '')}${cause ? ` (${cause.replace(/\.$/, '')})` : ''}.`;
};
