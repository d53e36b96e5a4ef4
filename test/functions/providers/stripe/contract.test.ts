import { createHmac } from 'node:crypto';
import { stripeOptionsSchema, stripeProvider } from '#shared/providers/stripe/index';
import type { EventDraft, VerifyResult, WebhookRequest } from '#shared/providers/types';
import {
  aStripeEvent,
  aStripeRequest,
  aStripeVerifyInput,
  nowSeconds,
  stripeBody,
  stripeOptions,
} from '../../../helpers/providers/stripe';

const SECRET = 'whsec_current';
const hmacHex = (body: Buffer, timestamp: number, secret = SECRET): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
const withHeader = (body: Buffer, header: string): WebhookRequest =>
  aStripeRequest({ body, headers: { 'stripe-signature': header } });

const signatureOf = async (request: WebhookRequest): Promise<Buffer> => {
  const result: VerifyResult = await stripeProvider.verify(aStripeVerifyInput(request, [SECRET]));
  if (!result.ok) throw new Error(`expected a verified request, got ${result.detail}`);
  return result.signature;
};

const aDraft = (data: Record<string, unknown>): EventDraft => ({
  providerType: 'payment_intent.succeeded',
  externalId: 'evt_1',
  type: 'payment.succeeded',
  data,
});

describe('stripe provider contract', () => {
  it('returns the digest computed with the matching secret as the signature', async () => {
    const body = stripeBody(aStripeEvent());
    const t = nowSeconds();

    expect((await signatureOf(withHeader(body, `t=${t},v1=${hmacHex(body, t)}`))).toString('hex')).toBe(
      hmacHex(body, t),
    );
  });

  it('gives the same signature bytes for upper- and lower-case hex and for reordered v1 entries', async () => {
    const body = stripeBody(aStripeEvent());
    const t = nowSeconds();
    const genuine = hmacHex(body, t);
    const other = hmacHex(body, t, 'whsec_other');

    const spellings = await Promise.all([
      signatureOf(withHeader(body, `t=${t},v1=${genuine}`)),
      signatureOf(withHeader(body, `t=${t},v1=${genuine.toUpperCase()}`)),
      signatureOf(withHeader(body, `v1=${other},v1=${genuine},t=${t}`)),
      signatureOf(withHeader(body, `t=${t},v1=${genuine},v1=${other}`)),
    ]);

    expect(spellings.every((signature) => signature.equals(spellings[0] ?? Buffer.alloc(1)))).toBe(true);
  });

  it('gives different signature bytes for different bodies', async () => {
    const t = nowSeconds();
    const first = stripeBody(aStripeEvent({ id: 'evt_1' }));
    const second = stripeBody(aStripeEvent({ id: 'evt_2' }));

    const [a, b] = await Promise.all([
      signatureOf(withHeader(first, `t=${t},v1=${hmacHex(first, t)}`)),
      signatureOf(withHeader(second, `t=${t},v1=${hmacHex(second, t)}`)),
    ]);

    expect(a.equals(b)).toBe(false);
  });

  it('reads identity from the signed body and masks Stripe-Signature', () => {
    expect([
      stripeProvider.identityFromUnsignedHeaders(stripeOptions()),
      stripeProvider.signatureHeaders(stripeOptions()),
    ]).toEqual([false, ['stripe-signature']]);
  });

  describe('tenant binding of Connect accounts', () => {
    const options = stripeOptions({ accounts: { acme: 'acct_1AcmeAAAAAAAAAAA' } });
    const checkTenant = stripeProvider.checkTenant ?? (() => 'checkTenant is missing');

    it("accepts an event of the tenant's own account", () => {
      expect(checkTenant(aDraft({ account: 'acct_1AcmeAAAAAAAAAAA' }), 'acme', options)).toBeUndefined();
    });

    it("refuses an event of another account at a bound tenant's URL, naming both accounts", () => {
      expect(checkTenant(aDraft({ account: 'acct_1OtherBBBBBBBBBB' }), 'acme', options)).toBe(
        'Tenant acme accepts only events of acct_1AcmeAAAAAAAAAAA; this event is from acct_1OtherBBBBBBBBBB.',
      );
    });

    it('refuses an event without an account (the platform itself) at a bound tenant', () => {
      expect(checkTenant(aDraft({}), 'acme', options)).toMatch(/names no Connect account/);
    });

    it('accepts anything at a tenant without a binding, and everything when nothing is bound', () => {
      expect([
        checkTenant(aDraft({ account: 'acct_1OtherBBBBBBBBBB' }), 'beta', options),
        checkTenant(aDraft({}), 'beta', options),
        checkTenant(aDraft({ account: 'acct_1OtherBBBBBBBBBB' }), 'acme', stripeOptions()),
      ]).toEqual([undefined, undefined, undefined]);
    });

    it('does not take a tenant named like an Object.prototype property as bound', () => {
      expect(
        checkTenant(aDraft({ account: 'acct_1OtherBBBBBBBBBB' }), 'constructor', options),
      ).toBeUndefined();
    });

    it('refuses a binding that is not a Connect account id', () => {
      const parsed = stripeOptionsSchema.safeParse({ accounts: { acme: 'cus_123' } });

      expect(
        parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      ).toEqual(['accounts.acme: must be a Connect account id (acct_…)']);
    });
  });
});
