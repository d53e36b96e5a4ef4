import type { ChoiceBranch } from './choice';
import { compileRule } from './choice';
import { InvalidDefinitionError, StatesErrors } from './errors';
import type { JsonPath, JsonValue } from './jsonpath';
import { parseJsonPath } from './jsonpath';
import type { DataPath, Template } from './template';
import { compileTemplate, parseDataPath } from './template';

/**
 * Loads an Amazon States Language definition (JSONPath query language) into a checked, compiled
 * form. It accepts what the replay state machine (lib/constructs/replay.ts) renders and nothing
 * more: every other state type, field or resource is refused here, naming the state, so that no
 * execution meets it later. Adding one back is a field in FIELDS, its handling, and a test.
 */

export interface Retrier {
  readonly errorEquals: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly jitter: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly errorEquals: readonly string[];
  readonly next: string;
  /** Where {Error, Cause} goes in the state input; `$` (the default) replaces the input. */
  readonly resultPath: JsonPath;
}

interface Base {
  readonly name: string;
  /** Undefined when the state ends the execution (End, Succeed, Fail) or picks its successor (Choice). */
  readonly next?: string;
}

/** A Lambda function invoked by ARN; its return value replaces the state input. */
export interface TaskState extends Base {
  readonly type: 'Task';
  readonly resource: string;
  readonly parameters?: Template;
  readonly retry: readonly Retrier[];
  readonly catch: readonly Catcher[];
}

export interface ChoiceState extends Base {
  readonly type: 'Choice';
  readonly choices: readonly ChoiceBranch[];
  readonly default?: string;
}

export interface WaitState extends Base {
  readonly type: 'Wait';
  readonly secondsPath: DataPath;
}

export interface SucceedState extends Base {
  readonly type: 'Succeed';
  readonly outputPath: DataPath;
}

export interface FailState extends Base {
  readonly type: 'Fail';
  readonly errorPath?: DataPath;
  readonly causePath?: DataPath;
}

export type State = TaskState | ChoiceState | WaitState | SucceedState | FailState;

export interface StateMachineDefinition {
  readonly startAt: string;
  readonly states: ReadonlyMap<string, State>;
  readonly timeoutSeconds?: number;
}

const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

/** The fields the interpreter implements, by state type; any other field is refused. */
const FIELDS: Record<State['type'], readonly string[]> = {
  Task: ['Type', 'Comment', 'Resource', 'Parameters', 'Retry', 'Catch', 'Next', 'End'],
  Choice: ['Type', 'Comment', 'Choices', 'Default'],
  Wait: ['Type', 'Comment', 'SecondsPath', 'Next', 'End'],
  Succeed: ['Type', 'Comment', 'OutputPath'],
  Fail: ['Type', 'Comment', 'ErrorPath', 'CausePath'],
};
const TOP_LEVEL_FIELDS = ['StartAt', 'States', 'Comment', 'TimeoutSeconds', 'QueryLanguage'];
const RETRIER_FIELDS = [
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'JitterStrategy',
  'Comment',
];
const CATCHER_FIELDS = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];

type Raw = { readonly [key: string]: JsonValue };

function isRecord(value: JsonValue | undefined): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** Parses and checks a definition; throws InvalidDefinitionError listing every problem found. */
export function loadDefinition(definition: string | JsonValue): StateMachineDefinition {
  let raw: JsonValue;
  try {
    raw = typeof definition === 'string' ? (JSON.parse(definition) as JsonValue) : definition;
  } catch (error) {
    throw new InvalidDefinitionError([`INVALID_JSON_DESCRIPTION: ${(error as Error).message}`]);
  }
  if (!isRecord(raw))
    throw new InvalidDefinitionError(['SCHEMA_VALIDATION_FAILED: The definition must be a JSON object']);
  const problems: string[] = [];
  const check = new Checker(raw, '', problems);
  check.onlyFields(TOP_LEVEL_FIELDS, 'the definition');
  if (raw.QueryLanguage !== undefined && raw.QueryLanguage !== 'JSONPath') {
    check.problem(
      'QueryLanguage',
      `QueryLanguage ${JSON.stringify(raw.QueryLanguage)} is not supported by the local interpreter (JSONPath only)`,
    );
  }
  if (raw.TimeoutSeconds !== undefined && !isPositiveInteger(raw.TimeoutSeconds)) {
    check.problem('TimeoutSeconds', 'TimeoutSeconds must be a positive integer');
  }
  const startAt = typeof raw.StartAt === 'string' ? raw.StartAt : '';
  if (typeof raw.StartAt !== 'string') check.problem('StartAt', 'The field "StartAt" is required');
  const states = new Map<string, State>();
  if (!isRecord(raw.States) || Object.keys(raw.States).length === 0) {
    check.problem('States', 'The field "States" must be a non-empty object');
  } else {
    for (const [name, state] of Object.entries(raw.States)) {
      const loaded = loadState(name, state, `/States/${name}`, problems);
      if (loaded) states.set(name, loaded);
    }
    checkTransitions(startAt, raw.States, states, problems);
  }
  if (problems.length > 0) throw new InvalidDefinitionError(problems);
  return {
    startAt,
    states,
    ...(isPositiveInteger(raw.TimeoutSeconds) ? { timeoutSeconds: raw.TimeoutSeconds } : {}),
  };
}

function checkTransitions(
  startAt: string,
  raw: Raw,
  states: ReadonlyMap<string, State>,
  problems: string[],
): void {
  const target = (next: string | undefined, where: string): void => {
    if (next !== undefined && !Object.hasOwn(raw, next)) {
      problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${next} at ${where}`);
    }
  };
  if (startAt && !Object.hasOwn(raw, startAt)) {
    problems.push(`MISSING_TRANSITION_TARGET: State "${startAt}" is not found at /StartAt`);
  }
  for (const state of states.values()) {
    const where = `/States/${state.name}`;
    target(state.next, `${where}/Next`);
    if (state.type === 'Choice') {
      state.choices.forEach((c, i) => target(c.next, `${where}/Choices[${i}]/Next`));
      target(state.default, `${where}/Default`);
    }
    if (state.type === 'Task') state.catch.forEach((c, i) => target(c.next, `${where}/Catch[${i}]/Next`));
  }
}

function loadState(name: string, raw: JsonValue, location: string, problems: string[]): State | undefined {
  const before = problems.length;
  const fail = (message: string): undefined => {
    problems.push(`SCHEMA_VALIDATION_FAILED: ${message} at ${location}`);
    return undefined;
  };
  if (name.length === 0 || name.length > 80) fail('State names must be 1 to 80 characters');
  if (!isRecord(raw)) return fail(`State "${name}" must be an object`);
  const type = raw.Type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
    return fail(
      `State "${name}" has Type ${JSON.stringify(type)}, which the local interpreter does not support (${Object.keys(FIELDS).join(', ')})`,
    );
  }
  const stateType = type as State['type'];
  const check = new Checker(raw, location, problems);
  check.onlyFields(FIELDS[stateType], `state "${name}"`);
  let next: { next?: string } = {};
  if (FIELDS[stateType].includes('Next')) {
    if ((typeof raw.Next === 'string') === (raw.End === true))
      fail('Exactly one of "Next" or "End": true is required');
    if (typeof raw.Next === 'string') next = { next: raw.Next };
  }
  const state = buildState(stateType, { name, ...next }, raw, check, location, problems);
  return problems.length === before ? state : undefined;
}

function buildState(
  type: State['type'],
  base: Base,
  raw: Raw,
  check: Checker,
  location: string,
  problems: string[],
): State | undefined {
  switch (type) {
    case 'Task': {
      if (typeof raw.Resource !== 'string' || !LAMBDA_FUNCTION_ARN.test(raw.Resource)) {
        check.problem(
          'Resource',
          `State "${base.name}" has Resource ${JSON.stringify(raw.Resource)}; the local interpreter supports only a Lambda function ARN`,
        );
        return undefined;
      }
      const parameters =
        raw.Parameters === undefined
          ? undefined
          : compileTemplate(raw.Parameters, `${location}/Parameters`, problems);
      return {
        ...base,
        type,
        resource: raw.Resource,
        ...(parameters ? { parameters } : {}),
        retry: check.list('Retry', (r, where, last) => check.retrier(r, where, last)),
        catch: check.list('Catch', (c, where, last) => check.catcher(c, where, last)),
      };
    }
    case 'Choice': {
      if (!Array.isArray(raw.Choices) || raw.Choices.length === 0) {
        check.problem('Choices', 'The field "Choices" must be a non-empty array');
        return undefined;
      }
      const choices: ChoiceBranch[] = [];
      raw.Choices.forEach((choice, i) => {
        const where = `${location}/Choices[${i}]`;
        const rule = compileRule(choice, where, problems, true);
        const next = isRecord(choice) ? choice.Next : undefined;
        if (typeof next !== 'string')
          problems.push(`SCHEMA_VALIDATION_FAILED: The field "Next" is required at ${where}`);
        else if (rule) choices.push({ rule, next });
      });
      return { ...base, type, choices, ...(typeof raw.Default === 'string' ? { default: raw.Default } : {}) };
    }
    case 'Wait': {
      if (raw.SecondsPath === undefined)
        return check.problem('SecondsPath', 'The field "SecondsPath" is required');
      const secondsPath = check.path('SecondsPath');
      return secondsPath && { ...base, type, secondsPath };
    }
    case 'Succeed':
      return { ...base, type, outputPath: check.path('OutputPath') ?? parseDataPath('$') };
    case 'Fail': {
      const errorPath = check.path('ErrorPath');
      const causePath = check.path('CausePath');
      return { ...base, type, ...(errorPath ? { errorPath } : {}), ...(causePath ? { causePath } : {}) };
    }
  }
}

/** Reads the fields of one object of the definition, recording every problem with its location. */
class Checker {
  constructor(
    private readonly raw: Raw,
    private readonly location: string,
    private readonly problems: string[],
  ) {}

  problem(field: string, message: string): undefined {
    this.problems.push(`SCHEMA_VALIDATION_FAILED: ${message} at ${this.location}/${field}`);
    return undefined;
  }

  onlyFields(allowed: readonly string[], what: string): void {
    for (const key of Object.keys(this.raw)) {
      if (!allowed.includes(key))
        this.problem(key, `The field "${key}" of ${what} is not supported by the local interpreter`);
    }
  }

  /** A path into the state input (`$...`) or the context object (`$$...`). */
  path(field: string): DataPath | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      return this.problem(field, `The value for the field "${field}" must be a STRING`);
    try {
      return parseDataPath(value);
    } catch (error) {
      return this.problem(field, (error as Error).message);
    }
  }

  list<T>(field: string, read: (raw: Raw, where: string, last: boolean) => T | undefined): T[] {
    const list = this.raw[field];
    if (list === undefined) return [];
    if (!Array.isArray(list)) return this.problem(field, `The field "${field}" must be an array`) ?? [];
    return list.flatMap((item, i) => {
      const where = `${field}[${i}]`;
      if (!isRecord(item)) return this.problem(where, `${where} must be an object`) ?? [];
      const checked = new Checker(item, `${this.location}/${where}`, this.problems);
      checked.onlyFields(
        field === 'Retry' ? RETRIER_FIELDS : CATCHER_FIELDS,
        `a ${field === 'Retry' ? 'retrier' : 'catcher'}`,
      );
      const value = read(item, where, i === list.length - 1);
      return value === undefined ? [] : [value];
    });
  }

  retrier(r: Raw, where: string, last: boolean): Retrier | undefined {
    const errorEquals = this.errorEquals(r, where, last);
    const { IntervalSeconds: interval = 1, MaxAttempts: maxAttempts = 3, BackoffRate: backoff = 2 } = r;
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
    return (
      errorEquals && { errorEquals, intervalSeconds: interval, maxAttempts, backoffRate: backoff, jitter }
    );
  }

  catcher(c: Raw, where: string, last: boolean): Catcher | undefined {
    const errorEquals = this.errorEquals(c, where, last);
    if (typeof c.Next !== 'string') return this.problem(where, 'The field "Next" is required');
    const text = c.ResultPath === undefined ? '$' : c.ResultPath;
    let resultPath: JsonPath | undefined;
    try {
      resultPath = typeof text === 'string' ? parseJsonPath(text) : undefined;
    } catch {
      resultPath = undefined;
    }
    if (!resultPath || !resultPath.steps.every((s) => typeof s === 'string')) {
      return this.problem(
        `${where}/ResultPath`,
        'ResultPath must be a JSONPath of field names into the state input',
      );
    }
    return errorEquals && { errorEquals, next: c.Next, resultPath };
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
}
