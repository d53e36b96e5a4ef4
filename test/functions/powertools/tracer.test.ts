import { S3Client } from '@aws-sdk/client-s3';
import type { createTracer as CreateTracer } from '#shared/powertools/index';

const isolatedCreateTracer = (): typeof CreateTracer => {
  let created: typeof CreateTracer | undefined;
  jest.isolateModules(() => {
    jest.doMock('@aws-lambda-powertools/tracer', () => {
      throw new Error('the X-Ray SDK was loaded');
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    created = (require('#shared/powertools/index') as { createTracer: typeof CreateTracer }).createTracer;
  });
  if (!created) throw new Error('unreachable');
  return created;
};

describe('the shared tracer', () => {
  const previous = process.env.POWERTOOLS_TRACE_ENABLED;
  afterEach(() => {
    process.env.POWERTOOLS_TRACE_ENABLED = previous;
  });

  it('never loads the X-Ray SDK when tracing is switched off, and leaves clients as they are', () => {
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    const createTracer = isolatedCreateTracer();
    const client = new S3Client({});

    const tracer = createTracer({ POWERTOOLS_TRACE_ENABLED: 'FALSE' });

    expect(tracer.captureAWSv3Client(client)).toBe(client);
    expect(tracer.getSegment()).toBeUndefined();
    expect(() => tracer.putAnnotation('correlationId', 'c')).not.toThrow();
  });

  it("is Powertools' Tracer whenever tracing may be on", () => {
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    const createTracer = isolatedCreateTracer();

    expect(() => createTracer({})).toThrow('the X-Ray SDK was loaded');
  });
});
