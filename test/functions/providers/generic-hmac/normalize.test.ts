import fc from 'fast-check';
import { createGenericHmacProvider } from '#shared/providers/generic-hmac/index';
import type { GenericHmacOptionsInput } from '#shared/providers/generic-hmac/index';
import { getJsonPath } from '#shared/providers/generic-hmac/json-path';
import type { NormalizedItem } from '#shared/providers/types';
import { aGenericRequest, genericOptions } from '../../../helpers/providers/generic-hmac';

const normalize = (
  body: unknown,
  input: Partial<GenericHmacOptionsInput> = {},
  headers: Record<string, string> = { 'x-event-id': 'evt_1' },
): NormalizedItem[] => {
  const options = genericOptions(input);
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return createGenericHmacProvider('acme', options).normalize(
    aGenericRequest({ body: raw, headers }),
    options,
  );
};

describe('generic HMAC normalize', () => {
  it('reads the id from a header and the type from the body, prefixed with the provider id', () => {
    const body = { type: 'invoice.paid', data: { id: 'inv_1' } };

    const items = normalize(body);

    expect(items).toEqual([
      {
        kind: 'event',
        draft: { externalId: 'evt_1', providerType: 'invoice.paid', type: 'acme.invoice.paid', data: body },
      },
    ]);
  });

  it('reads the id, type, entity and time from JSON paths through arrays', () => {
    const body = {
      event: { id: 42, kind: 'order.created', at: 1767225600 },
      items: [{ order: { id: 'ord_9' } }],
    };

    const [item] = normalize(body, {
      id: { jsonPath: 'event.id' },
      type: { jsonPath: 'event.kind' },
      entity: { kind: 'order', jsonPath: 'items.0.order.id' },
      occurredAt: { jsonPath: 'event.at' },
    });

    expect(item).toEqual({
      kind: 'event',
      draft: {
        externalId: '42',
        providerType: 'order.created',
        type: 'acme.order.created',
        entity: { kind: 'order', id: 'ord_9' },
        occurredAt: '2026-01-01T00:00:00.000Z',
        data: body,
      },
    });
  });

  it.each([
    ['milliseconds', 1767225600123, '2026-01-01T00:00:00.123Z'],
    ['seconds', '2026-01-01T01:00:00+01:00', '2026-01-01T00:00:00.000Z'],
  ] as const)('reads an event time in %s or as an ISO string', (unit, at, expected) => {
    const [item] = normalize({ type: 'a', at }, { occurredAt: { jsonPath: 'at', unit } });

    expect(item).toMatchObject({ kind: 'event', draft: { occurredAt: expected } });
  });

  it('takes a fixed type and a type header', () => {
    const fixed = normalize({ id: 'a' }, { type: { value: 'ping' } });
    const fromHeader = normalize(
      { id: 'a' },
      { type: { header: 'X-Event-Type' } },
      { 'x-event-id': 'evt_1', 'x-event-type': 'pong' },
    );

    expect([fixed[0], fromHeader[0]]).toMatchObject([
      { draft: { type: 'acme.ping' } },
      { draft: { type: 'acme.pong' } },
    ]);
  });

  it('leaves out an entity and a time the payload lacks or cannot give', () => {
    const [item] = normalize(
      { type: 'a', at: 'not a date', customer: { id: {} } },
      { entity: { kind: 'customer', jsonPath: 'customer.id' }, occurredAt: { jsonPath: 'at' } },
    );

    const draft = item?.kind === 'event' ? item.draft : undefined;
    expect([draft?.externalId, draft && 'entity' in draft, draft && 'occurredAt' in draft]).toEqual([
      'evt_1',
      false,
      false,
    ]);
  });

  it('marks an event without an id unreadable, keeping its type and payload', () => {
    const body = { type: 'invoice.paid' };

    const items = normalize(body, {}, {});

    expect(items).toEqual([
      {
        kind: 'unreadable',
        reason: 'The event id is missing or not a string or number.',
        providerType: 'invoice.paid',
        data: body,
      },
    ]);
  });

  it('marks an event without a type unreadable, keeping its id', () => {
    const items = normalize({ type: ['a'] });

    expect(items).toEqual([
      {
        kind: 'unreadable',
        reason: 'The event type is missing or not a string or number.',
        externalId: 'evt_1',
        data: { type: ['a'] },
      },
    ]);
  });

  it.each([
    ['not JSON', Buffer.from('type=a')],
    ['a JSON array', Buffer.from('[{"type":"a"}]')],
    ['JSON null', Buffer.from('null')],
    ['not UTF-8', Buffer.from([0xff, 0xfe])],
  ])('marks a body that is %s unreadable', (_name, body) => {
    expect(normalize(body)).toEqual([{ kind: 'unreadable', reason: 'The body is not a JSON object.' }]);
  });

  it('keeps a __proto__ key as data and never walks the prototype', () => {
    const raw = Buffer.from('{"type":"a","__proto__":{"polluted":"yes"}}');

    const [item] = normalize(raw, { entity: { kind: 'customer', jsonPath: 'toString' } });

    expect([item?.kind === 'event' && item.draft.entity, ({} as Record<string, unknown>).polluted]).toEqual([
      undefined,
      undefined,
    ]);
    expect(item?.kind === 'event' && Object.hasOwn(item.draft.data, '__proto__')).toBe(true);
  });

  it('never throws for arbitrary bodies', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string().map((text) => JSON.stringify({ type: text })),
        ),
        (json) => {
          const items = normalize(Buffer.from(json), {
            entity: { kind: 'customer', jsonPath: 'a.0.b' },
            occurredAt: { jsonPath: 'type' },
          });

          expect(items).toHaveLength(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('getJsonPath', () => {
  it.each([
    ['a.b', { a: { b: 1 } }, 1],
    ['items.1', { items: ['x', 'y'] }, 'y'],
    ['items.01', { items: ['x', 'y'] }, undefined],
    ['items.length', { items: ['x'] }, undefined],
    ['a.toString', { a: {} }, undefined],
    ['a.constructor', { a: { constructor: 'own' } }, undefined],
    ['a..b', { a: { b: 1 } }, undefined],
    ['a.b.c', { a: { b: 'text' } }, undefined],
  ])('reads %s from own properties only', (path, root, expected) => {
    expect(getJsonPath(root, path)).toEqual(expected);
  });
});
