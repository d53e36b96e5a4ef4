import {
  parseReplayState,
  planReplay,
  replayBatch,
  ReplayInputError,
  type ReplayDependencies,
  type ReplaySettings,
} from '#shared/replay/replay';
import { describeIssues } from '#shared/replay/request';
import { ReplayTaskSchema, type ReplayState } from '#shared/replay/state';

/** What a batch changed, for metrics. */
export interface BatchOutcome {
  readonly source: 'dlq' | 'store';
  readonly replayed: number;
  readonly skipped: number;
  readonly failed: number;
}

/**
 * Runs one task of the replay state machine: `{action: 'plan', input}` or `{action: 'batch',
 * state}`, each with the execution id. Throws ReplayInputError (no retry; the execution fails
 * with its message) when the task or the input is not one.
 */
export const runReplayTask = async (
  deps: ReplayDependencies,
  settings: ReplaySettings,
  event: unknown,
  onBatch: (outcome: BatchOutcome) => void = () => undefined,
): Promise<ReplayState> => {
  const task = ReplayTaskSchema.safeParse(event);
  if (!task.success) throw new ReplayInputError(`invalid replay task: ${describeIssues(task.error)}`);
  if (task.data.action === 'plan') return planReplay(deps, settings, task.data.input);
  const previous = parseReplayState(task.data.state);
  const state = await replayBatch(deps, settings, previous, task.data.executionId);
  onBatch({
    source: state.request.source,
    replayed: state.summary.replayed - previous.summary.replayed,
    skipped: state.summary.skipped - previous.summary.skipped,
    failed: state.summary.failed - previous.summary.failed,
  });
  return state;
};
