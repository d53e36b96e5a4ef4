import { randomUUID } from 'node:crypto';
import type { Clock } from './clock';
import { evaluateRule } from './choice';
import type { Catcher, Retrier, State, StateMachineDefinition, TaskState, WaitState } from './definition';
import { errorMatches, runtimeError, StatesError, StatesErrors } from './errors';
import type { JsonObject, JsonPath, JsonValue } from './jsonpath';
import { setAt } from './jsonpath';
import { isTimestamp } from './choice';
import type { DataPath, Scope } from './template';
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

  get isClosed(): boolean {
    return this.closed;
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
  readonly region?: string;
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
  /** The id of the last event recorded on this thread of control. */
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
      const output = definition.timeoutSeconds
        ? await Promise.race([
            work,
            clock.sleep(definition.timeoutSeconds * 1000, deadline.signal).then(() => {
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
        const cause = `The execution timed out after ${definition.timeoutSeconds} seconds`;
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
    let name: string | undefined = scope.startAt;
    let data = input;
    while (name !== undefined) {
      throwIfAborted(frame.signal);
      const state = scope.states.get(name);
      if (!state) throw new StatesError(StatesErrors.Runtime, `State '${name}' does not exist`);
      const step = await this.runState(state, data, frame);
      data = step.output;
      name = step.next;
    }
    return data;
  }

  private async runState(state: State, input: JsonValue, frame: Frame): Promise<Step> {
    if (this.history.events.length >= MAX_HISTORY_EVENTS - 1) {
      throw new StatesError(
        StatesErrors.Runtime,
        `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}) before entering state '${state.name}'.`,
      );
    }
    const enteredTime = this.options.clock.now();
    this.history.stateTransitions += 1;
    frame.last = this.history.add(`${state.type}StateEntered`, frame.last, [
      'stateEnteredEventDetails',
      { name: state.name, input: JSON.stringify(input), inputDetails: { truncated: false } },
    ]);
    const step = await this.runStateBody(state, input, frame, enteredTime);
    if (state.type !== 'Fail') {
      const output = JSON.stringify(step.output);
      if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
        throw new StatesError(
          StatesErrors.DataLimitExceeded,
          `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
        );
      }
      frame.last = this.history.add(`${state.type}StateExited`, frame.last, [
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
    const context = this.context(state, enteredTime, 0);
    const guard = <T>(work: () => T): T => {
      try {
        return work();
      } catch (error) {
        throw asStatesError(state, error);
      }
    };
    switch (state.type) {
      case 'Pass':
        return guard(() => {
          const effective = applyInputPath(state.inputPath, input, context);
          const scope = { input: effective, context };
          const result = state.parameters
            ? render(state.parameters, scope)
            : 'result' in state
              ? (state.result ?? null)
              : effective;
          return { output: applyOutput(state, input, result, context), ...next(state) };
        });
      case 'Succeed':
        return guard(() => ({
          output: applyOutputPath(state.outputPath, applyInputPath(state.inputPath, input, context), context),
        }));
      case 'Fail':
        throw guard(() => {
          const scope = { input, context };
          const text = (value: typeof state.error): string | undefined => {
            if (value === undefined || typeof value === 'string') return value;
            const resolved = readPath(value.path, scope, 'ErrorPath');
            return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
          };
          return new StatesError(text(state.error) ?? '', text(state.cause) ?? '');
        });
      case 'Choice':
        return guard(() => {
          const effective = applyInputPath(state.inputPath, input, context);
          const branch = state.choices.find((c) => evaluateRule(c.rule, { input: effective, context }));
          const target = branch?.next ?? state.default;
          if (target === undefined) {
            throw new StatesError(
              StatesErrors.NoChoiceMatched,
              `An error occurred while executing the state '${state.name}'. No Choice Rule matched and no Default was specified`,
            );
          }
          return { output: applyOutputPath(state.outputPath, effective, context), next: target };
        });
      case 'Wait': {
        const { effective, ms } = guard(() => {
          const value = applyInputPath(state.inputPath, input, context);
          return { effective: value, ms: this.waitMillis(state, value, context) };
        });
        await this.options.clock.sleep(ms, frame.signal);
        return guard(() => ({
          output: applyOutputPath(state.outputPath, effective, context),
          ...next(state),
        }));
      }
      case 'Task':
        return this.withRetries(state, input, frame, enteredTime);
    }
  }

  private waitMillis(state: WaitState, effective: JsonValue, context: JsonObject): number {
    const wait = state.wait;
    const scope = { input: effective, context };
    if ('seconds' in wait) return wait.seconds * 1000;
    if ('secondsPath' in wait) {
      const seconds = readPath(wait.secondsPath, scope, 'SecondsPath');
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw new DataPathError(
          `The SecondsPath parameter does not reference a valid non-negative integer: ${JSON.stringify(seconds)}`,
        );
      }
      return seconds * 1000;
    }
    const timestamp =
      'timestamp' in wait ? wait.timestamp : readPath(wait.timestampPath, scope, 'TimestampPath');
    if (!isTimestamp(timestamp)) {
      throw new DataPathError(
        `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${JSON.stringify(timestamp)}`,
      );
    }
    return Math.max(0, Date.parse(timestamp) - this.options.clock.now().getTime());
  }

  /** Runs a Task state with its Retry and Catch policy. */
  private async withRetries(
    state: TaskState,
    input: JsonValue,
    frame: Frame,
    enteredTime: Date,
  ): Promise<Step> {
    const attempts = state.retry.map(() => 0);
    let retryCount = 0;
    for (;;) {
      const context = this.context(state, enteredTime, retryCount);
      try {
        const effective = toStates(state, () => applyInputPath(state.inputPath, input, context));
        const result = await this.runTask(state, effective, context, frame);
        return toStates(state, () => {
          const selected = state.resultSelector
            ? render(state.resultSelector, { input: result, context })
            : result;
          return { output: applyOutput(state, input, selected, context), ...next(state) };
        });
      } catch (thrown) {
        throwIfAborted(frame.signal);
        const error = asStatesError(state, thrown);
        if (error.error === StatesErrors.Runtime || error.error === StatesErrors.DataLimitExceeded)
          throw error;
        const index = state.retry.findIndex((r) => errorMatches(r.errorEquals, error.error));
        const retrier = state.retry[index];
        const used = attempts[index] ?? 0;
        if (retrier && used < retrier.maxAttempts) {
          attempts[index] = used + 1;
          retryCount += 1;
          await this.options.clock.sleep(this.backoffMillis(retrier, used), frame.signal);
          continue;
        }
        const catcher = state.catch.find((c) => errorMatches(c.errorEquals, error.error));
        if (!catcher) throw error;
        return { output: applyCatch(state, catcher, input, error), next: catcher.next };
      }
    }
  }

  private backoffMillis(retrier: Retrier, attempt: number): number {
    let seconds = retrier.intervalSeconds * retrier.backoffRate ** attempt;
    if (retrier.maxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.maxDelaySeconds);
    if (retrier.jitter === 'FULL') seconds *= this.random();
    return seconds * 1000;
  }

  private async runTask(
    state: TaskState,
    effective: JsonValue,
    context: JsonObject,
    frame: Frame,
  ): Promise<JsonValue> {
    const scope = { input: effective, context };
    const parameters = toStates(state, () =>
      state.parameters ? render(state.parameters, scope) : effective,
    );
    const timeoutSeconds = toStates(state, () => taskTimeout(state, scope));
    const timeoutDetail = timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {};
    const lambda = state.integration === 'function-arn';
    const taskResource = { resourceType: 'lambda', resource: 'invoke' };
    let functionName = state.resource;
    let payload = parameters;
    const record = (type: string, key: string, details: Record<string, unknown>): void => {
      frame.last = this.history.add(type, frame.last, [
        key,
        lambda ? details : { ...taskResource, ...details },
      ]);
    };
    if (lambda) {
      record('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
        resource: state.resource,
        input: JSON.stringify(parameters),
        inputDetails: { truncated: false },
        ...timeoutDetail,
      });
      frame.last = this.history.add('LambdaFunctionStarted', frame.last);
    } else {
      const args = isObject(parameters) ? parameters : {};
      if (typeof args.FunctionName !== 'string') {
        throw runtimeError(
          state.name,
          `The field 'FunctionName' must be a string but was ${JSON.stringify(args.FunctionName)}`,
        );
      }
      functionName = args.FunctionName;
      payload = args.Payload ?? {};
      record('TaskScheduled', 'taskScheduledEventDetails', {
        region: this.options.region ?? 'us-east-1',
        parameters: JSON.stringify(parameters),
        ...timeoutDetail,
      });
      record('TaskStarted', 'taskStartedEventDetails', {});
    }
    const prefix = lambda ? 'LambdaFunction' : 'Task';
    const detailsKey = (suffix: string): string =>
      `${lambda ? 'lambdaFunction' : 'task'}${suffix}EventDetails`;
    const outcome = await this.invokeWithTimeout(functionName, payload, timeoutSeconds, frame.signal);
    if (outcome === 'timeout') {
      const error = new StatesError(
        StatesErrors.Timeout,
        `The task '${state.name}' timed out after ${timeoutSeconds} seconds`,
      );
      record(`${prefix}TimedOut`, detailsKey('TimedOut'), { error: error.error, cause: error.cause });
      throw error;
    }
    if ('error' in outcome) {
      const error = outcome.error;
      record(`${prefix}Failed`, detailsKey('Failed'), { error: error.error, cause: error.cause });
      throw error;
    }
    const result = lambda ? outcome.payload : invokeResponse(outcome.payload);
    const output = JSON.stringify(result);
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
      const error = new StatesError(
        StatesErrors.DataLimitExceeded,
        `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
      record(`${prefix}Failed`, detailsKey('Failed'), { error: error.error, cause: error.cause });
      throw error;
    }
    record(`${prefix}Succeeded`, detailsKey('Succeeded'), { output, outputDetails: { truncated: false } });
    return result;
  }

  private async invokeWithTimeout(
    functionName: string,
    payload: JsonValue,
    timeoutSeconds: number | undefined,
    signal: AbortSignal,
  ): Promise<'timeout' | { payload: JsonValue } | { error: StatesError }> {
    const invocation = this.options
      .invokeLambda(functionName, payload)
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
    const timer = new AbortController();
    const onAbort = (): void => timer.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // The invoke may already have aborted the run (StopExecution while the function starts).
    if (signal.aborted) onAbort();
    try {
      const contenders: Promise<'timeout' | { payload: JsonValue } | { error: StatesError }>[] = [
        invocation,
        timeoutSeconds !== undefined
          ? this.options.clock.sleep(timeoutSeconds * 1000, timer.signal).then(() => 'timeout' as const)
          : whenAborted(timer.signal),
      ];
      return await Promise.race(contenders);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!timer.signal.aborted) timer.abort();
    }
  }
}

function next(state: { readonly next?: string }): { next?: string } {
  return state.next !== undefined ? { next: state.next } : {};
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

function throwIfAborted(signal: AbortSignal): void {
  signal.throwIfAborted();
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

function applyInputPath(path: DataPath | null, input: JsonValue, context: JsonValue): JsonValue {
  return path === null ? {} : readPath(path, { input, context }, 'InputPath');
}

function applyOutputPath(path: DataPath | null, output: JsonValue, context: JsonValue): JsonValue {
  return path === null ? {} : readPath(path, { input: output, context }, 'OutputPath');
}

function applyResultPath(path: JsonPath | null, rawInput: JsonValue, result: JsonValue): JsonValue {
  if (path === null) return rawInput;
  const merged = setAt(path, rawInput, result);
  if (merged === undefined) {
    throw new DataPathError(`Unable to apply ResultPath '${path.text}' to input ${JSON.stringify(rawInput)}`);
  }
  return merged;
}

function applyOutput(
  state: { readonly resultPath: JsonPath | null; readonly outputPath: DataPath | null },
  rawInput: JsonValue,
  result: JsonValue,
  context: JsonValue,
): JsonValue {
  return applyOutputPath(state.outputPath, applyResultPath(state.resultPath, rawInput, result), context);
}

function applyCatch(state: State, catcher: Catcher, rawInput: JsonValue, error: StatesError): JsonValue {
  return toStates(state, () =>
    applyResultPath(catcher.resultPath, rawInput, { Error: error.error, Cause: error.cause }),
  );
}

function taskTimeout(state: TaskState, scope: Scope): number | undefined {
  if (state.timeoutSeconds !== undefined) return state.timeoutSeconds;
  if (!state.timeoutSecondsPath) return undefined;
  const value = readPath(state.timeoutSecondsPath, scope, 'TimeoutSecondsPath');
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new DataPathError(
      `TimeoutSecondsPath must reference a positive integer but found ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The response of the optimized Lambda integration: the Invoke API answer with the payload parsed. */
function invokeResponse(payload: JsonValue): JsonObject {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-Remapped-Content-Length': ['0'],
        Connection: ['keep-alive'],
        'x-amzn-RequestId': [requestId],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        Connection: 'keep-alive',
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-Remapped-Content-Length': '0',
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
