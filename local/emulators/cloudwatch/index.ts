import { z } from 'zod';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

/**
 * CloudWatch emulator: the template's metric alarms, for `relayflow doctor` to read with
 * DescribeAlarms and for tests to fire with SetAlarmState. SDK v3 speaks AWS JSON 1.0 to
 * CloudWatch in Query-compatible mode: errors also carry their Query code in `x-amzn-query-error`.
 * No metric is recorded or evaluated locally, so an alarm stays in the state it was last set to,
 * OK from the start.
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

export class CloudWatchEmulator extends FaultHooks {
  private readonly alarms = new Map<string, Alarm>();

  constructor(private readonly options: { readonly now?: () => Date } = {}) {
    super();
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
