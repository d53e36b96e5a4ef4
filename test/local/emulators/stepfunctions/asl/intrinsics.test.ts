import type { JsonValue } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';
import { evaluate, parseJsonPath } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';
import {
  evaluateIntrinsic,
  IntrinsicEvaluationError,
  parseIntrinsic,
} from '../../../../../local/emulators/stepfunctions/asl/intrinsics';

// Intrinsic functions: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
const input: JsonValue = {
  name: 'Ada',
  count: 3,
  list: [1, 2, 2, 3, 4],
  json: '{"a":1,"b":[true]}',
  obj: { a: 1 },
  other: { b: 2 },
};

function run(expression: string): JsonValue {
  return evaluateIntrinsic(parseIntrinsic(expression), (path) => {
    const lookup = evaluate(parseJsonPath(path), input);
    if (!lookup.found) throw new Error(`not found: ${path}`);
    return lookup.value;
  });
}

describe('intrinsic functions', () => {
  it.each<[string, JsonValue]>([
    ["States.Format('Hello, {}! You have {} items.', $.name, $.count)", 'Hello, Ada! You have 3 items.'],
    ["States.Format('literal \\{\\} braces and {}', $.name)", 'literal {} braces and Ada'],
    ["States.Format('it\\'s {}', true)", "it's true"],
    ['States.StringToJson($.json)', { a: 1, b: [true] }],
    ['States.JsonToString($.obj)', '{"a":1}'],
    ["States.Array('a', 1, $.obj, States.Array())", ['a', 1, { a: 1 }, []]],
    ['States.ArrayPartition($.list, 2)', [[1, 2], [2, 3], [4]]],
    ['States.ArrayContains($.list, 4)', true],
    ['States.ArrayRange(1, 9, 3)', [1, 4, 7]],
    ['States.ArrayGetItem($.list, 4)', 4],
    ['States.ArrayLength($.list)', 5],
    ['States.ArrayUnique($.list)', [1, 2, 3, 4]],
    ["States.Base64Encode('hi there')", 'aGkgdGhlcmU='],
    ["States.Base64Decode('aGkgdGhlcmU=')", 'hi there'],
    ["States.Hash('abc', 'SHA-256')", 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['States.JsonMerge($.obj, $.other, false)', { a: 1, b: 2 }],
    ['States.MathAdd($.count, -5)', -2],
    ["States.StringSplit('a,b+c', ',+')", ['a', 'b', 'c']],
    ['States.MathAdd(States.ArrayLength($.list), 1)', 6],
  ])('evaluates %s', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it('generates a version 4 UUID', () => {
    expect(run('States.UUID()')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('draws MathRandom within its bounds', () => {
    const value = run('States.MathRandom(5, 7)');

    expect([5, 6]).toContain(value);
  });

  it.each([
    'States.Nope(1)',
    'States.ArrayLength()',
    "States.Format('x'",
    'States.UUID(1)',
  ])('refuses %s when the definition is loaded', (expression) => {
    expect(() => parseIntrinsic(expression)).toThrow(/intrinsic function/);
  });

  it.each([
    ["States.Format('{} and {}', $.name)", /more \{\} placeholders/],
    ["States.StringToJson('not json')", /not valid JSON/],
    ["States.MathAdd(1.5, 1)", /integer/],
    ['States.ArrayGetItem($.list, 10)', /out of bounds/],
  ])('fails at run time when %s gets unusable arguments', (expression, message) => {
    expect(() => run(expression)).toThrow(IntrinsicEvaluationError);
    expect(() => run(expression)).toThrow(message);
  });
});
