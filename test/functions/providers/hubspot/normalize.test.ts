import fc from 'fast-check';
import { EntitySchema } from '#shared/contract/integration-event';
import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import type { NormalizedItem } from '#shared/providers/types';
import { aHubspotFixtureRequest, aHubspotRequest, hubspotFixture } from '../../../helpers/providers/hubspot';

const options = hubspotOptionsSchema.parse({});
const normalize = (body: string | Buffer): NormalizedItem[] =>
  hubspotProvider.normalize(aHubspotRequest({ body: Buffer.from(body) }), options);

/** The draft fields a fixture's elements must produce, in batch order. */
const summary = (items: NormalizedItem[]) =>
  items.map((item) =>
    item.kind === 'event'
      ? [
          item.draft.externalId,
          item.draft.providerType,
          item.draft.type,
          item.draft.entity,
          item.draft.occurredAt,
        ]
      : item,
  );

describe('HubSpot normalize', () => {
  it.each([
    [
      'contact-batch',
      [
        [
          '3816279340',
          'contact.propertyChange',
          'crm.contact.property_changed',
          { kind: 'contact', id: '1246965' },
          '2016-05-02T19:11:47.945Z',
        ],
        [
          '3816279480',
          'contact.creation',
          'crm.contact.created',
          { kind: 'contact', id: '1246978' },
          '2016-05-02T19:11:47.945Z',
        ],
      ],
    ],
    [
      'contact-batch-event-type',
      [
        [
          '3816279340',
          'contact.propertyChange',
          'crm.contact.property_changed',
          { kind: 'contact', id: '1246965' },
          '2016-05-02T19:11:47.945Z',
        ],
        [
          '3816279480',
          'contact.creation',
          'crm.contact.created',
          { kind: 'contact', id: '1246978' },
          '2016-05-02T19:11:47.945Z',
        ],
      ],
    ],
    [
      'company-events',
      [
        [
          '3816281001',
          'company.creation',
          'crm.company.created',
          { kind: 'company', id: '5780212' },
          '2016-05-02T19:11:47.945Z',
        ],
        [
          '3816281002',
          'company.propertyChange',
          'crm.company.property_changed',
          { kind: 'company', id: '5780212' },
          '2016-05-02T19:11:48.945Z',
        ],
        [
          '3816281003',
          'company.deletion',
          'crm.company.deleted',
          { kind: 'company', id: '5780299' },
          '2016-05-02T19:11:49.945Z',
        ],
        [
          '3816281004',
          'company.merge',
          'crm.company.updated',
          { kind: 'company', id: '5780212' },
          '2016-05-02T19:11:50.945Z',
        ],
      ],
    ],
    [
      'deal-events',
      [
        [
          '3816282001',
          'deal.creation',
          'crm.deal.created',
          { kind: 'deal', id: '9120044' },
          '2016-05-02T19:11:47.945Z',
        ],
        [
          '3816282002',
          'deal.propertyChange',
          'crm.deal.property_changed',
          { kind: 'deal', id: '9120044' },
          '2016-05-02T19:11:48.945Z',
        ],
        [
          '3816282003',
          'deal.associationChange',
          'crm.deal.updated',
          { kind: 'deal', id: '9120044' },
          '2016-05-02T19:11:49.945Z',
        ],
        [
          '3816282004',
          'deal.deletion',
          'crm.deal.deleted',
          { kind: 'deal', id: '9120044' },
          '2016-05-02T19:11:50.945Z',
        ],
      ],
    ],
    [
      'contact-deletion-restore-privacy',
      [
        [
          '3816283001',
          'contact.deletion',
          'crm.contact.deleted',
          { kind: 'contact', id: '1246978' },
          '2016-05-02T19:11:47.945Z',
        ],
        [
          '3816283002',
          'contact.restore',
          'crm.contact.updated',
          { kind: 'contact', id: '1246978' },
          '2016-05-02T19:11:48.945Z',
        ],
        [
          '3816283003',
          'contact.privacyDeletion',
          'hubspot.contact.privacyDeletion',
          { kind: 'contact', id: '1246978' },
          '2016-05-02T19:11:49.945Z',
        ],
      ],
    ],
    [
      'generic-object-events',
      [
        [
          '3816284001',
          'object.creation',
          'crm.deal.created',
          { kind: 'deal', id: '9120045' },
          '2016-05-02T19:11:47.945Z',
        ],
        [
          '3816284002',
          'object.propertyChange',
          'hubspot.object.propertyChange',
          undefined,
          '2016-05-02T19:11:48.945Z',
        ],
      ],
    ],
  ])('reads every element of the %s fixture as its own event', (name, expected) => {
    const items = hubspotProvider.normalize(aHubspotFixtureRequest(name), options);

    expect(summary(items)).toEqual(expected);
  });

  it('keeps each element as the event data, with valid entities', () => {
    const fixture = hubspotFixture('deal-events');

    const items = hubspotProvider.normalize(aHubspotFixtureRequest('deal-events'), options);

    expect(items.map((item) => item.kind === 'event' && item.draft.data)).toEqual(fixture.body);
    expect(
      items.every((item) => item.kind === 'event' && EntitySchema.safeParse(item.draft.entity).success),
    ).toBe(true);
  });

  it('returns no item for an empty batch', () => {
    expect(normalize('[]')).toEqual([]);
  });

  it.each([
    ['not JSON', 'eventId=1'],
    ['a JSON object', '{"eventId":1,"subscriptionType":"contact.creation"}'],
    ['truncated JSON', '[{"eventId":1,'],
  ])('marks a body that is %s as one unreadable item', (_name, body) => {
    expect(normalize(body)).toEqual([
      { kind: 'unreadable', reason: 'The body is not a JSON array of HubSpot events.' },
    ]);
  });

  it('quarantines an element that does not match the schema while the others proceed', () => {
    const body = JSON.stringify([
      { eventId: 10, subscriptionType: 'contact.creation', objectId: 1, occurredAt: 1 },
      { eventId: 11, subscriptionType: 'deal.creation', objectId: { id: 2 }, occurredAt: 1 },
      { subscriptionType: 'deal.deletion', objectId: 3 },
      'not an event',
      { eventId: 12, objectId: 4 },
    ]);

    const items = normalize(body);

    expect(
      items.map((item) =>
        item.kind === 'event' ? item.draft.externalId : [item.externalId, item.providerType],
      ),
    ).toEqual([
      '10',
      ['11', 'deal.creation'],
      [undefined, 'deal.deletion'],
      [undefined, undefined],
      ['12', undefined],
    ]);
  });

  it('orders an association change by the object it was made from', () => {
    const [item] = normalize(
      JSON.stringify([
        {
          eventId: 5,
          subscriptionType: 'company.associationChange',
          fromObjectId: 77,
          toObjectId: 88,
          occurredAt: 0,
        },
      ]),
    );

    expect(item).toMatchObject({
      kind: 'event',
      draft: { type: 'crm.company.updated', entity: { kind: 'company', id: '77' } },
    });
  });

  it('leaves unmapped objects without an entity and prefixes their type', () => {
    const [item] = normalize(
      JSON.stringify([{ eventId: 6, subscriptionType: 'ticket.creation', objectId: 9, occurredAt: 0 }]),
    );

    const draft = item?.kind === 'event' ? item.draft : undefined;
    expect([draft?.type, draft?.externalId, draft && 'entity' in draft]).toEqual([
      'hubspot.ticket.creation',
      '6',
      false,
    ]);
  });

  it('never throws for arbitrary JSON or bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc
            .array(
              fc.record({
                eventId: fc.oneof(fc.nat(), fc.string()),
                subscriptionType: fc.string(),
                occurredAt: fc.double(),
              }),
            )
            .map((value) => JSON.stringify(value)),
        ),
        (json) => {
          expect(Array.isArray(normalize(json))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
