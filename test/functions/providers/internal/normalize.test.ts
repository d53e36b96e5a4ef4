import { INTERNAL_OPTIONS, internalProvider } from '#shared/providers/internal/index';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';

/** A body as the publisher writes it. */
const aBody = (body: unknown): WebhookRequest => ({
  method: 'POST',
  url: 'relayflow:domain-events/api',
  path: '/events',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  sourceIp: '',
});

const anEvent = (overrides: Record<string, unknown> = {}) => ({
  type: 'order.paid',
  entity: { kind: 'order', id: 'ord_1' },
  data: { amount: 4200 },
  idempotencyKey: 'order-1-paid',
  ...overrides,
});

const normalize = (body: unknown): NormalizedItem[] =>
  internalProvider.normalize(aBody(body), INTERNAL_OPTIONS);

describe('the internal provider', () => {
  it('reads each settled event into a draft: the type is both types, the key the external id', () => {
    expect(normalize({ events: [anEvent({ occurredAt: '2025-06-01T14:00:00+02:00' })] })).toEqual([
      {
        kind: 'event',
        draft: {
          providerType: 'order.paid',
          externalId: 'order-1-paid',
          type: 'order.paid',
          entity: { kind: 'order', id: 'ord_1' },
          occurredAt: '2025-06-01T12:00:00.000Z',
          data: { amount: 4200 },
        },
      },
    ]);
  });

  it('leaves the entity out for kind "event", so that the event is ordered by itself', () => {
    const [item] = normalize({ events: [anEvent({ entity: { kind: 'event', id: 'x' } })] });

    expect(item).toMatchObject({ kind: 'event' });
    expect(item?.kind === 'event' && item.draft).not.toHaveProperty('entity');
  });

  it('leaves occurredAt out when the producer gave none (the ingest uses the time received)', () => {
    const [item] = normalize({ events: [anEvent()] });

    expect(item?.kind === 'event' && item.draft).not.toHaveProperty('occurredAt');
  });

  it('quarantines an element without a key, keyed by what it could read, and reads the others', () => {
    const items = normalize({
      events: [anEvent({ idempotencyKey: undefined }), anEvent({ idempotencyKey: 'k2' })],
    });

    expect(items[0]).toMatchObject({ kind: 'unreadable', providerType: 'order.paid' });
    expect(items[0]?.kind === 'unreadable' && items[0].reason).toMatch(
      /^Not a domain event: .*idempotencyKey/,
    );
    expect(items[1]).toMatchObject({ kind: 'event', draft: { externalId: 'k2' } });
  });

  it('quarantines a body that is not JSON, or not a list of events', () => {
    expect(normalize('{not json')).toEqual([{ kind: 'unreadable', reason: 'Body is not UTF-8 JSON.' }]);
    expect(normalize(anEvent())).toMatchObject([
      { kind: 'unreadable', reason: 'Body is not { "events": [...] }.' },
    ]);
  });

  it('accepts every request without a secret, and names no header as a signature', () => {
    const verdict = internalProvider.verify({
      request: aBody({ events: [] }),
      secrets: [],
      now: new Date(),
      options: INTERNAL_OPTIONS,
    });

    expect(verdict).toEqual({ ok: true, secretIndex: 0, signature: Buffer.alloc(0) });
    expect(internalProvider.signatureHeaders(INTERNAL_OPTIONS)).toEqual([]);
    expect(internalProvider.identityFromUnsignedHeaders(INTERNAL_OPTIONS)).toBe(false);
  });
});
