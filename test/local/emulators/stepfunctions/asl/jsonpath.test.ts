import { DATA_PATH, evaluate, setAt } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';

// JSONPath as Step Functions reads it: https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
describe('JSONPath', () => {
  const doc = { a: { b: [10, 20, 30], n: null }, items: [{ id: 'i1' }], s: 'abc' };

  it.each([
    ['$', doc],
    ['$.a.b', [10, 20, 30]],
    ['$.a.b[1]', 20],
    ['$.items[0].id', 'i1'],
    ['$.a.n', null],
  ])('reads the value at %s', (path, expected) => {
    expect(evaluate(path, doc)).toEqual(expected);
  });

  it.each(['$.a.missing', '$.a.b[3]', '$.a.b.length', '$.a[0]', '$.a.constructor', '$.s.length', '$.s[0]'])(
    'reports %s as not found rather than null',
    (path) => {
      expect(evaluate(path, doc)).toBeUndefined();
    },
  );

  it.each([null, false, 0, ''])('reads $ of the document %p', (root) => {
    expect(evaluate('$', root)).toBe(root);
  });

  it.each([
    'a.b',
    '$.',
    '$[',
    '$.items[*].id',
    '$.items.*',
    '$.a.b[0:2]',
    '$.a.b[0,2]',
    '$.a.b[-1]',
    '$..id',
    "$.a['b']",
    '$.a[?(@.x)]',
  ])('refuses %s: only $.name and [n] steps are supported locally', (path) => {
    expect(DATA_PATH.test(path)).toBe(false);
  });

  it('writes a value at a nested path without changing the original document', () => {
    const input = { keep: 1, deep: { other: true } };

    const written = setAt('$.deep.result.value', input, 42);

    expect(written).toEqual({ keep: 1, deep: { other: true, result: { value: 42 } } });
    expect(input).toEqual({ keep: 1, deep: { other: true } });
  });

  it('cannot write through a value that is not an object', () => {
    expect(setAt('$.keep.x', { keep: 1 }, 2)).toBeUndefined();
  });
});
