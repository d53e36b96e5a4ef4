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

    expect(definition.StartAt).toBe('A');
    expect(definition.States.get('A')?.Type).toBe('Succeed');
  });

  // What the replay state machine does not use is refused, not run with other semantics.
  it.each<[string, JsonValue, string]>([
    [
      'a Pass state',
      machine({ Type: 'Pass', End: true }),
      'Type "Pass" is not supported by the local interpreter (Task, Choice, Wait, Succeed, Fail) at /States/S/Type',
    ],
    [
      'a Parallel state',
      machine({ Type: 'Parallel', Branches: [], End: true }),
      'Type "Parallel" is not supported by the local interpreter',
    ],
    [
      'an Activity',
      machine({ Type: 'Activity', End: true }),
      'Type "Activity" is not supported by the local interpreter',
    ],
    [
      'a Wait by Seconds',
      machine({ Type: 'Wait', Seconds: 5, Next: 'Done' }),
      '"Seconds" is not supported by the local interpreter at /States/S',
    ],
    [
      'a Wait by Timestamp',
      machine({ Type: 'Wait', Timestamp: '2025-01-01T00:00:00Z', Next: 'Done' }),
      '"Timestamp" is not supported by the local interpreter at /States/S',
    ],
    [
      'a Wait by TimestampPath',
      machine({ Type: 'Wait', TimestampPath: '$.t', Next: 'Done' }),
      '"TimestampPath" is not supported by the local interpreter at /States/S',
    ],
    [
      'InputPath',
      machine({ ...TASK, InputPath: '$.a', Next: 'Done' }),
      '"InputPath" is not supported by the local interpreter at /States/S',
    ],
    [
      'OutputPath on a Task',
      machine({ ...TASK, OutputPath: '$.a', Next: 'Done' }),
      '"OutputPath" is not supported by the local interpreter at /States/S',
    ],
    [
      'ResultPath on a Task',
      machine({ ...TASK, ResultPath: '$.a', Next: 'Done' }),
      '"ResultPath" is not supported by the local interpreter at /States/S',
    ],
    [
      'ResultSelector',
      machine({ ...TASK, ResultSelector: {}, Next: 'Done' }),
      '"ResultSelector" is not supported by the local interpreter at /States/S',
    ],
    [
      'a task timeout',
      machine({ ...TASK, TimeoutSeconds: 5, Next: 'Done' }),
      '"TimeoutSeconds" is not supported by the local interpreter at /States/S',
    ],
    [
      'variables (Assign)',
      machine({ ...TASK, Assign: { x: 1 }, Next: 'Done' }),
      '"Assign" is not supported by the local interpreter at /States/S',
    ],
    [
      'the lambda:invoke integration',
      machine({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        End: true,
      }),
      'Resource "arn:aws:states:::lambda:invoke" is not supported by the local interpreter, which invokes Lambda function ARNs only at /States/S/Resource',
    ],
    [
      'an SQS task',
      machine({ Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true }),
      'Resource "arn:aws:states:::sqs:sendMessage" is not supported',
    ],
    [
      'MaxDelaySeconds',
      machine({ ...TASK, Retry: [{ ErrorEquals: ['X'], MaxDelaySeconds: 9 }], End: true }),
      '"MaxDelaySeconds" is not supported by the local interpreter at /States/S/Retry/0',
    ],
    [
      'a null catcher ResultPath',
      machine({ ...TASK, Catch: [{ ErrorEquals: ['X'], ResultPath: null, Next: 'Done' }], End: true }),
      'ResultPath null is not supported by the local interpreter at /States/S/Catch/0/ResultPath',
    ],
    [
      'a static Fail Error',
      machine({ Type: 'Fail', Error: 'Oops' }),
      '"Error" is not supported by the local interpreter at /States/S',
    ],
    [
      'a StringEquals rule',
      machine({ Type: 'Choice', Choices: [{ Variable: '$.s', StringEquals: 'x', Next: 'Done' }] }),
      '"StringEquals" is not supported by the local interpreter at /States/S/Choices/0',
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
      '"$.items[*].id" is not a path the local interpreter reads',
    ],
    [
      'recursive descent',
      machine({ Type: 'Succeed', OutputPath: '$..id' }),
      '"$..id" is not a path the local interpreter reads',
    ],
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
      "MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Nowhere",
    );
  });

  it('refuses a state that nothing transitions to', () => {
    expect(problems(machine({ ...TASK, End: true }))).toContain(
      'MISSING_TRANSITION_TARGET: State Done is not reachable',
    );
  });

  it('refuses a state with neither Next nor End', () => {
    expect(problems({ StartAt: 'A', States: { A: TASK } })).toContain(
      'TERMINAL_STATE_WITH_NEXT: State "A" MUST contain exactly one of "End", "Next"',
    );
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

    expect(message).toContain(
      'Invalid input: expected boolean, received string at /States/S/Choices/0/BooleanEquals',
    );
  });
});
