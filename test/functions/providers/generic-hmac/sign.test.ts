import { createGenericHmacProvider } from '#shared/providers/generic-hmac/index';
import { createGenericHmacSigner } from '#shared/providers/generic-hmac/sign';
import { aGenericRequest, genericOptions } from '../../../helpers/providers/generic-hmac';

describe('generic HMAC signer', () => {
  it('produces headers that the verifier accepts', async () => {
    const options = genericOptions({
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'v1=',
      timestamp: {
        header: 'X-Acme-Timestamp',
        signedContent: '{id}|{timestamp}|{body}',
        unit: 'milliseconds',
      },
    });
    const now = new Date('2026-03-01T12:00:00.000Z');
    const unsigned = aGenericRequest({ headers: { 'X-Event-Id': 'evt_7' } });

    const added = createGenericHmacSigner(options)(
      { url: unsigned.url, headers: { 'X-Event-Id': 'evt_7' }, body: unsigned.body },
      'secret-1',
      now,
    );
    const result = await createGenericHmacProvider('acme', options).verify({
      request: { ...unsigned, headers: { 'x-event-id': 'evt_7', ...added } },
      secrets: ['secret-1'],
      now,
      options,
    });

    expect([Object.keys(added).sort(), result]).toEqual([
      ['x-acme-timestamp', 'x-signature'],
      { ok: true, secretIndex: 0, signature: expect.any(Buffer) as unknown },
    ]);
  });
});
