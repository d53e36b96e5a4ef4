import { createVerify, sign } from 'node:crypto';
import { sendgridOptionsSchema, sendgridProvider } from '#shared/providers/sendgrid/index';
import type { WebhookRequest } from '#shared/providers/types';
import { aSendgridKeyPair, aSendgridRequest } from '../../../helpers/providers/sendgrid';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const NOW = new Date('2026-03-01T12:00:00Z');
const TIMESTAMP = String(Math.floor(NOW.getTime() / 1000));
const options = sendgridOptionsSchema.parse({});
const keys = aSendgridKeyPair();

/** DER INTEGER: big-endian, no superfluous leading zero, a zero byte before a set high bit. */
const derInteger = (value: bigint): Buffer => {
  let bytes = Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0) bytes = bytes.subarray(1);
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
};
const der = (r: bigint, s: bigint): Buffer => {
  const content = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, content.length]), content]);
};

/** One ECDSA signature as (r, s) and its twin (r, n - s), both valid, both DER as SendGrid sends. */
const twinSignatures = (body: Buffer): { r: bigint; s: bigint; original: Buffer; twin: Buffer } => {
  const raw = sign('sha256', Buffer.concat([Buffer.from(TIMESTAMP), body]), {
    key: keys.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  const r = BigInt(`0x${raw.subarray(0, 32).toString('hex')}`);
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  return { r, s, original: der(r, s), twin: der(r, N - s) };
};

const delivery = (body: Buffer, signature: Buffer): WebhookRequest =>
  aSendgridRequest({
    body,
    headers: {
      'x-twilio-email-event-webhook-signature': signature.toString('base64'),
      'x-twilio-email-event-webhook-timestamp': TIMESTAMP,
    },
  });

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result = await sendgridProvider.verify({
    request,
    secrets: [keys.publicKeyBase64],
    now: NOW,
    options,
  });
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('SendGrid provider contract', () => {
  it('gives one signature, r and the low s, for an ECDSA signature and its (r, n - s) twin, which both verify', async () => {
    const body = Buffer.from('[{"event":"delivered","sg_event_id":"e1","timestamp":1}]');
    const { r, s, original, twin } = twinSignatures(body);
    const verifier = () => createVerify('sha256').update(TIMESTAMP).update(body);
    expect([
      verifier().verify(keys.publicKeyPem, original),
      verifier().verify(keys.publicKeyPem, twin),
    ]).toEqual([true, true]);

    const [a, b] = await Promise.all([
      signatureOf(delivery(body, original)),
      signatureOf(delivery(body, twin)),
    ]);

    const low = s > N / 2n ? N - s : s;
    expect([a.toString('hex'), b.toString('hex')]).toEqual([
      `${r.toString(16).padStart(64, '0')}${low.toString(16).padStart(64, '0')}`,
      a.toString('hex'),
    ]);
  });

  it('gives different signature bytes for different bodies', async () => {
    const first = Buffer.from('[{"event":"delivered","sg_event_id":"e1","timestamp":1}]');
    const second = Buffer.from('[{"event":"delivered","sg_event_id":"e2","timestamp":1}]');

    const [a, b] = await Promise.all([
      signatureOf(delivery(first, twinSignatures(first).original)),
      signatureOf(delivery(second, twinSignatures(second).original)),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('reads identity from the signed body and masks the signature header', () => {
    expect([
      sendgridProvider.identityFromUnsignedHeaders(options),
      sendgridProvider.signatureHeaders(options),
    ]).toEqual([false, ['x-twilio-email-event-webhook-signature']]);
  });
});
