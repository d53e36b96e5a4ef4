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

// CreateStateMachine validates the definition: https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
describe('loading a definition', () => {
  it('accepts a definition given as a JSON string, as CloudFormation passes it', () => {
    const text = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });

    const definition = loadDefinition(text);

    expect(definition.startAt).toBe('A');
    expect(definition.states.get('A')?.type).toBe('Pass');
  });

  it('refuses a state type the interpreter does not implement, naming the state', () => {
    const message = problems({
      StartAt: 'Wait4Human',
      States: { Wait4Human: { Type: 'Activity', End: true } },
    });

    expect(message).toContain('State "Wait4Human" has Type "Activity"');
  });

  it('refuses the JSONata query language, naming the state', () => {
    const message = problems({
      StartAt: 'A',
      States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } },
    });

    expect(message).toContain('State "A" uses QueryLanguage "JSONata"');
  });

  it('refuses JSONata chosen for the whole machine', () => {
    expect(
      problems({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
    ).toContain('QueryLanguage "JSONata"');
  });

  it('refuses a Task resource other than Lambda, naming the state and the resource', () => {
    const message = problems({
      StartAt: 'Send',
      States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    });

    expect(message).toContain('State "Send" has Resource "arn:aws:states:::sqs:sendMessage"');
  });

  it('refuses Map and Parallel states, which the replay state machine does not use', () => {
    const message = problems({
      StartAt: 'Fan',
      States: { Fan: { Type: 'Parallel', Branches: [], End: true } },
    });

    expect(message).toContain(
      'State "Fan" has Type "Parallel", which the local interpreter does not support',
    );
  });

  it('refuses a field Step Functions does not know, with its location', () => {
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass', Nxt: 'B', End: true } } })).toContain(
      'The field "Nxt" is not supported by Step Functions at /States/A',
    );
  });

  it('refuses variables (Assign) rather than ignoring them', () => {
    expect(
      problems({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }),
    ).toContain('The field "Assign" of state "A" is not supported by the local interpreter');
  });

  it('refuses a transition to a state that does not exist', () => {
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } })).toContain(
      "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next",
    );
  });

  it('refuses a state with neither Next nor End', () => {
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass' } } })).toContain(
      'Exactly one of "Next" or "End"',
    );
  });

  it('refuses States.ALL that is not alone in the last catcher', () => {
    const message = problems({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: functionArn('f'),
          Catch: [
            { ErrorEquals: ['States.ALL'], Next: 'Done' },
            { ErrorEquals: ['Custom'], Next: 'Done' },
          ],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    });

    expect(message).toContain('States.ALL must appear alone, in the last retrier or catcher');
  });

  it('refuses a lambda:invoke task without FunctionName', () => {
    expect(
      problems({
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { Payload: {} },
            End: true,
          },
        },
      }),
    ).toContain('The field "FunctionName" is required in Parameters of state "T"');
  });

  it('refuses a malformed path or an intrinsic function in Parameters', () => {
    const message = problems({
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Parameters: { 'a.$': 'nope', 'b.$': "States.Format('{}', $.x)" }, End: true },
      },
    });

    expect(message).toContain('/States/A/Parameters/a.$');
    expect(message).toContain('/States/A/Parameters/b.$');
  });

  it('refuses a Choice rule with a value of the wrong type', () => {
    const message = problems({
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: '1', Next: 'D' }] },
        D: { Type: 'Succeed' },
      },
    });

    expect(message).toContain('The value for the field "NumericEquals" must be a valid Numeric value');
  });
});
