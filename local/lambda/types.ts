/** The error document Lambda returns for a failed invocation (the `Payload` of an Invoke with `FunctionError`). */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/**
 * Why an invocation failed.
 * - `function`: the handler threw or rejected (Lambda's `FunctionError: Unhandled`); the instance stays warm.
 * - `timeout`: the configured timeout expired; the instance was killed.
 * - `runtime`: the instance died or could not start (init error, process exit, uncaught exception,
 *   unhandled rejection, out of memory, oversized response); the instance was discarded.
 * - `service`: the Invoke API call itself was refused before any code ran (unknown function, request
 *   too large, throttled); `statusCode` is the HTTP status the Lambda API answers with.
 */
export type InvokeErrorKind = 'function' | 'timeout' | 'runtime' | 'service';

interface InvocationFacts {
  readonly requestId: string;
  readonly coldStart: boolean;
  /** Wall time of the invoke phase (handler call), excluding init. */
  readonly durationMs: number;
  /** Module import time, present on a cold start. */
  readonly initDurationMs?: number;
}

export interface InvokeSuccess extends InvocationFacts {
  /** The handler's return value after a JSON round trip, exactly as a Lambda caller would decode it. */
  readonly result: unknown;
}

export interface InvokeFailure extends Partial<InvocationFacts> {
  readonly error: LambdaErrorPayload;
  readonly kind: InvokeErrorKind;
  /** Set for `service` errors: the Lambda API status (404, 413, 429). */
  readonly statusCode?: number;
}

export type InvokeOutcome = InvokeSuccess | InvokeFailure;

export function isInvokeFailure(outcome: InvokeOutcome): outcome is InvokeFailure {
  return 'error' in outcome;
}

export interface FunctionCounters {
  invocations: number;
  coldStarts: number;
  /** Lambda's `Errors` metric: function errors, timeouts and runtime failures. */
  errors: number;
  timeouts: number;
  throttles: number;
  /** Sum of billed durations in ms (1 ms granularity; init is billed since August 2025). */
  billedDurationMs: number;
  /** billedDurationMs × memory, the unit Lambda prices compute in. */
  gbSeconds: number;
  /** Highest number of instances that were busy at the same time. */
  peakConcurrency: number;
}

export interface LogEntry {
  readonly functionName: string;
  /** `platform` marks lines the Lambda service itself writes (START, END, REPORT, timeouts). */
  readonly stream: 'stdout' | 'stderr' | 'platform';
  readonly line: string;
  readonly requestId?: string;
}

export type LogSink = (entry: LogEntry) => void;
