import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PublishedEvent } from '#shared/producer/contract';
import { publishAnswer, readProducerBody, statusOf } from '#shared/producer/http';
import { readDomainEvent } from '#shared/producer/publisher';

const FIXTURES = join(__dirname, '../../../functions/providers/internal/fixtures');
const fixtureBody = (name: string) =>
  Buffer.from(
    JSON.stringify(
      (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as { body: unknown }).body,
    ),
  );
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const an = (outcome: PublishedEvent['outcome']): PublishedEvent => ({
  index: 0,
  idempotencyKey: 'k',
  outcome,
});

describe('the producer API body', () => {
  it('is one event (an object), or a batch under "events"', () => {
    expect(readProducerBody(json({ type: 'a' }))).toEqual({ ok: true, items: [{ type: 'a' }] });
    expect(readProducerBody(json({ events: [{ type: 'a' }, 7] }))).toEqual({
      ok: true,
      items: [{ type: 'a' }, 7],
    });
  });

  it.each([
    ['not JSON', Buffer.from('{"type":'), 'The body is not UTF-8 JSON.'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'The body is not UTF-8 JSON.'],
    ['a list', json([{ type: 'a' }]), 'Expected one domain event, or { "events": [ ... ] }.'],
    ['a string', json('order.paid'), 'Expected one domain event, or { "events": [ ... ] }.'],
    [
      'events that are not a list',
      json({ events: { type: 'a' } }),
      '"events" must be a list of domain events.',
    ],
    ['an empty batch', json({ events: [] }), '"events" is empty.'],
  ])('is not events at all when it is %s', (_name, body, message) => {
    expect(readProducerBody(body)).toEqual({ ok: false, message });
  });

  it("reads the internal provider's fixtures: every event of them but one valid, as documented", () => {
    const single = readProducerBody(fixtureBody('order-paid'));
    const batch = readProducerBody(fixtureBody('batch'));

    expect(single.ok && single.items.map((item) => 'event' in readDomainEvent(item))).toEqual([true]);
    expect(batch.ok && batch.items.map((item) => 'event' in readDomainEvent(item))).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('the status of a publish', () => {
  it.each([
    [[an('accepted'), an('duplicate')], 202],
    [[an('requeued')], 202],
    [[an('accepted'), an('rejected')], 202],
    [[an('duplicate'), an('rejected')], 200],
    [[an('duplicate')], 200],
    [[an('rejected'), an('rejected')], 400],
    [[an('accepted'), an('in-progress')], 503],
    [[an('deferred')], 503],
  ] as const)('of %j is %i', (events, status) => {
    expect(statusOf(events)).toBe(status);
  });

  it('is answered with the correlation id and every event, in order', () => {
    const events = [an('accepted'), { ...an('rejected'), index: 1, error: 'type: …' }];

    const answer = publishAnswer(events, 'c-1');

    expect(answer).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'c-1' },
      body: JSON.stringify({ correlationId: 'c-1', events }),
    });
  });
});
