import aslValidator from 'asl-validator';
import { z } from 'zod';
import { Rule } from './choice';
import { InvalidDefinitionError, StatesErrors } from './errors';
import type { JsonValue } from './jsonpath';
import { RESULT_PATH } from './jsonpath';
import { DataPath, Template } from './template';

/**
 * Loads an Amazon States Language definition as CreateStateMachine does. The schema below admits
 * only what the replay state machine (lib/constructs/replay.ts) renders, naming whatever else it
 * meets, so that no execution meets a feature the interpreter lacks; asl-validator then checks
 * what the language requires (Next or End, transition targets, reachability, a terminal state).
 * Adding a feature back is a field here, its handling in the interpreter, and a test.
 */

const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

const unsupported = (field: string, value: unknown): string =>
  `${field} ${JSON.stringify(value)} is not supported by the local interpreter`;

const Comment = z.string().optional();
const Transition = { Next: z.string().optional(), End: z.literal(true).optional(), Comment };
const ErrorEquals = z.array(z.string()).min(1);

// Step Functions requires it; asl-validator does not check it.
const allLast = {
  check: (list: readonly { ErrorEquals: readonly string[] }[]) =>
    list.every(
      ({ ErrorEquals: errors }, i) =>
        !errors.includes(StatesErrors.ALL) || (errors.length === 1 && i === list.length - 1),
    ),
  message: `${StatesErrors.ALL} must appear alone, in the last retrier or catcher`,
};

const Retrier = z.strictObject({
  ErrorEquals,
  IntervalSeconds: z.number().int().positive().default(1),
  MaxAttempts: z.number().int().nonnegative().default(3),
  BackoffRate: z.number().min(1).default(2),
  JitterStrategy: z.enum(['FULL', 'NONE']).default('NONE'),
  Comment,
});

const Catcher = z.strictObject({
  ErrorEquals,
  Next: z.string(),
  ResultPath: z
    .string({ error: (issue) => unsupported('ResultPath', issue.input) })
    .regex(RESULT_PATH, { error: (issue) => unsupported('ResultPath', issue.input) })
    .default('$'),
  Comment,
});

const STATES = [
  z.strictObject({
    Type: z.literal('Task'),
    Resource: z.string().regex(LAMBDA_FUNCTION_ARN, {
      error: (issue) => `${unsupported('Resource', issue.input)}, which invokes Lambda function ARNs only`,
    }),
    Parameters: Template.optional(),
    Retry: z.array(Retrier).refine(allLast.check, allLast.message).default([]),
    Catch: z.array(Catcher).refine(allLast.check, allLast.message).default([]),
    ...Transition,
  }),
  z.strictObject({
    Type: z.literal('Choice'),
    Choices: z.array(z.intersection(Rule, z.object({ Next: z.string() }))).min(1),
    Default: z.string().optional(),
    Comment,
  }),
  z.strictObject({ Type: z.literal('Wait'), SecondsPath: DataPath, ...Transition }),
  z.strictObject({ Type: z.literal('Succeed'), OutputPath: DataPath.default('$'), Comment }),
  z.strictObject({
    Type: z.literal('Fail'),
    ErrorPath: DataPath.optional(),
    CausePath: DataPath.optional(),
    Comment,
  }),
] as const;

const State = z.discriminatedUnion('Type', STATES, {
  // Only an object whose Type matches no member gets here.
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `${unsupported('Type', (issue.input as { Type?: unknown }).Type)} (${STATES.map((s) => s.shape.Type.value).join(', ')})`
      : undefined,
});

const Definition = z.strictObject({
  StartAt: z.string(),
  States: z
    .record(z.string(), State)
    .transform(
      (states) => new Map(Object.entries(states).map(([name, state]) => [name, { ...state, name }])),
    ),
  TimeoutSeconds: z.number().int().positive().optional(),
  QueryLanguage: z
    .literal('JSONPath', { error: (issue) => unsupported('QueryLanguage', issue.input) })
    .optional(),
  Comment,
});

export type StateMachineDefinition = z.output<typeof Definition>;
export type State = z.output<typeof State> & { readonly name: string };
export type TaskState = Extract<State, { Type: 'Task' }>;
export type Retrier = TaskState['Retry'][number];
export type Catcher = TaskState['Catch'][number];

/** Parses and checks a definition; throws InvalidDefinitionError naming what is wrong and where. */
export function loadDefinition(definition: string | JsonValue): StateMachineDefinition {
  let raw: unknown = definition;
  try {
    if (typeof definition === 'string') raw = JSON.parse(definition);
  } catch (error) {
    throw new InvalidDefinitionError([`INVALID_JSON_DESCRIPTION: ${(error as Error).message}`]);
  }
  const parsed = Definition.safeParse(raw);
  if (!parsed.success) throw new InvalidDefinitionError(problemsOf(parsed.error.issues));
  // The validator writes a QueryLanguage into every state.
  const { isValid, errors } = aslValidator(structuredClone(raw));
  if (!isValid) throw new InvalidDefinitionError(errors.map((e) => `${e['Error code']}: ${e.Message}`));
  return parsed.data;
}

/** Problems in the AWS format; a Choice rule that is none of the supported forms is reported against the closest. */
function problemsOf(issues: readonly z.core.$ZodIssue[], at: readonly PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...at, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      return problemsOf(
        issue.errors.reduce((closest, errors) => (errors.length < closest.length ? errors : closest)),
        path,
      );
    }
    const message =
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.map((key) => `"${key}"`).join(', ')} ${issue.keys.length > 1 ? 'are' : 'is'} not supported by the local interpreter`
        : issue.message;
    return [`SCHEMA_VALIDATION_FAILED: ${message} at /${path.map(String).join('/')}`];
  });
}
