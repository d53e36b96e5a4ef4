import fc from 'fast-check';
import { correlationIdFrom, receivedAtOf, uuidV7 } from '#shared/contract/correlation-id';

const instants = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});

describe('correlation ids carry the instant their request was received (decision 0045)', () => {
  it('mints RFC 9562 version 7 UUIDs whose first 48 bits are the millisecond', () => {
    const at = new Date('2026-12-06T20:30:00.123Z');

    const id = uuidV7(at);

    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at.getTime());
  });

  it('reads the instant back from every id it mints, with or without a caller’s prefix', () => {
    fc.assert(
      fc.property(instants, fc.option(fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/)), (at, offered) => {
        const id = correlationIdFrom(offered === null ? {} : { 'x-correlation-id': offered }, at);
        expect(receivedAtOf(id)?.getTime()).toBe(at.getTime());
      }),
    );
  });

  it('keeps a well-formed caller id as the prefix and never returns it bare', () => {
    const id = correlationIdFrom({ 'x-correlation-id': 'order-12345678' }, new Date(0x0194_0000_0000));

    expect(id).toMatch(/^order-12345678\.019400000000[0-9a-f]{8}$/);
  });

  it('replaces a caller id that is too short, too long or holds other characters', () => {
    for (const offered of ['short', 'x'.repeat(129), 'has spaces in it', 'quote"inside1']) {
      expect(correlationIdFrom({ 'x-correlation-id': offered }, new Date())).toMatch(/^[0-9a-f]{8}-/);
    }
  });

  it('two requests in one millisecond still get distinct ids', () => {
    const at = new Date();
    const ids = new Set(Array.from({ length: 1000 }, () => correlationIdFrom({}, at)));

    expect(ids.size).toBe(1000);
  });

  it('finds no instant in an id it did not mint', () => {
    for (const id of ['6f1c1f5e-9c1b-4c1a-8f1e-2b7d9e0a1b2c', 'corr-1', 'delivery-7.abc', '']) {
      expect(receivedAtOf(id)).toBeUndefined();
    }
  });
});
