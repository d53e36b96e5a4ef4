import { editDistance, nearest } from '../../cli/suggest';

describe('nearest', () => {
  const providers = ['stripe', 'github', 'shopify', 'sendgrid', 'standard-webhooks', 'acme-billing'];

  it.each([
    ['strpe', ['stripe']],
    ['sendgird', ['sendgrid']],
    ['Stripe', ['stripe']],
    ['standard-webhook', ['standard-webhooks']],
    ['acme-biling', ['acme-billing']],
  ])('suggests %s → %j', (word, expected) => {
    expect(nearest(word, providers)).toEqual(expected);
  });

  it('suggests nothing for a word that is not a slip of a known one', () => {
    expect(nearest('acme', providers)).toEqual([]);
    expect(nearest('ledger', providers)).toEqual([]);
  });

  it('offers every known word at the same nearest distance', () => {
    expect(nearest('cat', ['bat', 'cut', 'dog'])).toEqual(['bat', 'cut']);
  });
});

describe('editDistance', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('strpie', 'stripe')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
