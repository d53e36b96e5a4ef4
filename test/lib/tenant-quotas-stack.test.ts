import type { Template } from 'aws-cdk-lib/assertions';
import { readConsumerEnvironment } from '#shared/consumer/config';
import { ConfigurationError } from '#shared/errors';
import { synthStack } from '../helpers/stack';

// One synthesis for the file: the slow part.
const { template } = synthStack({
  defaultTenantQuota: { eventsPerSecond: 20, lagAlarmMinutes: 30 },
  tenants: [
    { id: 'acme', quota: { eventsPerSecond: 5, maxConcurrent: 2, lagAlarmMinutes: 5 } },
    { id: 'beta', quota: { lagAlarmMinutes: 60 } },
    { id: 'gamma' },
  ],
});

interface AlarmProps {
  AlarmName: unknown;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Metrics?: { Id: string; Expression?: string }[];
  AlarmActions?: unknown[];
}

const consumerVariables = (t: Template): Record<string, string> => {
  const consumers = Object.values(t.findResources('AWS::Lambda::Function')).filter(
    (r) =>
      (r as { Properties: { Environment?: { Variables?: Record<string, string> } } }).Properties.Environment
        ?.Variables?.POWERTOOLS_SERVICE_NAME === 'consumer',
  ) as { Properties: { Environment: { Variables: Record<string, string> } } }[];
  expect(consumers).toHaveLength(1);
  return consumers[0]?.Properties.Environment.Variables ?? {};
};

const tenantLagAlarms = () =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((r) => (r as { Properties: AlarmProps }).Properties)
    .filter((a) => String(a.AlarmName).startsWith('RelayFlowTest-TenantLag-'));

describe('tenant quotas in the stack', () => {
  it("gives the consumer the rate and concurrency quotas, with the consumer's timeout as the slot lease", () => {
    expect(JSON.parse(consumerVariables(template).TENANT_QUOTAS ?? 'null')).toEqual({
      leaseSeconds: 30,
      tenants: { default: { eventsPerSecond: 20 }, acme: { eventsPerSecond: 5, maxConcurrent: 2 } },
    });
  });

  it('the consumer reads that variable, and reads none when it is empty', () => {
    const variables = consumerVariables(template);
    const resolved = {
      ...variables,
      EVENT_TABLE: 't',
      RAW_BUCKET: 'b',
      QUEUE_URL: 'q',
      DEAD_LETTER_QUEUE_URL: 'd',
    };

    expect(readConsumerEnvironment({ ...resolved, TARGET_SIGNING_SECRET_ARN: 's' }).TENANT_QUOTAS).toEqual({
      leaseSeconds: 30,
      tenants: { default: { eventsPerSecond: 20 }, acme: { eventsPerSecond: 5, maxConcurrent: 2 } },
    });
    expect(
      readConsumerEnvironment({ ...resolved, TARGET_SIGNING_SECRET_ARN: 's', TENANT_QUOTAS: '' })
        .TENANT_QUOTAS,
    ).toBeUndefined();
  });

  it('fails the cold start on a quota variable that does not fit', () => {
    const variables = { ...consumerVariables(template), EVENT_TABLE: 't', RAW_BUCKET: 'b', QUEUE_URL: 'q' };
    const read = (quotas: string) =>
      readConsumerEnvironment({
        ...variables,
        DEAD_LETTER_QUEUE_URL: 'd',
        TARGET_SIGNING_SECRET_ARN: 's',
        TENANT_QUOTAS: quotas,
      });

    expect(() => read('{"leaseSeconds":30,"tenants":{"acme":{"eventsPerSecond":0}}}')).toThrow(
      ConfigurationError,
    );
    expect(() => read('{"tenants":{}}')).toThrow(/TENANT_QUOTAS/);
    expect(() => read('not json')).toThrow(/not valid JSON/);
  });

  it('alarms on each tenant with a lag threshold, over all its providers, to the alarm topic', () => {
    const alarms = tenantLagAlarms();

    expect(alarms.map((a) => [a.AlarmName, a.Threshold]).sort()).toEqual([
      ['RelayFlowTest-TenantLag-acme', 300_000],
      ['RelayFlowTest-TenantLag-beta', 3_600_000],
      ['RelayFlowTest-TenantLag-default', 1_800_000],
    ]);
    const acme = alarms.find((a) => a.AlarmName === 'RelayFlowTest-TenantLag-acme');
    expect(acme?.Metrics?.map((m) => m.Expression)).toEqual([
      `SELECT MAX(EndToEndLatency) FROM "RelayFlow" WHERE tenant = 'acme'`,
    ]);
    expect(acme).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(acme?.AlarmActions).toHaveLength(1);
  });

  it('shows throughput, quota delays, failures and lag per tenant on the dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: unknown };
    }[];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);

    for (const metric of ['SUM(Processed)', 'SUM(QuotaDelayed)', 'SUM(DeadLettered)', 'MAX(EndToEndLatency)'])
      expect(body).toContain(`SELECT ${metric} FROM \\\\\\"RelayFlow\\\\\\" GROUP BY tenant`);
  });
});
