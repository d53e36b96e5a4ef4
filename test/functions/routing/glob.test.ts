import fc from 'fast-check';
import { globMatches, MAX_GLOB_STARS, starsIn } from '#shared/routing/glob';
import { Router, RoutesSchema, resolveRoutes } from '#shared/routing/routes';

/** The definition itself, exponential and only fit for short inputs. */
const reference = (glob: string, text: string): boolean => {
  if (glob === '') return text === '';
  if (glob.startsWith('*'))
    return Array.from({ length: text.length + 1 }, (_, i) => i).some((i) =>
      reference(glob.slice(1), text.slice(i)),
    );
  return text !== '' && glob[0] === text[0] && reference(glob.slice(1), text.slice(1));
};

const over = (alphabet: string, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), maxLength });

/** Twelve stars between `a`s, ending in a `b` no all-`a` type has: the shape that made a RegExp backtrack. */
const HOSTILE = `${'a*'.repeat(12)}b`;

describe('globMatches', () => {
  it('agrees with the definition of * on short globs and types', () => {
    fc.assert(
      fc.property(over('ab.*', 8), over('ab.', 10), (glob, text) => {
        expect(globMatches(glob, text)).toBe(reference(glob, text));
      }),
      { numRuns: 5000 },
    );
  });

  it('matches a type against itself whenever the type holds no star', () => {
    fc.assert(fc.property(over('abc.-_', 30), (text) => globMatches(text, text)));
  });

  it('matches the whole type, with * spanning dots and matching nothing', () => {
    expect(globMatches('payment.*', 'payment.refund.created')).toBe(true);
    expect(globMatches('payment.*', 'payment.')).toBe(true);
    expect(globMatches('payment.*', 'xpayment.succeeded')).toBe(false);
    expect(globMatches('*.succeeded', 'payment.succeeded.late')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('', 'a')).toBe(false);
  });

  it('decides a twelve-star glob over a long type without backtracking through every split', () => {
    const type = 'a'.repeat(20_000);

    expect(globMatches(HOSTILE, type)).toBe(false);
    expect(globMatches(HOSTILE, `${type}b`)).toBe(true);
  });
});

describe('the star cap of route globs', () => {
  const routeWith = (type: string) => [{ match: { type }, targets: [{ kind: 'workflow', name: 'w' }] }];

  it(`accepts a glob of ${MAX_GLOB_STARS} stars and refuses one more`, () => {
    const atCap = `${'a*'.repeat(MAX_GLOB_STARS)}b`;
    const overCap = `*${atCap}`;

    expect(starsIn(atCap)).toBe(MAX_GLOB_STARS);
    expect(RoutesSchema.safeParse(routeWith(atCap)).success).toBe(true);
    expect(RoutesSchema.safeParse(routeWith(overCap)).error?.issues[0]?.message).toMatch(/at most 8/);
  });

  it('routes with the linear matcher even when given a glob past the cap', () => {
    const router = new Router(
      resolveRoutes(RoutesSchema.parse(routeWith('*')), new Set(['w'])).routes.map((r) => ({
        ...r,
        match: { type: HOSTILE },
      })),
    );

    expect(router.match({ tenant: 'default', provider: 'acme', type: 'a'.repeat(20_000) })).toBeUndefined();
  });
});
