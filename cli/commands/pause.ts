import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { EventQueue } from '../../functions/queue/event-queue';
import { EventStore } from '../../functions/store/event-store';
import { PauseStore } from '../../functions/flow/pause-store';
import { PAUSE_SCOPES, pauseKeyOf, type Pause, type PauseScope } from '../../functions/flow/pauses';
import { releaseHeld, type ReleaseProgress } from '../../functions/flow/release';
import { CliError, type Environment } from '../environment';
import { json, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';

/** Fastest release: the consumer, not the queue, is what a release storm would overwhelm. */
export const MAX_RELEASE_RATE = 100;

const scopeOf = (value: string): PauseScope => {
  if ((PAUSE_SCOPES as readonly string[]).includes(value)) return value as PauseScope;
  throw new InvalidArgumentError(`must be one of ${PAUSE_SCOPES.join(', ')}`);
};

const rateOf = (value: string): number => {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_RELEASE_RATE)
    throw new InvalidArgumentError(`must be a number above 0 and at most ${MAX_RELEASE_RATE}`);
  return rate;
};

/** Who is pausing: the operator's login on this machine, kept in the pause's history. */
export const operator = () => {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
};

/** What pausing and resuming read and write on the stack `env` reaches. */
export const pauseStoresOf = (env: Environment) => {
  const tableName = env.output('EventTableName');
  // Ended pauses are kept for as long as events are. A stack from before the output: the default.
  const settings = { tableName, retentionDays: Number(env.outputs.RetentionDays ?? 30) };
  return {
    env,
    pauses: new PauseStore(env.dynamodb, settings),
    store: new EventStore(env.dynamodb, settings),
    queue: new EventQueue(env.sqs, env.output('MainQueueUrl')),
  };
};
export type PauseStores = ReturnType<typeof pauseStoresOf>;

const storesOf = async (deps: CliDependencies, globals: () => GlobalOptions) =>
  pauseStoresOf(await deps.connect(globals()));

/** Pauses `scope`/`id` (again, if it was resuming or ended) and answers the pause as stored. */
export const pauseScope = async (
  { pauses }: Pick<PauseStores, 'pauses'>,
  request: { scope: PauseScope; id: string; reason: string; by: string; at: string },
): Promise<Pause | undefined> => {
  await pauses.pause(request.scope, request.id, {
    at: request.at,
    action: 'paused',
    by: request.by,
    reason: request.reason,
  });
  return pauses.get(pauseKeyOf(request));
};

/** Marks the pause `key` resuming; false when there is no active pause under it. */
export const startResume = (
  { pauses }: Pick<PauseStores, 'pauses'>,
  key: string,
  request: { by: string; at: string; reason?: string },
): Promise<boolean> =>
  pauses.startResume(key, {
    at: request.at,
    action: 'resume-started',
    by: request.by,
    ...(request.reason ? { reason: request.reason } : {}),
  });

/** Releases what the resuming pause `key` holds, at most `ratePerSecond`, then ends it. */
export const releasePause = (
  { pauses, store, queue }: PauseStores,
  key: string,
  options: { ratePerSecond: number; by: string; onProgress?: (progress: ReleaseProgress) => void },
  clock: { now(): Date; sleep(ms: number): Promise<void> },
): Promise<ReleaseProgress> =>
  releaseHeld({ pauses, store, queue, now: () => clock.now(), sleep: (ms) => clock.sleep(ms) }, key, options);

/** The pauses as `relayflow status` and `relayflow pauses` print them. */
export const pauseRows = (pauses: readonly Pause[]) =>
  table(
    ['PAUSE', 'STATE', 'SINCE', 'BY', 'REASON'],
    pauses.map((p) => [pauseKeyOf(p), p.state, p.at, p.by, p.reason]),
  );

export const registerPause = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('pause')
    .description(
      'Hold the events of a provider, tenant, route or target: ingest keeps answering 2xx and storing',
    )
    .argument('<scope>', `what to pause: ${PAUSE_SCOPES.join(', ')}`, scopeOf)
    .argument('<id>', 'its id (a provider id, a tenant id, a route or target id)')
    .requiredOption('--reason <text>', 'why: kept in the pause, shown by relayflow status')
    .action(async (scope: PauseScope, id: string, options: { reason: string }) => {
      const reason = options.reason.trim();
      if (reason.length < 3)
        throw new CliError('--reason needs at least 3 characters: it is the audit of the pause.');
      const stores = await storesOf(deps, globals);
      const at = deps.now().toISOString();
      const pause = await pauseScope(stores, { scope, id, reason, by: operator(), at });
      if (globals().json) {
        deps.output.out(json(pause));
        return;
      }
      deps.output.out(
        [
          `Paused ${pauseKeyOf({ scope, id })}. Its events are HELD from ${pause?.effectiveAt ?? 'a few seconds from now'}, once every`,
          'consumer knows of the pause; providers keep getting 2xx. Release them with:',
          `  relayflow resume ${scope} ${id}`,
        ].join('\n'),
      );
    });

  program
    .command('resume')
    .description('Release what a pause (or an auto-disabled target) holds, in order per entity, then end it')
    .argument('<scope>', `what to resume: ${PAUSE_SCOPES.join(', ')}`, scopeOf)
    .argument('<id>', 'its id')
    .option('--rate <n>', `events released per second (at most ${MAX_RELEASE_RATE})`, rateOf, 10)
    .option('--reason <text>', 'why, for the pause history')
    .action(async (scope: PauseScope, id: string, options: { rate: number; reason?: string }) => {
      const stores = await storesOf(deps, globals);
      const key = pauseKeyOf({ scope, id });
      const by = operator();
      const started = await startResume(stores, key, {
        at: deps.now().toISOString(),
        by,
        ...(options.reason ? { reason: options.reason } : {}),
      });
      if (!started) throw new CliError(`There is no active pause ${key} (relayflow status lists them).`);
      let last = '';
      const outcome = await releasePause(
        stores,
        key,
        {
          ratePerSecond: options.rate,
          by,
          onProgress: (p) => {
            const line = `released ${p.released}; ${p.listed} still listed`;
            if (line !== last && !globals().json) deps.output.err(line);
            last = line;
          },
        },
        deps,
      );
      if (globals().json) {
        deps.output.out(json({ pause: key, ...outcome }));
        return;
      }
      deps.output.out(
        outcome.ended
          ? `Resumed ${key}: ${outcome.released} held events released, in order per entity. The pause has ended.`
          : `${key} is no longer resuming (paused again?); ${outcome.released} events were released.`,
      );
    });
};
