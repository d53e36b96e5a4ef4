import { buildSync } from 'esbuild';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LambdaService, RuntimeClock, isInvokeFailure } from '../../../local/lambda';
import type { InvokeFailure, InvokeOutcome, InvokeSuccess, LogEntry } from '../../../local/lambda';
import { aBundleRoot, aFunctionConfig, writeBundle } from './builders';

function success(outcome: InvokeOutcome): InvokeSuccess {
  if (isInvokeFailure(outcome)) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function failure(outcome: InvokeOutcome): InvokeFailure {
  if (!isInvokeFailure(outcome)) throw new Error(`expected failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const COUNTER_BUNDLE = `
const instanceId = Math.random().toString(36).slice(2);
let calls = 0;
export const handler = async () => ({ instanceId, calls: ++calls });
`;

const SLOW_BUNDLE = `
const instanceId = Math.random().toString(36).slice(2);
export const handler = async (event) => {
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { instanceId, startedAt, endedAt: Date.now() };
};
`;

describe('LambdaService', () => {
  let root: ReturnType<typeof aBundleRoot>;
  let service: LambdaService;
  let clock: RuntimeClock;
  let logs: LogEntry[];

  beforeEach(() => {
    root = aBundleRoot();
    logs = [];
    clock = new RuntimeClock();
    service = new LambdaService({
      clock,
      logSink: (entry) => logs.push(entry),
      baseEnv: { PATH: process.env.PATH ?? '' },
    });
  });

  afterEach(async () => {
    await service.stop();
    root.cleanup();
  });

  it('cold-starts the first invocation and reuses the warm instance with its module state afterwards', async () => {
    service.register(aFunctionConfig('counter', writeBundle(root.dir, 'counter', COUNTER_BUNDLE)));

    const first = success(await service.invoke('counter', {}));
    const second = success(await service.invoke('counter', {}));

    expect(first.coldStart).toBe(true);
    expect(first.initDurationMs).toBeGreaterThan(0);
    expect(second.coldStart).toBe(false);
    expect(second.initDurationMs).toBeUndefined();
    expect(second.result).toEqual({
      instanceId: (first.result as { instanceId: string }).instanceId,
      calls: 2,
    });
    expect(service.counters().counter).toMatchObject({ invocations: 2, coldStarts: 1, errors: 0 });
  });

  it('gives each function its own process.env, invisible to other functions and to the host', async () => {
    const bundle = `
      export const handler = async (event) => {
        if (event.set) process.env.LEAK = 'from-' + process.env.AWS_LAMBDA_FUNCTION_NAME;
        return { secret: process.env.SECRET ?? null, leak: process.env.LEAK ?? null, region: process.env.AWS_REGION,
                 execEnv: process.env.AWS_EXECUTION_ENV, handler: process.env._HANDLER, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE };
      };`;
    service.register(
      aFunctionConfig('alpha', writeBundle(root.dir, 'alpha', bundle), { environment: { SECRET: 'a' } }),
    );
    service.register(aFunctionConfig('beta', writeBundle(root.dir, 'beta', bundle), { memoryMb: 256 }));

    const alpha = success(await service.invoke('alpha', { set: true }));
    const beta = success(await service.invoke('beta', {}));

    expect(alpha.result).toEqual({
      secret: 'a',
      leak: 'from-alpha',
      region: 'us-east-1',
      execEnv: 'AWS_Lambda_nodejs22.x',
      handler: 'index.handler',
      memory: '128',
    });
    expect(beta.result).toEqual({
      secret: null,
      leak: null,
      region: 'us-east-1',
      execEnv: 'AWS_Lambda_nodejs22.x',
      handler: 'index.handler',
      memory: '256',
    });
    expect(process.env.LEAK).toBeUndefined();
  });

  it('runs two concurrent invocations at the same time on two separate instances', async () => {
    service.register(aFunctionConfig('slow', writeBundle(root.dir, 'slow', SLOW_BUNDLE)));

    const [a, b] = (
      await Promise.all([service.invoke('slow', { ms: 400 }), service.invoke('slow', { ms: 400 })])
    ).map((outcome) => success(outcome).result as { instanceId: string; startedAt: number; endedAt: number });

    expect(a?.instanceId).not.toEqual(b?.instanceId);
    expect(Math.max(a?.startedAt ?? 0, b?.startedAt ?? 0)).toBeLessThan(
      Math.min(a?.endedAt ?? 0, b?.endedAt ?? 0),
    );
    expect(service.counters().slow).toMatchObject({ coldStarts: 2, peakConcurrency: 2 });
  });

  it('throttles a synchronous invoke beyond reserved concurrency with TooManyRequestsException', async () => {
    service.register(
      aFunctionConfig('single', writeBundle(root.dir, 'single', SLOW_BUNDLE), { reservedConcurrency: 1 }),
    );

    const [first, second] = await Promise.all([
      service.invoke('single', { ms: 300 }),
      service.invoke('single', { ms: 0 }),
    ]);

    expect(success(first).result).toBeDefined();
    expect(failure(second)).toMatchObject({
      kind: 'service',
      statusCode: 429,
      error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
    });
    expect(service.counters().single).toMatchObject({ invocations: 1, throttles: 1 });
  });

  it('kills an instance that exceeds its timeout, reports Sandbox.Timedout and cold-starts the next invocation', async () => {
    const bundle = `
      let calls = 0;
      export const handler = async (event) => { calls += 1; if (event.hang) await new Promise(() => setInterval(() => {}, 1000)); return calls; };`;
    service.register(aFunctionConfig('hangs', writeBundle(root.dir, 'hangs', bundle), { timeoutSeconds: 1 }));

    const timedOut = failure(await service.invoke('hangs', { hang: true }));
    const next = success(await service.invoke('hangs', {}));

    expect(timedOut.kind).toBe('timeout');
    expect(timedOut.error.errorType).toBe('Sandbox.Timedout');
    expect(timedOut.error.errorMessage).toBe(
      `RequestId: ${timedOut.requestId} Error: Task timed out after 1.00 seconds`,
    );
    expect(next).toMatchObject({ coldStart: true, result: 1 });
    expect(service.counters().hangs).toMatchObject({ invocations: 2, coldStarts: 2, timeouts: 1, errors: 1 });
    expect(logs.map((entry) => entry.line)).toContainEqual(
      expect.stringMatching(/ Task timed out after 1\.00 seconds$/),
    );
  });

  it('reports a thrown error as Lambda does (name, message, stack lines) and keeps the instance warm', async () => {
    const bundle = `
      class ValidationError extends Error { constructor(message) { super(message); this.name = 'ValidationError'; } }
      export const handler = async (event) => { if (event.fail) throw new ValidationError('amount must be positive'); return 'ok'; };`;
    service.register(aFunctionConfig('thrower', writeBundle(root.dir, 'thrower', bundle)));

    const thrown = failure(await service.invoke('thrower', { fail: true }));
    const next = success(await service.invoke('thrower', {}));

    expect(thrown.kind).toBe('function');
    expect(thrown.error.errorType).toBe('ValidationError');
    expect(thrown.error.errorMessage).toBe('amount must be positive');
    expect(thrown.error.trace?.[0]).toBe('ValidationError: amount must be positive');
    expect(thrown.error.trace?.[1]).toMatch(/index\.mjs/);
    expect(next).toMatchObject({ coldStart: false, result: 'ok' });
  });

  it('passes a context whose getRemainingTimeInMillis counts down from the configured timeout', async () => {
    const bundle = `
      export const handler = async (event, context) => {
        const first = context.getRemainingTimeInMillis();
        await new Promise((resolve) => setTimeout(resolve, 250));
        return { first, second: context.getRemainingTimeInMillis(), awsRequestId: context.awsRequestId, functionName: context.functionName,
                 functionVersion: context.functionVersion, invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
                 logGroupName: context.logGroupName, logStreamName: context.logStreamName, waits: context.callbackWaitsForEmptyEventLoop };
      };`;
    service.register(aFunctionConfig('clock', writeBundle(root.dir, 'clock', bundle), { timeoutSeconds: 2 }));

    const outcome = success(await service.invoke('arn:aws:lambda:us-east-1:000000000000:function:clock', {}));
    const context = outcome.result as Record<string, unknown> & { first: number; second: number };

    expect(context.first).toBeLessThanOrEqual(2000);
    expect(context.first).toBeGreaterThan(1500);
    expect(context.first - context.second).toBeGreaterThanOrEqual(240);
    expect(context).toMatchObject({
      awsRequestId: outcome.requestId,
      functionName: 'clock',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:clock',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/clock',
      waits: true,
    });
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('reports process.exit as Runtime.ExitError and replaces the instance', async () => {
    const bundle = `let calls = 0; export const handler = async (event) => { calls += 1; if (event.exit) process.exit(2); return calls; };`;
    service.register(aFunctionConfig('exits', writeBundle(root.dir, 'exits', bundle)));

    const exited = failure(await service.invoke('exits', { exit: true }));
    const next = success(await service.invoke('exits', {}));

    expect(exited).toMatchObject({
      kind: 'runtime',
      error: {
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${exited.requestId} Error: Runtime exited with error: exit status 2`,
      },
    });
    expect(next).toMatchObject({ coldStart: true, result: 1 });
  });

  it('reports an uncaught exception from a callback as the invocation error and replaces the instance', async () => {
    const bundle = `export const handler = (event) => new Promise(() => { setTimeout(() => { throw new RangeError('late failure'); }, 5); });`;
    service.register(aFunctionConfig('uncaught', writeBundle(root.dir, 'uncaught', bundle)));

    const crashed = failure(await service.invoke('uncaught', {}));

    expect(crashed).toMatchObject({
      kind: 'runtime',
      error: { errorType: 'RangeError', errorMessage: 'late failure' },
    });
    expect(service.counters().uncaught).toMatchObject({ errors: 1 });
  });

  it('reports an unhandled promise rejection as Runtime.UnhandledPromiseRejection', async () => {
    const bundle = `export const handler = () => { Promise.reject(new Error('forgotten')); return new Promise(() => {}); };`;
    service.register(aFunctionConfig('rejects', writeBundle(root.dir, 'rejects', bundle)));

    const crashed = failure(await service.invoke('rejects', {}));

    expect(crashed).toMatchObject({
      kind: 'runtime',
      error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: forgotten' },
    });
  });

  it('reports a missing handler export as Runtime.HandlerNotFound', async () => {
    service.register(
      aFunctionConfig('nohandler', writeBundle(root.dir, 'nohandler', 'export const other = () => 1;')),
    );

    const outcome = failure(await service.invoke('nohandler', {}));

    expect(outcome).toMatchObject({
      kind: 'runtime',
      error: {
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: 'index.handler is undefined or not exported',
      },
    });
  });

  it('answers ResourceNotFoundException for a function that is not registered', async () => {
    const outcome = failure(await service.invoke('missing', {}));

    expect(outcome).toMatchObject({
      kind: 'service',
      statusCode: 404,
      error: { errorType: 'ResourceNotFoundException' },
    });
  });

  it('formats console output like the Node.js runtime and keeps JSON log lines readable', async () => {
    const bundle = `
      console.log('loading');
      export const handler = async () => {
        console.warn('two\\nlines');
        process.stdout.write(JSON.stringify({ level: 'INFO', message: 'structured', correlation_id: 'c-1' }) + '\\n');
        return null;
      };`;
    service.register(aFunctionConfig('logger', writeBundle(root.dir, 'logger', bundle)));

    const outcome = success(await service.invoke('logger', {}));

    const lines = logs.filter((entry) => entry.functionName === 'logger').map((entry) => entry.line);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\tundefined\tINFO\tloading$/),
    );
    expect(lines).toContainEqual(
      `${lines.find((line) => line.includes('WARN'))?.split('\t')[0]}\t${outcome.requestId}\tWARN\ttwo\rlines`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^REPORT RequestId: ${outcome.requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tInit Duration: [\\d.]+ ms$`,
        ),
      ),
    );
    expect(service.jsonLogs('logger')).toEqual([
      { level: 'INFO', message: 'structured', correlation_id: 'c-1' },
    ]);
  });

  it('with JSON logs, filters lines by their level as Lambda does, and Lambda’s own lines by the system level', async () => {
    const bundle = `
      export const handler = async (event) => {
        const write = (record) => process.stdout.write(JSON.stringify(record) + '\\n');
        write({ level: 'DEBUG', message: 'detail' });
        write({ level: 'toString', message: 'not a level' });
        write({ level: 'INFO', message: 'handled' });
        write({ level: 'warn', message: 'slow' });
        write({ _aws: { CloudWatchMetrics: [] }, Received: 1 });
        write({ level: 'WARN', _aws: { CloudWatchMetrics: [] }, Enqueued: 1 });
        process.stdout.write('plain text\\n');
        console.error('failed');
        if (event.hang) await new Promise(() => setInterval(() => {}, 1000));
        return process.env.AWS_LAMBDA_LOG_LEVEL;
      };`;
    service.register(
      aFunctionConfig('filtered', writeBundle(root.dir, 'filtered', bundle), {
        timeoutSeconds: 1,
        logFormat: 'JSON',
        applicationLogLevel: 'WARN',
        systemLogLevel: 'WARN',
      }),
    );

    const outcome = success(await service.invoke('filtered', {}));
    const timedOut = failure(await service.invoke('filtered', { hang: true }));

    expect(outcome.result).toBe('WARN');
    const lines = logs.filter((entry) => entry.functionName === 'filtered');
    // Missing or unknown levels count as INFO: the bare metric record and the text line are dropped.
    const kept = lines
      .filter((entry) => entry.stream !== 'platform')
      .map((entry) => JSON.parse(entry.line) as Record<string, unknown>);
    const once = [
      { level: 'warn', message: 'slow' },
      { level: 'WARN', _aws: { CloudWatchMetrics: [] }, Enqueued: 1 },
    ];
    expect(kept).toEqual([
      ...once,
      expect.objectContaining({ level: 'ERROR', message: 'failed', requestId: outcome.requestId }),
      ...once,
      expect.objectContaining({ level: 'ERROR', message: 'failed', requestId: timedOut.requestId }),
    ]);
    // START, END and REPORT are INFO; the timeout is Lambda's only line left.
    expect(lines.filter((entry) => entry.stream === 'platform').map((entry) => entry.line)).toEqual([
      expect.stringMatching(/ Task timed out after 1\.00 seconds$/),
    ]);
    expect(service.jsonLogs('filtered').map((record) => record.level)).toEqual([
      'warn',
      'WARN',
      'ERROR',
      'warn',
      'WARN',
      'ERROR',
    ]);
  });

  it('maps stack traces to the original source when NODE_OPTIONS enables source maps', async () => {
    const dir = path.join(root.dir, 'mapped');
    const entry = path.join(root.dir, 'handler.ts');
    writeFileSync(
      entry,
      `export const handler = async (): Promise<never> => {\n  const reason: string = 'mapped';\n  throw new Error(reason);\n};\n`,
    );
    buildSync({
      entryPoints: [entry],
      outfile: path.join(dir, 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      minify: true,
      sourcemap: true,
      logLevel: 'silent',
    });
    service.register(
      aFunctionConfig('mapped', dir, { environment: { NODE_OPTIONS: '--enable-source-maps' } }),
    );

    const outcome = failure(await service.invoke('mapped', {}));

    expect(outcome.error.trace?.[1]).toContain(`${entry}:3:9`);
  });

  describe('fault injection', () => {
    it('throttles the next invocations without running the handler', async () => {
      service.register(aFunctionConfig('faulty', writeBundle(root.dir, 'faulty', COUNTER_BUNDLE)));
      service.injectFault('faulty', { kind: 'throttle', times: 2 });

      const outcomes = [
        await service.invoke('faulty', {}),
        await service.invoke('faulty', {}),
        await service.invoke('faulty', {}),
      ];

      expect(outcomes.map((outcome) => (isInvokeFailure(outcome) ? outcome.error.errorType : 'ok'))).toEqual([
        'TooManyRequestsException',
        'TooManyRequestsException',
        'ok',
      ]);
      expect(success(outcomes[2] as InvokeOutcome).result).toMatchObject({ calls: 1 });
    });

    it('fails the next invocation with the given error without running the handler', async () => {
      service.register(aFunctionConfig('faulty', writeBundle(root.dir, 'faulty', COUNTER_BUNDLE)));
      service.injectFault('faulty', { kind: 'error', code: 'Error', message: 'injected' });

      const failed = failure(await service.invoke('faulty', {}));
      const next = success(await service.invoke('faulty', {}));

      expect(failed).toMatchObject({
        kind: 'function',
        error: { errorType: 'Error', errorMessage: 'injected' },
      });
      expect(next.result).toMatchObject({ calls: 1 });
    });

    it('runs the handler but reports a timeout when the response is dropped', async () => {
      service.register(aFunctionConfig('faulty', writeBundle(root.dir, 'faulty', COUNTER_BUNDLE)));
      service.injectFault('faulty', { kind: 'dropResponse' });

      const dropped = failure(await service.invoke('faulty', {}));
      const next = success(await service.invoke('faulty', {}));

      expect(dropped).toMatchObject({ kind: 'timeout', error: { errorType: 'Sandbox.Timedout' } });
      expect(next.result).toMatchObject({ calls: 2 });
      expect(service.counters().faulty).toMatchObject({ invocations: 2, timeouts: 1, errors: 1 });
    });

    it('holds a delayed invocation on the runtime clock, not on real time', async () => {
      service.register(aFunctionConfig('faulty', writeBundle(root.dir, 'faulty', COUNTER_BUNDLE)));
      service.injectFault('faulty', { kind: 'delay', ms: 60_000 });
      let settled = false;

      const delayed = service.invoke('faulty', {}).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const heldBeforeAdvance = !settled;
      clock.advance(60_000);

      expect(heldBeforeAdvance).toBe(true);
      expect(success(await delayed).result).toMatchObject({ calls: 1 });
    });
  });

  it('counts billed duration in whole milliseconds including the init phase', async () => {
    service.register(
      aFunctionConfig('billed', writeBundle(root.dir, 'billed', SLOW_BUNDLE), { memoryMb: 1024 }),
    );

    const cold = success(await service.invoke('billed', { ms: 50 }));
    const warm = success(await service.invoke('billed', { ms: 50 }));

    const expected =
      Math.ceil(cold.durationMs) + Math.ceil(cold.initDurationMs ?? 0) + Math.ceil(warm.durationMs);
    const counters = service.counters().billed;
    expect(counters?.billedDurationMs).toBe(expected);
    expect(counters?.gbSeconds).toBeCloseTo(expected / 1000, 6);
  });
});
