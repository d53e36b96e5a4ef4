import fc from 'fast-check';
import {
  standardWebhooksOptionsSchema,
  standardWebhooksProvider,
} from '#shared/providers/standard-webhooks/index';
import type { StandardWebhooksOptions } from '#shared/providers/standard-webhooks/index';
import type { EventDraft, NormalizedItem, WebhookRequest } from '#shared/providers/types';
import {
  aStandardWebhooksRequest,
  fixtureBody,
  standardWebhooksFixture,
  standardWebhooksFixtures,
  standardWebhooksOptions,
} from '../../../helpers/providers/standard-webhooks';

const normalize = (
  request: WebhookRequest,
  options: StandardWebhooksOptions = standardWebhooksOptions(),
): NormalizedItem[] => standardWebhooksProvider.normalize(request, options);

const onlyDraft = (items: NormalizedItem[]): EventDraft => {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.draft;
};

const delivery = (name: string, headers: Record<string, string> = {}): WebhookRequest => {
  const fixture = standardWebhooksFixture(name);
  return aStandardWebhooksRequest({
    headers: { ...fixture.headers, 'webhook-timestamp': '1674087231', ...headers },
    body: fixtureBody(fixture),
  });
};

describe('standard-webhooks normalize', () => {
  it.each([
    ['example.event', 'example.event', '2022-11-03T20:26:10.344Z'],
    ['contact.created-full', 'contact.created', '2022-11-03T20:26:10.344Z'],
    ['contact.created-thin', 'contact.created', '2022-11-03T20:26:10.344Z'],
    // No type and no timestamp in the payload: the generic type and the delivery time stand in.
    ['test-vector', 'webhook', '2023-01-19T00:13:51.000Z'],
  ])('reads the %s fixture', (name, providerType, occurredAt) => {
    const fixture = standardWebhooksFixture(name);

    const draft = onlyDraft(normalize(delivery(name)));

    expect(draft).toEqual({
      providerType,
      externalId: fixture.headers['webhook-id'],
      type: `standard-webhooks.${providerType}`,
      entity: undefined,
      occurredAt,
      data: JSON.parse(fixtureBody(fixture).toString()) as unknown,
    });
  });

  it('covers every fixture', () => {
    expect(standardWebhooksFixtures()).toHaveLength(4);
  });

  it('maps a payload type to the canonical type the configuration names', () => {
    const options = standardWebhooksOptions({ types: { 'contact.created': 'crm.contact.created' } });

    expect(onlyDraft(normalize(delivery('contact.created-full'), options)).type).toBe('crm.contact.created');
    expect(onlyDraft(normalize(delivery('example.event'), options)).type).toBe(
      'standard-webhooks.example.event',
    );
  });

  it('refuses a configuration mapping to email.* or sms.*, whose data shape a generic sender cannot give', () => {
    expect(
      standardWebhooksOptionsSchema.safeParse({ types: { 'email.delivered': 'email.delivered' } }).success,
    ).toBe(false);
    expect(standardWebhooksOptionsSchema.safeParse({ types: { 'message.sent': 'sms.sent' } }).success).toBe(
      false,
    );
  });

  it('orders by the entity the configuration points at', () => {
    const options = standardWebhooksOptions({ entity: { kind: 'contact', path: 'data.id' } });

    expect(onlyDraft(normalize(delivery('contact.created-full'), options)).entity).toEqual({
      kind: 'contact',
      id: '1f81eb52-5198-4599-803e-771906343485',
    });
  });

  it('leaves the entity out when the configured path is absent or not a scalar', () => {
    expect(
      onlyDraft(
        normalize(
          delivery('example.event'),
          standardWebhooksOptions({ entity: { kind: 'x', path: 'data.id' } }),
        ),
      ).entity,
    ).toBeUndefined();
    expect(
      onlyDraft(
        normalize(
          delivery('example.event'),
          standardWebhooksOptions({ entity: { kind: 'x', path: 'data' } }),
        ),
      ).entity,
    ).toBeUndefined();
  });

  it('does not follow inherited properties along the entity path', () => {
    const options = standardWebhooksOptions({ entity: { kind: 'x', path: 'data.constructor.name' } });

    expect(onlyDraft(normalize(delivery('example.event'), options)).entity).toBeUndefined();
  });

  it('treats a delivery without webhook-id as unreadable', () => {
    expect(normalize(aStandardWebhooksRequest())).toEqual([expect.objectContaining({ kind: 'unreadable' })]);
  });

  it.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[{"type":"a"}]'],
    ['JSON null', 'null'],
  ])('returns one unreadable item, keeping the id, for a body that is %s', (_case, body) => {
    const request = aStandardWebhooksRequest({ headers: { 'webhook-id': 'msg_1' }, body: Buffer.from(body) });

    expect(normalize(request)).toEqual([
      expect.objectContaining({ kind: 'unreadable', externalId: 'msg_1' }),
    ]);
  });

  it('never throws for arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.json().map((j) => Buffer.from(j)),
        ),
        fc.string({ maxLength: 20 }),
        (body, timestamp) => {
          expect(
            normalize(
              aStandardWebhooksRequest({
                headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': timestamp },
                body,
              }),
            ),
          ).toHaveLength(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
