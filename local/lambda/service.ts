import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { FaultSchedule, type EmulatorFault } from '../emulators/fault-schedule';
import type { Timer } from '../emulators/sqs';
import { RuntimeClock } from './clock';
import { LambdaInstance, logStreamName } from './instance';
import type { InstanceOutcome, InstanceStartFailure } from './instance';
import { isInvokeFailure } from './types';
import type { FunctionCounters, InvokeFailure, InvokeOutcome, LogEntry, LogSink } from './types';

/** Lambda's synchronous invocation request limit. */
const MAX_REQUEST_BYTES = 6_291_456;

const FunctionConfigSchema = z.object({
  functionName: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a Lambda function name (letters, digits, - and _, 1-64)'),
  arn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+$/,
      'an unqualified function ARN',
    ),
  /** Directory holding the bundle (`index.mjs` or `index.js`); it becomes LAMBDA_TASK_ROOT. */
  bundleDir: z.string().min(1),
  handler: z.string().regex(/^[^.]+\.[^.].*$/, "'<module>.<export>', e.g. index.handler"),
  environment: z.record(z.string(), z.string()).default({}),
  timeoutSeconds: z.number().int().min(1).max(900),
  memoryMb: z.number().int().min(128).max(10_240),
  reservedConcurrency: z.number().int().min(0).optional(),
  logGroupName: z.string().min(1).optional(),
  /** Lambda's LoggingConfig.LogFormat: how the runtime formats `console.*` output. */
  logFormat: z.enum(['Text', 'JSON']).default('Text'),
  /** With JSON, the lowest level of the function's lines that reach the log group. @default 'INFO' */
  applicationLogLevel: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']).default('INFO'),
  /** With JSON, the lowest level of Lambda's own lines (START, END, REPORT are INFO). @default 'INFO' */
  systemLogLevel: z.enum(['DEBUG', 'INFO', 'WARN']).default('INFO'),
  runtime: z
    .string()
    .regex(/^nodejs\d+\.x$/)
    .default('nodejs22.x'),
});

export type FunctionConfig = z.input<typeof FunctionConfigSchema>;
type ResolvedConfig = z.output<typeof FunctionConfigSchema>;

export interface LambdaServiceOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Variables every function starts from, below its own environment (credentials, endpoints, PATH). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Account-level concurrency shared by the functions without reserved concurrency. @default 32 */
  readonly accountConcurrency?: number;
  /** Where log lines go. @default process.stdout with a `[functionName]` prefix */
  readonly logSink?: LogSink;
  /** An idle instance is shut down after this long, as Lambda reclaims idle environments. @default 300_000 */
  readonly maxIdleMs?: number;
  /** JSON log lines kept per function for tests and diagnostics (oldest dropped first). @default 5_000 */
  readonly jsonLogLimit?: number;
  /**
   * Called with each JSON object a function logs and the log group it goes to, as CloudWatch Logs
   * reads EMF records and applies the group's metric filters. @default none
   */
  readonly onJsonLog?: (record: Record<string, unknown>, functionName: string, logGroupName: string) => void;
  /** Time for timeouts, idle reclaim and the functions' own `Date`. @default real time */
  readonly clock?: RuntimeClock;
}

/** The log group a function writes to: its LoggingConfig's, else Lambda's default. */
const logGroupOf = (config: Pick<FunctionConfig, 'functionName' | 'logGroupName'>): string =>
  config.logGroupName ?? `/aws/lambda/${config.functionName}`;

const defaultSink: LogSink = (entry) => {
  process.stdout.write(`[${entry.functionName}] ${entry.line}\n`);
};

class LineSplitter {
  private pending = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(text: string): void {
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  flush(): void {
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }
}

interface PooledInstance {
  readonly instance: LambdaInstance;
  readonly splitters: readonly LineSplitter[];
  idleTimer?: Timer;
}

interface FunctionState {
  readonly config: ResolvedConfig;
  readonly idle: PooledInstance[];
  readonly all: Set<PooledInstance>;
  busy: number;
  readonly counters: FunctionCounters;
  readonly jsonLogs: Record<string, unknown>[];
}

function emptyCounters(): FunctionCounters {
  return {
    invocations: 0,
    coldStarts: 0,
    errors: 0,
    timeouts: 0,
    throttles: 0,
    billedDurationMs: 0,
    gbSeconds: 0,
    peakConcurrency: 0,
  };
}

function serviceError(statusCode: number, errorType: string, errorMessage: string): InvokeFailure {
  return { kind: 'service', statusCode, error: { errorType, errorMessage } };
}

/** Lambda's log levels, lowest first. */
const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 } as const;

/** A line's level as Lambda's filter reads it: its `level` field, else (missing or invalid) INFO. */
const levelOf = (level: unknown): number => {
  const name = typeof level === 'string' ? level.toUpperCase() : '';
  return Object.hasOwn(LEVELS, name) ? LEVELS[name as keyof typeof LEVELS] : LEVELS.INFO;
};

/** The JSON object a line holds, if it holds one: a line that merely starts with a brace is text. */
const jsonObjectOf = (line: string): Record<string, unknown> | undefined => {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Runs Lambda bundles the way the Lambda service does for synchronous (RequestResponse) invokes:
 * one worker-thread instance per concurrent invocation, warm reuse, cold-start init, enforced
 * timeouts, throttling beyond reserved or account concurrency, and Lambda's error documents.
 */
export class LambdaService {
  private readonly functions = new Map<string, FunctionState>();
  private readonly byArn = new Map<string, FunctionState>();
  private readonly region: string;
  private readonly baseEnv: Readonly<Record<string, string>>;
  private readonly accountConcurrency: number;
  private readonly sink: LogSink;
  private readonly maxIdleMs: number;
  private readonly jsonLogLimit: number;
  private readonly onJsonLog: NonNullable<LambdaServiceOptions['onJsonLog']>;
  private readonly clock: RuntimeClock;
  private readonly faults: FaultSchedule;
  private stopped = false;

  constructor(options: LambdaServiceOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.baseEnv = options.baseEnv ?? {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
    };
    this.accountConcurrency = options.accountConcurrency ?? 32;
    this.sink = options.logSink ?? defaultSink;
    this.maxIdleMs = options.maxIdleMs ?? 300_000;
    this.jsonLogLimit = options.jsonLogLimit ?? 5_000;
    this.onJsonLog = options.onJsonLog ?? (() => undefined);
    this.clock = options.clock ?? new RuntimeClock();
    this.faults = new FaultSchedule((ms) => this.clock.sleep(ms));
  }

  register(config: FunctionConfig): void {
    const parsed = FunctionConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new Error(
        `Invalid Lambda function config for ${String(config.functionName)}: ${z.prettifyError(parsed.error)}`,
      );
    }
    const resolved = parsed.data;
    if (this.functions.has(resolved.functionName)) {
      throw new Error(`Lambda function ${resolved.functionName} is already registered`);
    }
    const state: FunctionState = {
      config: { ...resolved, bundleDir: path.resolve(resolved.bundleDir) },
      idle: [],
      all: new Set(),
      busy: 0,
      counters: emptyCounters(),
      jsonLogs: [],
    };
    this.functions.set(resolved.functionName, state);
    this.byArn.set(resolved.arn, state);
  }

  /** Synchronous invoke by function name, unqualified ARN, or either qualified with `:$LATEST`. */
  async invoke(
    functionNameOrArn: string,
    event: unknown,
    _options: { invocationType?: 'RequestResponse' } = {},
  ): Promise<InvokeOutcome> {
    if (this.stopped) throw new Error('LambdaService is stopped');
    const key = functionNameOrArn.replace(/:\$LATEST$/, '');
    const fn = this.functions.get(key) ?? this.byArn.get(key);
    if (fn === undefined) {
      return serviceError(404, 'ResourceNotFoundException', `Function not found: ${functionNameOrArn}`);
    }
    const eventJson = event === undefined ? '{}' : JSON.stringify(event);
    if (Buffer.byteLength(eventJson) > MAX_REQUEST_BYTES) {
      return serviceError(
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation`,
      );
    }
    const fault = this.faults.take(fn.config.functionName);
    if (fault?.kind === 'delay') await this.clock.sleep(fault.ms);
    if (fault?.kind === 'throttle' || !this.hasCapacity(fn)) {
      fn.counters.throttles += 1;
      return serviceError(429, 'TooManyRequestsException', 'Rate Exceeded.');
    }
    fn.counters.invocations += 1;
    if (fault?.kind === 'error') {
      fn.counters.errors += 1;
      const error = { errorType: fault.code, errorMessage: fault.message ?? 'injected fault', trace: [] };
      return { kind: 'function', error, requestId: randomUUID() };
    }
    fn.busy += 1;
    fn.counters.peakConcurrency = Math.max(fn.counters.peakConcurrency, fn.busy);
    let outcome: InvokeOutcome;
    try {
      outcome = await this.run(
        fn,
        eventJson,
        functionNameOrArn.startsWith('arn:') ? functionNameOrArn : fn.config.arn,
      );
    } finally {
      fn.busy -= 1;
    }
    if (fault?.kind !== 'dropResponse' || isInvokeFailure(outcome)) return outcome;
    fn.counters.errors += 1;
    fn.counters.timeouts += 1;
    const { result: _dropped, ...facts } = outcome;
    const seconds = fn.config.timeoutSeconds.toFixed(2);
    return {
      ...facts,
      kind: 'timeout',
      error: {
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${facts.requestId} Error: Task timed out after ${seconds} seconds`,
      },
    };
  }

  /**
   * Arms a test-only fault for the next invocation(s) of a function: `throttle` is refused with
   * TooManyRequestsException (429) before any code runs; `error` is a function error of type `code`
   * without running the handler; `dropResponse` runs the handler to completion, so its side effects
   * happen, but the caller gets Sandbox.Timedout, as when a function times out right after its last
   * write; `delay` starts the invocation `ms` later on the runtime's clock.
   */
  injectFault(functionName: string, fault: EmulatorFault): void {
    if (!this.functions.has(functionName))
      throw new Error(`Lambda function ${functionName} is not registered`);
    this.faults.add(functionName, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Per-function counters, keyed by function name (the cost benchmark reads them). */
  counters(): Record<string, FunctionCounters> {
    const all: Record<string, FunctionCounters> = {};
    for (const [name, fn] of this.functions) all[name] = { ...fn.counters };
    return all;
  }

  /** The JSON objects a function logged (Powertools Logger lines, JSON-format console lines). */
  jsonLogs(functionName: string): readonly Record<string, unknown>[] {
    return [...(this.functions.get(functionName)?.jsonLogs ?? [])];
  }

  /** Terminates every instance; invocations in flight fail with Runtime.ExitError. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.functions.values()].flatMap((fn) => [...fn.all]);
    await Promise.all(all.map((pooled) => this.discard(pooled)));
  }

  private hasCapacity(fn: FunctionState): boolean {
    const reserved = fn.config.reservedConcurrency;
    if (reserved !== undefined) return fn.busy < reserved;
    let reservedTotal = 0;
    let unreservedBusy = 0;
    for (const other of this.functions.values()) {
      if (other.config.reservedConcurrency === undefined) unreservedBusy += other.busy;
      else reservedTotal += other.config.reservedConcurrency;
    }
    return unreservedBusy < this.accountConcurrency - reservedTotal;
  }

  private async run(
    fn: FunctionState,
    eventJson: string,
    invokedFunctionArn: string,
  ): Promise<InvokeOutcome> {
    const { config, counters } = fn;
    const requestId = randomUUID();
    this.platform(fn, requestId, `START RequestId: ${requestId} Version: $LATEST`);

    let pooled = this.takeIdle(fn);
    const coldStart = pooled === undefined;
    let initDurationMs: number | undefined;
    if (pooled === undefined) {
      counters.coldStarts += 1;
      const initStartedAt = performance.now();
      const started = await this.startInstance(fn, requestId);
      if ('error' in started) {
        initDurationMs = performance.now() - initStartedAt;
        const outcome: InstanceOutcome = { ok: false, kind: started.kind, error: started.error };
        return this.finish(fn, requestId, outcome, { coldStart, initDurationMs, durationMs: 0 });
      }
      pooled = started;
      initDurationMs = pooled.instance.initDurationMs;
    }

    const invokedAt = performance.now();
    const outcome = await pooled.instance.invoke({
      requestId,
      eventJson,
      invokedFunctionArn,
      timeoutMs: config.timeoutSeconds * 1000,
    });
    const durationMs =
      outcome.ok || outcome.kind !== 'timeout' ? performance.now() - invokedAt : config.timeoutSeconds * 1000;
    if (pooled.instance.alive) this.release(fn, pooled);
    else await this.discard(pooled);
    return this.finish(fn, requestId, outcome, { coldStart, initDurationMs, durationMs });
  }

  private finish(
    fn: FunctionState,
    requestId: string,
    outcome: InstanceOutcome,
    timing: { coldStart: boolean; initDurationMs?: number; durationMs: number },
  ): InvokeOutcome {
    const { config, counters } = fn;
    const initMs = timing.initDurationMs ?? 0;
    const billedDurationMs = Math.ceil(timing.durationMs) + Math.ceil(timing.coldStart ? initMs : 0);
    counters.billedDurationMs += billedDurationMs;
    counters.gbSeconds += (billedDurationMs / 1000) * (config.memoryMb / 1024);
    if (!outcome.ok) counters.errors += 1;
    if (!outcome.ok && outcome.kind === 'timeout') {
      counters.timeouts += 1;
      this.platform(
        fn,
        requestId,
        `${new Date(this.clock.now()).toISOString()} ${requestId} Task timed out after ${config.timeoutSeconds.toFixed(2)} seconds`,
        'WARN',
      );
    }
    this.platform(fn, requestId, `END RequestId: ${requestId}`);
    const init = timing.coldStart ? `\tInit Duration: ${initMs.toFixed(2)} ms` : '';
    this.platform(
      fn,
      requestId,
      `REPORT RequestId: ${requestId}\tDuration: ${timing.durationMs.toFixed(2)} ms\tBilled Duration: ${billedDurationMs} ms\tMemory Size: ${config.memoryMb} MB${init}`,
    );
    const facts = {
      requestId,
      coldStart: timing.coldStart,
      durationMs: timing.durationMs,
      ...(timing.coldStart ? { initDurationMs: initMs } : {}),
    };
    if (outcome.ok) return { ...facts, result: JSON.parse(outcome.payloadJson) as unknown };
    return { ...facts, kind: outcome.kind, error: outcome.error };
  }

  private takeIdle(fn: FunctionState): PooledInstance | undefined {
    // Most recently used first: the warmest instance, and the others age out and get reclaimed.
    for (let pooled = fn.idle.pop(); pooled !== undefined; pooled = fn.idle.pop()) {
      pooled.idleTimer?.cancel();
      if (pooled.instance.alive) return pooled;
      void this.discard(pooled);
    }
    return undefined;
  }

  private release(fn: FunctionState, pooled: PooledInstance): void {
    pooled.idleTimer = this.clock.setTimer(() => {
      const index = fn.idle.indexOf(pooled);
      if (index >= 0) fn.idle.splice(index, 1);
      void this.discard(pooled);
    }, this.maxIdleMs);
    fn.idle.push(pooled);
  }

  private async discard(pooled: PooledInstance): Promise<void> {
    pooled.idleTimer?.cancel();
    for (const fn of this.functions.values()) {
      if (fn.all.delete(pooled)) {
        const index = fn.idle.indexOf(pooled);
        if (index >= 0) fn.idle.splice(index, 1);
      }
    }
    await pooled.instance.terminate();
    for (const splitter of pooled.splitters) splitter.flush();
  }

  private async startInstance(
    fn: FunctionState,
    requestId: string,
  ): Promise<PooledInstance | InstanceStartFailure> {
    const { config } = fn;
    const splitters = (['stdout', 'stderr'] as const).map(
      (stream) => [stream, new LineSplitter((line) => this.output(fn, stream, line))] as const,
    );
    const byStream = new Map(splitters);
    const started = await LambdaInstance.start(
      {
        env: this.environmentFor(config),
        memoryMb: config.memoryMb,
        clock: this.clock,
        onOutput: (stream, text) => byStream.get(stream)?.push(text),
      },
      requestId,
    );
    if ('error' in started) {
      for (const [, splitter] of splitters) splitter.flush();
      return started;
    }
    if (this.stopped) {
      await started.instance.terminate();
      return {
        kind: 'runtime',
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: service stopped`,
        },
      };
    }
    const pooled: PooledInstance = {
      instance: started.instance,
      splitters: splitters.map(([, splitter]) => splitter),
    };
    fn.all.add(pooled);
    return pooled;
  }

  private environmentFor(config: ResolvedConfig): Record<string, string> {
    const memory = String(config.memoryMb);
    const reserved: Record<string, string> = {
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: config.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: logGroupOf(config),
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(new Date(this.clock.now())),
      LAMBDA_TASK_ROOT: config.bundleDir,
      _HANDLER: config.handler,
      ...(config.logFormat === 'JSON'
        ? { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: config.applicationLogLevel }
        : {}),
    };
    // Reserved variables win over the function's own, as Lambda refuses to let a function set them.
    return { ...this.baseEnv, ...config.environment, ...reserved };
  }

  private output(fn: FunctionState, stream: 'stdout' | 'stderr', line: string): void {
    const parsed = jsonObjectOf(line);
    if (fn.config.logFormat === 'JSON' && levelOf(parsed?.level) < LEVELS[fn.config.applicationLogLevel])
      return;
    this.emit({ functionName: fn.config.functionName, stream, line });
    if (parsed === undefined) return;
    try {
      fn.jsonLogs.push(parsed);
      if (fn.jsonLogs.length > this.jsonLogLimit) fn.jsonLogs.shift();
      this.onJsonLog(parsed, fn.config.functionName, logGroupOf(fn.config));
    } catch {
      // A failing hook, like a failing sink, must not fail the invocation it is reporting on.
    }
  }

  /**
   * One of Lambda's own lines. With JSON logs, Lambda filters them by the system log level:
   * START, END and REPORT are INFO. A timeout is kept as WARN here, which Lambda's documentation
   * does not settle (decision 0058).
   */
  private platform(
    fn: FunctionState,
    requestId: string,
    line: string,
    level: 'INFO' | 'WARN' = 'INFO',
  ): void {
    if (fn.config.logFormat === 'JSON' && LEVELS[level] < LEVELS[fn.config.systemLogLevel]) return;
    this.emit({ functionName: fn.config.functionName, stream: 'platform', line, requestId });
  }

  private emit(entry: LogEntry): void {
    try {
      this.sink(entry);
    } catch {
      // A failing log sink must not fail the invocation it is reporting on.
    }
  }
}
