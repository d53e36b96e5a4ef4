import { z } from 'zod';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';
import {
  checkTransformations,
  compileFilterPattern,
  valuesOfFilter,
  type MetricFilter,
} from './metric-filters';
import { MetricStore, STATISTICS, type Statistic } from './metrics';

export type { MetricFilter } from './metric-filters';

/**
 * CloudWatch emulator: the template's metric alarms, for `relayflow doctor` to read with
 * DescribeAlarms and for tests to fire with SetAlarmState, and the metrics the functions publish
 * (their EMF log lines, fed in by the local runtime, and PutMetricData), read with GetMetricData
 * and ListMetrics by the console. SDK v3 speaks AWS JSON 1.0 to CloudWatch in Query-compatible
 * mode: errors also carry their Query code in `x-amzn-query-error`. Alarms do not evaluate the
 * metrics: an alarm stays in the state it was last set to, OK from the start.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';

const queryError = (code: string, message: string, status = 400) =>
  new AwsError(code, message, status, {
    'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}`,
  });

const PROTOCOL: AwsJsonProtocol = {
  service: 'CloudWatch',
  targetPrefix: 'GraniteServiceVersion20100801.',
  version: '1.0',
  internalError: 'InternalServiceError',
  unknownAction: 'InvalidAction',
  error: queryError,
  throttle: () => queryError('Throttling', 'Rate exceeded'),
};

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** What an AWS::CloudWatch::Alarm of the template declares, as far as DescribeAlarms shows it. */
export interface AlarmDefinition {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly ActionsEnabled?: boolean;
  readonly AlarmActions?: readonly string[];
  readonly OKActions?: readonly string[];
  readonly InsufficientDataActions?: readonly string[];
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Statistic?: string;
  readonly Period?: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold?: number;
  readonly ComparisonOperator: string;
  readonly TreatMissingData?: string;
}

interface Alarm {
  readonly definition: AlarmDefinition;
  readonly arn: string;
  readonly configuredAt: Date;
  state: AlarmState;
  reason: string;
  reasonData?: string;
  updatedAt: Date;
  transitionedAt: Date;
}

/** Why a new alarm is OK here, where real CloudWatch would start it in INSUFFICIENT_DATA. */
export const INITIAL_REASON =
  'The local runtime evaluates no metrics: the alarm is OK until SetAlarmState sets it.';

const DescribeAlarmsInput = z
  .strictObject({
    AlarmNames: z.array(z.string().min(1).max(255)).max(100).optional(),
    AlarmNamePrefix: z.string().min(1).max(255).optional(),
    AlarmTypes: z.array(z.enum(['MetricAlarm', 'CompositeAlarm'])).optional(),
    StateValue: z.enum(STATES).optional(),
    ActionPrefix: z.string().min(1).max(1024).optional(),
    MaxRecords: z.number().int().min(1).max(100).optional(),
    NextToken: z.string().regex(/^\d+$/).optional(),
  })
  .refine((input) => !(input.AlarmNames && input.AlarmNamePrefix), {
    message: 'AlarmNames and AlarmNamePrefix cannot be used together',
  });

const SetAlarmStateInput = z.strictObject({
  AlarmName: z.string().min(1).max(255),
  StateValue: z.enum(STATES),
  StateReason: z.string().max(1023),
  StateReasonData: z.string().max(4000).optional(),
});

const DEFAULT_PAGE = 50;

const DimensionSchema = z.strictObject({
  Name: z.string().min(1).max(255),
  Value: z.string().min(1).max(1024),
});
/** Epoch seconds, as the JSON protocol carries a timestamp. */
const EpochSeconds = z.number().transform((seconds) => new Date(seconds * 1000));
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html: 1, 5, 10, 20, 30, 60 or a multiple of 60.
const PeriodSchema = z
  .number()
  .int()
  .refine((p) => [1, 5, 10, 20, 30].includes(p) || (p >= 60 && p % 60 === 0), {
    message: 'Period must be 1, 5, 10, 20, 30, 60, or any multiple of 60',
  });

const GetMetricDataInput = z
  .strictObject({
    MetricDataQueries: z
      .array(
        z.strictObject({
          Id: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,254}$/, 'Id must start with a lowercase letter'),
          MetricStat: z
            .strictObject({
              Metric: z.strictObject({
                Namespace: z.string().min(1).max(255),
                MetricName: z.string().min(1).max(255),
                Dimensions: z.array(DimensionSchema).max(30).optional(),
              }),
              Period: PeriodSchema,
              Stat: z.string().min(1),
              Unit: z.string().optional(),
            })
            .optional(),
          Expression: z.string().optional(),
          Label: z.string().optional(),
          ReturnData: z.boolean().optional(),
          Period: z.number().int().optional(),
          AccountId: z.string().optional(),
        }),
      )
      .min(1)
      .max(500),
    StartTime: EpochSeconds,
    EndTime: EpochSeconds,
    NextToken: z.string().optional(),
    ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
    MaxDatapoints: z.number().int().positive().optional(),
    LabelOptions: z.strictObject({ Timezone: z.string().optional() }).optional(),
  })
  .refine((input) => input.StartTime < input.EndTime, {
    message: 'The parameter StartTime must be less than the parameter EndTime',
  });

const PutMetricDataInput = z.strictObject({
  Namespace: z
    .string()
    .min(1)
    .max(255)
    .refine((ns) => !ns.startsWith('AWS/'), { message: 'The value AWS/ for parameter Namespace is invalid' }),
  MetricData: z
    .array(
      z
        .strictObject({
          MetricName: z.string().min(1).max(255),
          Dimensions: z.array(DimensionSchema).max(30).optional(),
          Timestamp: EpochSeconds.optional(),
          Value: z.number().finite().optional(),
          StatisticValues: z
            .strictObject({
              SampleCount: z.number().positive(),
              Sum: z.number().finite(),
              Minimum: z.number().finite(),
              Maximum: z.number().finite(),
            })
            .optional(),
          Values: z.array(z.number().finite()).max(150).optional(),
          Counts: z.array(z.number().positive()).max(150).optional(),
          Unit: z.string().optional(),
          StorageResolution: z.union([z.literal(1), z.literal(60)]).optional(),
        })
        .refine((d) => [d.Value, d.StatisticValues, d.Values].filter((v) => v !== undefined).length === 1, {
          message: 'exactly one of Value, StatisticValues and Values must be given',
        })
        .refine((d) => !d.Counts || d.Counts.length === d.Values?.length, {
          message: 'Counts must have as many members as Values',
        }),
    )
    .min(1)
    .max(1000),
});

const ListMetricsInput = z.strictObject({
  Namespace: z.string().min(1).max(255).optional(),
  MetricName: z.string().min(1).max(255).optional(),
  Dimensions: z
    .array(
      z.strictObject({ Name: z.string().min(1).max(255), Value: z.string().min(1).max(1024).optional() }),
    )
    .max(10)
    .optional(),
  NextToken: z.string().regex(/^\d+$/).optional(),
  RecentlyActive: z.literal('PT3H').optional(),
  IncludeLinkedAccounts: z.boolean().optional(),
  OwningAccount: z.string().optional(),
});

/** ListMetrics answers 500 metrics a page. */
const METRICS_PAGE = 500;
/** A metric is listed for two weeks after its last datapoint; RecentlyActive narrows that to three hours. */
const LISTED_FOR_MS = 14 * 86_400_000;
const RECENTLY_ACTIVE_MS = 3 * 3_600_000;

const dimensionsOf = (dimensions: readonly { Name: string; Value: string }[] | undefined) =>
  Object.fromEntries((dimensions ?? []).map((d) => [d.Name, d.Value]));

export class CloudWatchEmulator extends FaultHooks {
  private readonly alarms = new Map<string, Alarm>();
  private readonly metrics: MetricStore;
  /** Metric filters by log group name. */
  private readonly filters = new Map<
    string,
    { readonly filter: MetricFilter; readonly matches: (record: unknown) => boolean }[]
  >();

  constructor(private readonly options: { readonly now?: () => Date } = {}) {
    super();
    this.metrics = new MetricStore(() => this.now());
  }

  /**
   * Records the metrics of an EMF record (a function's structured log line); any other object
   * records nothing. Returns how many metric values it recorded.
   */
  putEmf(record: unknown): number {
    return this.metrics.putEmf(record);
  }

  /** Adds a metric filter (`AWS::Logs::MetricFilter`) on a log group; an unsupported pattern fails here. */
  putMetricFilter(filter: MetricFilter): void {
    checkTransformations(filter);
    const matches = compileFilterPattern(filter.filterPattern);
    this.filters.set(filter.logGroupName, [
      ...(this.filters.get(filter.logGroupName) ?? []),
      { filter, matches },
    ]);
  }

  /**
   * A JSON line a function wrote to its log group, as CloudWatch Logs reads it: its EMF record's
   * metrics, and those of every metric filter on the group that matches it, timed when it arrives.
   * Returns how many metric values it recorded.
   */
  putFunctionLog(record: unknown, logGroupName: string): number {
    const at = this.now();
    const values = (this.filters.get(logGroupName) ?? []).flatMap(({ filter, matches }) =>
      valuesOfFilter(filter, matches, record, at),
    );
    for (const value of values) this.metrics.put(value);
    return this.putEmf(record) + values.length;
  }

  /** A function's log line: an EMF record counts, anything else (plain text, broken JSON) is ignored. */
  putLogLine(line: string): number {
    if (!line.startsWith('{')) return 0;
    try {
      return this.putEmf(JSON.parse(line));
    } catch {
      return 0;
    }
  }

  /** In-process datapoints for tests, in any namespace (AWS/SQS included, which PutMetricData refuses). */
  putMetric(
    namespace: string,
    name: string,
    dimensions: Readonly<Record<string, string>>,
    value: number,
    at = this.now(),
  ): void {
    this.metrics.put({ namespace, name, dimensions, at, values: [value] });
  }

  putMetricData(input: unknown): Record<string, never> {
    const request = parse(PutMetricDataInput, input);
    for (const datum of request.MetricData) {
      const value = {
        namespace: request.Namespace,
        name: datum.MetricName,
        dimensions: dimensionsOf(datum.Dimensions),
        at: datum.Timestamp ?? this.now(),
      };
      if (datum.StatisticValues) {
        const { SampleCount, Sum, Minimum, Maximum } = datum.StatisticValues;
        this.metrics.putStatistics(value, { sum: Sum, count: SampleCount, min: Minimum, max: Maximum });
      } else if (datum.Values) {
        const counts = datum.Counts;
        datum.Values.forEach((v, i) => {
          const count = counts?.[i] ?? 1;
          this.metrics.putStatistics(value, { sum: v * count, count, min: v, max: v });
        });
      } else if (datum.Value !== undefined) {
        this.metrics.put({ ...value, values: [datum.Value] });
      }
    }
    return {};
  }

  /**
   * MetricStat queries only (metric math and Metrics Insights are not emulated). As CloudWatch
   * does for data under 15 days old, a start time is rounded down to the whole minute for a
   * period of a minute or more, and periods count from it; periods without data are left out.
   */
  getMetricData(input: unknown) {
    const request = parse(GetMetricDataInput, input);
    const problems = request.MetricDataQueries.flatMap((q) => {
      if (!q.MetricStat) return [`${q.Id}: only MetricStat queries are emulated (no Expression)`];
      if (!(STATISTICS as readonly string[]).includes(q.MetricStat.Stat))
        return [`${q.Id}: the statistic ${q.MetricStat.Stat} is not emulated (${STATISTICS.join(', ')})`];
      return [];
    });
    if (problems.length > 0) throw queryError('InvalidParameterValue', problems.join('; '));
    const ids = request.MetricDataQueries.map((q) => q.Id);
    if (new Set(ids).size !== ids.length)
      throw queryError(
        'InvalidParameterValue',
        'The values for parameter id in MetricDataQueries are not unique.',
      );
    const descending = (request.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    return {
      MetricDataResults: request.MetricDataQueries.filter((q) => q.ReturnData !== false).map((q) => {
        const stat = q.MetricStat;
        if (!stat) throw queryError('InvalidParameterValue', `${q.Id}: no MetricStat`);
        const minute = 60_000;
        const start =
          stat.Period >= 60
            ? new Date(Math.floor(request.StartTime.getTime() / minute) * minute)
            : request.StartTime;
        const { timestamps, values } = this.metrics.query(
          {
            namespace: stat.Metric.Namespace,
            name: stat.Metric.MetricName,
            dimensions: dimensionsOf(stat.Metric.Dimensions),
            periodSeconds: stat.Period,
            stat: stat.Stat as Statistic,
          },
          start,
          request.EndTime,
        );
        return {
          Id: q.Id,
          Label: q.Label ?? stat.Metric.MetricName,
          Timestamps: descending ? timestamps.reverse() : timestamps,
          Values: descending ? values.reverse() : values,
          StatusCode: 'Complete',
        };
      }),
      Messages: [],
    };
  }

  listMetrics(input: unknown) {
    const request = parse(ListMetricsInput, input);
    const window = request.RecentlyActive ? RECENTLY_ACTIVE_MS : LISTED_FOR_MS;
    const listed = this.metrics.list({
      namespace: request.Namespace,
      name: request.MetricName,
      dimensions: request.Dimensions,
      since: new Date(this.now().getTime() - window),
    });
    const start = Number(request.NextToken ?? 0);
    return {
      Metrics: listed.slice(start, start + METRICS_PAGE).map((s) => ({
        Namespace: s.namespace,
        MetricName: s.name,
        Dimensions: s.dimensions,
      })),
      ...(start + METRICS_PAGE < listed.length ? { NextToken: String(start + METRICS_PAGE) } : {}),
    };
  }

  /** Creates (or replaces) a metric alarm, as PutMetricAlarm does; a new alarm is OK. */
  putMetricAlarm(definition: AlarmDefinition): { AlarmArn: string } {
    const now = this.now();
    const arn = `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:${definition.AlarmName}`;
    const existing = this.alarms.get(definition.AlarmName);
    this.alarms.set(definition.AlarmName, {
      definition,
      arn,
      configuredAt: now,
      state: existing?.state ?? 'OK',
      reason: existing?.reason ?? INITIAL_REASON,
      ...(existing?.reasonData ? { reasonData: existing.reasonData } : {}),
      updatedAt: existing?.updatedAt ?? now,
      transitionedAt: existing?.transitionedAt ?? now,
    });
    return { AlarmArn: arn };
  }

  describeAlarms(input: unknown) {
    const request = parse(DescribeAlarmsInput, input);
    const matching = [...this.alarms.values()].filter((alarm) => {
      const { definition } = alarm;
      const actions = [
        ...(definition.AlarmActions ?? []),
        ...(definition.OKActions ?? []),
        ...(definition.InsufficientDataActions ?? []),
      ];
      return (
        (!request.AlarmNames || request.AlarmNames.includes(definition.AlarmName)) &&
        (!request.AlarmNamePrefix || definition.AlarmName.startsWith(request.AlarmNamePrefix)) &&
        (!request.StateValue || alarm.state === request.StateValue) &&
        (!request.ActionPrefix || actions.some((action) => action.startsWith(request.ActionPrefix ?? '')))
      );
    });
    // Without AlarmTypes only metric alarms are described; composite alarms are not emulated.
    const metric = !request.AlarmTypes || request.AlarmTypes.includes('MetricAlarm');
    const selected = metric
      ? matching.sort((a, b) => a.definition.AlarmName.localeCompare(b.definition.AlarmName))
      : [];
    const start = Number(request.NextToken ?? 0);
    const size = request.MaxRecords ?? DEFAULT_PAGE;
    return {
      MetricAlarms: selected.slice(start, start + size).map(describe),
      ...(request.AlarmTypes?.includes('CompositeAlarm') ? { CompositeAlarms: [] } : {}),
      ...(start + size < selected.length ? { NextToken: String(start + size) } : {}),
    };
  }

  /** Sets an alarm's state until something sets it again (locally, nothing else does). */
  setAlarmState(input: unknown): Record<string, never> {
    const request = parse(SetAlarmStateInput, input);
    const alarm = this.alarms.get(request.AlarmName);
    if (!alarm) throw queryError('ResourceNotFound', `Alarm ${request.AlarmName} not found`, 404);
    if (request.StateReasonData !== undefined) {
      try {
        JSON.parse(request.StateReasonData);
      } catch {
        throw queryError('InvalidFormat', 'StateReasonData is not valid JSON');
      }
    }
    if (alarm.state !== request.StateValue) alarm.transitionedAt = this.now();
    alarm.state = request.StateValue;
    alarm.reason = request.StateReason;
    alarm.reasonData = request.StateReasonData;
    alarm.updatedAt = this.now();
    return {};
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsJson(
      PROTOCOL,
      {
        DescribeAlarms: (input) => this.describeAlarms(input),
        SetAlarmState: (input) => this.setAlarmState(input),
        PutMetricData: (input) => this.putMetricData(input),
        GetMetricData: (input) => this.getMetricData(input),
        ListMetrics: (input) => this.listMetrics(input),
      },
      this.faults,
      options.port,
    );
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function describe(alarm: Alarm) {
  const { definition } = alarm;
  return {
    ...definition,
    AlarmArn: alarm.arn,
    ActionsEnabled: definition.ActionsEnabled ?? true,
    AlarmActions: definition.AlarmActions ?? [],
    OKActions: definition.OKActions ?? [],
    InsufficientDataActions: definition.InsufficientDataActions ?? [],
    AlarmConfigurationUpdatedTimestamp: alarm.configuredAt,
    StateValue: alarm.state,
    StateReason: alarm.reason,
    ...(alarm.reasonData === undefined ? {} : { StateReasonData: alarm.reasonData }),
    StateUpdatedTimestamp: alarm.updatedAt,
    StateTransitionedTimestamp: alarm.transitionedAt,
  };
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`);
  throw queryError('InvalidParameterValue', detail.join('; '));
}
