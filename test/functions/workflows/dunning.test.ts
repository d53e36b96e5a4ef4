import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SPEC_VERSION, type IntegrationEvent } from '#shared/contract/integration-event';
import type { DomainEventPublisher } from '#shared/producer/contract';
import { stripeOptionsSchema } from '#shared/providers/stripe/index';
import { normalizeStripe } from '#shared/providers/stripe/normalize';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import { dunningAccountKey } from '#shared/workflows/dunning-accounts';
import { createWorkflows } from '#shared/workflows/index';
import { ConsumerHarness } from '../../helpers/consumer-harness';
import { anSqsRecord } from '../../helpers/sqs-events';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const FIXTURES = path.join(__dirname, '../../../functions/providers/stripe/fixtures');
const ROUTES = [
  { match: { provider: 'stripe', type: 'invoice.*' }, targets: [{ kind: 'workflow', name: 'dunning' }] },
];

let h: ConsumerHarness;
let seq = 0;

/**
 * Stripe's documented invoice event, through Stripe's own normalizer, as the canonical event the
 * consumer reads; `customer` and the event id made unique so that tests do not share accounts.
 */
const stripeEvent = (
  fixture: 'invoice.payment_failed' | 'invoice.paid',
  customer: string,
  id = `${fixture}-${++seq}`,
) => {
  const { headers, body } = JSON.parse(readFileSync(path.join(FIXTURES, `${fixture}.json`), 'utf8')) as {
    headers: Record<string, string>;
    body: { id: string; data: { object: Record<string, unknown> } };
  };
  const sent = {
    ...body,
    id: `evt_${id}`,
    data: { ...body.data, object: { ...body.data.object, customer } },
  };
  const [item] = normalizeStripe(
    {
      method: 'POST',
      url: 'https://hooks.example.com/webhooks/stripe',
      path: '/webhooks/stripe',
      rawQueryString: '',
      headers,
      body: Buffer.from(JSON.stringify(sent)),
      sourceIp: '203.0.113.1',
    },
    stripeOptionsSchema.parse({}),
  );
  if (item?.kind !== 'event') throw new Error(`${fixture} does not normalize`);
  const { draft } = item;
  const idempotencyKey = idempotencyKeyOf('default', 'stripe', draft.providerType, draft.externalId);
  const event: IntegrationEvent = {
    specVersion: SPEC_VERSION,
    id: eventIdOf(idempotencyKey),
    idempotencyKey,
    tenant: 'default',
    provider: 'stripe',
    type: draft.type,
    providerType: draft.providerType,
    externalId: draft.externalId,
    entity: draft.entity ?? { kind: 'event', id: 'none' },
    occurredAt: draft.occurredAt ?? new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    correlationId: `corr-dunning-${seq}`,
    data: draft.data,
  };
  return event;
};

const deliver = async (event: IntegrationEvent, publisher?: DomainEventPublisher) => {
  await h.stored(event);
  const consumer = h.consumer(ROUTES, publisher ? { publisher } : {});
  // As SQS would: the message again after each failed attempt, until the event settles.
  for (let receive = 1; receive <= 5; receive += 1) {
    await h.run(consumer, [anSqsRecord(event, { receiveCount: receive })]);
    const status = (await h.store.getState(event.id))?.status;
    if (status !== 'RETRYING' && status !== 'QUEUED') return status;
  }
  return (await h.store.getState(event.id))?.status;
};

const accountOf = async (customer: string) =>
  (
    await h.tables.documentClient.send(
      new GetCommand({ TableName: h.tables.tableName, Key: dunningAccountKey('default', customer) }),
    )
  ).Item;

/** The domain events the flow published, as stored by ingest. */
const emitted = async () =>
  Promise.all(
    [...new Set(h.sentTo('main.fifo'))].map(async (eventId) => (await h.store.getPayload(eventId))?.event),
  );

beforeAll(async () => {
  h = await ConsumerHarness.start();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.reset();
  for (const [name, saga] of createWorkflows({
    documentClient: h.tables.documentClient,
    eventTable: h.tables.tableName,
  }))
    h.workflows.set(name, saga);
});

describe('the dunning workflow', () => {
  it('marks the account past due on a failed payment and requests a reminder', async () => {
    const failed = stripeEvent('invoice.payment_failed', 'cus_late');

    expect(await deliver(failed)).toBe('PROCESSED');

    expect(await accountOf('cus_late')).toMatchObject({
      status: 'past_due',
      invoiceId: 'in_1MoqxGLgUG5tbmjcJeILGSau',
      markedBy: failed.id,
    });
    expect(await emitted()).toEqual([
      expect.objectContaining({
        provider: 'internal',
        type: 'dunning.reminder_requested',
        entity: { kind: 'customer', id: 'cus_late' },
        data: {
          account: 'cus_late',
          invoiceId: 'in_1MoqxGLgUG5tbmjcJeILGSau',
          amountDue: 1000,
          currency: 'usd',
          attempt: 0,
        },
      }),
    ]);
  });

  it('restores the account when the invoice is paid, and says so', async () => {
    await deliver(stripeEvent('invoice.payment_failed', 'cus_pays'));
    const paid = stripeEvent('invoice.paid', 'cus_pays');

    expect(await deliver(paid)).toBe('PROCESSED');

    expect(await accountOf('cus_pays')).toMatchObject({ status: 'current', restoredBy: paid.id });
    expect((await emitted()).map((e) => [e?.type, e?.data])).toEqual([
      ['dunning.reminder_requested', expect.objectContaining({ account: 'cus_pays' })],
      ['dunning.restored', { account: 'cus_pays', invoiceId: 'in_1MoqxGLgUG5tbmjcJeILGSau' }],
    ]);
  });

  it('restores nothing and says nothing for a paid invoice of an account in good standing', async () => {
    expect(await deliver(stripeEvent('invoice.paid', 'cus_good'))).toBe('PROCESSED');

    expect(await accountOf('cus_good')).toBeUndefined();
    expect(await emitted()).toEqual([]);
  });

  it('takes the past-due mark back when the reminder cannot be requested, ending COMPENSATED', async () => {
    const refusing: DomainEventPublisher = {
      publish: (_tenant, events) =>
        Promise.resolve(
          events.map((e, index) => ({
            index,
            idempotencyKey: e.idempotencyKey ?? '',
            outcome: 'rejected' as const,
            error: 'data: too large',
          })),
        ),
    };
    const failed = stripeEvent('invoice.payment_failed', 'cus_unreachable');

    expect(await deliver(failed, refusing)).toBe('COMPENSATED');

    expect(await accountOf('cus_unreachable')).toMatchObject({ status: 'current', unmarkedBy: failed.id });
    const state = await h.store.getState(failed.id);
    expect(state?.audit.filter((a) => a.by === 'consumer').map((a) => a.action)).toEqual([
      'compensating',
      'compensated',
      'compensated',
    ]);
    expect(state?.audit.at(-1)?.detail).toMatch(
      /undone: mark-past-due; attempt 1; after .*request-reminder failed: dunning\.reminder_requested was refused: data: too large$/,
    );
  });

  it('leaves an earlier failure’s mark when a later one for the same account is undone', async () => {
    const first = stripeEvent('invoice.payment_failed', 'cus_twice');
    await deliver(first);
    const refusing: DomainEventPublisher = {
      publish: () => Promise.resolve([{ index: 0, idempotencyKey: 'k', outcome: 'rejected', error: 'no' }]),
    };

    expect(await deliver(stripeEvent('invoice.payment_failed', 'cus_twice'), refusing)).toBe('COMPENSATED');

    expect(await accountOf('cus_twice')).toMatchObject({ status: 'past_due', markedBy: first.id });
  });

  it('refuses for good an event of a type it has no step for', async () => {
    const other = stripeEvent('invoice.paid', 'cus_other');
    const misrouted = { ...other, type: 'payment.succeeded' };

    await h.stored(misrouted);
    await h.run(h.consumer([{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'dunning' }] }]), [
      anSqsRecord(misrouted),
    ]);

    expect((await h.store.getState(misrouted.id))?.lastError).toBe(
      'workflow-rejected: workflow dunning handles invoice.payment_failed, invoice.paid, not payment.succeeded; check the route',
    );
  });
});
