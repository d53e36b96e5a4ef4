import type { Clock } from '../../../../local/emulators/stepfunctions/asl/clock';
import { loadDefinition } from '../../../../local/emulators/stepfunctions/asl/definition';
import type { ExecutionOutcome, HistoryEvent, InvokeLambda, InvokeLambdaResult } from '../../../../local/emulators/stepfunctions/asl/interpreter';
import { History, runExecution } from '../../../../local/emulators/stepfunctions/asl/interpreter';
import type { JsonValue } from '../../../../local/emulators/stepfunctions/asl/jsonpath';

/**
 * A clock whose sleeps finish at once (on the next macrotask) and move its time forward, recording
 * each requested duration so tests can assert Wait and backoff intervals without waiting.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = Date.parse('2025-01-01T00:00:00.000Z')) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        if (signal?.aborted) {
          reject(signal.reason as Error);
          return;
        }
        this.current += ms;
        resolve();
      });
    });
  }
}

export type FakeFunction = (payload: JsonValue, call: number) => InvokeLambdaResult | Promise<InvokeLambdaResult>;

/** Lambda functions by name or ARN, each a plain function of its payload; records every call. */
export class FakeLambdas {
  readonly calls: { readonly functionName: string; readonly payload: JsonValue }[] = [];

  constructor(private readonly functions: Record<string, FakeFunction> = {}) {}

  readonly invoke: InvokeLambda = async (functionName, payload) => {
    this.calls.push({ functionName, payload });
    const fn = this.functions[functionName];
    if (!fn) return { error: { errorType: 'Lambda.ResourceNotFoundException', errorMessage: `Function not found: ${functionName}` } };
    return fn(payload, this.calls.filter((c) => c.functionName === functionName).length);
  };

  callsOf(functionName: string): JsonValue[] {
    return this.calls.filter((c) => c.functionName === functionName).map((c) => c.payload);
  }
}

export const ok = (payload: JsonValue): InvokeLambdaResult => ({ payload });
export const fail = (errorType: string, errorMessage = 'failed'): InvokeLambdaResult => ({ error: { errorType, errorMessage } });

export function functionArn(name: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
}

export interface RunResult {
  readonly outcome: ExecutionOutcome;
  readonly events: readonly HistoryEvent[];
  readonly types: readonly string[];
}

/** Loads a definition and runs one execution of it to the end. */
export async function runMachine(
  definition: JsonValue,
  input: JsonValue,
  options: { lambdas?: FakeLambdas; clock?: Clock; random?: () => number; signal?: AbortSignal } = {},
): Promise<RunResult> {
  const clock = options.clock ?? new FakeClock();
  const history = new History(clock);
  const outcome = await runExecution({
    definition: loadDefinition(definition),
    input,
    identity: {
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Machine:run-1',
      name: 'run-1',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Machine',
      stateMachineName: 'Machine',
      roleArn: 'arn:aws:iam::000000000000:role/MachineRole',
      startTime: clock.now(),
    },
    invokeLambda: (options.lambdas ?? new FakeLambdas()).invoke,
    clock,
    history,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  return { outcome, events: history.events, types: history.events.map((e) => e.type) };
}

/** A one-state machine around `state` (named "S"), ending after it. */
export function single(state: Record<string, JsonValue>): JsonValue {
  return { StartAt: 'S', States: { S: { ...state, End: true } } };
}

export function output(result: RunResult): JsonValue {
  if (result.outcome.status !== 'SUCCEEDED') {
    throw new Error(`expected SUCCEEDED, got ${JSON.stringify(result.outcome)}`);
  }
  return result.outcome.output;
}
