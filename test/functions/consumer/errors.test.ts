import { rootCause } from '#shared/consumer/errors';
import { InfrastructureError } from '#shared/errors';

describe('rootCause', () => {
  it('names the innermost cause of a wrapped error, which is what a warning needs to say', () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const wrapped = new Error('Failed to update success record', {
      cause: new InfrastructureError('event-store', 'event store run completion failed', {
        cause: throttled,
      }),
    });

    expect(rootCause(wrapped)).toBe(
      'ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput.',
    );
  });

  it('keeps it short and copes with what is not an Error', () => {
    expect(rootCause(new Error('x'.repeat(500))).length).toBeLessThanOrEqual(200);
    expect(rootCause('a string was thrown')).toBe('a string was thrown');
  });
});
