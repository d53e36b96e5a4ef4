import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SPEC_VERSION, type IntegrationEvent } from '#shared/contract/integration-event';
import type { EventPayload } from '#shared/store/event-store';
import { eventIdOf, groupIdOf, idempotencyKeyOf, type EventState } from '#shared/store/records';

let counter = 0;

/** A canonical event; `externalId` makes it a distinct event, everything else is overridable. */
export const anIntegrationEvent = (overrides: Partial<IntegrationEvent> = {}): IntegrationEvent => {
  counter += 1;
  const tenant = overrides.tenant ?? 'default';
  const provider = overrides.provider ?? 'stripe';
  const providerType = overrides.providerType ?? 'payment_intent.succeeded';
  const externalId = overrides.externalId ?? `evt_${Date.now()}_${counter}`;
  const idempotencyKey = idempotencyKeyOf(tenant, provider, providerType, externalId);
  return {
    specVersion: SPEC_VERSION,
    id: eventIdOf(idempotencyKey),
    idempotencyKey,
    tenant,
    provider,
    type: 'payment.succeeded',
    providerType,
    externalId,
    entity: { kind: 'customer', id: 'cus_1' },
    occurredAt: '2025-06-01T12:00:00.000Z',
    receivedAt: new Date(Date.now() - 250).toISOString(),
    correlationId: `corr-${counter}-abcdefgh`,
    data: { amount: 1000 },
    ...overrides,
  };
};

/** The state and payload items ingest would have written for `event`, status QUEUED. */
export const aStoredEvent = (
  event: IntegrationEvent,
  state: Partial<EventState> = {},
): { state: EventState; payload: EventPayload } => ({
  state: {
    eventId: event.id,
    idempotencyKey: event.idempotencyKey,
    tenant: event.tenant,
    provider: event.provider,
    type: event.type,
    providerType: event.providerType,
    externalId: event.externalId,
    entityKind: event.entity.kind,
    entityId: event.entity.id,
    groupId: groupIdOf(event.tenant, event.provider, event.entity, event.id),
    occurredAt: event.occurredAt,
    receivedAt: event.receivedAt,
    correlationId: event.correlationId,
    status: 'QUEUED',
    statusAt: event.receivedAt,
    secretIndex: 0,
    sends: 1,
    audit: [
      {
        at: event.receivedAt,
        action: 'accepted',
        by: 'ingest',
        status: 'RECEIVED',
        correlationId: event.correlationId,
      },
      {
        at: event.receivedAt,
        action: 'enqueued',
        by: 'ingest',
        status: 'QUEUED',
        correlationId: event.correlationId,
      },
    ],
    ...state,
  },
  payload: {
    eventId: event.id,
    event,
    request: {
      method: 'POST',
      url: 'https://api.example.com/webhooks/stripe',
      path: '/webhooks/stripe',
      rawQueryString: '',
      headers: {},
      sourceIp: '203.0.113.9',
    },
    raw: { kind: 'inline' },
    rawBody: Buffer.from(JSON.stringify(event.data)),
  },
});

let messages = 0;

/** An SQS record as the FIFO event source mapping delivers it: a claim check for `event`. */
export const anSqsRecord = (
  event: Pick<IntegrationEvent, 'id' | 'correlationId' | 'tenant' | 'provider' | 'entity'>,
  options: { receiveCount?: number; groupId?: string; body?: string } = {},
): SQSRecord => {
  messages += 1;
  return {
    messageId: `msg-${messages}`,
    receiptHandle: `receipt-${messages}`,
    body: options.body ?? JSON.stringify({ v: 1, eventId: event.id, correlationId: event.correlationId }),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      SequenceNumber: String(10_000 + messages),
      MessageGroupId: options.groupId ?? groupIdOf(event.tenant, event.provider, event.entity, event.id),
      MessageDeduplicationId: event.id,
    },
    messageAttributes: { correlationId: { dataType: 'String', stringValue: event.correlationId } },
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:main.fifo',
    awsRegion: 'us-east-1',
  };
};

export const anSqsBatch = (records: SQSRecord[]): SQSEvent => ({ Records: records });
