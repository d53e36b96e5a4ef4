import type { ChoiceBranch } from './choice';
import { compileRule, isTimestamp } from './choice';
import { InvalidDefinitionError, StatesErrors } from './errors';
import type { JsonPath, JsonValue } from './jsonpath';
import { parseJsonPath } from './jsonpath';
import type { DataPath, Template } from './template';
import { compileTemplate, parseDataPath } from './template';

/**
 * Loads an Amazon States Language definition (JSONPath query language) into a checked, compiled
 * form. Everything Step Functions rejects at CreateStateMachine, and everything this interpreter
 * does not implement, is reported here, naming the state, so that no execution meets it later.
 */

export interface Retrier {
  readonly errorEquals: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  readonly jitter: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly errorEquals: readonly string[];
  readonly next: string;
  /** null discards the error output; the default `$` replaces the input with it. */
  readonly resultPath: JsonPath | null;
}

interface Base {
  readonly name: string;
  readonly comment?: string;
  readonly inputPath: DataPath | null;
  readonly outputPath: DataPath | null;
  /** Undefined when the state ends its branch (End, Succeed, Fail) or picks its successor (Choice). */
  readonly next?: string;
}

interface Resulting {
  readonly resultPath: JsonPath | null;
  readonly resultSelector?: Template;
  readonly retry: readonly Retrier[];
  readonly catch: readonly Catcher[];
}

export type LambdaIntegration = 'function-arn' | 'lambda-invoke';

export interface TaskState extends Base, Resulting {
  readonly type: 'Task';
  readonly resource: string;
  readonly integration: LambdaIntegration;
  readonly parameters?: Template;
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: DataPath;
}

export interface PassState extends Base {
  readonly type: 'Pass';
  readonly result?: JsonValue;
  readonly parameters?: Template;
  readonly resultPath: JsonPath | null;
}

export interface ChoiceState extends Base {
  readonly type: 'Choice';
  readonly choices: readonly ChoiceBranch[];
  readonly default?: string;
}

export interface WaitState extends Base {
  readonly type: 'Wait';
  readonly wait:
    | { readonly seconds: number }
    | { readonly secondsPath: DataPath }
    | { readonly timestamp: string }
    | { readonly timestampPath: DataPath };
}

export interface SucceedState extends Base {
  readonly type: 'Succeed';
}

type Dynamic = { readonly path: DataPath };

export interface FailState extends Base {
  readonly type: 'Fail';
  readonly error?: string | Dynamic;
  readonly cause?: string | Dynamic;
}

export type State = TaskState | PassState | ChoiceState | WaitState | SucceedState | FailState;

export interface StateMachineDefinition {
  readonly startAt: string;
  readonly states: ReadonlyMap<string, State>;
  readonly timeoutSeconds?: number;
}

export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const IO = ['InputPath', 'OutputPath'];
const TRANSITION = ['Next', 'End'];
const RESULT = ['ResultPath', 'ResultSelector', 'Retry', 'Catch'];
const FIELDS: Record<State['type'], readonly string[]> = {
  Task: [
    ...COMMON,
    ...IO,
    ...TRANSITION,
    ...RESULT,
    'Resource',
    'Parameters',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
  ],
  Pass: [...COMMON, ...IO, ...TRANSITION, 'Result', 'ResultPath', 'Parameters'],
  Choice: [...COMMON, ...IO, 'Choices', 'Default'],
  Wait: [...COMMON, ...IO, ...TRANSITION, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: [...COMMON, ...IO],
  Fail: [...COMMON, 'Error', 'Cause', 'ErrorPath', 'CausePath'],
};
/** Valid in Step Functions but not implemented by this interpreter: refused rather than ignored. */
const NOT_IMPLEMENTED = new Set(['Assign', 'Credentials', 'Arguments', 'Output']);
const STATE_TYPES = new Set(Object.keys(FIELDS));

type Raw = { readonly [key: string]: JsonValue };

function isRecord(value: JsonValue | undefined): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks a definition; throws InvalidDefinitionError listing every problem found. */
export function loadDefinition(definition: string | JsonValue): StateMachineDefinition {
  let raw: JsonValue;
  try {
    raw = typeof definition === 'string' ? (JSON.parse(definition) as JsonValue) : definition;
  } catch (error) {
    throw new InvalidDefinitionError([`INVALID_JSON_DESCRIPTION: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  if (!isRecord(raw))
    throw new InvalidDefinitionError(['SCHEMA_VALIDATION_FAILED: The definition must be a JSON object']);
  for (const key of Object.keys(raw)) {
    if (!['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage'].includes(key)) {
      problems.push(`SCHEMA_VALIDATION_FAILED: The field "${key}" is not supported by Step Functions at /`);
    }
  }
  if (raw.QueryLanguage !== undefined && raw.QueryLanguage !== 'JSONPath') {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: QueryLanguage ${JSON.stringify(raw.QueryLanguage)} is not supported by the local interpreter (JSONPath only) at /QueryLanguage`,
    );
  }
  if (raw.TimeoutSeconds !== undefined && !isPositiveInteger(raw.TimeoutSeconds)) {
    problems.push('SCHEMA_VALIDATION_FAILED: TimeoutSeconds must be a positive integer at /TimeoutSeconds');
  }
  const machine = loadScope(raw, '', problems);
  if (problems.length > 0) throw new InvalidDefinitionError(problems);
  return {
    ...machine,
    ...(typeof raw.TimeoutSeconds === 'number' ? { timeoutSeconds: raw.TimeoutSeconds } : {}),
  };
}

function isPositiveInteger(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function loadScope(raw: Raw, location: string, problems: string[]): StateMachineDefinition {
  const states = new Map<string, State>();
  if (typeof raw.StartAt !== 'string')
    problems.push(`SCHEMA_VALIDATION_FAILED: The field "StartAt" is required at ${location || '/'}`);
  if (!isRecord(raw.States) || Object.keys(raw.States).length === 0) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: The field "States" must be a non-empty object at ${location || '/'}`,
    );
    return { startAt: typeof raw.StartAt === 'string' ? raw.StartAt : '', states };
  }
  for (const [name, state] of Object.entries(raw.States)) {
    const loaded = loadState(name, state, `${location}/States/${name}`, problems);
    if (loaded) states.set(name, loaded);
  }
  const known = new Set(Object.keys(raw.States));
  const target = (next: string | undefined, where: string): void => {
    if (next !== undefined && !known.has(next))
      problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${next} at ${where}`);
  };
  if (typeof raw.StartAt === 'string' && !known.has(raw.StartAt)) {
    problems.push(`MISSING_TRANSITION_TARGET: State "${raw.StartAt}" is not found at ${location}/StartAt`);
  }
  for (const state of states.values()) {
    const where = `${location}/States/${state.name}`;
    target(state.next, `${where}/Next`);
    if (state.type === 'Choice') {
      state.choices.forEach((c, i) => target(c.next, `${where}/Choices[${i}]/Next`));
      target(state.default, `${where}/Default`);
    }
    if ('catch' in state) state.catch.forEach((c, i) => target(c.next, `${where}/Catch[${i}]/Next`));
  }
  return { startAt: typeof raw.StartAt === 'string' ? raw.StartAt : '', states };
}

function loadState(name: string, raw: JsonValue, location: string, problems: string[]): State | undefined {
  const before = problems.length;
  if (name.length === 0 || name.length > 80)
    problems.push(`SCHEMA_VALIDATION_FAILED: State names must be 1 to 80 characters at ${location}`);
  if (!isRecord(raw)) {
    problems.push(`SCHEMA_VALIDATION_FAILED: State "${name}" must be an object at ${location}`);
    return undefined;
  }
  const type = raw.Type;
  if (typeof type !== 'string' || !STATE_TYPES.has(type)) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: State "${name}" has Type ${JSON.stringify(type)}, which the local interpreter does not support (Task, Pass, Choice, Wait, Succeed, Fail) at ${location}/Type`,
    );
    return undefined;
  }
  const stateType = type as State['type'];
  if (raw.QueryLanguage !== undefined && raw.QueryLanguage !== 'JSONPath') {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: State "${name}" uses QueryLanguage ${JSON.stringify(raw.QueryLanguage)}, which the local interpreter does not support (JSONPath only) at ${location}/QueryLanguage`,
    );
  }
  for (const key of Object.keys(raw)) {
    if (FIELDS[stateType].includes(key)) continue;
    problems.push(
      NOT_IMPLEMENTED.has(key)
        ? `SCHEMA_VALIDATION_FAILED: The field "${key}" of state "${name}" is not supported by the local interpreter at ${location}`
        : `SCHEMA_VALIDATION_FAILED: The field "${key}" is not supported by Step Functions at ${location}`,
    );
  }
  const ctx = new Fields(raw, location, problems);
  const base = {
    name,
    inputPath: ctx.nullablePath('InputPath'),
    outputPath: ctx.nullablePath('OutputPath'),
    ...(typeof raw.Comment === 'string' ? { comment: raw.Comment } : {}),
    ...transition(stateType, raw, location, problems),
  };
  const state = buildState(stateType, name, base, raw, ctx, location, problems);
  return problems.length === before ? state : undefined;
}

function transition(type: State['type'], raw: Raw, location: string, problems: string[]): { next?: string } {
  const terminal = type === 'Choice' || type === 'Succeed' || type === 'Fail';
  if (terminal) return {};
  const hasNext = typeof raw.Next === 'string';
  const ends = raw.End === true;
  if (hasNext === ends)
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Exactly one of "Next" or "End": true is required at ${location}`,
    );
  return typeof raw.Next === 'string' ? { next: raw.Next } : {};
}

function buildState(
  type: State['type'],
  name: string,
  base: Base,
  raw: Raw,
  ctx: Fields,
  location: string,
  problems: string[],
): State | undefined {
  switch (type) {
    case 'Task': {
      const resource = raw.Resource;
      let integration: LambdaIntegration | undefined;
      if (resource === LAMBDA_INVOKE_RESOURCE) integration = 'lambda-invoke';
      else if (typeof resource === 'string' && LAMBDA_FUNCTION_ARN.test(resource))
        integration = 'function-arn';
      if (!integration || typeof resource !== 'string') {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: State "${name}" has Resource ${JSON.stringify(resource)}; the local interpreter supports only a Lambda function ARN or ${LAMBDA_INVOKE_RESOURCE} at ${location}/Resource`,
        );
        return undefined;
      }
      const parameters = ctx.template('Parameters');
      if (integration === 'lambda-invoke' && !hasField(raw.Parameters, 'FunctionName')) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: The field "FunctionName" is required in Parameters of state "${name}" at ${location}/Parameters`,
        );
      }
      const timeoutSeconds = ctx.positiveInteger('TimeoutSeconds');
      const timeoutSecondsPath = ctx.path('TimeoutSecondsPath');
      return {
        ...base,
        ...ctx.resulting(),
        type,
        resource,
        integration,
        ...(parameters ? { parameters } : {}),
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
        ...(timeoutSecondsPath ? { timeoutSecondsPath } : {}),
      };
    }
    case 'Pass': {
      const parameters = ctx.template('Parameters');
      return {
        ...base,
        type,
        resultPath: ctx.resultPath('ResultPath'),
        ...(raw.Result !== undefined ? { result: raw.Result } : {}),
        ...(parameters ? { parameters } : {}),
      };
    }
    case 'Choice': {
      const choices = raw.Choices;
      if (!Array.isArray(choices) || choices.length === 0) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: The field "Choices" must be a non-empty array at ${location}`,
        );
        return undefined;
      }
      const branches: ChoiceBranch[] = [];
      choices.forEach((choice, i) => {
        const where = `${location}/Choices[${i}]`;
        const rule = compileRule(choice, where, problems, true);
        const next = isRecord(choice) ? choice.Next : undefined;
        if (typeof next !== 'string')
          problems.push(`SCHEMA_VALIDATION_FAILED: The field "Next" is required at ${where}`);
        else if (rule) branches.push({ rule, next });
      });
      return {
        ...base,
        type,
        choices: branches,
        ...(typeof raw.Default === 'string' ? { default: raw.Default } : {}),
      };
    }
    case 'Wait': {
      const given = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter(
        (k) => raw[k] !== undefined,
      );
      if (given.length !== 1) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: Exactly one of Seconds, SecondsPath, Timestamp, TimestampPath is required at ${location}`,
        );
        return undefined;
      }
      if (raw.Seconds !== undefined) {
        const seconds = raw.Seconds;
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
          problems.push(
            `SCHEMA_VALIDATION_FAILED: Seconds must be a non-negative integer at ${location}/Seconds`,
          );
          return undefined;
        }
        return { ...base, type, wait: { seconds } };
      }
      if (raw.Timestamp !== undefined) {
        if (!isTimestamp(raw.Timestamp)) {
          problems.push(
            `SCHEMA_VALIDATION_FAILED: Timestamp must be an RFC3339 timestamp at ${location}/Timestamp`,
          );
          return undefined;
        }
        return { ...base, type, wait: { timestamp: raw.Timestamp } };
      }
      const secondsPath = ctx.path('SecondsPath');
      if (secondsPath) return { ...base, type, wait: { secondsPath } };
      const timestampPath = ctx.path('TimestampPath');
      return timestampPath ? { ...base, type, wait: { timestampPath } } : undefined;
    }
    case 'Succeed':
      return { ...base, type };
    case 'Fail': {
      const error = ctx.dynamicString('Error', 'ErrorPath');
      const cause = ctx.dynamicString('Cause', 'CausePath');
      return {
        ...base,
        type,
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      };
    }
  }
}

function hasField(value: JsonValue | undefined, field: string): boolean {
  return isRecord(value) && (value[field] !== undefined || value[`${field}.$`] !== undefined);
}

/** Reads the fields of one state, recording every problem with its location. */
class Fields {
  constructor(
    private readonly raw: Raw,
    private readonly location: string,
    private readonly problems: string[],
  ) {}

  private problem(field: string, message: string): undefined {
    this.problems.push(`SCHEMA_VALIDATION_FAILED: ${message} at ${this.location}/${field}`);
    return undefined;
  }

  path(field: string): DataPath | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      return this.problem(field, `The value for the field "${field}" must be a STRING`);
    try {
      const ref = parseDataPath(value);
      return ref.path.definite
        ? ref
        : this.problem(field, `The value for the field "${field}" must be a Reference Path (no wildcards)`);
    } catch (error) {
      return this.problem(field, (error as Error).message);
    }
  }

  nullablePath(field: string): DataPath | null {
    if (this.raw[field] === null) return null;
    return this.path(field) ?? parseDataPath('$');
  }

  resultPath(field: string): JsonPath | null {
    const value = this.raw[field];
    if (value === null) return null;
    if (value === undefined) return parseJsonPath('$');
    if (typeof value !== 'string' || value.startsWith('$$')) {
      return (
        this.problem(field, `The value for the field "${field}" must be a JSONPath into the state input`) ??
        null
      );
    }
    try {
      const path = parseJsonPath(value);
      if (path.segments.every((s) => s.kind === 'name')) return path;
      return this.problem(field, `The value for the field "${field}" may contain only field names`) ?? null;
    } catch (error) {
      return this.problem(field, (error as Error).message) ?? null;
    }
  }

  template(field: string): Template | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    return compileTemplate(value, `${this.location}/${field}`, this.problems);
  }

  positiveInteger(field: string): number | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    return isPositiveInteger(value)
      ? value
      : this.problem(field, `The value for the field "${field}" must be a positive integer`);
  }

  dynamicString(field: string, pathField: string): string | Dynamic | undefined {
    const value = this.raw[field];
    const pathValue = this.raw[pathField];
    if (value !== undefined && pathValue !== undefined)
      return this.problem(field, `Use either ${field} or ${pathField}, not both`);
    if (value !== undefined)
      return typeof value === 'string'
        ? value
        : this.problem(field, `The value for the field "${field}" must be a STRING`);
    if (pathValue === undefined) return undefined;
    if (typeof pathValue !== 'string')
      return this.problem(pathField, `The value for the field "${pathField}" must be a STRING`);
    try {
      return { path: parseDataPath(pathValue) };
    } catch (error) {
      return this.problem(pathField, (error as Error).message);
    }
  }

  resulting(): Resulting {
    const resultSelector = this.template('ResultSelector');
    return {
      resultPath: this.resultPath('ResultPath'),
      retry: this.retriers(),
      catch: this.catchers(),
      ...(resultSelector ? { resultSelector } : {}),
    };
  }

  private errorEquals(raw: Raw, where: string, isLast: boolean): string[] | undefined {
    const list = raw.ErrorEquals;
    if (!Array.isArray(list) || list.length === 0 || !list.every((e): e is string => typeof e === 'string')) {
      return this.problem(where, 'The field "ErrorEquals" must be a non-empty array of strings');
    }
    if (list.includes(StatesErrors.ALL) && (list.length > 1 || !isLast)) {
      return this.problem(where, `${StatesErrors.ALL} must appear alone, in the last retrier or catcher`);
    }
    return list;
  }

  private retriers(): Retrier[] {
    const list = this.raw.Retry;
    if (list === undefined) return [];
    if (!Array.isArray(list)) return this.problem('Retry', 'The field "Retry" must be an array') ?? [];
    const out: Retrier[] = [];
    list.forEach((r, i) => {
      const where = `Retry[${i}]`;
      if (!isRecord(r)) return this.problem(where, 'A retrier must be an object');
      const allowed = [
        'ErrorEquals',
        'IntervalSeconds',
        'MaxAttempts',
        'BackoffRate',
        'MaxDelaySeconds',
        'JitterStrategy',
        'Comment',
      ];
      for (const key of Object.keys(r)) {
        if (!allowed.includes(key))
          this.problem(where, `The field "${key}" is not supported by Step Functions`);
      }
      const errorEquals = this.errorEquals(r, where, i === list.length - 1);
      const interval = r.IntervalSeconds ?? 1;
      const maxAttempts = r.MaxAttempts ?? 3;
      const backoff = r.BackoffRate ?? 2;
      const jitter = r.JitterStrategy ?? 'NONE';
      if (!isPositiveInteger(interval))
        return this.problem(where, 'IntervalSeconds must be a positive integer');
      if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 0) {
        return this.problem(where, 'MaxAttempts must be a non-negative integer');
      }
      if (typeof backoff !== 'number' || backoff < 1)
        return this.problem(where, 'BackoffRate must be a number >= 1.0');
      if (jitter !== 'FULL' && jitter !== 'NONE')
        return this.problem(where, 'JitterStrategy must be FULL or NONE');
      if (r.MaxDelaySeconds !== undefined && !isPositiveInteger(r.MaxDelaySeconds)) {
        return this.problem(where, 'MaxDelaySeconds must be a positive integer');
      }
      if (!errorEquals) return undefined;
      out.push({
        errorEquals,
        intervalSeconds: interval,
        maxAttempts,
        backoffRate: backoff,
        jitter,
        ...(typeof r.MaxDelaySeconds === 'number' ? { maxDelaySeconds: r.MaxDelaySeconds } : {}),
      });
      return undefined;
    });
    return out;
  }

  private catchers(): Catcher[] {
    const list = this.raw.Catch;
    if (list === undefined) return [];
    if (!Array.isArray(list)) return this.problem('Catch', 'The field "Catch" must be an array') ?? [];
    const out: Catcher[] = [];
    list.forEach((c, i) => {
      const where = `Catch[${i}]`;
      if (!isRecord(c)) return this.problem(where, 'A catcher must be an object');
      for (const key of Object.keys(c)) {
        if (!['ErrorEquals', 'Next', 'ResultPath', 'Comment'].includes(key)) {
          this.problem(where, `The field "${key}" is not supported by Step Functions`);
        }
      }
      const errorEquals = this.errorEquals(c, where, i === list.length - 1);
      if (typeof c.Next !== 'string') return this.problem(where, 'The field "Next" is required');
      const resultPath = new Fields(c, `${this.location}/${where}`, this.problems).resultPath('ResultPath');
      if (errorEquals) out.push({ errorEquals, next: c.Next, resultPath });
      return undefined;
    });
    return out;
  }
}
