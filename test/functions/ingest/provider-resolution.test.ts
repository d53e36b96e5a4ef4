import { builtInProviders, resolveProvider, type ResolvedEntry } from '#shared/providers/registry';
import { formatIssue } from '#shared/providers/types';
import { aGenericRequest } from '../../helpers/providers/generic-hmac';
import { aStripeRequest, stripeBody, aStripeEvent } from '../../helpers/providers/stripe';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const SECRET = 'whsec_resolution_test';
const GENERIC = { signatureHeader: 'x-acme-signature', id: { jsonPath: 'id' }, type: { jsonPath: 'event' } };

const resolved = (declaration: Parameters<typeof resolveProvider>[0]): ResolvedEntry => {
  const result = resolveProvider(declaration);
  if (!result.success) throw new Error(result.issues.map((issue) => formatIssue([], issue)).join('; '));
  return result.data;
};

const problemsOf = (declaration: Parameters<typeof resolveProvider>[0]): string[] => {
  const result = resolveProvider(declaration);
  return result.success ? [] : result.issues.map((issue) => formatIssue([], issue));
};

describe('resolveProvider', () => {
  it('resolves a built-in provider with its defaults and entity override', () => {
    const stripe = resolved({
      id: 'stripe',
      kind: 'builtin',
      options: { entity: { kind: 'account', path: 'account' } },
    });

    expect(stripe.provider).toBe(builtInProviders.stripe?.provider);
    expect(stripe.options).toEqual({ toleranceSeconds: 300 });
    expect(stripe.entityOverride).toEqual({ kind: 'account', path: 'account' });
  });

  it('resolves a generic sender that names its own entity, which is not an override', () => {
    const acme = resolved({
      id: 'acme-billing',
      kind: 'generic-hmac',
      options: { ...GENERIC, entity: { kind: 'invoice', jsonPath: 'data.id' } },
    });

    expect(acme.provider.id).toBe('acme-billing');
    expect(acme.entityOverride).toBeUndefined();
  });

  it.each([
    [
      'an unknown built-in provider',
      { id: 'nosuch', kind: 'builtin' as const, options: {} },
      /^unknown provider \(known: stripe, /,
    ],
    [
      'a generic sender under a built-in id',
      { id: 'stripe', kind: 'generic-hmac' as const, options: GENERIC },
      /^id is taken by a built-in provider$/,
    ],
    [
      'a generic sender whose id cannot name a route',
      { id: 'Acme Corp', kind: 'generic-hmac' as const, options: GENERIC },
      /^id must be lower-case/,
    ],
    [
      'an entity override without a path',
      { id: 'github', kind: 'builtin' as const, options: { entity: { kind: 'repo' } } },
      /^entity\.path: /,
    ],
    [
      'options that do not fit',
      { id: 'stripe', kind: 'builtin' as const, options: { toleranceSeconds: -1 } },
      /^toleranceSeconds: /,
    ],
  ])('refuses %s', (_what, declaration, problem) => {
    expect(problemsOf(declaration)).toEqual([expect.stringMatching(problem)]);
  });

  it('gives a sender its signer, whose requests its own provider verifies', async () => {
    const acme = resolved({ id: 'acme-billing', kind: 'generic-hmac', options: GENERIC });
    const body = Buffer.from('{"id":"inv_1","event":"invoice.paid"}');
    const signed = acme.sign(
      { url: 'https://hooks.example.com/webhooks/acme-billing', headers: {}, body },
      SECRET,
      NOW,
    );

    const verdict = await acme.provider.verify({
      request: aGenericRequest({ headers: signed.headers, body: signed.body }),
      secrets: [SECRET],
      now: NOW,
      options: acme.options,
    });

    expect(verdict.ok).toBe(true);
  });

  it('gives a built-in provider its signer and what tooling must know of it', async () => {
    const stripe = resolved({ id: 'stripe', kind: 'builtin', options: {} });
    const body = stripeBody(aStripeEvent());
    const signed = stripe.sign(
      { url: 'https://hooks.example.com/webhooks/stripe', headers: {}, body },
      SECRET,
      NOW,
    );

    const verdict = await stripe.provider.verify({
      request: aStripeRequest({ headers: signed.headers, body }),
      secrets: [SECRET],
      now: NOW,
      options: stripe.options,
    });

    expect(verdict.ok).toBe(true);
    expect(stripe).toMatchObject({ signingKey: 'secret', warnings: [] });
    expect(resolved({ id: 'sendgrid', kind: 'builtin', options: {} }).signingKey).toBe('private-key');
  });
});
