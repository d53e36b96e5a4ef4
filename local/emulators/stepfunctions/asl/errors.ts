/**
 * An error raised while a state runs, named as Amazon States Language names errors. Retriers and
 * catchers match on `error`; `cause` is the human-readable (often JSON) detail.
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
  }
}

/** A definition that Step Functions would refuse at CreateStateMachine time. */
export class InvalidDefinitionError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid State Machine Definition: '${problems.join(', ')}'`);
    this.name = 'InvalidDefinitionError';
  }
}

/** Well-known error names (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). */
export const StatesErrors = {
  ALL: 'States.ALL',
  Runtime: 'States.Runtime',
  Timeout: 'States.Timeout',
  TaskFailed: 'States.TaskFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  DataLimitExceeded: 'States.DataLimitExceeded',
} as const;

/** States.ALL and States.TaskFailed never catch these: AWS documents them as terminal. */
const TERMINAL = new Set<string>([StatesErrors.Runtime, StatesErrors.DataLimitExceeded]);

/**
 * Whether an `ErrorEquals` list matches an error name. `States.ALL` matches any non-terminal error;
 * `States.TaskFailed` does too, except `States.Timeout`.
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  return errorEquals.some((name) => {
    if (name === error) return true;
    if (TERMINAL.has(error)) return false;
    if (name === StatesErrors.ALL) return true;
    return name === StatesErrors.TaskFailed && error !== StatesErrors.Timeout;
  });
}

export function runtimeError(stateName: string, detail: string): StatesError {
  return new StatesError(
    StatesErrors.Runtime,
    `An error occurred while executing the state '${stateName}'. ${detail}`,
  );
}
