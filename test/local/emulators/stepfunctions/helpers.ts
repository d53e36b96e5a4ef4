import type { Clock } from '../../../../local/emulators/stepfunctions/asl/clock';
import { loadDefinition } from '../../../../local/emulators/stepfunctions/asl/definition';
import type {
  ExecutionOutcome,
  HistoryEvent,
  InvokeLambda,
  InvokeLambdaResult,
} from '../../../../local/emulators/stepfunctions/asl/interpreter';
import { History, runExecution } from '../../../../local/emulators/stepfunctions/asl/interpreter';
import type { JsonValue } from '../../../../local/emulators/stepfunctions/asl/jsonpath';

/**
 * Virtual time: sleeps end one at a time in deadline order, each on a later macrotask, moving the
 * clock to its deadline, and every requested duration is recorded. A long sleep (an execution or
 * task timeout) therefore only ends when nothing due earlier is pending, which holds as long as the
 * fake Lambdas answer without real timers.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;
  private readonly pending: { deadline: number; resolve: () => void }[] = [];
  private pumping = false;

  constructor(start = Date.parse('2025-01-01T00:00:00.000Z')) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const entry = { deadline: this.current + ms, resolve };
      signal?.addEventListener(
        'abort',
        () => {
          this.pending.splice(this.pending.indexOf(entry), 1);
          reject(signal.reason as Error);
        },
        { once: true },
      );
      this.pending.push(entry);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      const next = this.pending.reduce<(typeof this.pending)[number] | undefined>(
        (earliest, entry) =>
          earliest === undefined || entry.deadline < earliest.deadline ? entry : earliest,
        undefined,
      );
      if (!next) return;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.current = Math.max(this.current, next.deadline);
      next.resolve();
      if (this.pending.length > 0) this.schedule();
    });
  }
}

export type FakeFunction = (
  payload: JsonValue,
  call: number,
) => InvokeLambdaResult | Promise<InvokeLambdaResult>;

/** Lambda functions by name or ARN, each a plain function of its payload; records every call. */
export class FakeLambdas {
  readonly calls: { readonly functionName: string; readonly payload: JsonValue }[] = [];

  constructor(private readonly functions: Record<string, FakeFunction> = {}) {}

  readonly invoke: InvokeLambda = async (functionName, payload) => {
    this.calls.push({ functionName, payload });
    const fn = this.functions[functionName];
    if (!fn)
      return {
        error: {
          errorType: 'Lambda.ResourceNotFoundException',
          errorMessage: `Function not found: ${functionName}`,
        },
      };
    return fn(payload, this.calls.filter((c) => c.functionName === functionName).length);
  };

  callsOf(functionName: string): JsonValue[] {
    return this.calls.filter((c) => c.functionName === functionName).map((c) => c.payload);
  }
}

export const ok = (payload: JsonValue): InvokeLambdaResult => ({ payload });
export const fail = (errorType: string, errorMessage = 'failed'): InvokeLambdaResult => ({
  error: { errorType, errorMessage },
});

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
