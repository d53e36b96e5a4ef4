import { loadDefinition } from '../../../../../local/emulators/stepfunctions/asl/definition';
import { InvalidDefinitionError } from '../../../../../local/emulators/stepfunctions/asl/errors';
import type { JsonValue } from '../../../../../local/emulators/stepfunctions/asl/jsonpath';
import { functionArn } from '../helpers';

function problems(definition: JsonValue): string {
  try {
    loadDefinition(definition);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    return (error as InvalidDefinitionError).message;
  }
  throw new Error('expected the definition to be refused');
}

const TASK = { Type: 'Task', Resource: functionArn('f') };

/** A machine whose state "S" is `state`, with Done to go to. */
function machine(state: Record<string, JsonValue>): JsonValue {
  return { StartAt: 'S', States: { S: state, Done: { Type: 'Succeed' } } };
}

// CreateStateMachine validates the definition: https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
describe('loading a definition', () => {
  it('accepts a definition given as a JSON string, as CloudFormation passes it', () => {
    const definition = loadDefinition(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Succeed' } } }));

    expect(definition.startAt).toBe('A');
    expect(definition.states.get('A')?.type).toBe('Succeed');
  });

  // What the replay state machine does not use is refused, not run with other semantics.
  it.each<[string, JsonValue, string]>([
    [
      'a Pass state',
      machine({ Type: 'Pass', End: true }),
      'State "S" has Type "Pass", which the local interpreter does not support',
    ],
    [
      'a Parallel state',
      machine({ Type: 'Parallel', Branches: [], End: true }),
      'State "S" has Type "Parallel"',
    ],
    ['an Activity', machine({ Type: 'Activity', End: true }), 'State "S" has Type "Activity"'],
    [
      'a Wait by Seconds',
      machine({ Type: 'Wait', Seconds: 5, Next: 'Done' }),
      'The field "Seconds" of state "S" is not supported',
    ],
    [
      'a Wait by Timestamp',
      machine({ Type: 'Wait', Timestamp: '2025-01-01T00:00:00Z', Next: 'Done' }),
      'The field "Timestamp" of state "S"',
    ],
    [
      'a Wait by TimestampPath',
      machine({ Type: 'Wait', TimestampPath: '$.t', Next: 'Done' }),
      'The field "TimestampPath" of state "S"',
    ],
    ['InputPath', machine({ ...TASK, InputPath: '$.a', Next: 'Done' }), 'The field "InputPath" of state "S"'],
    [
      'OutputPath on a Task',
      machine({ ...TASK, OutputPath: '$.a', Next: 'Done' }),
      'The field "OutputPath" of state "S"',
    ],
    [
      'ResultPath on a Task',
      machine({ ...TASK, ResultPath: '$.a', Next: 'Done' }),
      'The field "ResultPath" of state "S"',
    ],
    [
      'ResultSelector',
      machine({ ...TASK, ResultSelector: {}, Next: 'Done' }),
      'The field "ResultSelector" of state "S"',
    ],
    [
      'a task timeout',
      machine({ ...TASK, TimeoutSeconds: 5, Next: 'Done' }),
      'The field "TimeoutSeconds" of state "S"',
    ],
    [
      'variables (Assign)',
      machine({ ...TASK, Assign: { x: 1 }, Next: 'Done' }),
      'The field "Assign" of state "S"',
    ],
    [
      'the lambda:invoke integration',
      machine({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        End: true,
      }),
      'State "S" has Resource "arn:aws:states:::lambda:invoke"; the local interpreter supports only a Lambda function ARN',
    ],
    [
      'an SQS task',
      machine({ Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true }),
      'State "S" has Resource',
    ],
    [
      'MaxDelaySeconds',
      machine({ ...TASK, Retry: [{ ErrorEquals: ['X'], MaxDelaySeconds: 9 }], End: true }),
      'The field "MaxDelaySeconds" of a retrier',
    ],
    [
      'a null catcher ResultPath',
      machine({ ...TASK, Catch: [{ ErrorEquals: ['X'], ResultPath: null, Next: 'Done' }], End: true }),
      'ResultPath must be a JSONPath of field names',
    ],
    ['a static Fail Error', machine({ Type: 'Fail', Error: 'Oops' }), 'The field "Error" of state "S"'],
    [
      'a StringEquals rule',
      machine({ Type: 'Choice', Choices: [{ Variable: '$.s', StringEquals: 'x', Next: 'Done' }] }),
      'field(s) "StringEquals" are not supported by the local interpreter',
    ],
    [
      'a StringMatches rule',
      machine({ Type: 'Choice', Choices: [{ Variable: '$.s', StringMatches: 'x*', Next: 'Done' }] }),
      '"StringMatches"',
    ],
    [
      'a timestamp rule',
      machine({
        Type: 'Choice',
        Choices: [{ Variable: '$.t', TimestampLessThan: '2025-01-01T00:00:00Z', Next: 'Done' }],
      }),
      '"TimestampLessThan"',
    ],
    [
      'a type test',
      machine({ Type: 'Choice', Choices: [{ Variable: '$.t', IsPresent: true, Next: 'Done' }] }),
      '"IsPresent"',
    ],
    [
      'a NumericEquals rule',
      machine({ Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Done' }] }),
      '"NumericEquals"',
    ],
    [
      'Or and Not',
      machine({
        Type: 'Choice',
        Choices: [{ Or: [{ Not: { Variable: '$.b', BooleanEquals: true } }], Next: 'Done' }],
      }),
      '"Or"',
    ],
    [
      'a wildcard path',
      machine({ ...TASK, Parameters: { 'ids.$': '$.items[*].id' }, End: true }),
      "'$.items[*].id' (unsupported at position 7",
    ],
    ['recursive descent', machine({ Type: 'Succeed', OutputPath: '$..id' }), "'$..id'"],
    [
      'an intrinsic function',
      machine({ ...TASK, Parameters: { 'm.$': "States.Format('{}', $.x)" }, End: true }),
      '/States/S/Parameters/m.$',
    ],
    [
      'the JSONata query language',
      { ...(machine({ Type: 'Succeed' }) as object), QueryLanguage: 'JSONata' },
      'QueryLanguage "JSONata"',
    ],
  ])('refuses %s, naming where it is', (_feature, definition, expected) => {
    expect(problems(definition)).toContain(expected);
  });

  it('refuses a transition to a state that does not exist', () => {
    expect(problems({ StartAt: 'A', States: { A: { ...TASK, Next: 'Nowhere' } } })).toContain(
      "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next",
    );
  });

  it('refuses a state with neither Next nor End', () => {
    expect(problems({ StartAt: 'A', States: { A: TASK } })).toContain('Exactly one of "Next" or "End"');
  });

  it('refuses States.ALL that is not alone in the last catcher', () => {
    const message = problems(
      machine({
        ...TASK,
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'Done' },
          { ErrorEquals: ['Custom'], Next: 'Done' },
        ],
        End: true,
      }),
    );

    expect(message).toContain('States.ALL must appear alone, in the last retrier or catcher');
  });

  it('refuses a Choice rule with a value of the wrong type', () => {
    const message = problems(
      machine({ Type: 'Choice', Choices: [{ Variable: '$.b', BooleanEquals: 'true', Next: 'Done' }] }),
    );

    expect(message).toContain('The value for the field "BooleanEquals" must be a BOOLEAN');
  });
});
