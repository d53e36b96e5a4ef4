import { scheduleTickKey, type ScheduleTick } from '#shared/producer/contract';
import {
  EventSourceInvocationSchema,
  publicationOfEventBridge,
  publicationOfTick,
  typeOfDetailType,
  type EventSourceInvocation,
} from '#shared/producer/sources';

const aDelivery = (
  detail: Record<string, unknown>,
  source: Partial<EventSourceInvocation['relayflowEventSource']> = {},
): EventSourceInvocation =>
  EventSourceInvocationSchema.parse({
    relayflowEventSource: { bus: 'orders', ...source },
    event: {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'Order Placed',
      source: 'com.example.shop',
      account: '123456789012',
      time: '2025-06-01T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    },
  });

describe('an EventBridge event as a domain event', () => {
  it('takes a detail with entity and data as the event itself, the rest from the envelope', () => {
    const publication = publicationOfEventBridge(
      aDelivery(
        { entity: { kind: 'order', id: 'o-1' }, data: { total: 12 }, ignored: true },
        { tenant: 'acme' },
      ),
    );

    expect(publication).toEqual({
      tenant: 'acme',
      origin: { kind: 'eventbridge', bus: 'orders', eventBridgeId: '7bf73129-1428-4cd3-a780-95db273d1602' },
      events: [
        {
          type: 'Order_Placed',
          entity: { kind: 'order', id: 'o-1' },
          data: { total: 12 },
          idempotencyKey: '7bf73129-1428-4cd3-a780-95db273d1602',
          occurredAt: '2025-06-01T12:00:00Z',
        },
      ],
    });
  });

  it("lets the envelope's type, key and occurredAt win", () => {
    const [event] = publicationOfEventBridge(
      aDelivery({
        type: 'order.placed',
        entity: { kind: 'order', id: 'o-1' },
        data: {},
        idempotencyKey: 'order-o-1-placed',
        occurredAt: '2025-06-01T11:59:00Z',
      }),
    ).events;

    expect(event).toMatchObject({
      type: 'order.placed',
      idempotencyKey: 'order-o-1-placed',
      occurredAt: '2025-06-01T11:59:00Z',
    });
  });

  it('takes any other detail as the data, the entity from the configured path', () => {
    const delivery = aDelivery({ orderId: 'o-9', total: 3 }, { entity: { kind: 'order', path: 'orderId' } });

    expect(publicationOfEventBridge(delivery).events).toEqual([
      {
        type: 'Order_Placed',
        entity: { kind: 'order', id: 'o-9' },
        data: { orderId: 'o-9', total: 3 },
        idempotencyKey: delivery.event.id,
        occurredAt: '2025-06-01T12:00:00Z',
      },
    ]);
  });

  it('orders a detail without its entity by itself, in the default tenant', () => {
    const publication = publicationOfEventBridge(
      aDelivery({ total: 3 }, { entity: { kind: 'order', path: 'orderId' } }),
    );

    expect(publication.tenant).toBe('default');
    expect(publication.events[0]).toMatchObject({
      entity: { kind: 'event', id: '7bf73129-1428-4cd3-a780-95db273d1602' },
    });
  });

  it.each([
    ['Order Placed', 'Order_Placed'],
    ['EC2 Instance State-change Notification', 'EC2_Instance_State-change_Notification'],
    ['invoice.paid', 'invoice.paid'],
    ['a  /  b', 'a_b'],
  ])('writes the detail-type %j as the type %j', (detailType, type) => {
    expect(typeOfDetailType(detailType)).toBe(type);
  });
});

describe('a schedule tick as a domain event', () => {
  const tick: ScheduleTick = {
    relayflowSchedule: {
      name: 'nightly-report',
      scheduledTime: '2025-06-01T02:00:00Z',
      type: 'report.due',
      tenant: 'acme',
      data: { format: 'pdf' },
    },
  };

  it('is keyed by the schedule and its time, ordered per schedule, with the time in its data', () => {
    expect(publicationOfTick(tick)).toEqual({
      tenant: 'acme',
      origin: { kind: 'schedule', schedule: 'nightly-report', scheduledTime: '2025-06-01T02:00:00Z' },
      events: [
        {
          type: 'report.due',
          entity: { kind: 'schedule', id: 'nightly-report' },
          data: { format: 'pdf', scheduledTime: '2025-06-01T02:00:00Z' },
          idempotencyKey: scheduleTickKey('nightly-report', '2025-06-01T02:00:00Z'),
          occurredAt: '2025-06-01T02:00:00Z',
        },
      ],
    });
  });

  it('belongs to the default tenant when the schedule names none', () => {
    const { tenant: _tenant, ...untenanted } = tick.relayflowSchedule;

    expect(publicationOfTick({ relayflowSchedule: untenanted }).tenant).toBe('default');
  });
});
