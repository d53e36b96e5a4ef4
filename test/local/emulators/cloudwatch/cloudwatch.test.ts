import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchEmulator,
  INITIAL_REASON,
  type AlarmDefinition,
} from '../../../../local/emulators/cloudwatch';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:RelayFlow-AlarmTopic';
const OTHER_TOPIC = 'arn:aws:sns:us-east-1:000000000000:Other-AlarmTopic';

const anAlarm = (name: string, overrides: Partial<AlarmDefinition> = {}): AlarmDefinition => ({
  AlarmName: name,
  AlarmDescription: `${name} means trouble. Runbook: docs/operations.md#${name.toLowerCase()}`,
  AlarmActions: [TOPIC],
  OKActions: [TOPIC],
  EvaluationPeriods: 1,
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'notBreaching',
  ...overrides,
});

describe('CloudWatch emulator through the AWS SDK v3 client (AWS JSON 1.0, Query-compatible)', () => {
  let emulator: CloudWatchEmulator;
  let running: RunningEmulator;
  let client: CloudWatchClient;
  let now: Date;

  beforeEach(async () => {
    now = new Date('2026-03-01T10:00:00Z');
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

  const describeAll = async (input: ConstructorParameters<typeof DescribeAlarmsCommand>[0] = {}) =>
    (await client.send(new DescribeAlarmsCommand(input))).MetricAlarms ?? [];

  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
  it('describes an alarm as the template declares it, OK from the start', async () => {
    emulator.putMetricAlarm(anAlarm('RelayFlow-DeadLetterQueueNotEmpty'));

    const [alarm] = await describeAll();

    expect(alarm).toMatchObject({
      AlarmName: 'RelayFlow-DeadLetterQueueNotEmpty',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:RelayFlow-DeadLetterQueueNotEmpty',
      AlarmDescription:
        'RelayFlow-DeadLetterQueueNotEmpty means trouble. Runbook: docs/operations.md#relayflow-deadletterqueuenotempty',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
      ActionsEnabled: true,
      StateValue: 'OK',
      StateReason: INITIAL_REASON,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm?.StateUpdatedTimestamp).toEqual(now);
  });

  // DescribeAlarms, ActionPrefix: "only those alarms that use a certain alarm action. For example, you
  // could specify the ARN of an SNS topic to find all alarms that send notifications to that topic."
  it("selects by ActionPrefix the alarms that notify a topic, and no other stack's", async () => {
    emulator.putMetricAlarm(anAlarm('RelayFlow-Quarantined'));
    emulator.putMetricAlarm(anAlarm('Other-Quarantined', { AlarmActions: [OTHER_TOPIC], OKActions: [] }));

    const alarms = await describeAll({ ActionPrefix: TOPIC });

    expect(alarms.map((a) => a.AlarmName)).toEqual(['RelayFlow-Quarantined']);
  });

  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html
  it('fires an alarm with SetAlarmState, keeping its reason and the time it changed', async () => {
    emulator.putMetricAlarm(anAlarm('RelayFlow-ApiServerErrors'));
    emulator.putMetricAlarm(anAlarm('RelayFlow-SchemaDrift'));
    now = new Date('2026-03-01T10:05:00Z');

    await client.send(
      new SetAlarmStateCommand({
        AlarmName: 'RelayFlow-ApiServerErrors',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 3 datapoints were greater than the threshold (0.0).',
        StateReasonData: '{"version":"1.0"}',
      }),
    );
    const firing = await describeAll({ StateValue: 'ALARM' });

    expect(firing).toEqual([
      expect.objectContaining({
        AlarmName: 'RelayFlow-ApiServerErrors',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 3 datapoints were greater than the threshold (0.0).',
        StateReasonData: '{"version":"1.0"}',
        StateUpdatedTimestamp: now,
        StateTransitionedTimestamp: now,
      }),
    ]);
  });

  it('selects alarms by name or by name prefix', async () => {
    for (const name of ['RelayFlow-A', 'RelayFlow-B', 'Staging-A']) emulator.putMetricAlarm(anAlarm(name));

    expect((await describeAll({ AlarmNames: ['RelayFlow-B'] })).map((a) => a.AlarmName)).toEqual([
      'RelayFlow-B',
    ]);
    expect((await describeAll({ AlarmNamePrefix: 'RelayFlow-' })).map((a) => a.AlarmName)).toEqual([
      'RelayFlow-A',
      'RelayFlow-B',
    ]);
  });

  // DescribeAlarms, MaxRecords (1-100) and NextToken.
  it('pages through the alarms with MaxRecords and NextToken', async () => {
    for (let n = 0; n < 5; n += 1) emulator.putMetricAlarm(anAlarm(`RelayFlow-${n}`));

    const first = await client.send(new DescribeAlarmsCommand({ MaxRecords: 3 }));
    const second = await client.send(
      new DescribeAlarmsCommand({ MaxRecords: 3, NextToken: first.NextToken }),
    );

    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual([
      'RelayFlow-0',
      'RelayFlow-1',
      'RelayFlow-2',
    ]);
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['RelayFlow-3', 'RelayFlow-4']);
    expect(second.NextToken).toBeUndefined();
  });

  // SetAlarmState errors: ResourceNotFound (404), read by the SDK from the Query error code header.
  it('answers ResourceNotFound for an alarm that does not exist', async () => {
    const attempt = client.send(
      new SetAlarmStateCommand({ AlarmName: 'RelayFlow-Nope', StateValue: 'ALARM', StateReason: 'test' }),
    );

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFound);
    await expect(attempt).rejects.toMatchObject({
      name: 'ResourceNotFound',
      message: 'Alarm RelayFlow-Nope not found',
      $metadata: { httpStatusCode: 404 },
    });
  });

  // SetAlarmState errors: InvalidFormat, "Data was not syntactically valid JSON".
  it('refuses StateReasonData that is not JSON', async () => {
    emulator.putMetricAlarm(anAlarm('RelayFlow-A'));

    await expect(
      client.send(
        new SetAlarmStateCommand({
          AlarmName: 'RelayFlow-A',
          StateValue: 'ALARM',
          StateReason: 'test',
          StateReasonData: '{not json',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidFormatFault', $metadata: { httpStatusCode: 400 } });
  });

  it('counts requests by action and lets a test fail the next one', async () => {
    emulator.injectFault('DescribeAlarms', {
      kind: 'error',
      code: 'AccessDenied',
      message: 'no',
      status: 403,
    });

    await expect(describeAll()).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(describeAll()).resolves.toEqual([]);
    expect(emulator.counters()).toEqual({ DescribeAlarms: 2 });
  });
});
