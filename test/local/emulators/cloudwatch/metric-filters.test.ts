import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { compileFilterPattern } from '../../../../local/emulators/cloudwatch/metric-filters';
import { CloudWatchEmulator, type MetricFilter } from '../../../../local/emulators/cloudwatch';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const T0 = Date.parse('2026-12-07T10:00:00Z');
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

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (JSON log events)
describe('metric filter patterns', () => {
  const line = { message: 'event handled', outcome: 'processed', received: 2, nested: { n: 3 } };

  it.each([
    ['{ $.outcome = "processed" }', true],
    ['{ $.outcome = "stale" }', false],
    ['{ $.outcome != "stale" }', true],
    ['{ $.received > 1 }', true],
    ['{ $.received > 2 }', false],
    ['{ $.received >= 2 && $.received <= 2 }', true],
    ['{ $.received = 2 }', true],
    ['{ $.nested.n < 4 }', true],
    ['{ $.received = * }', true],
    ['{ $.missing = * }', false],
    ['{ $.message = "event handled" && $.outcome = "processed" && $.received > 0 }', true],
    ['{ $.message = "event handled" && $.outcome = "dry-run" }', false],
    // A string is not compared as a number.
    ['{ $.outcome > 0 }', false],
  ])('%s matches: %s', (pattern, expected) => {
    expect(compileFilterPattern(pattern)(line)).toBe(expected);
  });

  it.each([
    '{ $.a = 1 || $.b = 2 }',
    '{ ($.a = 1) }',
    '{ $.a = "x*" }',
    '{ $.list[0] = 1 }',
    '$.a = 1',
    'ERROR',
  ])('refuses %s rather than match it differently from CloudWatch', (pattern) => {
    expect(() => compileFilterPattern(pattern)).toThrow(/the local runtime reads JSON patterns/);
  });
});

describe('the CloudWatch emulator with metric filters', () => {
  let now: Date;
  let emulator: CloudWatchEmulator;
  let running: RunningEmulator;
  let client: CloudWatchClient;

  beforeEach(async () => {
    now = new Date(T0 + 5_000);
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

  const sum = async (metric: string, dimensions: Record<string, string>, stat = 'Sum') => {
    const query: MetricDataQuery = {
      Id: 'q',
      MetricStat: {
        Metric: {
          Namespace: 'RelayFlow',
          MetricName: metric,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: stat,
      },
    };
    const result = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 60_000),
      }),
    );
    return result.MetricDataResults?.[0]?.Values ?? [];
  };

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

    expect(await sum('Received', { provider: 'stripe', tenant: 'acme' })).toEqual([4]);
    expect(await sum('Received', { provider: 'stripe', tenant: 'beta' })).toEqual([1]);
  });

  it('reads only the log group the filter is on, and publishes a literal value per line', async () => {
    emulator.putMetricFilter(filter('{ $.outcome = "processed" }', '1', 'Processed'));

    emulator.putFunctionLog({ outcome: 'processed', provider: 'stripe', tenant: 'acme' }, GROUP);
    emulator.putFunctionLog(
      { outcome: 'processed', provider: 'stripe', tenant: 'acme' },
      '/aws/relayflow/Other',
    );

    expect(await sum('Processed', { provider: 'stripe', tenant: 'acme' })).toEqual([1]);
  });

  it('publishes nothing for a line that lacks a dimension or whose value is not a number', async () => {
    emulator.putMetricFilter(filter('{ $.latencyMs = * }', '$.latencyMs', 'IngestLatency'));

    emulator.putFunctionLog({ provider: 'stripe', latencyMs: 12 }, GROUP);
    emulator.putFunctionLog({ provider: 'stripe', tenant: 'acme', latencyMs: 'slow' }, GROUP);

    expect(emulator.putFunctionLog({ provider: 'stripe', tenant: 'acme', latencyMs: 7 }, GROUP)).toBe(1);
    expect(await sum('IngestLatency', { provider: 'stripe', tenant: 'acme' }, 'SampleCount')).toEqual([1]);
  });

  it('still reads the EMF record a line carries, beside its filters', async () => {
    emulator.putMetricFilter(filter('{ $.received > 0 }', '$.received'));

    const recorded = emulator.putFunctionLog(
      {
        provider: 'stripe',
        tenant: 'acme',
        received: 1,
        Rejected: 1,
        _aws: {
          Timestamp: T0 + 1_000,
          CloudWatchMetrics: [
            { Namespace: 'RelayFlow', Dimensions: [['provider']], Metrics: [{ Name: 'Rejected' }] },
          ],
        },
      },
      GROUP,
    );

    expect(recorded).toBe(2);
    expect(await sum('Rejected', { provider: 'stripe' })).toEqual([1]);
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
