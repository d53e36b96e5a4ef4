import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgeEmulator, type EventBridgeEvent } from '../../../../local/emulators/eventbridge';
import type { RunningEmulator } from '../../../../local/emulators/loopback';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function anEntry(overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return {
    Source: 'relayflow.stripe',
    DetailType: 'payment.succeeded',
    Detail: JSON.stringify({ tenant: 'acme', amount: 2000 }),
    ...overrides,
  };
}

describe('EventBridge emulator through the AWS SDK v3 client', () => {
  let emulator: EventBridgeEmulator;
  let running: RunningEmulator;
  let client: EventBridgeClient;

  beforeEach(async () => {
    emulator = new EventBridgeEmulator();
    running = await emulator.start();
    client = new EventBridgeClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await emulator.drain();
    await running.stop();
  });

  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
  it('accepts entries on the default bus and answers an EventId for each', async () => {
    const output = await client.send(
      new PutEventsCommand({ Entries: [anEntry(), anEntry({ DetailType: 'payment.failed' })] }),
    );

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toHaveLength(2);
    expect(output.Entries?.every((entry) => typeof entry.EventId === 'string')).toBe(true);
    expect(emulator.events('default').map((event) => event['detail-type'])).toEqual([
      'payment.succeeded',
      'payment.failed',
    ]);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
  it('records the event in the envelope EventBridge delivers', async () => {
    const time = new Date('2026-11-22T10:00:00.123Z');

    const output = await client.send(
      new PutEventsCommand({ Entries: [anEntry({ Time: time, Resources: ['arn:aws:s3:::bucket'] })] }),
    );

    expect(emulator.events()).toEqual([
      {
        version: '0',
        id: output.Entries?.[0]?.EventId,
        'detail-type': 'payment.succeeded',
        source: 'relayflow.stripe',
        account: '000000000000',
        time: '2026-11-22T10:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:s3:::bucket'],
        detail: { tenant: 'acme', amount: 2000 },
      },
    ]);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html (EventBusName: name or ARN)
  it('puts events on a custom bus named by name or by ARN', async () => {
    const { EventBusArn } = emulator.createEventBus({ Name: 'relayflow' });

    await client.send(
      new PutEventsCommand({
        Entries: [anEntry({ EventBusName: 'relayflow' }), anEntry({ EventBusName: EventBusArn })],
      }),
    );

    expect(EventBusArn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/relayflow');
    expect(emulator.events('relayflow')).toHaveLength(2);
    expect(emulator.events('default')).toHaveLength(0);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html (MalformedDetail)
  it('fails only the entry whose Detail is not a JSON object', async () => {
    const output = await client.send(
      new PutEventsCommand({
        Entries: [anEntry({ Detail: '[1,2]' }), anEntry(), anEntry({ Detail: '{not json' })],
      }),
    );

    expect(output.FailedEntryCount).toBe(2);
    expect(output.Entries?.[0]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    expect(output.Entries?.[1]?.EventId).toEqual(expect.any(String));
    expect(output.Entries?.[2]?.ErrorCode).toBe('MalformedDetail');
    expect(emulator.events()).toHaveLength(1);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html (Source, DetailType, Detail)
  it('fails an entry without Source, DetailType or Detail with InvalidArgument', async () => {
    const output = await client.send(
      new PutEventsCommand({
        Entries: [
          anEntry({ Source: undefined }),
          anEntry({ DetailType: undefined }),
          anEntry({ Detail: undefined }),
        ],
      }),
    );

    expect(output.FailedEntryCount).toBe(3);
    expect(output.Entries?.map((entry) => entry.ErrorCode)).toEqual([
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
    ]);
    expect(output.Entries?.[0]?.ErrorMessage).toBe(
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
  });

  it('fails an entry for a bus that does not exist', async () => {
    const output = await client.send(new PutEventsCommand({ Entries: [anEntry({ EventBusName: 'nope' })] }));

    expect(output).toMatchObject({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ResourceNotFoundException' }],
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html (10 entries per PutEvents)
  it('rejects a request with more than 10 entries as a whole', async () => {
    const entries = Array.from({ length: 11 }, () => anEntry());

    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(emulator.events()).toHaveLength(0);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
  it('rejects a request whose entries add up to more than 256 KB', async () => {
    const half = JSON.stringify({ pad: 'x'.repeat(130 * 1024) });

    await expect(
      client.send(new PutEventsCommand({ Entries: [anEntry({ Detail: half }), anEntry({ Detail: half })] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
  it('accepts a request whose entries add up to exactly 256 KB', async () => {
    const fixed = 'relayflow.stripe'.length + 'payment.succeeded'.length + '{"pad":""}'.length;
    const detail = JSON.stringify({ pad: 'x'.repeat(256 * 1024 - fixed) });

    const output = await client.send(new PutEventsCommand({ Entries: [anEntry({ Detail: detail })] }));

    expect(output.FailedEntryCount).toBe(0);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rules.html
  it('delivers an event to the targets of each rule whose pattern matches', async () => {
    const delivered: EventBridgeEvent[] = [];
    emulator.addRule({
      name: 'big-payments',
      eventPattern: { source: ['relayflow.stripe'], detail: { amount: [{ numeric: ['>=', 1000] }] } },
      targets: (event) => {
        delivered.push(event);
        return Promise.resolve();
      },
    });

    await client.send(
      new PutEventsCommand({ Entries: [anEntry(), anEntry({ Detail: JSON.stringify({ amount: 5 }) })] }),
    );
    await emulator.drain();

    expect(delivered.map((event) => event.detail)).toEqual([{ tenant: 'acme', amount: 2000 }]);
  });

  it('delivers only events put on the rule bus', async () => {
    emulator.createEventBus({ Name: 'other' });
    const delivered: string[] = [];
    emulator.addRule({
      name: 'all',
      busName: 'other',
      eventPattern: { source: [{ prefix: '' }] },
      targets: (event) => {
        delivered.push(event.id);
        return Promise.resolve();
      },
    });

    await client.send(new PutEventsCommand({ Entries: [anEntry(), anEntry({ EventBusName: 'other' })] }));
    await emulator.drain();

    expect(delivered).toHaveLength(1);
  });

  it('answers PutEvents before the targets run and records a target that throws', async () => {
    let started = false;
    emulator.addRule({
      name: 'failing',
      eventPattern: { source: ['relayflow.stripe'] },
      targets: () => {
        started = true;
        return Promise.reject(new Error('target down'));
      },
    });

    const output = emulator.putEvents({ Entries: [anEntry()] });
    const startedBeforeAnswer = started;
    await emulator.drain();

    expect(output.FailedEntryCount).toBe(0);
    expect(startedBeforeAnswer).toBe(false);
    expect(emulator.failedDeliveries()).toMatchObject([
      { rule: 'failing', eventId: output.Entries[0]?.EventId },
    ]);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html
  it('answers an unknown action with UnknownOperationException instead of hanging', async () => {
    const response = await fetch(running.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.ListRules' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('counts requests by action', async () => {
    await client.send(new PutEventsCommand({ Entries: [anEntry()] }));
    await client.send(new PutEventsCommand({ Entries: [anEntry()] }));

    expect(emulator.counters()).toEqual({ PutEvents: 2 });
  });

  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (ThrottlingException is retried)
  it('fails the next call with an injected throttle that the SDK retries', async () => {
    emulator.injectFault('PutEvents', { kind: 'throttle', times: 1 });
    const retrying = new EventBridgeClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 2,
    });

    const output = await retrying.send(new PutEventsCommand({ Entries: [anEntry()] }));

    retrying.destroy();
    expect(output.FailedEntryCount).toBe(0);
    expect(emulator.counters().PutEvents).toBe(2);
    expect(emulator.events()).toHaveLength(1);
  });

  it('records the events of a PutEvents whose response is dropped', async () => {
    emulator.injectFault('PutEvents', { kind: 'dropResponse', times: 1 });

    await expect(client.send(new PutEventsCommand({ Entries: [anEntry()] }))).rejects.toThrow();

    expect(emulator.events()).toHaveLength(1);
  });
});
