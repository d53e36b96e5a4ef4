import type { SharedLimiter } from '#shared/flow/contract';

/**
 * A SharedLimiter for tests of what surrounds it: each `take` answers with the next of `waits`
 * (then 0), every call is recorded.
 */
export const aRecordingLimiter = (waits: number[] = []) => {
  const takes: { key: string; ratePerSecond: number }[] = [];
  const blocks: { key: string; untilMs: number }[] = [];
  const limiter: SharedLimiter = {
    take: (key, ratePerSecond) => {
      takes.push({ key, ratePerSecond });
      return Promise.resolve(waits.shift() ?? 0);
    },
    tryTake: () => Promise.resolve(0),
    block: (key, untilMs) => Promise.resolve(void blocks.push({ key, untilMs })),
  };
  return { limiter, takes, blocks };
};
