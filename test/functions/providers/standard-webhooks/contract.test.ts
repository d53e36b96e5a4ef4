import { createHmac, sign } from 'node:crypto';
import { standardWebhooksProvider } from '#shared/providers/standard-webhooks/index';
import type { WebhookRequest } from '#shared/providers/types';
import {
  aSignedDelivery,
  aStandardWebhooksVerifyInput,
  anEd25519KeyPair,
  fixtureBody,
  nowSeconds,
  officialSign,
  standardWebhooksFixture,
  standardWebhooksOptions,
} from '../../../helpers/providers/standard-webhooks';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_dGhlIG90aGVyIGtleSBvZiB0aGUgc2VuZGVy';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const body = fixtureBody(standardWebhooksFixture('example.event'));
const keys = anEd25519KeyPair();

const content = (payload: Buffer = body, id = ID): Buffer =>
  Buffer.concat([Buffer.from(`${id}.${nowSeconds()}.`), payload]);
const ed25519Entry = (payload: Buffer = body): string =>
  `v1a,${sign(null, content(payload), keys.privateKey).toString('base64')}`;
/** A well-formed `v1a` entry that verifies under no key. */
const junkEd25519Entry = (index: number): string => `v1a,${Buffer.alloc(64, index + 1).toString('base64')}`;

const verify = async (request: WebhookRequest, secrets: readonly string[]) =>
  await standardWebhooksProvider.verify(aStandardWebhooksVerifyInput(request, secrets));
const signatureOf = async (
  header: string,
  secrets: readonly string[],
  payload: Buffer = body,
): Promise<Buffer> => {
  const result = await verify(aSignedDelivery(payload, ID, nowSeconds(), header), secrets);
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

describe('standard webhooks provider contract', () => {
  it('returns the HMAC computed with the matching key, whatever the order of the entries', async () => {
    const genuine = officialSign(SECRET, ID, nowSeconds(), body);
    const other = officialSign(OTHER, ID, nowSeconds(), body);

    const [first, last] = await Promise.all([
      signatureOf(`${genuine} ${other}`, [SECRET]),
      signatureOf(`${other} ${genuine}`, [SECRET]),
    ]);

    const expected = createHmac('sha256', Buffer.from(SECRET.slice('whsec_'.length), 'base64'))
      .update(content())
      .digest();
    expect([first.equals(expected), last.equals(expected)]).toEqual([true, true]);
  });

  it('returns the verified Ed25519 signature, whatever the order of the entries', async () => {
    const genuine = ed25519Entry();

    const [first, last] = await Promise.all([
      signatureOf(`${genuine} ${junkEd25519Entry(0)}`, [keys.publicSecret]),
      signatureOf(`${junkEd25519Entry(0)} ${genuine}`, [keys.publicSecret]),
    ]);

    expect([first.toString('base64'), last.toString('base64')]).toEqual([
      genuine.slice('v1a,'.length),
      genuine.slice('v1a,'.length),
    ]);
  });

  it('gives different signature bytes for different bodies', async () => {
    const other = Buffer.from('{"type":"other.event"}');

    const [a, b] = await Promise.all([
      signatureOf(officialSign(SECRET, ID, nowSeconds(), body), [SECRET]),
      signatureOf(officialSign(SECRET, ID, nowSeconds(), other), [SECRET], other),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('reads identity from signed content and masks webhook-signature', () => {
    const options = standardWebhooksOptions();

    expect([
      standardWebhooksProvider.identityFromUnsignedHeaders(options),
      standardWebhooksProvider.signatureHeaders(options),
    ]).toEqual([false, ['webhook-signature']]);
  });

  describe('the work a hostile webhook-signature can cause', () => {
    it('rejects a header of 44 v1a entries whose valid one comes after the first four', async () => {
      const header = [
        ...Array.from({ length: 4 }, (_, index) => junkEd25519Entry(index)),
        ed25519Entry(),
        ...Array.from({ length: 39 }, (_, index) => junkEd25519Entry(index + 4)),
      ].join(' ');
      expect(header.split(' ')).toHaveLength(44);

      expect(
        await verify(aSignedDelivery(body, ID, nowSeconds(), header), [keys.publicSecret]),
      ).toMatchObject({ ok: false, reason: 'signature' });
    });

    it('counts a repeated entry once, so that repeats cannot push the valid entry out', async () => {
      const header = [...Array.from({ length: 10 }, () => junkEd25519Entry(0)), ed25519Entry()].join(' ');

      expect(
        await verify(aSignedDelivery(body, ID, nowSeconds(), header), [keys.publicSecret]),
      ).toMatchObject({ ok: true, secretIndex: 0 });
    });

    it.each([
      ['one entry', (genuine: string) => genuine],
      ['two entries, the valid one second', (genuine: string) => `${junkEd25519Entry(0)} ${genuine}`],
      [
        'a v1 entry beside four v1a entries',
        (genuine: string) =>
          `v1,${Buffer.alloc(32).toString('base64')} ${junkEd25519Entry(0)} ${junkEd25519Entry(1)} ${junkEd25519Entry(2)} ${genuine}`,
      ],
    ])('still verifies a normal header: %s', async (_case, build) => {
      expect(
        await verify(aSignedDelivery(body, ID, nowSeconds(), build(ed25519Entry())), [keys.publicSecret]),
      ).toMatchObject({ ok: true, secretIndex: 0 });
    });
  });
});
