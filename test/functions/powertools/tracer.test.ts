import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import type * as PowertoolsTracer from '@aws-lambda-powertools/tracer';
import type { createTracer as CreateTracer, SampledTracer as Sampled } from '#shared/powertools/index';

const isolated = (): { createTracer: typeof CreateTracer; SampledTracer: typeof Sampled } => {
  let loaded: { createTracer: typeof CreateTracer; SampledTracer: typeof Sampled } | undefined;
  jest.isolateModules(() => {
    jest.doMock('@aws-lambda-powertools/tracer', () => {
      throw new Error('the X-Ray SDK was loaded');
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('#shared/powertools/index') as typeof loaded;
  });
  if (!loaded) throw new Error('unreachable');
  return loaded;
};

/** Stands in for Powertools' Tracer: records what it is asked. */
const fakeTracer = () => {
  const captured: unknown[] = [];
  const annotations: [string, unknown][] = [];
  const segment = { id: 'segment' };
  const tracer = {
    captureAWSv3Client: <T>(client: T) => {
      captured.push(client);
      return client;
    },
    getSegment: () => segment,
    setSegment: () => undefined,
    putAnnotation: (key: string, value: unknown) => annotations.push([key, value]),
  } as unknown as PowertoolsTracer.Tracer;
  return { tracer, captured, annotations, segment };
};

const unreachableSqs = () =>
  new SQSClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

describe('the shared tracer', () => {
  const previous = process.env.POWERTOOLS_TRACE_ENABLED;
  beforeEach(() => {
    delete process.env._X_AMZN_TRACE_ID;
  });
  afterEach(() => {
    process.env.POWERTOOLS_TRACE_ENABLED = previous;
  });

  it('never loads the X-Ray SDK when tracing is switched off, and leaves clients as they are', () => {
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    const { createTracer } = isolated();
    const client = new S3Client({});

    const tracer = createTracer({ POWERTOOLS_TRACE_ENABLED: 'FALSE' });

    expect(tracer.captureAWSv3Client(client)).toBe(client);
    expect(tracer.getSegment()).toBeUndefined();
    expect(() => tracer.putAnnotation('correlationId', 'c')).not.toThrow();
  });

  it('does not load the X-Ray SDK at init when tracing is on, only for a sampled invocation', () => {
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    const { createTracer } = isolated();

    const tracer = createTracer({});
    const client = new S3Client({});
    expect(tracer.captureAWSv3Client(client)).toBe(client);

    expect(() => tracer.getSegment()).not.toThrow();
    process.env._X_AMZN_TRACE_ID =
      'Root=1-67a0b1c2-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1';
    try {
      expect(() => tracer.getSegment()).toThrow('the X-Ray SDK was loaded');
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
  });
});

describe('a tracer loaded by the first sampled invocation', () => {
  it('stays unloaded through unsampled invocations, then loads once and instruments the clients it was given', () => {
    let sampled = false;
    const fake = fakeTracer();
    const load = jest.fn(() => fake.tracer);
    const { SampledTracer } = isolated();
    const tracer = new SampledTracer(load, () => sampled);
    const first = new S3Client({});
    const second = new S3Client({});
    tracer.captureAWSv3Client(first);
    tracer.captureAWSv3Client(second);

    expect(tracer.getSegment()).toBeUndefined();
    tracer.putAnnotation('provider', 'stripe');
    expect(load).not.toHaveBeenCalled();

    sampled = true;
    expect(tracer.getSegment()).toBe(fake.segment);
    tracer.putAnnotation('provider', 'stripe');
    sampled = false;
    // Loaded, it serves unsampled invocations as Powertools does.
    expect(tracer.getSegment()).toBe(fake.segment);

    expect(load).toHaveBeenCalledTimes(1);
    expect(fake.captured).toEqual([first, second]);
    expect(fake.annotations).toEqual([['provider', 'stripe']]);
    expect(first.middlewareStack.identify().join()).not.toContain('relayflowLoadTracerOnSampledCall');
  });

  it('instruments a client given after it has loaded at once', () => {
    const fake = fakeTracer();
    const { SampledTracer } = isolated();
    const tracer = new SampledTracer(
      () => fake.tracer,
      () => true,
    );
    tracer.getSegment();
    const client = new S3Client({});

    tracer.captureAWSv3Client(client);

    expect(fake.captured).toEqual([client]);
  });

  it('is loaded by a client’s sampled call where the function never asks for the segment', async () => {
    let sampled = false;
    const fake = fakeTracer();
    const load = jest.fn(() => fake.tracer);
    const { SampledTracer } = isolated();
    const tracer = new SampledTracer(load, () => sampled);
    const client = tracer.captureAWSv3Client(unreachableSqs());

    await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow();
    expect(load).not.toHaveBeenCalled();

    sampled = true;
    await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow();
    expect(load).toHaveBeenCalledTimes(1);
    expect(fake.captured).toEqual([client]);
    client.destroy();
  });
});
