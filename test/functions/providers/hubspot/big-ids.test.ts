import fc from 'fast-check';
import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import type { NormalizedItem } from '#shared/providers/types';
import { aHubspotRequest } from '../../../helpers/providers/hubspot';

const options = hubspotOptionsSchema.parse({});
const normalize = (body: string): NormalizedItem[] =>
  hubspotProvider.normalize(aHubspotRequest({ body: Buffer.from(body) }), options);

/** 2^53 + 1: the first integer a double cannot hold; JSON.parse reads it as 9007199254740992. */
const BEYOND_DOUBLE = '9007199254740993';

describe('HubSpot ids beyond 2^53', () => {
  it('keeps every digit of an eventId and objectId above 2^53 in the externalId and the entity id', () => {
    const [item] = normalize(
      `[{"eventId":${BEYOND_DOUBLE},"subscriptionType":"contact.creation","objectId":18446744073709551615,"portalId":62515,"occurredAt":1772366400000}]`,
    );

    expect(item).toMatchObject({
      kind: 'event',
      draft: { externalId: BEYOND_DOUBLE, entity: { kind: 'contact', id: '18446744073709551615' } },
    });
  });

  it('keeps long ids exact in the data too, in arrays and nested objects, and leaves small numbers as numbers', () => {
    const [item] = normalize(
      `[{"eventId":1,"subscriptionType":"contact.merge","objectId":12,"primaryObjectId":${BEYOND_DOUBLE},"mergedObjectIds":[7, ${BEYOND_DOUBLE}],"portalId":62515,"nested":{"appId":${BEYOND_DOUBLE}},"occurredAt":1772366400000}]`,
    );

    expect(item?.kind === 'event' && item.draft.data).toMatchObject({
      eventId: 1,
      primaryObjectId: BEYOND_DOUBLE,
      mergedObjectIds: [7, BEYOND_DOUBLE],
      portalId: 62515,
      nested: { appId: BEYOND_DOUBLE },
    });
    expect(item).toMatchObject({ draft: { entity: { id: '12' } } });
  });

  it('finds a long integer however deep it sits, negative ones too', () => {
    const [item] = normalize(
      `[{"eventId":1,"subscriptionType":"contact.creation","objectId":2,"deep":[[{"ids":[3,-${BEYOND_DOUBLE}]}]],"occurredAt":1772366400000}]`,
    );

    expect(item?.kind === 'event' && item.draft.data).toMatchObject({
      deep: [[{ ids: [3, `-${BEYOND_DOUBLE}`] }]],
    });
  });

  it('reads an unreadable element’s long eventId exactly', () => {
    const [item] = normalize(`[{"eventId":${BEYOND_DOUBLE},"occurredAt":"yesterday"}]`);

    expect(item).toMatchObject({ kind: 'unreadable', externalId: BEYOND_DOUBLE });
  });

  it('never touches digits inside strings, escaped quotes included, nor decimals and exponents', () => {
    const body = `[{"eventId":1,"subscriptionType":"contact.creation","objectId":2,"propertyValue":"say \\"${BEYOND_DOUBLE}\\" twice: ${BEYOND_DOUBLE}","score":12345678901234567890.5,"big":1e400,"occurredAt":1772366400000}]`;

    const [item] = normalize(body);

    expect([item?.kind === 'event' && item.draft.data]).toEqual(JSON.parse(body));
  });

  it('does not turn a body with a long integer as an object key into valid JSON', () => {
    expect(normalize(`[{${BEYOND_DOUBLE}:1}]`)).toEqual([
      { kind: 'unreadable', reason: expect.any(String) as unknown },
    ]);
  });

  it('reads any body exactly as JSON.parse does when no integer exceeds 2^53', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            eventId: fc.nat(),
            subscriptionType: fc.constantFrom('contact.creation', 'deal.deletion'),
            note: fc.string(),
            occurredAt: fc.nat({ max: 2e12 }),
          }),
        ),
        (events) => {
          const body = JSON.stringify(events);

          expect(normalize(body).map((item) => (item.kind === 'event' ? item.draft.data : item))).toEqual(
            JSON.parse(body),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
