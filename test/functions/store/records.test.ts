import fc from 'fast-check';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';

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
