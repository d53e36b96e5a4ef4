import { createHmac } from 'node:crypto';
import { createGenericHmacProvider } from '#shared/providers/generic-hmac/index';
import type { GenericHmacOptions } from '#shared/providers/generic-hmac/index';
import type { WebhookRequest } from '#shared/providers/types';
import { aGenericRequest, genericOptions } from '../../../helpers/providers/generic-hmac';

const SECRET = 'acme-signing-secret';
const NOW = new Date('2026-03-01T12:00:00.000Z');

const signatureOf = async (request: WebhookRequest, options: GenericHmacOptions): Promise<Buffer> => {
  const result = await createGenericHmacProvider('acme', options).verify({
    request,
    secrets: ['retired', SECRET],
    now: NOW,
    options,
  });
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

const signed = (body: Buffer, header: string): WebhookRequest =>
  aGenericRequest({ body, headers: { 'x-event-id': 'evt_1', 'x-signature': header } });

describe('generic HMAC provider contract', () => {
  it('returns the raw digest, the same bytes whether the sender encodes it as hex or base64', async () => {
    const body = Buffer.from('{"type":"invoice.paid"}');
    const digest = createHmac('sha256', SECRET).update(body).digest();

    const [hex, base64] = await Promise.all([
      signatureOf(signed(body, digest.toString('hex')), genericOptions({ encoding: 'hex' })),
      signatureOf(signed(body, digest.toString('base64')), genericOptions({ encoding: 'base64' })),
    ]);

    expect([hex.equals(digest), base64.equals(digest)]).toEqual([true, true]);
  });

  it('gives different signature bytes for different bodies', async () => {
    const first = Buffer.from('{"type":"invoice.paid"}');
    const second = Buffer.from('{"type":"invoice.voided"}');
    const hex = (body: Buffer) => createHmac('sha256', SECRET).update(body).digest('hex');

    const [a, b] = await Promise.all([
      signatureOf(signed(first, hex(first)), genericOptions()),
      signatureOf(signed(second, hex(second)), genericOptions()),
    ]);

    expect(a.equals(b)).toBe(false);
  });
});
