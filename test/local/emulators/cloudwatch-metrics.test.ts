import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  InvalidParameterValueException,
  ListMetricsCommand,
  type ListMetricsCommandInput,
  PutMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { emfRecordOf } from '#shared/powertools/emf';
import { RelayFlowMetrics } from '#shared/powertools/index';
import { CloudWatchEmulator, type MetricFilter } from '../../../local/emulators/cloudwatch';
import type { RunningEmulator } from '../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** An EMF record as Powertools Metrics serializes it (functions/powertools/emf.ts). */
const emfLine = (
  fields: Record<string, unknown>,
  metrics: readonly string[],
  dimensions: readonly string[][],
  timestamp = T0,
) =>
  JSON.stringify({
    level: 'DEBUG',
    message: 'batch metrics',
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: 'RelayFlow',
          Dimensions: dimensions,
          Metrics: metrics.map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    },
    ...fields,
  });

const sumOf = (
  id: string,
  metric: string,
  dimensions: Record<string, string>,
  period = 60,
  stat = 'Sum',
): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: 'RelayFlow',
      MetricName: metric,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: period,
    Stat: stat,
  },
});

async function rejection(promise: Promise<unknown>): Promise<CloudWatchServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CloudWatchServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('CloudWatch emulator metrics through the AWS SDK v3 client', () => {
  let emulator: CloudWatchEmulator;
  let running: RunningEmulator;
  let client: CloudWatchClient;
  let now: Date;

  beforeEach(async () => {
    now = at(600);
    emulator = new CloudWatchEmulator({ now: () => now });
    running = await emulator.start();
    client = new CloudWatchClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  const query = async (queries: MetricDataQuery[], start = at(0), end = at(600), ascending = true) =>
    (
      await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: start,
          EndTime: end,
          ScanBy: ascending ? 'TimestampAscending' : 'TimestampDescending',
        }),
      )
    ).MetricDataResults ?? [];

  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
  it('sums what PutMetricData put, per period and per dimension set', async () => {
    const stripe = [
      { Name: 'provider', Value: 'stripe' },
      { Name: 'tenant', Value: 'acme' },
    ];
    const github = [
      { Name: 'provider', Value: 'github' },
      { Name: 'tenant', Value: 'acme' },
    ];
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'RelayFlow',
        MetricData: [
          { MetricName: 'Received', Dimensions: stripe, Timestamp: at(5), Value: 1 },
          { MetricName: 'Received', Dimensions: stripe, Timestamp: at(50), Value: 2 },
          { MetricName: 'Received', Dimensions: stripe, Timestamp: at(130), Value: 4 },
          { MetricName: 'Received', Dimensions: github, Timestamp: at(10), Value: 8 },
          { MetricName: 'Received', Dimensions: stripe, Timestamp: at(700), Value: 16 },
        ],
      }),
    );

    const [byStripe, byGithub] = await query([
      sumOf('stripe', 'Received', { provider: 'stripe', tenant: 'acme' }),
      sumOf('github', 'Received', { tenant: 'acme', provider: 'github' }),
    ]);

    expect(byStripe).toMatchObject({
      Id: 'stripe',
      Label: 'Received',
      StatusCode: 'Complete',
      Timestamps: [at(0), at(120)],
      Values: [3, 4],
    });
    expect(byGithub).toMatchObject({ Timestamps: [at(0)], Values: [8] });
  });

  it('gives Sum, Average, Maximum, Minimum and SampleCount over a period, newest first by default', async () => {
    const dims = [{ Name: 'tenant', Value: 'acme' }];
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'RelayFlow',
        MetricData: [
          {
            MetricName: 'EndToEndLatency',
            Dimensions: dims,
            Timestamp: at(1),
            Values: [10, 30],
            Counts: [1, 2],
          },
          {
            MetricName: 'EndToEndLatency',
            Dimensions: dims,
            Timestamp: at(2),
            StatisticValues: { SampleCount: 2, Sum: 100, Minimum: 5, Maximum: 95 },
          },
          { MetricName: 'EndToEndLatency', Dimensions: dims, Timestamp: at(61), Value: 7 },
        ],
      }),
    );
    const stats = ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'];

    const results = await query(
      stats.map((stat) => sumOf(stat.toLowerCase(), 'EndToEndLatency', { tenant: 'acme' }, 60, stat)),
      at(0),
      at(120),
      false,
    );

    expect(results.map((r) => [r.Id, r.Values])).toEqual([
      ['sum', [7, 170]],
      ['average', [7, 34]],
      ['maximum', [7, 95]],
      ['minimum', [7, 5]],
      ['samplecount', [1, 5]],
    ]);
    expect(results[0]?.Timestamps).toEqual([at(60), at(0)]);
  });

  it('counts the EMF records of function log lines, under each dimension set the record declares', async () => {
    emulator.putLogLine(
      emfLine(
        { service: 'consumer', provider: 'stripe', tenant: 'acme', Processed: 1, Retried: [1, 1] },
        ['Processed', 'Retried'],
        [['service', 'provider', 'tenant']],
      ),
    );
    emulator.putLogLine(
      emfLine(
        { service: 'consumer', provider: 'stripe', tenant: 'acme', Processed: 1 },
        ['Processed'],
        [['service', 'provider', 'tenant'], ['service']],
      ),
    );

    const [processed, retried, byService] = await query([
      sumOf('p', 'Processed', { service: 'consumer', provider: 'stripe', tenant: 'acme' }),
      sumOf('r', 'Retried', { service: 'consumer', provider: 'stripe', tenant: 'acme' }),
      sumOf('s', 'Processed', { service: 'consumer' }),
    ]);

    expect(processed?.Values).toEqual([2]);
    expect(retried?.Values).toEqual([2]);
    expect(byService?.Values).toEqual([1]);
  });

  it('counts a record as Powertools Metrics writes it for the functions, its service a dimension of every set', async () => {
    const metrics = new RelayFlowMetrics({ namespace: 'RelayFlow', serviceName: 'ingest-stripe' });
    const record = emfRecordOf(metrics, [
      {
        name: 'Received',
        unit: MetricUnit.Count,
        value: 2,
        dimensions: { provider: 'stripe', tenant: 'acme' },
      },
      {
        name: 'Rejected',
        unit: MetricUnit.Count,
        value: 1,
        dimensions: { provider: 'stripe', reason: 'signature' },
      },
    ]);

    const recorded = emulator.putLogLine(
      JSON.stringify({ level: 'INFO', message: 'webhook ingested', ...record }),
    );

    expect(recorded).toBe(2);
    const [received, rejected] = await query(
      [
        sumOf('received', 'Received', { service: 'ingest-stripe', provider: 'stripe', tenant: 'acme' }),
        sumOf('rejected', 'Rejected', { service: 'ingest-stripe', provider: 'stripe', reason: 'signature' }),
      ],
      new Date(Date.now() - 60_000),
      new Date(Date.now() + 60_000),
    );
    expect([received?.Values, rejected?.Values]).toEqual([[2], [1]]);
  });

  it('ignores malformed EMF lines and plain log lines, and goes on counting the good ones', async () => {
    const good = { service: 'consumer', provider: 'stripe', tenant: 'acme', Processed: 1 };
    const lines = [
      'START RequestId: 1 Version: $LATEST',
      '{"_aws": {"Timestamp": ',
      JSON.stringify({ level: 'INFO', message: 'event handled', Processed: 1 }),
      JSON.stringify({ _aws: { Timestamp: 'yesterday', CloudWatchMetrics: [] }, Processed: 1 }),
      emfLine({ ...good, Processed: 'one' }, ['Processed'], [['service', 'provider', 'tenant']]),
      emfLine({ ...good, tenant: 42 }, ['Processed'], [['service', 'provider', 'tenant']]),
      emfLine(good, ['Processed'], [['service', 'provider', 'tenant']]),
    ];

    const recorded = lines.map((line) => emulator.putLogLine(line));

    expect(recorded).toEqual([0, 0, 0, 0, 0, 0, 1]);
    const [processed] = await query([
      sumOf('p', 'Processed', { service: 'consumer', provider: 'stripe', tenant: 'acme' }),
    ]);
    expect(processed?.Values).toEqual([1]);
  });

  it('answers an empty series for dimensions that match no series exactly, a subset or superset included', async () => {
    emulator.putLogLine(
      emfLine(
        { service: 'consumer', provider: 'stripe', tenant: 'acme', Processed: 1 },
        ['Processed'],
        [['service', 'provider', 'tenant']],
      ),
    );

    const results = await query([
      sumOf('subset', 'Processed', { service: 'consumer', tenant: 'acme' }),
      sumOf('superset', 'Processed', {
        service: 'consumer',
        provider: 'stripe',
        tenant: 'acme',
        channel: 'email',
      }),
      sumOf('none', 'Processed', {}),
      sumOf('other', 'Processed', { service: 'consumer', provider: 'stripe', tenant: 'other' }),
    ]);

    expect(results.map((r) => [r.Id, r.Timestamps, r.Values])).toEqual([
      ['subset', [], []],
      ['superset', [], []],
      ['none', [], []],
      ['other', [], []],
    ]);
  });

  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html
  it('lists the series of a metric, narrowed by dimension name or value', async () => {
    for (const [provider, tenant] of [
      ['stripe', 'acme'],
      ['github', 'acme'],
      ['stripe', 'globex'],
    ] as const)
      emulator.putMetric('RelayFlow', 'Received', { service: `ingest-${provider}`, provider, tenant }, 1);
    emulator.putMetric('RelayFlow', 'TargetDisabled', { service: 'consumer', target: 'crm' }, 1);

    const list = async (input: ListMetricsCommandInput) =>
      ((await client.send(new ListMetricsCommand(input))).Metrics ?? []).map((m) =>
        Object.fromEntries((m.Dimensions ?? []).map((d): [string, string] => [d.Name ?? '', d.Value ?? ''])),
      );

    expect(await list({ Namespace: 'RelayFlow', MetricName: 'Received' })).toHaveLength(3);
    expect(
      await list({
        Namespace: 'RelayFlow',
        MetricName: 'Received',
        Dimensions: [{ Name: 'tenant', Value: 'acme' }],
      }),
    ).toEqual([
      { provider: 'github', service: 'ingest-github', tenant: 'acme' },
      { provider: 'stripe', service: 'ingest-stripe', tenant: 'acme' },
    ]);
    expect(await list({ Namespace: 'RelayFlow', Dimensions: [{ Name: 'target' }] })).toEqual([
      { service: 'consumer', target: 'crm' },
    ]);
    expect(await list({ Namespace: 'Other' })).toEqual([]);
  });

  it('lists a series for two weeks after its last datapoint, and for three hours with RecentlyActive', async () => {
    emulator.putMetric('RelayFlow', 'Received', { tenant: 'acme' }, 1, at(0));
    const names = async (recentlyActive: boolean) =>
      (
        (
          await client.send(
            new ListMetricsCommand({
              Namespace: 'RelayFlow',
              ...(recentlyActive ? { RecentlyActive: 'PT3H' as const } : {}),
            }),
          )
        ).Metrics ?? []
      ).length;

    now = at(4 * 3600);
    expect([await names(false), await names(true)]).toEqual([1, 0]);
    now = at(15 * 86_400);
    expect(await names(false)).toBe(0);
  });

  it('refuses a namespace starting with AWS/, an end before the start, a metric math expression and an unknown statistic', async () => {
    const put = await rejection(
      client.send(
        new PutMetricDataCommand({ Namespace: 'AWS/SQS', MetricData: [{ MetricName: 'Fake', Value: 1 }] }),
      ),
    );
    const backwards = await rejection(query([sumOf('a', 'Received', {})], at(60), at(0)));
    const expression = await rejection(
      query([{ Id: 'e', Expression: 'SELECT SUM(Received) FROM RelayFlow' }]),
    );
    const percentile = await rejection(query([sumOf('p', 'Received', {}, 60, 'p99')]));

    for (const error of [put, backwards, expression, percentile]) {
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    expect(put.message).toMatch(/AWS\//);
    expect(backwards.message).toMatch(/StartTime must be less than/);
    expect(expression.message).toMatch(/only MetricStat/);
    expect(percentile.message).toMatch(/p99 is not emulated/);
  });

  describe('with metric filters', () => {
    const GROUP = '/aws/relayflow/VerifierstripeLogs';
    const filter = (pattern: string, value: string, name = 'Received'): MetricFilter => ({
      logGroupName: GROUP,
      filterPattern: pattern,
      transformations: [
        {
          metricName: name,
          metricNamespace: 'RelayFlow',
          metricValue: value,
          dimensions: { provider: '$.provider', tenant: '$.tenant' },
        },
      ],
    });
    /** The minute a line written now (at(600)) falls in. */
    const sumNow = async (metric: string, dimensions: Record<string, string>, stat = 'Sum') =>
      (await query([sumOf('q', metric, dimensions, 60, stat)], at(600), at(660)))[0]?.Values ?? [];

    it("publishes a matching line's field as the metric, per the dimensions read off the line", async () => {
      emulator.putMetricFilter(filter('{ $.received > 0 && $.provider = * && $.tenant = * }', '$.received'));

      emulator.putFunctionLog(
        { message: 'webhook ingested', provider: 'stripe', tenant: 'acme', received: 1 },
        GROUP,
      );
      emulator.putFunctionLog(
        { message: 'webhook ingested', provider: 'stripe', tenant: 'acme', received: 3 },
        GROUP,
      );
      emulator.putFunctionLog(
        { message: 'webhook ingested', provider: 'stripe', tenant: 'beta', received: 1 },
        GROUP,
      );
      emulator.putFunctionLog({ message: 'request rejected', provider: 'stripe', tenant: 'acme' }, GROUP);

      expect(await sumNow('Received', { provider: 'stripe', tenant: 'acme' })).toEqual([4]);
      expect(await sumNow('Received', { provider: 'stripe', tenant: 'beta' })).toEqual([1]);
    });

    it('reads only the log group the filter is on, and publishes a literal value per line', async () => {
      emulator.putMetricFilter(filter('{ $.outcome = "processed" }', '1', 'Processed'));

      emulator.putFunctionLog({ outcome: 'processed', provider: 'stripe', tenant: 'acme' }, GROUP);
      emulator.putFunctionLog(
        { outcome: 'processed', provider: 'stripe', tenant: 'acme' },
        '/aws/relayflow/Other',
      );

      expect(await sumNow('Processed', { provider: 'stripe', tenant: 'acme' })).toEqual([1]);
    });

    it('publishes nothing for a line that lacks a dimension or whose value is not a number', async () => {
      emulator.putMetricFilter(filter('{ $.latencyMs = * }', '$.latencyMs', 'IngestLatency'));

      emulator.putFunctionLog({ provider: 'stripe', latencyMs: 12 }, GROUP);
      emulator.putFunctionLog({ provider: 'stripe', tenant: 'acme', latencyMs: 'slow' }, GROUP);

      expect(emulator.putFunctionLog({ provider: 'stripe', tenant: 'acme', latencyMs: 7 }, GROUP)).toBe(1);
      expect(await sumNow('IngestLatency', { provider: 'stripe', tenant: 'acme' }, 'SampleCount')).toEqual([
        1,
      ]);
    });

    it('still reads the EMF record a line carries, beside its filters', async () => {
      emulator.putMetricFilter(filter('{ $.received > 0 }', '$.received'));

      const recorded = emulator.putFunctionLog(
        JSON.parse(
          emfLine(
            { provider: 'stripe', tenant: 'acme', received: 1, Rejected: 1 },
            ['Rejected'],
            [['provider']],
            at(600).getTime(),
          ),
        ),
        GROUP,
      );

      expect(recorded).toBe(2);
      expect(await sumNow('Rejected', { provider: 'stripe' })).toEqual([1]);
    });

    it('refuses a transformation that is neither a number nor a field, or has more than three dimensions', () => {
      expect(() => emulator.putMetricFilter(filter('{ $.a = 1 }', 'a'))).toThrow(
        /neither a number nor a \$\.field/,
      );
      expect(() =>
        emulator.putMetricFilter({
          ...filter('{ $.a = 1 }', '1'),
          transformations: [
            {
              metricName: 'Wide',
              metricNamespace: 'RelayFlow',
              metricValue: '1',
              dimensions: { a: '$.a', b: '$.b', c: '$.c', d: '$.d' },
            },
          ],
        }),
      ).toThrow(/at most three dimensions/);
    });
  });
});
