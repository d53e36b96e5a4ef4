import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { BOOTSTRAP_SOURCE } from './bootstrap';
import type { RuntimeClock } from './clock';
import type { InvokeErrorKind, LambdaErrorPayload } from './types';

/** Lambda gives the init phase 10 s, whatever the function timeout. */
const INIT_LIMIT_MS = 10_000;

/** Node CLI flags from NODE_OPTIONS that a worker thread accepts in `execArgv`; the rest are process-wide. */
const WORKER_FLAGS = new Set([
  '--enable-source-maps',
  '--no-deprecation',
  '--no-warnings',
  '--trace-warnings',
]);

export interface InstanceSpec {
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  /** Times the init phase and invocations; the worker's `Date` follows it. */
  readonly clock: RuntimeClock;
  readonly onOutput: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface InstanceRequest {
  readonly requestId: string;
  readonly eventJson: string;
  readonly invokedFunctionArn: string;
  readonly timeoutMs: number;
}

export interface InstanceStartFailure {
  readonly kind: InvokeErrorKind;
  readonly error: LambdaErrorPayload;
}

export type InstanceOutcome =
  | { readonly ok: true; readonly payloadJson: string }
  | { readonly ok: false; readonly kind: InvokeErrorKind; readonly error: LambdaErrorPayload };

type WorkerMessage =
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'ready' }
  | { type: 'initError'; error: LambdaErrorPayload }
  | { type: 'response'; requestId: string; payloadJson: string }
  | { type: 'responseTooLarge'; requestId: string; bytes: number }
  | { type: 'invokeError'; requestId: string; error: LambdaErrorPayload }
  | { type: 'crash'; error: LambdaErrorPayload };

type Settle = (outcome: InstanceOutcome) => void;

interface InstanceState {
  settle?: Settle;
  ready?: () => void;
  requestId?: string;
  crash?: LambdaErrorPayload;
  exited: boolean;
}

export function logStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** An X-Ray trace header as Lambda sets it, unsampled so that no segment is ever sent anywhere. */
function traceHeader(now: number): string {
  const epoch = Math.floor(now / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

export function workerExecArgv(nodeOptions: string | undefined): string[] {
  return (nodeOptions ?? '').split(/\s+/).filter((flag) => WORKER_FLAGS.has(flag));
}

/**
 * One execution environment: a worker thread with its own process.env and module graph. It runs one
 * invocation at a time; after a timeout or a crash it is dead and the pool replaces it.
 */
export class LambdaInstance {
  readonly initDurationMs: number;
  private dead = false;

  private constructor(
    private readonly worker: Worker,
    private readonly state: InstanceState,
    private readonly clock: RuntimeClock,
    initDurationMs: number,
  ) {
    this.initDurationMs = initDurationMs;
  }

  get alive(): boolean {
    return !this.dead && !this.state.exited;
  }

  /** Starts a worker and runs the init phase (handler module import). */
  static async start(
    spec: InstanceSpec,
    requestId: string,
  ): Promise<{ instance: LambdaInstance } | InstanceStartFailure> {
    const startedAt = performance.now();
    const worker = new Worker(BOOTSTRAP_SOURCE, {
      eval: true,
      workerData: { clockOffset: spec.clock.offsetMemory },
      env: { ...spec.env },
      execArgv: workerExecArgv(spec.env.NODE_OPTIONS),
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      stdout: false,
      stderr: false,
    });
    const state: InstanceState = { requestId, exited: false };
    let outOfMemory = false;

    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'log':
          spec.onOutput(message.stream, message.text);
          return;
        case 'ready':
          state.ready?.();
          return;
        case 'initError':
          state.settle?.({ ok: false, kind: 'runtime', error: message.error });
          return;
        case 'response':
          state.settle?.({ ok: true, payloadJson: message.payloadJson });
          return;
        case 'responseTooLarge':
          state.settle?.({
            ok: false,
            kind: 'function',
            error: {
              errorType: 'Function.ResponseSizeTooLarge',
              errorMessage: `Response payload size exceeded maximum allowed payload size (6291556 bytes).`,
            },
          });
          return;
        case 'invokeError':
          state.settle?.({ ok: false, kind: 'function', error: message.error });
          return;
        case 'crash':
          state.crash = message.error;
          return;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') outOfMemory = true;
      else
        state.crash ??= {
          errorType: error.name,
          errorMessage: error.message,
          trace: (error.stack ?? '').split('\n'),
        };
    });
    worker.on('exit', (code) => {
      state.exited = true;
      const prefix = `RequestId: ${state.requestId ?? ''} Error: `;
      const error: LambdaErrorPayload = outOfMemory
        ? {
            errorType: 'Runtime.OutOfMemory',
            errorMessage: `${prefix}Runtime exited with error: signal: killed`,
          }
        : (state.crash ?? {
            errorType: 'Runtime.ExitError',
            errorMessage: `${prefix}Runtime exited with error: exit status ${code}`,
          });
      state.settle?.({ ok: false, kind: 'runtime', error });
    });

    const init = await new Promise<InstanceOutcome | 'ready'>((resolve) => {
      const timer = spec.clock.setTimer(() => {
        resolve({
          ok: false,
          kind: 'timeout',
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(INIT_LIMIT_MS / 1000).toFixed(2)} seconds`,
          },
        });
      }, INIT_LIMIT_MS);
      const finish = (value: InstanceOutcome | 'ready'): void => {
        timer.cancel();
        state.settle = undefined;
        state.ready = undefined;
        resolve(value);
      };
      state.settle = finish;
      state.ready = () => finish('ready');
    });
    if (init !== 'ready') {
      if (!state.exited) await worker.terminate();
      if (init.ok) throw new Error('Lambda worker answered before any invocation was sent');
      return init;
    }
    return { instance: new LambdaInstance(worker, state, spec.clock, performance.now() - startedAt) };
  }

  /** Runs one invocation, killing the instance if the timeout expires first. */
  invoke(request: InstanceRequest): Promise<InstanceOutcome> {
    if (this.dead) throw new Error('invoke on a dead Lambda instance');
    this.state.requestId = request.requestId;
    this.state.crash = undefined;
    return new Promise<InstanceOutcome>((resolve) => {
      const timer = this.clock.setTimer(() => {
        this.state.settle = undefined;
        this.dead = true;
        const seconds = (request.timeoutMs / 1000).toFixed(2);
        void this.worker.terminate().finally(() =>
          resolve({
            ok: false,
            kind: 'timeout',
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `RequestId: ${request.requestId} Error: Task timed out after ${seconds} seconds`,
            },
          }),
        );
      }, request.timeoutMs);
      this.state.settle = (outcome) => {
        timer.cancel();
        this.state.settle = undefined;
        if (!outcome.ok && outcome.kind === 'runtime') this.dead = true;
        resolve(outcome);
      };
      this.worker.postMessage({
        requestId: request.requestId,
        eventJson: request.eventJson,
        invokedFunctionArn: request.invokedFunctionArn,
        deadlineMs: this.clock.now() + request.timeoutMs,
        traceId: traceHeader(this.clock.now()),
      });
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    this.state.settle = undefined;
    await this.worker.terminate();
  }
}
