import type { Clock } from './clock';
import { evaluateRule } from './choice';
import type { Catcher, Retrier, State, StateMachineDefinition, TaskState } from './definition';
import { errorMatches, runtimeError, StatesError, StatesErrors } from './errors';
import type { JsonObject, JsonValue } from './jsonpath';
import { setAt } from './jsonpath';
import type { Scope } from './template';
import { DataPathError, readPath, render } from './template';

/** What a Lambda function answered: its return value, or the error it raised. */
export type InvokeLambdaResult =
  | { readonly payload: JsonValue }
  | {
      readonly error: {
        readonly errorType: string;
        readonly errorMessage: string;
        readonly trace?: readonly string[];
      };
    };

/**
 * Runs a function synchronously (RequestResponse). A returned `error` becomes a task failure named by
 * its errorType; a rejected promise means the invoke itself failed and becomes Lambda.ServiceException.
 */
export type InvokeLambda = (functionNameOrArn: string, payload: JsonValue) => Promise<InvokeLambdaResult>;

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** The execution history: ids in order of recording; nothing is recorded once it is closed. */
export class History {
  readonly events: HistoryEvent[] = [];
  private closed = false;
  stateTransitions = 0;

  constructor(private readonly clock: Clock) {}

  add(type: string, previousEventId: number, details?: readonly [string, Record<string, unknown>]): number {
    if (this.closed) return previousEventId;
    // Room is kept for the event that closes the execution.
    if (!type.startsWith('Execution') && this.events.length >= MAX_HISTORY_EVENTS - 1) {
      throw new StatesError(
        StatesErrors.Runtime,
        `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
      );
    }
    const id = this.events.length + 1;
    this.events.push({
      id,
      previousEventId,
      timestamp: this.clock.now(),
      type,
      ...(details ? { [details[0]]: details[1] } : {}),
    });
    return id;
  }

  close(): void {
    this.closed = true;
  }
}

export interface ExecutionIdentity {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly roleArn: string;
  readonly startTime: Date;
}

export interface RunOptions {
  readonly definition: StateMachineDefinition;
  readonly input: JsonValue;
  readonly identity: ExecutionIdentity;
  readonly invokeLambda: InvokeLambda;
  readonly clock: Clock;
  readonly history: History;
  /** Aborting stops the run (StopExecution); the caller records ExecutionAborted itself. */
  readonly signal?: AbortSignal;
  /** Defaults to Math.random; used for FULL jitter. */
  readonly random?: () => number;
}

export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | { readonly status: 'FAILED' | 'TIMED_OUT'; readonly error?: string; readonly cause?: string }
  | { readonly status: 'ABORTED' };

/** Step Functions' payload quota (256 KiB) for inputs, outputs and results. */
export const MAX_PAYLOAD_BYTES = 262_144;

/** Step Functions' quota on events in one Standard execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;

class ExecutionTimedOut extends Error {}

interface Frame {
  /** The id of the last event recorded. */
  last: number;
  readonly signal: AbortSignal;
}

interface Step {
  readonly output: JsonValue;
  readonly next?: string;
}

export async function runExecution(options: RunOptions): Promise<ExecutionOutcome> {
  return new Run(options).execute();
}

class Run {
  private readonly root = new AbortController();
  private readonly history: History;
  private readonly random: () => number;

  constructor(private readonly options: RunOptions) {
    this.history = options.history;
    this.random = options.random ?? Math.random;
  }

  async execute(): Promise<ExecutionOutcome> {
    const { definition, input, identity, signal, clock } = this.options;
    const onAbort = (): void => this.root.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const frame: Frame = {
      last: this.history.add('ExecutionStarted', 0, [
        'executionStartedEventDetails',
        { input: JSON.stringify(input), inputDetails: { truncated: false }, roleArn: identity.roleArn },
      ]),
      signal: this.root.signal,
    };
    const deadline = new AbortController();
    try {
      const work = this.runScope(definition, input, frame);
      const output = definition.TimeoutSeconds
        ? await Promise.race([
            work,
            clock.sleep(definition.TimeoutSeconds * 1000, deadline.signal).then(() => {
              this.root.abort(new ExecutionTimedOut());
              throw new ExecutionTimedOut();
            }),
          ])
        : await work;
      this.history.add('ExecutionSucceeded', frame.last, [
        'executionSucceededEventDetails',
        { output: JSON.stringify(output), outputDetails: { truncated: false } },
      ]);
      return { status: 'SUCCEEDED', output };
    } catch (error) {
      if (error instanceof ExecutionTimedOut || this.root.signal.reason instanceof ExecutionTimedOut) {
        const cause = `The execution timed out after ${definition.TimeoutSeconds} seconds`;
        this.history.add('ExecutionTimedOut', frame.last, [
          'executionTimedOutEventDetails',
          { error: StatesErrors.Timeout, cause },
        ]);
        return { status: 'TIMED_OUT', error: StatesErrors.Timeout, cause };
      }
      if (signal?.aborted) return { status: 'ABORTED' };
      const failure =
        error instanceof StatesError
          ? error
          : new StatesError(StatesErrors.Runtime, `Internal interpreter error: ${(error as Error).message}`);
      const details = {
        ...(failure.error ? { error: failure.error } : {}),
        ...(failure.cause ? { cause: failure.cause } : {}),
      };
      this.history.add('ExecutionFailed', frame.last, ['executionFailedEventDetails', details]);
      return { status: 'FAILED', ...details };
    } finally {
      this.history.close();
      deadline.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async runScope(scope: StateMachineDefinition, input: JsonValue, frame: Frame): Promise<JsonValue> {
    let name: string | undefined = scope.StartAt;
    let data = input;
    while (name !== undefined) {
      frame.signal.throwIfAborted();
      const state = scope.States.get(name);
      if (!state) throw new StatesError(StatesErrors.Runtime, `State '${name}' does not exist`);
      const step = await this.runState(state, data, frame);
      data = step.output;
      name = step.next;
    }
    return data;
  }

  private async runState(state: State, input: JsonValue, frame: Frame): Promise<Step> {
    const enteredTime = this.options.clock.now();
    frame.last = this.history.add(`${state.Type}StateEntered`, frame.last, [
      'stateEnteredEventDetails',
      { name: state.name, input: JSON.stringify(input), inputDetails: { truncated: false } },
    ]);
    this.history.stateTransitions += 1;
    const step = await this.runStateBody(state, input, frame, enteredTime);
    if (state.Type !== 'Fail') {
      const output = JSON.stringify(step.output);
      if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
        throw new StatesError(
          StatesErrors.DataLimitExceeded,
          `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
        );
      }
      frame.last = this.history.add(`${state.Type}StateExited`, frame.last, [
        'stateExitedEventDetails',
        { name: state.name, output, outputDetails: { truncated: false } },
      ]);
    }
    return step;
  }

  private context(state: State, enteredTime: Date, retryCount: number): JsonObject {
    const { identity, input } = this.options;
    return {
      Execution: {
        Id: identity.executionArn,
        Input: input,
        Name: identity.name,
        RoleArn: identity.roleArn,
        StartTime: identity.startTime.toISOString(),
        RedriveCount: 0,
      },
      State: { EnteredTime: enteredTime.toISOString(), Name: state.name, RetryCount: retryCount },
      StateMachine: { Id: identity.stateMachineArn, Name: identity.stateMachineName },
    };
  }

  private async runStateBody(state: State, input: JsonValue, frame: Frame, enteredTime: Date): Promise<Step> {
    if (state.Type === 'Task') return this.withRetries(state, input, frame, enteredTime);
    const scope = { input, context: this.context(state, enteredTime, 0) };
    switch (state.Type) {
      case 'Succeed':
        return toStates(state, () => ({ output: readPath(state.OutputPath, scope, 'OutputPath') }));
      case 'Fail':
        throw toStates(state, () => {
          const text = (path: string | undefined, field: string): string => {
            if (path === undefined) return '';
            const value = readPath(path, scope, field);
            return typeof value === 'string' ? value : JSON.stringify(value);
          };
          return new StatesError(text(state.ErrorPath, 'ErrorPath'), text(state.CausePath, 'CausePath'));
        });
      case 'Choice':
        return toStates(state, () => {
          const target = state.Choices.find((c) => evaluateRule(c, scope))?.Next ?? state.Default;
          if (target === undefined) {
            throw new StatesError(
              StatesErrors.NoChoiceMatched,
              `An error occurred while executing the state '${state.name}'. No Choice Rule matched and no Default was specified`,
            );
          }
          return { output: input, next: target };
        });
      case 'Wait': {
        const seconds = toStates(state, () => readPath(state.SecondsPath, scope, 'SecondsPath'));
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
          throw runtimeError(
            state.name,
            `The SecondsPath parameter does not reference a valid non-negative integer: ${JSON.stringify(seconds)}`,
          );
        }
        await this.options.clock.sleep(seconds * 1000, frame.signal);
        return { output: input, ...next(state) };
      }
    }
  }

  /** Runs a Task state with its Retry and Catch policy. */
  private async withRetries(
    state: TaskState,
    input: JsonValue,
    frame: Frame,
    enteredTime: Date,
  ): Promise<Step> {
    const attempts = state.Retry.map(() => 0);
    let retryCount = 0;
    for (;;) {
      const context = this.context(state, enteredTime, retryCount);
      try {
        return { output: await this.runTask(state, { input, context }, frame), ...next(state) };
      } catch (thrown) {
        frame.signal.throwIfAborted();
        const error = asStatesError(state, thrown);
        if (error.error === StatesErrors.Runtime || error.error === StatesErrors.DataLimitExceeded)
          throw error;
        const index = state.Retry.findIndex((r) => errorMatches(r.ErrorEquals, error.error));
        const retrier = state.Retry[index];
        const used = attempts[index] ?? 0;
        if (retrier && used < retrier.MaxAttempts) {
          attempts[index] = used + 1;
          retryCount += 1;
          await this.options.clock.sleep(this.backoffMillis(retrier, used), frame.signal);
          continue;
        }
        const catcher = state.Catch.find((c) => errorMatches(c.ErrorEquals, error.error));
        if (!catcher) throw error;
        return { output: applyCatch(state, catcher, input, error), next: catcher.Next };
      }
    }
  }

  private backoffMillis(retrier: Retrier, attempt: number): number {
    const seconds = retrier.IntervalSeconds * retrier.BackoffRate ** attempt;
    return (retrier.JitterStrategy === 'FULL' ? seconds * this.random() : seconds) * 1000;
  }

  /** Invokes the function with the Parameters (or the whole input); its return value is the result. */
  private async runTask(state: TaskState, scope: Scope, frame: Frame): Promise<JsonValue> {
    const payload = toStates(state, () => (state.Parameters ? render(state.Parameters, scope) : scope.input));
    const record = (type: string, details?: Record<string, unknown>): void => {
      frame.last = this.history.add(
        `LambdaFunction${type}`,
        frame.last,
        details && [`lambdaFunction${type}EventDetails`, details],
      );
    };
    record('Scheduled', {
      resource: state.Resource,
      input: JSON.stringify(payload),
      inputDetails: { truncated: false },
    });
    record('Started');
    const outcome = await this.invoke(state.Resource, payload, frame.signal);
    if ('error' in outcome) {
      record('Failed', { error: outcome.error.error, cause: outcome.error.cause });
      throw outcome.error;
    }
    const output = JSON.stringify(outcome.payload);
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
      const error = new StatesError(
        StatesErrors.DataLimitExceeded,
        `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
      record('Failed', { error: error.error, cause: error.cause });
      throw error;
    }
    record('Succeeded', { output, outputDetails: { truncated: false } });
    return outcome.payload;
  }

  /** The function's answer, or its failure as a StatesError; rejects once the run is aborted. */
  private async invoke(
    functionArn: string,
    payload: JsonValue,
    signal: AbortSignal,
  ): Promise<{ payload: JsonValue } | { error: StatesError }> {
    const invocation = this.options
      .invokeLambda(functionArn, payload)
      .then((result): { payload: JsonValue } | { error: StatesError } =>
        'error' in result
          ? {
              error: new StatesError(
                result.error.errorType || StatesErrors.TaskFailed,
                JSON.stringify({
                  errorType: result.error.errorType,
                  errorMessage: result.error.errorMessage,
                  ...(result.error.trace ? { trace: result.error.trace } : {}),
                }),
              ),
            }
          : { payload: result.payload },
      )
      .catch((error: unknown) => ({
        error: new StatesError('Lambda.ServiceException', errorMessage(error)),
      }));
    let onAbort = (): void => undefined;
    // The invoke may already have aborted the run (StopExecution while the function starts).
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason as Error);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([invocation, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

function next(state: { readonly Next?: string }): { next?: string } {
  return state.Next !== undefined ? { next: state.Next } : {};
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asStatesError(state: State, error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof DataPathError) return runtimeError(state.name, error.message);
  throw error;
}

function toStates<T>(state: State, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw asStatesError(state, error);
  }
}

/** The input with {Error, Cause} at the catcher's ResultPath. */
function applyCatch(state: State, catcher: Catcher, input: JsonValue, error: StatesError): JsonValue {
  const merged = setAt(catcher.ResultPath, input, { Error: error.error, Cause: error.cause });
  if (merged === undefined) {
    throw runtimeError(
      state.name,
      `Unable to apply ResultPath '${catcher.ResultPath}' to input ${JSON.stringify(input)}`,
    );
  }
  return merged;
}
