import type { CloudFormationEmulator } from '../emulators/cloudformation';
import type { CloudWatchEmulator } from '../emulators/cloudwatch';
import type { DynamoDbEmulator } from '../emulators/dynamodb';
import type { EventBridgeEmulator } from '../emulators/eventbridge';
import type { FirehoseEmulator } from '../emulators/firehose';
import type { LambdaApiEmulator } from '../emulators/lambda-api';
import type { S3Emulator } from '../emulators/s3';
import type { SchedulerEmulator } from '../emulators/scheduler';
import type { SecretsManagerEmulator } from '../emulators/secretsmanager';
import type { SnsEmulator } from '../emulators/sns';
import type { SqsEmulator } from '../emulators/sqs';
import type { StepFunctionsEmulator } from '../emulators/stepfunctions';
import type { LambdaService, RuntimeClock } from '../lambda';
import {
  resolveValue,
  type LocalResource,
  type ResolveContext,
  type SynthesizedStack,
  type Template,
  type TemplateResource,
} from '../template';

export interface LocalServices {
  readonly sqs: SqsEmulator;
  readonly dynamodb: DynamoDbEmulator;
  readonly s3: S3Emulator;
  readonly secretsManager: SecretsManagerEmulator;
  readonly cloudFormation: CloudFormationEmulator;
  readonly eventBridge: EventBridgeEmulator;
  readonly stepFunctions: StepFunctionsEmulator;
  readonly firehose: FirehoseEmulator;
  readonly sns: SnsEmulator;
  readonly cloudWatch: CloudWatchEmulator;
  /** The Lambda API (event source mappings); functions themselves run in {@link lambda}. */
  readonly lambdaApi: LambdaApiEmulator;
  readonly scheduler: SchedulerEmulator;
  readonly lambda: LambdaService;
}

export interface ServiceEndpoints {
  readonly sqs: string;
  readonly dynamodb: string;
  readonly s3: string;
  readonly secretsmanager: string;
  readonly stepfunctions: string;
  readonly eventbridge: string;
  readonly cloudformation: string;
  readonly firehose: string;
  readonly sns: string;
  readonly cloudwatch: string;
  readonly lambda: string;
  readonly scheduler: string;
}

/** What every provisioner may use: the resources made before it, the running services, the clock. */
export interface ProvisionContext extends ResolveContext {
  readonly stack: SynthesizedStack;
  readonly services: LocalServices;
  readonly endpoints: ServiceEndpoints;
  readonly clock: RuntimeClock;
  /** Where `RELAYFLOW_SECRET_<PROVIDER>` variables are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Registers work to undo on stop (run in reverse order of registration). */
  readonly onStop: (stop: () => Promise<void>) => void;
}

/** The logical ids a provisioner made, with what `Ref` and `Fn::GetAtt` resolve to for each. */
export type LocalResources = ReadonlyMap<string, LocalResource>;

/**
 * Makes the resources of one CloudFormation type locally. It sees only what the provisioners
 * before it made (the runtime runs them in a fixed order) and returns its own resources.
 */
export type Provisioner<Extra extends object = object> = (
  template: Template,
  ctx: ProvisionContext,
) => Promise<{ readonly resources: LocalResources } & Extra>;

/** Resolves a template value against the context plus resources a provisioner made so far. */
export const resolveIn = (ctx: ProvisionContext, own: LocalResources = new Map()) => {
  const view: ResolveContext = { ...ctx, resources: new Map([...ctx.resources, ...own]) };
  return (value: unknown): unknown => resolveValue(value, view);
};

/** A string property of a resource, when the template sets one. */
export const stringProperty = (resource: TemplateResource, key: string): string | undefined => {
  const value = resource.Properties?.[key];
  return typeof value === 'string' ? value : undefined;
};

/** The name CloudFormation generates when the template sets none. */
export const physicalName = (stackName: string, logicalId: string, max: number) =>
  `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, max);
