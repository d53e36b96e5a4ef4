import { ProviderApiError } from '#shared/reconciliation/contract';
import { RECONCILIATION_CAPABILITIES, durationMs } from '#shared/reconciliation/capabilities';
import { PROVIDER_API_LOADERS } from '#shared/reconciliation/providers/index';
import { retryDecision, withRetry } from '#shared/reconciliation/retry';

const unavailable = () => new ProviderApiError('unavailable', true, 'down', { status: 503 });

describe('retryDecision', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDecision(unavailable(), 0, 0.999, { attempts: 10 })).toEqual({ kind: 'retry', delayMs: 499 });
    expect(retryDecision(unavailable(), 3, 0.5, { attempts: 10 })).toEqual({ kind: 'retry', delayMs: 2000 });
    expect(retryDecision(unavailable(), 9, 1, { attempts: 20, maxDelayMs: 5000 })).toEqual({
      kind: 'retry',
      delayMs: 5000,
    });
  });

  it('never retries sooner than Retry-After asks', () => {
    const limited = new ProviderApiError('rate-limited', true, 'slow down', {
      status: 429,
      retryAfterSeconds: 30,
    });
    expect(retryDecision(limited, 0, 0.1)).toEqual({ kind: 'retry', delayMs: 30_000 });
  });

  it('gives up on what retrying cannot fix, on unknown errors, and after the last try', () => {
    expect(
      retryDecision(new ProviderApiError('unauthorized', false, 'no', { status: 401 }), 0, 0.5).kind,
    ).toBe('give-up');
    expect(retryDecision(new ProviderApiError('malformed', false, 'not JSON'), 0, 0.5).kind).toBe('give-up');
    expect(retryDecision(new TypeError('bug'), 0, 0.5).kind).toBe('give-up');
    expect(retryDecision(unavailable(), 3, 0.5, { attempts: 4 }).kind).toBe('give-up');
  });
});

describe('withRetry', () => {
  it('does not start a wait longer than the time left', async () => {
    const sleep = jest.fn(() => Promise.resolve());
    const call = jest.fn(() =>
      Promise.reject(new ProviderApiError('rate-limited', true, 'later', { retryAfterSeconds: 60 })),
    );

    await expect(withRetry(call, { sleep, random: () => 0, timeLeftMs: () => 10_000 })).rejects.toThrow(
      'later',
    );
    expect(sleep).not.toHaveBeenCalled();
    expect(call).toHaveBeenCalledTimes(1);
  });
});

describe('RECONCILIATION_CAPABILITIES', () => {
  it.each(Object.keys(PROVIDER_API_LOADERS))("matches %s's API", async (provider) => {
    const api = await PROVIDER_API_LOADERS[provider]?.();
    expect(RECONCILIATION_CAPABILITIES[provider]).toMatchObject({
      retentionDays: api?.retentionDays,
      entityKinds: api?.entityKinds ?? [],
    });
  });
});

describe('durationMs', () => {
  it.each([
    ['1 hour', 3_600_000],
    ['2 days', 172_800_000],
    ['15 minutes', 900_000],
    ['90m', 5_400_000],
    ['30s', 30_000],
  ])('reads %s', (text, ms) => expect(durationMs(text)).toBe(ms));

  it.each(['', 'soon', '0 hours', '1 week', '-1 h'])('refuses %j', (text) =>
    expect(durationMs(text)).toBeUndefined(),
  );
});
