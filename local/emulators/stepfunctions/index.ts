import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Clock } from './asl/clock';
import { scaledClock } from './asl/clock';
import type { StateMachineDefinition } from './asl/definition';
import { loadDefinition } from './asl/definition';
import { InvalidDefinitionError } from './asl/errors';
import type { ExecutionOutcome, HistoryEvent, InvokeLambda } from './asl/interpreter';
import { History, MAX_PAYLOAD_BYTES, runExecution } from './asl/interpreter';
import type { JsonValue } from './asl/jsonpath';
import { listenOnLoopback } from '../loopback';

/**
 * Step Functions emulator: the state machine and execution actions RelayFlow uses, over the AWS
 * JSON 1.0 protocol (`X-Amz-Target: AWSStepFunctions.<Action>`), backed by the generic ASL
 * interpreter in ./asl. Standard workflows only.
 */

export { scaledClock } from './asl/clock';
export type { Clock } from './asl/clock';
export type { HistoryEvent, InvokeLambda, InvokeLambdaResult } from './asl/interpreter';
export { invokeLambdaWith } from './lambda';
export type { LambdaInvoker } from './lambda';

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const TARGET_PREFIX = 'AWSStepFunctions.';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * Fault injection for tests (never used by production code). A fault is armed for one action and
 * applies to the next `times` HTTP requests for it (default 1); in-process calls are not affected:
 * - `error`: the request fails with that error code (status 400 unless given) and takes no effect;
 * - `delay`: the request is held `ms` of real time, then served;
 * - `dropResponse`: the request takes effect, then the connection is destroyed without an answer.
 */
export type StepFunctionsFault =
  | { readonly kind: 'error'; readonly code: string; readonly message?: string; readonly status?: number; readonly times?: number }
  | { readonly kind: 'delay'; readonly ms: number; readonly times?: number }
  | { readonly kind: 'dropResponse'; readonly times?: number };

export interface RunningEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface StepFunctionsEmulatorOptions {
  /** Runs Lambda tasks; the local runtime passes its Lambda service. */
  readonly invokeLambda: InvokeLambda;
  /** Time for Wait states, retry intervals and timeouts; defaults to real time. */
  readonly clock?: Clock;
  /** Defaults to Math.random; used for retriers with JitterStrategy FULL. */
  readonly random?: () => number;
}

/** An AWS error as the SDK sees it: `__type` names the exception, `status` is the HTTP status. */
export class StepFunctionsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

// Names of state machines and executions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
// eslint-disable-next-line no-control-regex -- AWS forbids control characters in names
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const name = z.string().regex(NAME, 'must be 1-80 characters without whitespace, brackets, wildcards or special characters');
const maxResults = z.number().int().min(0).max(1000).optional();
const nextToken = z.string().min(1).max(1024).optional();

const CreateStateMachineInput = z.object({
  name,
  definition: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  roleArn: z.string().min(1),
  type: z.enum(['STANDARD', 'EXPRESS']).optional(),
  loggingConfiguration: z.unknown().optional(),
  tracingConfiguration: z.unknown().optional(),
  tags: z.array(z.object({ key: z.string().optional(), value: z.string().optional() })).optional(),
});
export type CreateStateMachineInput = z.input<typeof CreateStateMachineInput>;

const StateMachineArnInput = z.object({ stateMachineArn: z.string().min(1) });
const ExecutionArnInput = z.object({ executionArn: z.string().min(1) });
const ListStateMachinesInput = z.object({ maxResults, nextToken });
export type ListStateMachinesInput = z.input<typeof ListStateMachinesInput>;

const StartExecutionInput = z.object({
  stateMachineArn: z.string().min(1),
  name: name.optional(),
  input: z.string().optional(),
  traceHeader: z.string().optional(),
});
export type StartExecutionInput = z.input<typeof StartExecutionInput>;

const GetExecutionHistoryInput = z.object({
  executionArn: z.string().min(1),
  maxResults,
  reverseOrder: z.boolean().optional(),
  nextToken,
  includeExecutionData: z.boolean().optional(),
});
export type GetExecutionHistoryInput = z.input<typeof GetExecutionHistoryInput>;

const ListExecutionsInput = z.object({
  stateMachineArn: z.string().min(1),
  statusFilter: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']).optional(),
  maxResults,
  nextToken,
});
export type ListExecutionsInput = z.input<typeof ListExecutionsInput>;

const StopExecutionInput = z.object({
  executionArn: z.string().min(1),
  error: z.string().max(256).optional(),
  cause: z.string().max(32768).optional(),
});
export type StopExecutionInput = z.input<typeof StopExecutionInput>;

const PageToken = z.object({ scope: z.string(), offset: z.number().int().min(0) });

interface StateMachine {
  readonly arn: string;
  readonly name: string;
  readonly definitionText: string;
  readonly definition: StateMachineDefinition;
  readonly roleArn: string;
  readonly creationDate: Date;
}

interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly stateMachine: StateMachine;
  readonly input: string;
  readonly startDate: Date;
  readonly history: History;
  readonly controller: AbortController;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  done: Promise<void>;
}

export interface DescribeExecutionOutput {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
}

export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  redriveCount: number;
}

const ACTIONS = [
  'CreateStateMachine',
  'DescribeStateMachine',
  'ListStateMachines',
  'StartExecution',
  'DescribeExecution',
  'GetExecutionHistory',
  'ListExecutions',
  'StopExecution',
] as const;
type Action = (typeof ACTIONS)[number];

export class StepFunctionsEmulator {
  private readonly machines = new Map<string, StateMachine>();
  private readonly executions = new Map<string, Execution>();
  private readonly requestCounts = new Map<string, number>();
  private readonly faults = new Map<string, { fault: StepFunctionsFault; remaining: number }[]>();
  private readonly clock: Clock;
  private stateTransitionCount = 0;

  constructor(private readonly options: StepFunctionsEmulatorOptions) {
    this.clock = options.clock ?? scaledClock(1);
  }

  createStateMachine(input: CreateStateMachineInput): { stateMachineArn: string; creationDate: Date } {
    const args = parse(CreateStateMachineInput, input);
    if (args.type === 'EXPRESS') {
      throw new StepFunctionsError('ValidationException', 'EXPRESS state machines are not supported by the local emulator');
    }
    const definitionText = typeof args.definition === 'string' ? args.definition : JSON.stringify(args.definition);
    let definition: StateMachineDefinition;
    try {
      definition = loadDefinition(definitionText);
    } catch (error) {
      if (error instanceof InvalidDefinitionError) throw new StepFunctionsError('InvalidDefinition', error.message);
      throw error;
    }
    const arn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${args.name}`;
    const existing = this.machines.get(arn);
    if (existing) {
      // CreateStateMachine is idempotent for an identical request.
      if (existing.definitionText === definitionText && existing.roleArn === args.roleArn) {
        return { stateMachineArn: arn, creationDate: existing.creationDate };
      }
      throw new StepFunctionsError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const machine = { arn, name: args.name, definitionText, definition, roleArn: args.roleArn, creationDate: this.clock.now() };
    this.machines.set(arn, machine);
    return { stateMachineArn: arn, creationDate: machine.creationDate };
  }

  describeStateMachine(input: { stateMachineArn: string }) {
    const machine = this.machine(parse(StateMachineArnInput, input).stateMachineArn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE' as const,
      definition: machine.definitionText,
      roleArn: machine.roleArn,
      type: 'STANDARD' as const,
      creationDate: machine.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  listStateMachines(input: ListStateMachinesInput = {}) {
    const args = parse(ListStateMachinesInput, input);
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const page = paginate(all, 'stateMachines', args.maxResults, args.nextToken);
    return {
      stateMachines: page.items.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD' as const, creationDate: m.creationDate })),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  }

  startExecution(input: StartExecutionInput): { executionArn: string; startDate: Date } {
    const args = parse(StartExecutionInput, input);
    const machine = this.machine(args.stateMachineArn);
    const text = args.input ?? '{}';
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsError('InvalidExecutionInput', `The input exceeds the maximum size of ${MAX_PAYLOAD_BYTES} bytes`);
    }
    let value: JsonValue;
    try {
      value = JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new StepFunctionsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const executionName = args.name ?? randomUUID();
    const arn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:${machine.name}:${executionName}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // Same name and input while still running: the original answer (StartExecution is idempotent then).
      if (existing.status === 'RUNNING' && existing.input === text) return { executionArn: arn, startDate: existing.startDate };
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const startDate = this.clock.now();
    const history = new History(this.clock);
    const execution: Execution = {
      arn,
      name: executionName,
      stateMachine: machine,
      input: text,
      startDate,
      history,
      controller: new AbortController(),
      status: 'RUNNING',
      done: Promise.resolve(),
    };
    this.executions.set(arn, execution);
    execution.done = runExecution({
      definition: machine.definition,
      input: value,
      identity: {
        executionArn: arn,
        name: executionName,
        stateMachineArn: machine.arn,
        stateMachineName: machine.name,
        roleArn: machine.roleArn,
        startTime: startDate,
      },
      invokeLambda: this.options.invokeLambda,
      clock: this.clock,
      history,
      signal: execution.controller.signal,
      region: REGION,
      ...(this.options.random ? { random: this.options.random } : {}),
    })
      .catch((error: unknown): ExecutionOutcome => ({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `Internal interpreter error: ${error instanceof Error ? error.message : String(error)}`,
      }))
      .then((outcome) => this.finish(execution, outcome));
    return { executionArn: arn, startDate };
  }

  describeExecution(input: { executionArn: string }): DescribeExecutionOutput {
    const execution = this.execution(parse(ExecutionArnInput, input).executionArn);
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.stateMachine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      redriveCount: 0,
      redriveStatus: execution.status === 'RUNNING' || execution.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    };
  }

  getExecutionHistory(input: GetExecutionHistoryInput): { events: HistoryEvent[]; nextToken?: string } {
    const args = parse(GetExecutionHistoryInput, input);
    const execution = this.execution(args.executionArn);
    const ordered = args.reverseOrder ? [...execution.history.events].reverse() : execution.history.events;
    const page = paginate(ordered, `history:${execution.arn}:${args.reverseOrder ? 'reverse' : 'forward'}`, args.maxResults, args.nextToken);
    const events = args.includeExecutionData === false ? page.items.map(withoutData) : page.items;
    return { events, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }

  listExecutions(input: ListExecutionsInput): { executions: ExecutionListItem[]; nextToken?: string } {
    const args = parse(ListExecutionsInput, input);
    const machine = this.machine(args.stateMachineArn);
    const matching = [...this.executions.values()]
      .filter((e) => e.stateMachine === machine && (args.statusFilter === undefined || e.status === args.statusFilter))
      .reverse()
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const page = paginate(matching, `executions:${machine.arn}:${args.statusFilter ?? ''}`, args.maxResults, args.nextToken);
    return {
      executions: page.items.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: machine.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate ? { stopDate: e.stopDate } : {}),
        redriveCount: 0,
      })),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  }

  stopExecution(input: StopExecutionInput): { stopDate: Date } {
    const args = parse(StopExecutionInput, input);
    const execution = this.execution(args.executionArn);
    if (execution.status !== 'RUNNING') return { stopDate: execution.stopDate ?? this.clock.now() };
    const details = { ...(args.error !== undefined ? { error: args.error } : {}), ...(args.cause !== undefined ? { cause: args.cause } : {}) };
    const last = execution.history.events.at(-1)?.id ?? 0;
    execution.history.add('ExecutionAborted', last, ['executionAbortedEventDetails', details]);
    execution.history.close();
    execution.status = 'ABORTED';
    execution.stopDate = this.clock.now();
    Object.assign(execution, details);
    execution.controller.abort(new Error('Execution stopped by StopExecution'));
    return { stopDate: execution.stopDate };
  }

  /** In-process helper for tests and the runtime: resolves once the execution has stopped. */
  async waitForExecution(executionArn: string): Promise<DescribeExecutionOutput> {
    await this.execution(executionArn).done;
    return this.describeExecution({ executionArn });
  }

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return Object.fromEntries(this.requestCounts);
  }

  /** State transitions across all executions: what a Standard workflow is billed by. */
  stateTransitions(): number {
    return this.stateTransitionCount + [...this.executions.values()].filter((e) => e.status === 'RUNNING').reduce((sum, e) => sum + e.history.stateTransitions, 0);
  }

  /** See {@link StepFunctionsFault}. */
  injectFault(action: string, fault: StepFunctionsFault): void {
    const list = this.faults.get(action) ?? [];
    list.push({ fault, remaining: fault.times ?? 1 });
    this.faults.set(action, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Stops every running execution (as StopExecution would) and waits for them to wind down. */
  async dispose(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running) this.stopExecution({ executionArn: execution.arn, cause: 'The emulator was disposed' });
    await Promise.all(running.map((e) => e.done));
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return listenOnLoopback('Step Functions', options.port ?? 0, (req, res) => this.handle(req, res));
  }

  private finish(execution: Execution, outcome: ExecutionOutcome): void {
    execution.history.close();
    this.stateTransitionCount += execution.history.stateTransitions;
    if (execution.status !== 'RUNNING' || outcome.status === 'ABORTED') return;
    execution.status = outcome.status;
    execution.stopDate = this.clock.now();
    if (outcome.status === 'SUCCEEDED') {
      execution.output = JSON.stringify(outcome.output);
    } else {
      if (outcome.error !== undefined) execution.error = outcome.error;
      if (outcome.cause !== undefined) execution.cause = outcome.cause;
    }
  }

  private machine(arn: string): StateMachine {
    if (!/^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(arn)) {
      throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const machine = this.machines.get(arn);
    if (!machine) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string): Execution {
    if (!/^arn:aws:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
      throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const execution = this.executions.get(arn);
    if (!execution) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  private dispatch(action: Action, input: unknown): unknown {
    switch (action) {
      case 'CreateStateMachine':
        return this.createStateMachine(input as CreateStateMachineInput);
      case 'DescribeStateMachine':
        return this.describeStateMachine(input as { stateMachineArn: string });
      case 'ListStateMachines':
        return this.listStateMachines(input as ListStateMachinesInput);
      case 'StartExecution':
        return this.startExecution(input as StartExecutionInput);
      case 'DescribeExecution':
        return this.describeExecution(input as { executionArn: string });
      case 'GetExecutionHistory':
        return this.getExecutionHistory(input as GetExecutionHistoryInput);
      case 'ListExecutions':
        return this.listExecutions(input as ListExecutionsInput);
      case 'StopExecution':
        return this.stopExecution(input as StopExecutionInput);
    }
  }

  private takeFault(action: string): StepFunctionsFault | undefined {
    const list = this.faults.get(action);
    const head = list?.[0];
    if (!list || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) list.shift();
    return head.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const action = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : String(target);
    this.requestCounts.set(action, (this.requestCounts.get(action) ?? 0) + 1);

    const fault = this.takeFault(action);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'error') return send(res, fault.status ?? 400, errorBody(fault.code, fault.message ?? `Injected ${fault.code}`));

    if (req.method !== 'POST' || !(ACTIONS as readonly string[]).includes(action)) {
      return send(res, 400, errorBody('UnknownOperationException', `Unknown operation ${action}`));
    }
    let body: unknown;
    try {
      body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, errorBody('SerializationException', 'Request body is not valid JSON'));
    }
    try {
      const output = this.dispatch(action as Action, body);
      if (fault?.kind === 'dropResponse') {
        req.socket.destroy();
        return;
      }
      send(res, 200, JSON.stringify(output, wireValue));
    } catch (error) {
      if (error instanceof StepFunctionsError) return send(res, error.status, errorBody(error.code, error.message));
      send(res, 500, errorBody('InternalServerError', error instanceof Error ? error.message : 'Internal error'));
    }
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `Value at '${issue.path.join('.')}' failed to satisfy constraint: ${issue.message}`);
  throw new StepFunctionsError('ValidationException', `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
}

function paginate<T>(items: readonly T[], scope: string, maxResults: number | undefined, token: string | undefined): { items: T[]; nextToken?: string } {
  let offset = 0;
  if (token !== undefined) {
    const decoded = PageToken.safeParse(decodeToken(token));
    if (!decoded.success || decoded.data.scope !== scope) throw new StepFunctionsError('InvalidToken', `Invalid Token: '${token}'`);
    offset = decoded.data.offset;
  }
  const size = maxResults === undefined || maxResults === 0 ? 100 : maxResults;
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: Buffer.from(JSON.stringify({ scope, offset: end })).toString('base64url') } : {}),
  };
}

function decodeToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function withoutData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Record<string, unknown>;
    copy[key] = rest;
  }
  return copy as unknown as HistoryEvent;
}

/** JSON 1.0 encodes timestamps as epoch seconds. */
function wireValue(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'string' && this && typeof this === 'object') {
    // JSON.stringify has already turned a Date into ISO text; the holder still has the Date.
    const original = (this as Record<string, unknown>)[key];
    if (original instanceof Date) return original.getTime() / 1000;
  }
  return value;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${code}`, message });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body);
}
