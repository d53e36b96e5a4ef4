import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the interpreter sees it. Wait states, retry intervals and timeouts all go through
 * `sleep`, so tests and the local runtime can compress or fake time without touching the machine.
 */
export interface Clock {
  now(): Date;
  /** Resolves after `ms` (of the clock's time); rejects with the signal's reason once aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Real time, with every sleep multiplied by `timeScale` (0.01 turns a 60 s Wait into 600 ms).
 * `now()` stays the wall clock, so timestamps in the history are real.
 */
export function scaledClock(timeScale = 1): Clock {
  if (!(timeScale >= 0)) throw new RangeError('timeScale must be a number >= 0');
  return {
    now: () => new Date(),
    sleep: (ms, signal) =>
      delay(Math.max(0, ms * timeScale), undefined, { signal }).catch((error: unknown) => {
        // Node rejects with an AbortError; the interpreter expects the reason the run was aborted with.
        throw signal?.aborted ? signal.reason : error;
      }),
  };
}
