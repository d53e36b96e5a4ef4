import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  LogQueryWidget,
  MathExpression,
  Stats,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** CloudWatch namespace every RelayFlow function publishes its EMF metrics to. */
export const METRIC_NAMESPACE = 'RelayFlow';

/** Environment variables this construct adds to the functions it watches (read by functions/powertools and functions/drift). */
export const OBSERVABILITY_ENV = {
  redactPaths: 'LOG_REDACT_PATHS',
  secretRetireAfter: 'SECRET_RETIRE_AFTER',
} as const;

export interface ObservabilityProps {
  /** The webhook API: its 4xx/5xx go on the dashboard, its 5xx raise an alarm. */
  readonly api: IHttpApi;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** One verifier per provider id. */
  readonly verifiers: ReadonlyMap<string, LambdaFunction>;
  /** @default none (its panels stay empty and it gets no alarm) */
  readonly consumer?: LambdaFunction;
  /** @default none (its panels stay empty and it gets no alarm) */
  readonly replay?: LambdaFunction;
  /** @default none (its panels stay empty and it gets no alarm) */
  readonly auditArchiver?: LambdaFunction;
  /** The producer of domain events (lib/constructs/producer-api.ts). @default none (no panels, no alarm) */
  readonly producer?: LambdaFunction;
  /** The reconciliation function (lib/constructs/reconciliation.ts). @default none (no panels, no alarm) */
  readonly reconcile?: LambdaFunction;
  /** Where the archive's stream mapping puts batches it gave up on. @default none (no alarm) */
  readonly auditArchiveFailures?: IQueue;
  /** Subscribed to the alarm topic by e-mail. @default no subscription */
  readonly alarmEmail?: string;
  /** Alarm when the main queue's oldest message is older than this. @default 900 */
  readonly oldestMessageAgeAlarmSeconds?: number;
  /** Alarm when more signature rejections than this arrive per minute, 3 minutes out of 5. @default 50 */
  readonly signatureFailuresPerMinute?: number;
  /** Log paths the Logger redacts (functions/powertools/redaction.ts). @default [] */
  readonly piiPaths?: readonly string[];
  /** Per provider, the ISO date after which a match by an older secret raises OldSecretUsed. @default {} */
  readonly secretRetirement?: Readonly<Record<string, string>>;
  /** Per tenant, its delivery SLA: TenantLag alarms when its events take longer than this many minutes. @default {} */
  readonly tenantLagAlarmMinutes?: Readonly<Record<string, number>>;
  /** Shares of sent messages (0–1) above which MessageBounceRate and MessageFailureRate fire. @default 5% bounced, 10% failed */
  readonly channelHealth?: { readonly bounceRate?: number; readonly failureRate?: number };
}

/** One alarm per symptom an operator acts on; each has a section in docs/operations.md. */
export interface RelayFlowAlarms {
  readonly deadLetterQueueNotEmpty: Alarm;
  readonly oldestMessageTooOld: Alarm;
  readonly signatureFailureSpike: Alarm;
  readonly quarantined: Alarm;
  readonly schemaDrift: Alarm;
  readonly oldSecretUsed: Alarm;
  readonly apiServerErrors: Alarm;
  /** A workflow's compensation failed for good: completed steps may still need undoing (decision 0049). */
  readonly compensationFailed: Alarm;
  /** An event went deeper than `maxCausationDepth` in a chain of workflow emissions and was quarantined. */
  readonly causationCycle: Alarm;
  readonly targetDisabled: Alarm;
  /** Over all channels, adapters and tenants: bounced / sent in 15 minutes above `channelHealth.bounceRate`. */
  readonly messageBounceRate: Alarm;
  /** Likewise, failed / sent above `channelHealth.failureRate`. */
  readonly messageFailureRate: Alarm;
  /** A message may or may not have been sent, and its provider cannot be asked: an operator decides. */
  readonly messageUncertain: Alarm;
  /** Reconciliation found messages with no final receipt by their channel's deadline (issue 16 emits the metric). */
  readonly messageReceiptMissing: Alarm;
  /** Reconciliation found a provider's entity in another state than our applied events imply. */
  readonly reconciliationDrift: Alarm;
  /** The archive stream is an hour behind, or gave up on a batch (only when the archiver is watched). */
  readonly auditArchiveBehind?: Alarm;
  /** Errors or throttles, one alarm per function, by function role (`verifier-stripe`, `consumer`, `replay`). */
  readonly functionFaults: ReadonlyMap<string, Alarm>;
  /** Per tenant with a `lagAlarmMinutes`: its events take longer than that from receipt to done. */
  readonly tenantLag: ReadonlyMap<string, Alarm>;
}

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
const FIFTEEN_MINUTES = Duration.minutes(15);

/**
 * Fewest messages in 15 minutes for a bounce or failure rate to mean something: below it, one
 * bounce is already 5%, and a tenant sending a handful would page someone for one bad address.
 */
const MIN_MESSAGES_FOR_RATE = 20;

const percent = (share: number) => `${Number((share * 100).toFixed(2))}%`;

const channelHealthOf = (props: ObservabilityProps) => ({
  bounceRate: props.channelHealth?.bounceRate ?? 0.05,
  failureRate: props.channelHealth?.failureRate ?? 0.1,
});

/**
 * A Metrics Insights query over all of RelayFlow's series of one metric: a single time series
 * however many providers and tenants exist, so one alarm covers them all without a metric-math
 * limit of 10 metrics (docs/decisions/0030-metrics-insights-alarms.md).
 */
const insightsSum = (metric: string, label: string, where?: string, period = MINUTE) =>
  new MathExpression({
    expression: `SELECT SUM(${metric}) FROM "${METRIC_NAMESPACE}"${where ? ` WHERE ${where}` : ''}`,
    usingMetrics: {},
    period,
    label,
  });

/**
 * One Metrics Insights series per channel and adapter, over every tenant: the consumer's message
 * metrics carry channel, via and tenant.
 */
const perChannel = (metric: string, label: string) =>
  new MathExpression({
    expression: `SELECT SUM(${metric}) FROM "${METRIC_NAMESPACE}" GROUP BY channel, via`,
    usingMetrics: {},
    period: MINUTE,
    label,
  });

/**
 * A share of sent messages over 15 minutes, every channel, adapter and tenant together (an alarm
 * watches one series: decision 0030). A message refused before it was ever sent counts as failed
 * and not as sent, so the share is of the larger of the two: a provider refusing everything is
 * 100%, not a division by zero. Below {@link MIN_MESSAGES_FOR_RATE} messages it is 0.
 */
const shareOfSent = (metric: 'MessageBounced' | 'MessageFailed', label: string) => {
  const count = (name: string) => insightsSum(name, name, undefined, FIFTEEN_MINUTES);
  // Ids unique per metric: both shares share a graph, where an id names one query.
  const part = metric === 'MessageBounced' ? 'bounced' : 'failed';
  return new MathExpression({
    expression: `IF(FILL(sent, 0) + FILL(${part}, 0) >= ${MIN_MESSAGES_FOR_RATE}, FILL(${part}, 0) / MAX([FILL(sent, 0), FILL(${part}, 0)]), 0)`,
    usingMetrics: { sent: count('MessageSent'), [part]: count(metric) },
    period: FIFTEEN_MINUTES,
    label,
  });
};

/**
 * One Metrics Insights series per tenant, over every provider: the consumer's metrics carry
 * provider and tenant, and Insights aggregates across the providers without a series per pair.
 */
const perTenant = (fn: 'SUM' | 'MAX', metric: string, label: string) =>
  new MathExpression({
    expression: `SELECT ${fn}(${metric}) FROM "${METRIC_NAMESPACE}" GROUP BY tenant`,
    usingMetrics: {},
    period: MINUTE,
    label,
  });

/** A dashboard series per dimension combination; the combinations are bounded by the configuration. */
const search = (query: string, stat: string, label: string, period = MINUTE) =>
  new MathExpression({
    expression: `SEARCH('${query}', '${stat}', ${period.toSeconds()})`,
    usingMetrics: {},
    period,
    label,
  });

/** The tightest tenant SLA, drawn on the lag graph: the first line a tenant's series crosses. */
const lagAnnotation = (minutes: Readonly<Record<string, number>> | undefined) => {
  const values = Object.values(minutes ?? {});
  return values.length === 0 ? undefined : Math.min(...values) * 60_000;
};

const customSearch = (metric: string, stat = 'Sum', period = MINUTE) =>
  search(`Namespace="${METRIC_NAMESPACE}" MetricName="${metric}"`, stat, metric, period);

/**
 * The operator's view of RelayFlow: one dashboard, alarms for every state that needs a human,
 * and an encrypted SNS topic (TLS only) they publish to. Alarm rationale and recovery steps:
 * docs/operations.md.
 */
export class Observability extends Construct {
  public readonly topic: Topic;
  public readonly topicKey: Key;
  public readonly dashboard: Dashboard;
  public readonly alarms: RelayFlowAlarms;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const oldestSeconds = props.oldestMessageAgeAlarmSeconds ?? 900;
    const signaturePerMinute = props.signatureFailuresPerMinute ?? 50;
    const problems: string[] = [];
    if (!Number.isInteger(oldestSeconds) || oldestSeconds < 60)
      problems.push('oldestMessageAgeAlarmSeconds must be an integer of at least 60');
    if (!Number.isInteger(signaturePerMinute) || signaturePerMinute < 1)
      problems.push('signatureFailuresPerMinute must be a positive integer');
    if (props.verifiers.size === 0) problems.push('verifiers must name at least one function');
    const { bounceRate, failureRate } = channelHealthOf(props);
    for (const [name, share] of Object.entries({ bounceRate, failureRate })) {
      if (!(share >= 0 && share <= 1)) problems.push(`channelHealth.${name} must be a share from 0 to 1`);
    }
    for (const [provider, date] of Object.entries(props.secretRetirement ?? {})) {
      if (!props.verifiers.has(provider))
        problems.push(`secretRetirement.${provider}: no such provider is enabled`);
      if (Number.isNaN(Date.parse(date)))
        problems.push(`secretRetirement.${provider}: "${date}" is not a date`);
    }
    if (problems.length > 0) throw new Error(`Observability: ${problems.join('; ')}`);

    const functions = new Map<string, LambdaFunction>();
    for (const [provider, fn] of props.verifiers) functions.set(`verifier-${provider}`, fn);
    if (props.consumer) functions.set('consumer', props.consumer);
    if (props.replay) functions.set('replay', props.replay);
    if (props.auditArchiver) functions.set('audit-archiver', props.auditArchiver);
    if (props.producer) functions.set('producer', props.producer);
    if (props.reconcile) functions.set('reconcile', props.reconcile);
    this.configureFunctions(functions, props);

    this.topicKey = this.createTopicKey();
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'RelayFlow alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const stackName = Stack.of(this).stackName;
    const alarm = (
      name: string,
      metric: IMetric,
      threshold: number,
      description: string,
      options: {
        evaluationPeriods?: number;
        datapointsToAlarm?: number;
        comparison?: ComparisonOperator;
      } = {},
    ) => {
      const created = new Alarm(this, name, {
        alarmName: `${stackName}-${name}`,
        alarmDescription: `${description} Runbook: docs/operations.md#${(name.split('-')[0] ?? name).toLowerCase()}`,
        metric,
        threshold,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.datapointsToAlarm,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(this.topic));
      created.addOkAction(new SnsAction(this.topic));
      return created;
    };

    const tenantLag = new Map<string, Alarm>();
    for (const [tenant, minutes] of Object.entries(props.tenantLagAlarmMinutes ?? {})) {
      tenantLag.set(
        tenant,
        alarm(
          `TenantLag-${tenant}`,
          new MathExpression({
            // The slowest event of the minute: an SLA is missed by one event, not by the average.
            expression: `SELECT MAX(EndToEndLatency) FROM "${METRIC_NAMESPACE}" WHERE tenant = '${tenant}'`,
            usingMetrics: {},
            period: MINUTE,
            label: `${tenant} slowest end-to-end latency (ms)`,
          }),
          minutes * 60_000,
          `Tenant ${tenant}'s events took more than ${minutes} minutes from receipt to done, in 2 of the last 3 minutes: its delivery SLA is missed.`,
          // 2 of 3: one replayed batch of old events is one minute's spike, not a missed SLA.
          { evaluationPeriods: 3, datapointsToAlarm: 2 },
        ),
      );
    }

    const functionFaults = new Map<string, Alarm>();
    for (const [role, fn] of functions) {
      functionFaults.set(
        role,
        alarm(
          `FunctionFaults-${role}`,
          new MathExpression({
            expression: 'errors + throttles',
            usingMetrics: {
              errors: fn.metricErrors({ period: FIVE_MINUTES, statistic: Stats.SUM }),
              throttles: fn.metricThrottles({ period: FIVE_MINUTES, statistic: Stats.SUM }),
            },
            period: FIVE_MINUTES,
            label: `${role} errors + throttles`,
          }),
          0,
          `The ${role} Lambda failed or was throttled.`,
        ),
      );
    }

    this.alarms = {
      deadLetterQueueNotEmpty: alarm(
        'DeadLetterQueueNotEmpty',
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: MINUTE,
          statistic: Stats.MAXIMUM,
        }),
        0,
        'An event exhausted its retries and waits in the dead-letter queue for a replay.',
      ),
      oldestMessageTooOld: alarm(
        'OldestMessageTooOld',
        props.queue.metricApproximateAgeOfOldestMessage({ period: MINUTE, statistic: Stats.MAXIMUM }),
        oldestSeconds,
        `The main queue holds a message older than ${oldestSeconds} seconds: the consumer is stuck, slow or a group is blocked.`,
      ),
      signatureFailureSpike: alarm(
        'SignatureFailureSpike',
        insightsSum('Rejected', 'signature rejections', "reason = 'signature'"),
        signaturePerMinute,
        `More than ${signaturePerMinute} requests a minute fail signature checks: a rotated secret, or someone probing the URLs.`,
        { evaluationPeriods: 5, datapointsToAlarm: 3 },
      ),
      quarantined: alarm(
        'Quarantined',
        insightsSum('Quarantined', 'quarantined events'),
        0,
        'A correctly signed event could not be read and is QUARANTINED.',
      ),
      schemaDrift: alarm(
        'SchemaDrift',
        insightsSum('SchemaDrift', 'schema drift'),
        0,
        'A provider changed the shape of an event type (new, missing or retyped fields).',
      ),
      oldSecretUsed: alarm(
        'OldSecretUsed',
        insightsSum('OldSecretUsed', 'old secret used'),
        0,
        'A provider still signs with a secret past its retirement date.',
      ),
      apiServerErrors: alarm(
        'ApiServerErrors',
        props.api.metricServerError({ period: FIVE_MINUTES, statistic: Stats.SUM }),
        0,
        'The webhook API answered 5xx: our storage, queue or secrets failed, and providers are retrying.',
      ),
      compensationFailed: alarm(
        'CompensationFailed',
        insightsSum('CompensationFailed', 'compensations failed'),
        0,
        'A workflow step failed for good and undoing its completed steps failed too: the event is COMPENSATION_FAILED and some effects may remain.',
      ),
      causationCycle: alarm(
        'CausationCycle',
        insightsSum('CausationCycle', 'causation cycles'),
        0,
        'An event emitted by a workflow went deeper than maxCausationDepth and was quarantined as a cycle.',
      ),
      targetDisabled: alarm(
        'TargetDisabled',
        insightsSum('TargetDisabled', 'targets disabled'),
        0,
        "An http target's autoDisable rule tripped: the target is paused and its events are HELD until relayflow resume target <id>.",
      ),
      messageBounceRate: alarm(
        'MessageBounceRate',
        shareOfSent('MessageBounced', 'share of messages bounced'),
        bounceRate,
        `More than ${percent(bounceRate)} of the messages sent in the last 15 minutes bounced (all channels and tenants, from ${MIN_MESSAGES_FOR_RATE} messages): bad addresses, or a sending reputation at risk.`,
      ),
      messageFailureRate: alarm(
        'MessageFailureRate',
        shareOfSent('MessageFailed', 'share of messages failed'),
        failureRate,
        `More than ${percent(failureRate)} of the messages sent in the last 15 minutes failed for good (all channels and tenants, from ${MIN_MESSAGES_FOR_RATE} messages): a provider refuses them or reports them undeliverable.`,
      ),
      messageUncertain: alarm(
        'MessageUncertain',
        insightsSum('MessageUncertain', 'uncertain messages'),
        0,
        'A message is UNCERTAIN: the provider may or may not have taken it and cannot be asked; an operator decides whether to resend it.',
      ),
      messageReceiptMissing: alarm(
        'MessageReceiptMissing',
        insightsSum('MessageReceiptMissing', 'messages with no receipt'),
        0,
        "Reconciliation found messages with no final receipt by their channel's deadline (RECEIPT_MISSING): receipts are lost, or the provider did not deliver.",
      ),
      reconciliationDrift: alarm(
        'ReconciliationDrift',
        insightsSum('ReconciliationDrift', 'entities drifted', undefined, FIFTEEN_MINUTES),
        0,
        "Reconciliation found a provider's entity (a subscription, an invoice, a message) in another state than our applied events imply: a reconciliation.drift event was published for a workflow to repair it.",
      ),
      functionFaults,
      tenantLag,
      ...(props.auditArchiver && props.auditArchiveFailures
        ? {
            auditArchiveBehind: alarm(
              'AuditArchiveBehind',
              new MathExpression({
                expression: 'MAX([age / 3600000, lost])',
                usingMetrics: {
                  age: props.auditArchiver.metric('IteratorAge', {
                    period: FIVE_MINUTES,
                    statistic: Stats.MAXIMUM,
                  }),
                  lost: props.auditArchiveFailures.metricApproximateNumberOfMessagesVisible({
                    period: FIVE_MINUTES,
                    statistic: Stats.MAXIMUM,
                  }),
                },
                period: FIVE_MINUTES,
                label: 'audit archive lag (hours) or batches given up',
              }),
              1,
              'The audit archive is more than an hour behind the event table, or gave up on a stream batch: entries are not yet (or not) in the archive.',
              { comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
            ),
          }
        : {}),
    };

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...this.widgets(props, functions));
  }

  /** Gives each watched function the settings its Logger and ingest read at cold start. */
  private configureFunctions(functions: ReadonlyMap<string, LambdaFunction>, props: ObservabilityProps) {
    const paths = props.piiPaths ?? [];
    if (paths.length > 0) {
      for (const fn of functions.values())
        fn.addEnvironment(OBSERVABILITY_ENV.redactPaths, JSON.stringify(paths));
    }
    for (const [provider, date] of Object.entries(props.secretRetirement ?? {})) {
      props.verifiers
        .get(provider)
        ?.addEnvironment(OBSERVABILITY_ENV.secretRetireAfter, new Date(date).toISOString());
    }
  }

  /**
   * CloudWatch alarms publish to an encrypted topic only with a customer managed key whose
   * policy lets them use it; the AWS managed SNS key cannot be shared with CloudWatch. The
   * administrators' actions are listed rather than `kms:*`, so that no policy grants a wildcard.
   */
  private createTopicKey(): Key {
    const account = Stack.of(this).account;
    return new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the RelayFlow alarm topic',
      enableKeyRotation: true,
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'AccountAdministers',
            principals: [new AccountRootPrincipal()],
            actions: [
              'kms:CancelKeyDeletion',
              'kms:CreateAlias',
              'kms:CreateGrant',
              'kms:DeleteAlias',
              'kms:DescribeKey',
              'kms:DisableKey',
              'kms:DisableKeyRotation',
              'kms:EnableKey',
              'kms:EnableKeyRotation',
              'kms:GetKeyPolicy',
              'kms:GetKeyRotationStatus',
              'kms:ListAliases',
              'kms:ListGrants',
              'kms:ListKeyPolicies',
              'kms:ListResourceTags',
              'kms:PutKeyPolicy',
              'kms:RetireGrant',
              'kms:RevokeGrant',
              'kms:ScheduleKeyDeletion',
              'kms:TagResource',
              'kms:UntagResource',
              'kms:UpdateAlias',
              'kms:UpdateKeyDescription',
            ],
            // In a key policy, "*" is the key the policy is attached to.
            resources: ['*'],
          }),
          new PolicyStatement({
            sid: 'CloudWatchAlarmsEncrypt',
            principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': account } },
          }),
          new PolicyStatement({
            sid: 'SnsUsesKeyForTopic',
            principals: [new ServicePrincipal('sns.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': account } },
          }),
        ],
      }),
    });
  }

  private widgets(props: ObservabilityProps, functions: ReadonlyMap<string, LambdaFunction>): IWidget[] {
    const graph = (
      title: string,
      left: IMetric[],
      options: { right?: IMetric[]; width?: number; leftAnnotation?: number } = {},
    ) =>
      new GraphWidget({
        title,
        left,
        right: options.right,
        width: options.width ?? 8,
        height: 6,
        leftAnnotations:
          options.leftAnnotation === undefined
            ? undefined
            : [{ value: options.leftAnnotation, label: 'alarm' }],
      });
    const byFunction = (metric: (fn: LambdaFunction) => IMetric) => [...functions.values()].map(metric);
    const verifierLogGroups = [...props.verifiers.values()].map((fn) => fn.logGroup.logGroupName);
    const queueAlarmSeconds = props.oldestMessageAgeAlarmSeconds ?? 900;
    const channelHealth = channelHealthOf(props);

    return [
      new TextWidget({
        markdown:
          '# RelayFlow\nEvery series is per provider and tenant (Rejected: per provider and reason). Alarms and what to do: `docs/operations.md`. First command: `relayflow status`.',
        width: 24,
        height: 2,
      }),
      graph(
        'Ingest rate',
        ['Received', 'Enqueued', 'Duplicate'].map((m) => customSearch(m)),
      ),
      graph(
        'Rejected by reason',
        [search(`{${METRIC_NAMESPACE},provider,reason,service} MetricName="Rejected"`, 'Sum', 'Rejected')],
        {
          leftAnnotation: props.signatureFailuresPerMinute ?? 50,
        },
      ),
      graph(
        'Quarantine, schema drift, old secrets',
        ['Quarantined', 'SchemaDrift', 'OldSecretUsed'].map((m) => customSearch(m)),
      ),
      graph(
        'Main queue',
        [
          props.queue.metricApproximateNumberOfMessagesVisible({
            period: MINUTE,
            statistic: Stats.MAXIMUM,
            label: 'visible',
          }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({
            period: MINUTE,
            statistic: Stats.MAXIMUM,
            label: 'in flight',
          }),
        ],
        {
          right: [
            props.queue.metricApproximateAgeOfOldestMessage({
              period: MINUTE,
              statistic: Stats.MAXIMUM,
              label: 'oldest message age (s)',
            }),
          ],
        },
      ),
      graph(
        'Age of oldest message (s)',
        [
          props.queue.metricApproximateAgeOfOldestMessage({
            period: MINUTE,
            statistic: Stats.MAXIMUM,
            label: 'oldest',
          }),
        ],
        {
          leftAnnotation: queueAlarmSeconds,
        },
      ),
      graph(
        'Dead-letter queue depth',
        [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: MINUTE,
            statistic: Stats.MAXIMUM,
            label: 'dead-lettered messages',
          }),
        ],
        { leftAnnotation: 0 },
      ),
      graph(
        'Processing outcomes',
        ['Processed', 'Stale', 'Unrouted', 'Compensated', 'DryRun'].map((m) => customSearch(m)),
      ),
      graph(
        'Processing errors and retries',
        [
          'Retried',
          'DeadLettered',
          'Compensating',
          'CompensationFailed',
          'CausationCycle',
          'IngestFailed',
          'SecretMissing',
        ].map((m) => customSearch(m)),
      ),
      graph(
        'Flow control: events held by pauses, delayed by quotas; targets disabled',
        ['Held', 'QuotaDelayed', 'TargetDisabled'].map((m) => customSearch(m)),
      ),
      graph(
        'Replay outcomes',
        ['Replayed', 'ReplaySkipped', 'ReplayFailed'].map((m) => customSearch(m)),
      ),
      graph(
        'Ingest latency p50 / p99 (ms)',
        [customSearch('IngestLatency', 'p50'), customSearch('IngestLatency', 'p99')],
        { width: 12 },
      ),
      graph(
        'End-to-end latency p50 / p99 (ms)',
        [customSearch('EndToEndLatency', 'p50'), customSearch('EndToEndLatency', 'p99')],
        { width: 12 },
      ),
      graph(
        'Per tenant: processed, delayed by quota, retried, dead-lettered',
        [
          perTenant('SUM', 'Processed', 'processed'),
          perTenant('SUM', 'QuotaDelayed', 'delayed by quota'),
          perTenant('SUM', 'Retried', 'retried'),
          perTenant('SUM', 'DeadLettered', 'dead-lettered'),
        ],
        { width: 12 },
      ),
      graph('Per tenant: slowest end-to-end latency (ms)', [perTenant('MAX', 'EndToEndLatency', 'slowest')], {
        width: 12,
        leftAnnotation: lagAnnotation(props.tenantLagAlarmMinutes),
      }),
      new TextWidget({
        markdown:
          '## Channels\nOutbound messages per channel and adapter (`via`), every tenant together; the alarms are on the share of sent, all channels at once. One tenant: `relayflow messages report --tenant <id>`.',
        width: 24,
        height: 2,
      }),
      graph(
        'Messages sent and delivered, per channel and adapter',
        [perChannel('MessageSent', 'sent'), perChannel('MessageDelivered', 'delivered')],
        { width: 6 },
      ),
      graph(
        'Messages bounced, failed, uncertain, without receipt, per channel and adapter',
        [
          perChannel('MessageBounced', 'bounced'),
          perChannel('MessageFailed', 'failed'),
          perChannel('MessageUncertain', 'uncertain'),
          perChannel('MessageReceiptMissing', 'receipt missing'),
        ],
        { width: 6 },
      ),
      new GraphWidget({
        title: 'Bounce and failure share of sent (15 min, all channels)',
        left: [
          shareOfSent('MessageBounced', 'bounced / sent'),
          shareOfSent('MessageFailed', 'failed / sent'),
        ],
        leftAnnotations: [
          { value: channelHealth.bounceRate, label: 'bounce alarm' },
          { value: channelHealth.failureRate, label: 'failure alarm' },
        ],
        width: 6,
        height: 6,
      }),
      graph(
        'Send → delivered latency p50 / p95 (ms), per channel, adapter and tenant',
        ['p50', 'p95'].map((stat) =>
          search(`Namespace="${METRIC_NAMESPACE}" MetricName="MessageDeliveryLatency"`, stat, stat),
        ),
        { width: 6 },
      ),
      graph(
        'Reconciliation per provider: missing, recovered, drifted, receipts missing (relayflow reconcile report)',
        [
          ['ReconciliationMissing', 'missing'],
          ['ReconciliationRecovered', 'recovered'],
          ['ReconciliationDrift', 'drifted'],
          ['ReceiptMissing', 'receipts missing'],
        ].map(
          ([metric, label]) =>
            new MathExpression({
              expression: `SELECT SUM(${metric}) FROM "${METRIC_NAMESPACE}" GROUP BY provider`,
              usingMetrics: {},
              period: FIFTEEN_MINUTES,
              label,
            }),
        ),
        { width: 24 },
      ),
      graph(
        'Lambda errors',
        byFunction((fn) => fn.metricErrors({ period: MINUTE, statistic: Stats.SUM })),
        { width: 8 },
      ),
      graph(
        'Lambda throttles',
        byFunction((fn) => fn.metricThrottles({ period: MINUTE, statistic: Stats.SUM })),
        { width: 8 },
      ),
      graph(
        'API responses',
        [
          props.api.metricClientError({ period: MINUTE, statistic: Stats.SUM, label: '4xx' }),
          props.api.metricServerError({ period: MINUTE, statistic: Stats.SUM, label: '5xx' }),
        ],
        { right: [props.api.metricCount({ period: MINUTE, statistic: Stats.SUM, label: 'requests' })] },
      ),
      new LogQueryWidget({
        title: 'Events verified by an older secret (rotation report)',
        logGroupNames: verifierLogGroups,
        queryLines: [
          'fields provider, tenant, secretIndex',
          "filter message = 'webhook ingested' and secretIndex > 0",
          'stats count(*) as events, max(@timestamp) as lastSeen by provider, tenant, secretIndex',
        ],
        width: 24,
        height: 6,
      }),
    ];
  }
}
