import { MAX_GLOB_STARS } from '#shared/routing/glob';
import { matchesFilter, ReplayInputSchema } from '#shared/replay/request';

const REASON = 'hardening test';

const aState = (type: string) => ({
  eventId: 'ev_1',
  status: 'DEAD_LETTERED' as const,
  tenant: 'default',
  provider: 'acme',
  type,
  entityKind: 'customer',
  entityId: 'cus_1',
  receivedAt: '2025-06-01T12:00:00.000Z',
});

describe('the replay filter on types', () => {
  it(`refuses a type glob of more than ${MAX_GLOB_STARS} stars`, () => {
    const parsed = ReplayInputSchema.safeParse({
      reason: REASON,
      filter: { type: '*.'.repeat(MAX_GLOB_STARS + 1) },
    });

    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['filter', 'type'],
      message: expect.stringMatching(/at most 8/),
    });
  });

  it('selects by a glob at the cap over a long hostile type', () => {
    const glob = `${'a*'.repeat(MAX_GLOB_STARS)}b`;
    const request = ReplayInputSchema.parse({ reason: REASON, filter: { type: glob } });
    const long = 'a'.repeat(20_000);

    expect(matchesFilter(request, aState(long))).toBe(false);
    expect(matchesFilter(request, aState(`${long}b`))).toBe(true);
  });

  it('matches a plain type exactly and a glob on the whole type', () => {
    const plain = ReplayInputSchema.parse({ reason: REASON, filter: { type: 'acme.invoice.paid' } });
    const glob = ReplayInputSchema.parse({ reason: REASON, filter: { type: 'acme.*' } });

    expect(matchesFilter(plain, aState('acme.invoice.paid'))).toBe(true);
    expect(matchesFilter(plain, aState('acme.invoice.paid.late'))).toBe(false);
    expect(matchesFilter(glob, aState('acme.invoice.paid'))).toBe(true);
    expect(matchesFilter(glob, aState('other.acme.invoice'))).toBe(false);
  });
});
