import { MASKED_PREFIX, maskSignatureHeaders } from '#shared/store/masking';

describe('maskSignatureHeaders', () => {
  it('masks the headers a provider declares, keeping a digest an operator can compare', () => {
    const masked = maskSignatureHeaders({ 'x-acme-mac': 'abc123', 'x-acme-delivery': 'dlv_1' }, [
      'X-Acme-Mac',
    ]);

    expect(masked['x-acme-mac']).toMatch(new RegExp(`^${MASKED_PREFIX}[0-9a-f]{16}$`));
    expect(masked['x-acme-delivery']).toBe('dlv_1');
  });

  it('masks any header whose name reads as a credential, declared or not', () => {
    const masked = maskSignatureHeaders({
      'stripe-signature': 't=1,v1=ab',
      'x-shopify-hmac-sha256': 'c2lnbg==',
      'content-type': 'application/json',
    });

    expect(masked['stripe-signature']).toMatch(new RegExp(`^${MASKED_PREFIX}`));
    expect(masked['x-shopify-hmac-sha256']).toMatch(new RegExp(`^${MASKED_PREFIX}`));
    expect(masked['content-type']).toBe('application/json');
  });

  it('gives one value one digest and leaves a masked value as it is', () => {
    const once = maskSignatureHeaders({ 'webhook-signature': 'v1,abc' });
    const twice = maskSignatureHeaders(once);

    expect(twice).toEqual(once);
    expect(maskSignatureHeaders({ 'webhook-signature': 'v1,abd' })['webhook-signature']).not.toBe(
      once['webhook-signature'],
    );
  });
});
