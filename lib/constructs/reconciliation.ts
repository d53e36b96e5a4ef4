import {
  Aws,
  CfnOutput,
  Duration,
  SecretValue,
  Stack,
  TimeZone,
  Validations,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
  type IScheduleTarget,
  type ScheduleTargetConfig,
} from 'aws-cdk-lib/aws-scheduler';
import { Secret, type CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/channels/contract';
import type { ReconcileInvocation, ReconciliationEnvironment } from '../../functions/reconciliation/config';
import { reconciliationSecretOutput } from '../../functions/reconciliation/error-lines';
import { RECONCILABLE_PROVIDERS } from '../../functions/reconciliation/providers/index';
import { parseScheduleExpression } from '../schedule-expression';
import type { ChannelSecretArns } from './channel-secrets';
import { EVENT_STORE_INDEXES } from './event-store';
import { RelayFlowFunction, type FunctionLogLevel, type PlatformLogLevel } from './relayflow-function';

/** Template metadata naming the provider a reconciliation secret holds API credentials for. */
export const RECONCILIATION_METADATA = 'RelayFlow::Reconciliation';

/** One reconciled provider, as the configuration declares it (lib/reconciliation-config.ts). */
export interface ReconciledProviderProps {
  /** Scheduler's `rate(…)` or `cron(…)`: how often a run starts, for each tenant. */
  readonly expression: string;
  readonly lookbackMs: number;
  /** Days the provider keeps what it sent, when the account's plan differs from the provider's default. */
  readonly retentionDays?: number;
  /** Entity kinds whose drift is checked. */
  readonly entities: readonly string[];
  /** Tenants reconciled, each with its own credentials. */
  readonly tenants: readonly string[];
  /** The provider API's options (`repository`, `hookId`, `domain`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** @default the provider's public API */
  readonly baseUrl?: string;
  /** The webhook provider's kind and options: records are normalized as its verifier does. */
  readonly webhook: { readonly kind: 'builtin' | 'generic-hmac'; readonly options: unknown };
  /**
   * The channel adapter's secrets of the same provider, read instead of secrets of its own (its
   * API takes the channel's credentials); a tenant without one of its own reads the adapter's.
   * @default a secret of its own per tenant
   */
  readonly channelSecrets?: ChannelSecretArns;
  /** Messages sent through the provider's channel adapter are checked for missing receipts. */
  readonly receipts: boolean;
}

export interface ReconciliationProps {
  readonly providers: Readonly<Record<string, ReconciledProviderProps>>;
  /** Per channel, milliseconds a sent message may wait for its final receipt. */
  readonly receiptDeadlinesMs: Readonly<Record<Channel, number>>;
  readonly table: ITable;
  readonly rawBucket: IBucket;
  readonly queue: IQueue;
  /** Tenant ids besides `default`. */
  readonly tenants: readonly string[];
  readonly maxBodyBytes: number;
  readonly inlineBodyMaxBytes: number;
  readonly retentionDays: number;
  readonly logLevel: FunctionLogLevel;
  /** Lambda's own lines (START, END, REPORT). @default 'WARN' */
  readonly platformLogLevel?: PlatformLogLevel;
  readonly tracing: boolean;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A run keeps time in hand and stops between pages (its checkpoint says where); the next tick
 * continues. Five minutes pages tens of thousands of records at the providers' rate limits.
 */
export const RECONCILE_TIMEOUT = Duration.minutes(5);
const SECRETS_MAX_AGE_SECONDS = 300;

/** Scheduler's Lambda target bound as given: the role may invoke the function itself only. */
class FunctionTarget implements IScheduleTarget {
  constructor(private readonly config: ScheduleTargetConfig) {}

  bind(): ScheduleTargetConfig {
    return this.config;
  }
}

const pascal = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

const propsProblems = (props: ReconciliationProps, groupName: string): string[] => {
  const problems: string[] = [];
  if (Object.keys(props.providers).length === 0) problems.push('reconcile at least one provider');
  if (groupName.length > 64)
    problems.push(`the schedule group ${groupName} is longer than Scheduler's 64 characters`);
  for (const [provider, entry] of Object.entries(props.providers)) {
    if (!RECONCILABLE_PROVIDERS.includes(provider)) problems.push(`${provider} cannot be reconciled`);
    const parsed = parseScheduleExpression(entry.expression);
    if (!parsed.ok || parsed.expression.kind === 'at')
      problems.push(`${provider}: ${entry.expression} is not a recurring schedule expression`);
    if (entry.tenants.length === 0) problems.push(`${provider}: reconcile at least one tenant`);
    for (const tenant of entry.tenants)
      if (tenant !== 'default' && !props.tenants.includes(tenant))
        problems.push(`${provider}: no tenant ${tenant}`);
  }
  return problems;
};

/**
 * Reconciliation (issue 16, docs/reconciliation.md): one Lambda that asks providers what they sent
 * and recovers what never arrived through the ingest, one EventBridge Scheduler schedule per
 * provider and tenant that starts it, and a Secrets Manager secret per provider and tenant for
 * read-only API credentials (or the channel adapter's, for a messaging provider). The function
 * may read and write the event table by key, query its byReceived and byEntity indexes, send to
 * the main queue and read its own secrets; nothing else.
 */
export class Reconciliation extends Construct {
  public readonly function: RelayFlowFunction;
  public readonly group: ScheduleGroup;
  public readonly schedules: readonly Schedule[];
  /** The secrets created for API credentials, by output name (reused channel secrets are not here). */
  public readonly secrets: ReadonlyMap<string, Secret>;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupName = `${stack.stackName}-reconcile`;
    const problems = propsProblems(props, groupName);
    if (problems.length > 0) throw new Error(`Reconciliation: ${problems.join('; ')}`);

    const secrets = new Map<string, Secret>();
    const secretArns: Record<string, Record<string, string>> = {};
    for (const [provider, entry] of Object.entries(props.providers)) {
      secretArns[provider] = {};
      for (const tenant of entry.tenants) {
        const output = reconciliationSecretOutput(provider, tenant);
        const channel = entry.channelSecrets;
        if (channel) {
          const arn =
            (Object.hasOwn(channel.tenants, tenant) ? channel.tenants[tenant] : undefined) ??
            channel.secretArn;
          secretArns[provider][tenant] = arn;
          new CfnOutput(stack, output, {
            value: arn,
            description: `${provider} API credentials for reconciliation${tenant === 'default' ? '' : ` of tenant ${tenant}`}: the ${provider} channel's secret`,
          });
          continue;
        }
        const secret = new Secret(this, `Secret${pascal(provider)}${pascal(tenant)}`, {
          description: `RelayFlow reconciliation: ${provider} API credentials${tenant === 'default' ? '' : ` of tenant ${tenant}`} (read-only where the provider allows)`,
          // Not a secret: an empty document for the operator to fill.
          secretStringValue: SecretValue.unsafePlainText('{}'),
          removalPolicy: props.removalPolicy,
        });
        (secret.node.defaultChild as CfnSecret).addMetadata(RECONCILIATION_METADATA, provider);
        Validations.of(secret).acknowledge({
          id: 'AwsSolutions::AwsSolutions-SMG4',
          reason: "The provider issues these API keys; they are rotated in the provider's dashboard.",
        });
        secrets.set(output, secret);
        secretArns[provider][tenant] = secret.secretArn;
        new CfnOutput(stack, output, {
          value: secret.secretName,
          description: `Put ${provider}'s read-only API credentials for reconciliation here (docs/reconciliation.md)`,
        });
      }
    }
    this.secrets = secrets;

    const environment: ReconciliationEnvironment = {
      providers: Object.fromEntries(
        Object.entries(props.providers).map(([provider, entry]) => [
          provider,
          {
            lookbackMs: entry.lookbackMs,
            ...(entry.retentionDays === undefined ? {} : { retentionDays: entry.retentionDays }),
            entities: [...entry.entities],
            options: { ...entry.options },
            webhook: { kind: entry.webhook.kind, options: entry.webhook.options },
            secrets: secretArns[provider] ?? {},
            receipts: entry.receipts,
            ...(entry.baseUrl ? { baseUrl: entry.baseUrl } : {}),
          },
        ]),
      ),
      receiptDeadlinesMs: { ...props.receiptDeadlinesMs },
    };
    this.function = new RelayFlowFunction(this, 'Function', {
      entry: 'functions/handlers/reconcile.ts',
      description: 'RelayFlow reconciliation: recover lost webhooks, missing receipts, entity drift',
      serviceName: 'reconcile',
      timeout: RECONCILE_TIMEOUT,
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
        INGEST_LEASE_SECONDS: '30',
        SECRETS_MAX_AGE_SECONDS: String(SECRETS_MAX_AGE_SECONDS),
        RECONCILIATION: stack.toJsonString(environment),
      },
    });
    // Lambda retries a failed tick twice, which is harmless: a run is leased and idempotent.
    Validations.of(this.function).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        "A tick carries no data to keep: the next tick continues from the checkpoint, and a failing run raises the function's fault alarm.",
    });
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ],
        resources: [props.table.tableArn],
      }),
    );
    // Drift walks the events received in the lookback; missing receipts, a tenant's messages.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [EVENT_STORE_INDEXES.byReceived, EVENT_STORE_INDEXES.byEntity].map(
          (index) => `${props.table.tableArn}/index/${index}`,
        ),
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [props.rawBucket.arnForObjects('raw/*')],
      }),
    );
    Validations.of(this.function.executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<RawPayloadsBucket5F23724D.Arn>/raw/*]',
      reason:
        'Raw bodies are written and read under keys derived from their digest: the key cannot be known in advance.',
    });
    props.queue.grantSendMessages(this.function);
    for (const secret of secrets.values()) secret.grantRead(this.function);
    const reused = Object.values(props.providers).flatMap((entry) =>
      entry.channelSecrets
        ? entry.tenants.map(
            (tenant) =>
              (Object.hasOwn(entry.channelSecrets?.tenants ?? {}, tenant)
                ? entry.channelSecrets?.tenants[tenant]
                : undefined) ??
              entry.channelSecrets?.secretArn ??
              '',
          )
        : [],
    );
    if (reused.length > 0)
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [...new Set(reused)],
        }),
      );

    this.group = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: groupName,
      removalPolicy: props.removalPolicy,
    });
    const role = new Role(this, 'SchedulerRole', {
      description: 'RelayFlow reconciliation schedules: invoke the reconcile function',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );
    this.schedules = Object.entries(props.providers).flatMap(([provider, entry]) =>
      entry.tenants.map((tenant) => {
        const invocation: ReconcileInvocation = { provider, ...(tenant === 'default' ? {} : { tenant }) };
        return new Schedule(this, `Schedule${pascal(provider)}${pascal(tenant)}`, {
          scheduleName: `reconcile-${provider}${tenant === 'default' ? '' : `-${tenant}`}`.slice(0, 64),
          scheduleGroup: this.group,
          description: `RelayFlow reconciliation of ${provider}${tenant === 'default' ? '' : ` for tenant ${tenant}`}`,
          schedule: ScheduleExpression.expression(entry.expression, TimeZone.ETC_UTC),
          // Spread over a few minutes, so that the providers' runs do not all start at once.
          timeWindow: TimeWindow.flexible(Duration.minutes(5)),
          target: new FunctionTarget({
            arn: this.function.functionArn,
            role,
            input: ScheduleTargetInput.fromText(JSON.stringify(invocation)),
            retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 3600 },
          }),
        });
      }),
    );
  }
}
