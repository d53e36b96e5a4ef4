import { evaluate, parseJsonPath, setAt } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';

// JSONPath as Step Functions reads it: https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
describe('JSONPath', () => {
  const doc = {
    a: { b: [10, 20, 30], 'odd key': 'x', n: null },
    items: [
      { id: 'i1', tags: ['t1'] },
      { id: 'i2', tags: ['t2', 't3'] },
    ],
  };

  it.each([
    ['$', doc],
    ['$.a.b', [10, 20, 30]],
    ['$.a.b[1]', 20],
    ['$.a.b[-1]', 30],
    ["$.a['odd key']", 'x'],
    ['$.a["odd key"]', 'x'],
    ['$.a.n', null],
  ])('reads the single value at the definite path %s', (path, expected) => {
    expect(evaluate(parseJsonPath(path), doc)).toEqual({ found: true, value: expected });
  });

  it.each([
    ['$.items[*].id', ['i1', 'i2']],
    ['$.items.*.id', ['i1', 'i2']],
    ['$.a.b[0:2]', [10, 20]],
    ['$.a.b[-2:]', [20, 30]],
    ['$.a.b[0,2]', [10, 30]],
    ['$..id', ['i1', 'i2']],
    ['$.items[*].missing', []],
  ])('returns a list for the indefinite path %s', (path, expected) => {
    expect(evaluate(parseJsonPath(path), doc)).toEqual({ found: true, value: expected });
  });

  it('reports a missing field of a definite path as not found rather than null', () => {
    expect(evaluate(parseJsonPath('$.a.missing'), doc)).toEqual({ found: false });
  });

  it.each(['a.b', '$.', '$[', '$.a[?(@.x)]'])('refuses the malformed or unsupported path %s', (path) => {
    expect(() => parseJsonPath(path)).toThrow(/JSONPath/);
  });

  it('writes a value at a nested path without changing the original document', () => {
    const input = { keep: 1, deep: { other: true } };

    const written = setAt(parseJsonPath('$.deep.result.value'), input, 42);

    expect(written).toEqual({ keep: 1, deep: { other: true, result: { value: 42 } } });
    expect(input).toEqual({ keep: 1, deep: { other: true } });
  });

  it('cannot write through a value that is not an object', () => {
    expect(setAt(parseJsonPath('$.keep.x'), { keep: 1 }, 2)).toBeUndefined();
  });
});
