import { z } from 'zod';
import { isActive, PAUSE_SCOPES, pauseKeyOf, type Pause } from '../../../functions/flow/pauses';
import {
  MAX_RELEASE_RATE,
  pauseScope,
  releasePause,
  startResume,
  type PauseStores,
} from '../../commands/pause';

/** The body of POST /api/pauses and POST /api/resume (contract.ts PauseRequest). */
export const PauseRequestSchema = z.strictObject({
  scope: z.enum(PAUSE_SCOPES),
  id: z.string().trim().min(1).max(256),
  reason: z
    .string({ error: 'reason is required: it is the audit of the pause' })
    .trim()
    .min(3, 'reason needs at least 3 characters: it is the audit of the pause')
    .max(500),
  rate: z.number().gt(0).max(MAX_RELEASE_RATE).optional(),
});
export type PauseRequest = z.infer<typeof PauseRequestSchema>;

/** A pause or resume the operator asked for that the store cannot carry out as asked. */
export class PauseConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PauseConflict';
  }
}

export const activePauses = async (stores: Pick<PauseStores, 'pauses'>): Promise<Pause[]> =>
  (await stores.pauses.list()).filter(isActive);

/** Pauses the scope, as `relayflow pause` does, and answers the pause as stored. */
export const pause = async (
  stores: Pick<PauseStores, 'pauses'>,
  request: PauseRequest,
  by: string,
  now: Date,
): Promise<Pause> => {
  const stored = await pauseScope(stores, { ...request, by, at: now.toISOString() });
  if (!stored) throw new Error(`The pause ${pauseKeyOf(request)} was written but cannot be read back.`);
  return stored;
};

/**
 * Starts a resume, as `relayflow resume` does, and leaves the release running: it answers at
 * once with the pause (now `resuming`), which GET /api/pauses follows until it has ended.
 */
export const resume = async (
  stores: PauseStores,
  request: PauseRequest,
  by: string,
  clock: { now(): Date; sleep(ms: number): Promise<void> },
  onReleaseError: (error: unknown) => void,
): Promise<Pause> => {
  const key = pauseKeyOf(request);
  const started = await startResume(stores, key, {
    by,
    at: clock.now().toISOString(),
    reason: request.reason,
  });
  if (!started) throw new PauseConflict(`There is no active pause ${key}.`);
  releasePause(stores, key, { ratePerSecond: request.rate ?? 10, by }, clock).catch(onReleaseError);
  const resuming = await stores.pauses.get(key);
  if (!resuming) throw new Error(`The pause ${key} cannot be read back.`);
  return resuming;
};
