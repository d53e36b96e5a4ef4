import { compileFilterPattern } from '../../../../local/emulators/cloudwatch/metric-filters';

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (JSON log events)
describe('metric filter patterns', () => {
  const line = { message: 'event handled', outcome: 'processed', received: 2, nested: { n: 3 } };

  it.each([
    ['{ $.outcome = "processed" }', true],
    ['{ $.outcome = "stale" }', false],
    ['{ $.outcome != "stale" }', true],
    ['{ $.received > 1 }', true],
    ['{ $.received > 2 }', false],
    ['{ $.received >= 2 && $.received <= 2 }', true],
    ['{ $.received = 2 }', true],
    ['{ $.nested.n < 4 }', true],
    ['{ $.received = * }', true],
    ['{ $.missing = * }', false],
    ['{ $.message = "event handled" && $.outcome = "processed" && $.received > 0 }', true],
    ['{ $.message = "event handled" && $.outcome = "dry-run" }', false],
    // A string is not compared as a number.
    ['{ $.outcome > 0 }', false],
  ])('%s matches: %s', (pattern, expected) => {
    expect(compileFilterPattern(pattern)(line)).toBe(expected);
  });

  it.each([
    '{ $.a = 1 || $.b = 2 }',
    '{ ($.a = 1) }',
    '{ $.a = "x*" }',
    '{ $.list[0] = 1 }',
    '$.a = 1',
    'ERROR',
  ])('refuses %s rather than match it differently from CloudWatch', (pattern) => {
    expect(() => compileFilterPattern(pattern)).toThrow(/the local runtime reads JSON patterns/);
  });
});
