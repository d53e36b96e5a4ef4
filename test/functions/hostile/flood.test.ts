import {
  aBadlySignedRequest,
  anEvent,
  buildTargets,
  flood,
  resetMocks,
  type HostileTarget,
} from '../../helpers/hostile';

const targets = buildTargets();
const stripe = targets.find((t) => t.id === 'stripe') as HostileTarget;
const START = new Date('2025-06-01T12:00:00.000Z');

beforeEach(() => {
  resetMocks(targets);
  // Only Date is faked: the rejection counter's once-a-minute flush reads the clock.
  jest.useFakeTimers({
    now: START,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
});
afterEach(() => jest.useRealTimers());

const advance = (ms: number) => jest.setSystemTime(Date.now() + ms);

describe('a flood of bad signatures', () => {
  it('costs no event write and at most one rejection-counter update per minute: 10,000 requests over 10 minutes', async () => {
    const request = aBadlySignedRequest(stripe);

    const report = await flood(stripe, 10_000, () => anEvent(request), { stepMs: 60, advance });

    expect(report.statuses).toEqual({ 401: 10_000 });
    expect({
      puts: report.writes.puts,
      otherUpdates: report.writes.otherUpdates,
      sends: report.writes.sends,
      objects: report.writes.objects,
    }).toEqual({
      puts: 0,
      otherUpdates: 0,
      sends: 0,
      objects: 0,
    });
    // 600 simulated seconds: one flush at the first request, then one per elapsed minute.
    expect(report.writes.rejectionUpdates).toBeGreaterThan(0);
    expect(report.writes.rejectionUpdates).toBeLessThanOrEqual(11);
    // The secret is cached for SECRETS_MAX_AGE_SECONDS (300 s): at most one read per 5 minutes.
    expect(report.writes.secretReads).toBeLessThanOrEqual(3);
    expect(report.tenantDimensions).toBe(1);
  });

  it.each(targets.map((t) => [t.id, t] as const))(
    'costs %s no event write: 1,000 bad requests in one minute',
    async (_id, target) => {
      const request = aBadlySignedRequest(target);

      const report = await flood(target, 1000, () => anEvent(request), { stepMs: 50, advance });

      expect(Object.keys(report.statuses)).toEqual(['401']);
      expect(
        report.writes.puts + report.writes.otherUpdates + report.writes.sends + report.writes.objects,
      ).toBe(0);
      expect(report.writes.rejectionUpdates).toBeLessThanOrEqual(1);
    },
  );

  /** Unknown tenants share one dimension value and one counter key (docs/security.md, cost DoS). */
  it('costs a bounded number of writes and metric dimensions when every request names a different unknown tenant', async () => {
    const request = aBadlySignedRequest(stripe);

    const report = await flood(stripe, 1000, (i) => anEvent(request, { tenant: `t${i}` }), {
      stepMs: 120,
      advance,
    });

    expect(report.statuses).toEqual({ 404: 1000 });
    expect(report.writes.rejectionUpdates).toBeLessThanOrEqual(3);
    expect(report.tenantDimensions).toBeLessThanOrEqual(2);
  });
});
