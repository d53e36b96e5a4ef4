import fc from 'fast-check';
import { eventIdOf, idempotencyKeyOf, RECEIVED_SHARDS, receivedShardOf } from '#shared/store/records';

describe('idempotencyKeyOf', () => {
  it('keeps a literal %23 apart from an escaped #', () => {
    expect(idempotencyKeyOf('t', 'p', 'type', 'a#b')).not.toBe(idempotencyKeyOf('t', 'p', 'type', 'a%23b'));
    expect(eventIdOf(idempotencyKeyOf('t', 'p', 'type', 'a#b'))).not.toBe(
      eventIdOf(idempotencyKeyOf('t', 'p', 'type', 'a%23b')),
    );
  });

  it('gives different parts different keys, whatever # and % they hold', () => {
    const part = fc.string({ unit: fc.constantFrom('a', '#', '%', '2', '3', '5') });
    fc.assert(
      fc.property(fc.tuple(part, part, part, part), fc.tuple(part, part, part, part), (left, right) => {
        fc.pre(left.join('\u0000') !== right.join('\u0000'));
        expect(idempotencyKeyOf(...left)).not.toBe(idempotencyKeyOf(...right));
      }),
    );
  });
});

describe('receivedShardOf', () => {
  it('spreads event ids evenly over the byReceived shards', () => {
    const counts = new Array<number>(RECEIVED_SHARDS).fill(0);
    for (let i = 0; i < 16_000; i += 1) {
      const shard = receivedShardOf(
        eventIdOf(idempotencyKeyOf('default', 'stripe', 'invoice.paid', `evt_${i}`)),
      );
      counts[shard] = (counts[shard] ?? 0) + 1;
    }

    // 1,000 expected per shard; a binomial spread stays within ±15% far beyond chance.
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});
