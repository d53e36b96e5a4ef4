import 'aws-sdk-client-mock-jest';
import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { EventBridgeTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import { EventBridgeDelivery } from '#shared/targets/eventbridge';
import { anIntegrationEvent } from '../../helpers/sqs-events';

const client = new EventBridgeClient({ region: 'us-east-1' });
const eventBridge = mockClient(client);
const target: EventBridgeTarget = { kind: 'eventbridge', id: 'bus', eventBusName: 'payments' };
const delivery = new EventBridgeDelivery(client);

const serviceError = (name: string, fault: 'client' | 'server', status: number) =>
  new EventBridgeServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: name,
  });

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as TargetError,
  );

afterEach(() => eventBridge.reset());

describe('eventbridge target', () => {
  it('puts the event with Source relayflow.<provider>, DetailType the canonical type and Detail the event', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const event = anIntegrationEvent({ provider: 'shopify', type: 'order.created' });

    await delivery.deliver(target, event);

    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'payments',
      Source: 'relayflow.shopify',
      DetailType: 'order.created',
    });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual(event);
  });

  it('treats a failed entry as retryable', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] });

    const error = await failureOf(delivery.deliver(target, anIntegrationEvent()));

    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ retryable: true, errorClass: 'eventbridge-entry-InternalFailure' });
  });

  it('retries throttling and server faults but not a refused request', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(serviceError('ThrottlingException', 'client', 400))
      .rejectsOnce(serviceError('InternalException', 'server', 500))
      .rejectsOnce(serviceError('AccessDeniedException', 'client', 403));

    const outcomes = [];
    for (let i = 0; i < 3; i += 1)
      outcomes.push(await failureOf(delivery.deliver(target, anIntegrationEvent())));

    expect(outcomes.map((e) => e?.retryable)).toEqual([true, true, false]);
  });

  it('refuses an event larger than an EventBridge entry without calling it', async () => {
    const error = await failureOf(
      delivery.deliver(target, anIntegrationEvent({ data: { blob: 'x'.repeat(300 * 1024) } })),
    );

    expect(error).toMatchObject({ retryable: false, errorClass: 'eventbridge-too-large' });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });
});
