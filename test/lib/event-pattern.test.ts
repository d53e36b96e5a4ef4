import { eventPatternProblems } from '../../lib/event-pattern';

// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
describe('event pattern checks at synth', () => {
  it.each([
    ['exact values', { source: ['com.example.shop'], 'detail-type': ['Order Placed', 'Order Paid'] }],
    ['nested fields', { detail: { order: { status: ['paid'] } } }],
    ['null, numbers and booleans', { detail: { a: [null], b: [1.5], c: [true] } }],
    [
      'every operator',
      {
        detail: {
          a: [{ prefix: 'ord_' }],
          b: [{ suffix: { 'equals-ignore-case': '.PNG' } }],
          c: [{ 'equals-ignore-case': 'paid' }],
          d: [{ wildcard: 'ord_*' }],
          e: [{ 'anything-but': ['test'] }],
          f: [{ numeric: ['>', 0, '<=', 100] }],
          g: [{ exists: false }],
          h: [{ cidr: '10.0.0.0/24' }],
        },
      },
    ],
    ['$or', { detail: { $or: [{ a: ['x'] }, { b: ['y'] }] } }],
  ])('takes %s', (_name, pattern) => {
    expect(eventPatternProblems(pattern)).toEqual([]);
  });

  it('lists every problem with its path', () => {
    expect(
      eventPatternProblems({
        source: 'com.example.shop',
        detail: {
          a: [],
          b: [{ prefix: 'x', suffix: 'y' }],
          c: [{ numeric: ['>'] }],
          d: [{ exists: 'yes' }],
          e: [{ startsWith: 'x' }],
          f: [['nested']],
          $or: [{ g: ['x'] }],
        },
      }),
    ).toEqual([
      { path: ['source'], message: 'must be a list of matchers (["value"]) or a nested pattern' },
      { path: ['detail', 'a'], message: 'an empty list matches nothing' },
      { path: ['detail', 'b', 0], message: 'an operator object has exactly one operator' },
      { path: ['detail', 'c', 0, 'numeric'], message: 'must list operator, number pairs ("<", 10, ">=", 0)' },
      { path: ['detail', 'd', 0, 'exists'], message: 'must be true or false' },
      {
        path: ['detail', 'e', 0, 'startsWith'],
        message:
          'unknown operator (known: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr)',
      },
      {
        path: ['detail', 'f', 0],
        message: 'a matcher is a string, number, boolean, null or an operator object',
      },
      { path: ['detail', '$or'], message: '$or lists at least two patterns' },
    ]);
  });

  it('refuses an empty pattern and one that is not an object', () => {
    expect(eventPatternProblems({})).toEqual([
      { path: [], message: 'an event pattern matches on at least one field' },
    ]);
    expect(eventPatternProblems(['x'])).toEqual([{ path: [], message: 'an event pattern is a JSON object' }]);
  });
});
