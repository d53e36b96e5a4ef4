import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from './asl/clock';
import { scaledClock } from './asl/clock';
import type { StateMachineDefinition } from './asl/definition';
import { loadDefinition } from './asl/definition';
import { InvalidDefinitionError } from './asl/errors';
import type { ExecutionOutcome, HistoryEvent, InvokeLambda } from './asl/interpreter';
import { History, MAX_PAYLOAD_BYTES, runExecution } from './asl/interpreter';
import type { JsonValue } from './asl/jsonpath';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultSchedule, type EmulatorFault } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

/**
 * Step Functions emulator: the actions RelayFlow uses (the runtime creates the replay state
 * machine; the CLI starts, describes and reads the history of executions, and the console lists
 * them), over the AWS JSON
 * 1.0 protocol, backed by the ASL interpreter in ./asl. Standard workflows only.
 */

export { scaledClock } from './asl/clock';
export type { Clock } from './asl/clock';
export type { HistoryEvent, InvokeLambda, InvokeLambdaResult } from './asl/interpreter';
export { invokeLambdaWith } from './lambda';
export type { LambdaInvoker } from './lambda';

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const PROTOCOL: AwsJsonProtocol = {
  service: 'Step Functions',
  targetPrefix: 'AWSStepFunctions.',
  version: '1.0',
  internalError: 'InternalServerError',
  errorType: (code) => `com.amazonaws.swf.service.v2.model#${code}`,
};

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StepFunctionsEmulatorOptions {
  /** Runs Lambda tasks; the local runtime passes its Lambda service. */
  readonly invokeLambda: InvokeLambda;
  /** Time for Wait states, retry intervals and timeouts; defaults to real time. */
  readonly clock?: Clock;
  /** Defaults to Math.random; used for retriers with JitterStrategy FULL. */
  readonly random?: () => number;
}

// Names of state machines and executions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
// eslint-disable-next-line no-control-regex -- AWS forbids control characters in names
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const name = z
  .string()
  .regex(NAME, 'must be 1-80 characters without whitespace, brackets, wildcards or special characters');
const maxResults = z.number().int().min(0).max(1000).optional();

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

const ExecutionArnInput = z.object({ executionArn: z.string().min(1) });
const StateMachineArnInput = z.object({ stateMachineArn: z.string().min(1) });

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
  includeExecutionData: z.boolean().optional(),
});
export type GetExecutionHistoryInput = z.input<typeof GetExecutionHistoryInput>;

const ListExecutionsInput = z.object({
  stateMachineArn: z.string().min(1),
  statusFilter: z
    .enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'])
    .optional(),
  maxResults,
  nextToken: z.string().min(1).max(1024).optional(),
});
export type ListExecutionsInput = z.input<typeof ListExecutionsInput>;

/** ListExecutions answers 100 executions a page unless asked for fewer or more (up to 1000). */
const EXECUTIONS_PAGE = 100;

const StopExecutionInput = z.object({
  executionArn: z.string().min(1),
  error: z.string().max(256).optional(),
  cause: z.string().max(32768).optional(),
});
export type StopExecutionInput = z.input<typeof StopExecutionInput>;

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

export class StepFunctionsEmulator {
  private readonly machines = new Map<string, StateMachine>();
  private readonly executions = new Map<string, Execution>();
  private readonly faults = new FaultSchedule();
  private readonly clock: Clock;
  private stateTransitionCount = 0;

  constructor(private readonly options: StepFunctionsEmulatorOptions) {
    this.clock = options.clock ?? scaledClock(1);
  }

  createStateMachine(input: CreateStateMachineInput): { stateMachineArn: string; creationDate: Date } {
    const args = parse(CreateStateMachineInput, input);
    if (args.type === 'EXPRESS') {
      throw new AwsError(
        'ValidationException',
        'EXPRESS state machines are not supported by the local emulator',
      );
    }
    const definitionText =
      typeof args.definition === 'string' ? args.definition : JSON.stringify(args.definition);
    let definition: StateMachineDefinition;
    try {
      definition = loadDefinition(definitionText);
    } catch (error) {
      if (error instanceof InvalidDefinitionError) throw new AwsError('InvalidDefinition', error.message);
      throw error;
    }
    const arn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:${args.name}`;
    const existing = this.machines.get(arn);
    if (existing) {
      // CreateStateMachine is idempotent for an identical request.
      if (existing.definitionText === definitionText && existing.roleArn === args.roleArn) {
        return { stateMachineArn: arn, creationDate: existing.creationDate };
      }
      throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const machine = {
      arn,
      name: args.name,
      definitionText,
      definition,
      roleArn: args.roleArn,
      creationDate: this.clock.now(),
    };
    this.machines.set(arn, machine);
    return { stateMachineArn: arn, creationDate: machine.creationDate };
  }

  /** What `relayflow doctor` checks the replay machine by: it exists and is ACTIVE. */
  describeStateMachine(input: { stateMachineArn: string }) {
    const machine = this.machine(parse(StateMachineArnInput, input).stateMachineArn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definitionText,
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: machine.creationDate,
    };
  }

  startExecution(input: StartExecutionInput): { executionArn: string; startDate: Date } {
    const args = parse(StartExecutionInput, input);
    const machine = this.machine(args.stateMachineArn);
    const text = args.input ?? '{}';
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new AwsError(
        'InvalidExecutionInput',
        `The input exceeds the maximum size of ${MAX_PAYLOAD_BYTES} bytes`,
      );
    }
    let value: JsonValue;
    try {
      value = JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new AwsError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    const executionName = args.name ?? randomUUID();
    const arn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:${machine.name}:${executionName}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // Same name and input while still running: the original answer (StartExecution is idempotent then).
      if (existing.status === 'RUNNING' && existing.input === text)
        return { executionArn: arn, startDate: existing.startDate };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
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
      ...(execution.output !== undefined
        ? { output: execution.output, outputDetails: { included: true } }
        : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      redriveCount: 0,
      redriveStatus:
        execution.status === 'RUNNING' || execution.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    };
  }

  getExecutionHistory(input: GetExecutionHistoryInput): { events: HistoryEvent[] } {
    const args = parse(GetExecutionHistoryInput, input);
    const execution = this.execution(args.executionArn);
    const ordered = args.reverseOrder ? [...execution.history.events].reverse() : execution.history.events;
    // The CLI reads the latest events only, so there is no next page.
    const page = ordered.slice(0, args.maxResults || 100);
    return { events: args.includeExecutionData === false ? page.map(withoutData) : page };
  }

  /**
   * A state machine's executions, newest first, as the console lists recent replays
   * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
   */
  listExecutions(input: ListExecutionsInput) {
    const args = parse(ListExecutionsInput, input);
    const machine = this.machine(args.stateMachineArn);
    const listed = [...this.executions.values()]
      .filter((e) => e.stateMachine === machine && (!args.statusFilter || e.status === args.statusFilter))
      .reverse();
    // The token counts the older executions still to list, so that executions started between
    // two pages shift nothing.
    const start =
      args.nextToken === undefined
        ? 0
        : Math.max(0, listed.length - olderLeftOf(args.nextToken, machine.arn));
    const size = args.maxResults || EXECUTIONS_PAGE;
    const end = start + size;
    return {
      executions: listed.slice(start, end).map((e) => ({
        executionArn: e.arn,
        stateMachineArn: machine.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate ? { stopDate: e.stopDate } : {}),
        redriveCount: 0,
      })),
      ...(end < listed.length ? { nextToken: tokenOf(listed.length - end, machine.arn) } : {}),
    };
  }

  stopExecution(input: StopExecutionInput): { stopDate: Date } {
    const args = parse(StopExecutionInput, input);
    const execution = this.execution(args.executionArn);
    if (execution.status !== 'RUNNING') return { stopDate: execution.stopDate ?? this.clock.now() };
    const details = {
      ...(args.error !== undefined ? { error: args.error } : {}),
      ...(args.cause !== undefined ? { cause: args.cause } : {}),
    };
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
    return this.faults.counters();
  }

  /** State transitions across all executions: what a Standard workflow is billed by. */
  stateTransitions(): number {
    return (
      this.stateTransitionCount +
      [...this.executions.values()]
        .filter((e) => e.status === 'RUNNING')
        .reduce((sum, e) => sum + e.history.stateTransitions, 0)
    );
  }

  /** Test hook for the next HTTP requests of `action`; see {@link EmulatorFault}. */
  injectFault(action: string, fault: EmulatorFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Stops every running execution (as StopExecution would) and waits for them to wind down. */
  async dispose(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running)
      this.stopExecution({ executionArn: execution.arn, cause: 'The emulator was disposed' });
    await Promise.all(running.map((e) => e.done));
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsJson(
      PROTOCOL,
      {
        CreateStateMachine: (input) => this.createStateMachine(input as CreateStateMachineInput),
        DescribeStateMachine: (input) => this.describeStateMachine(input as { stateMachineArn: string }),
        StartExecution: (input) => this.startExecution(input as StartExecutionInput),
        DescribeExecution: (input) => this.describeExecution(input as { executionArn: string }),
        GetExecutionHistory: (input) => this.getExecutionHistory(input as GetExecutionHistoryInput),
        ListExecutions: (input) => this.listExecutions(input as ListExecutionsInput),
        StopExecution: (input) => this.stopExecution(input as StopExecutionInput),
      },
      this.faults,
      options.port,
    );
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
      throw new AwsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const machine = this.machines.get(arn);
    if (!machine) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string): Execution {
    if (!/^arn:aws:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
      throw new AwsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    }
    const execution = this.executions.get(arn);
    if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `Value at '${issue.path.join('.')}' failed to satisfy constraint: ${issue.message}`,
  );
  throw new AwsError(
    'ValidationException',
    `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
  );
}

/** A page token names where the next page starts and of which machine, so that it is no use on another. */
function tokenOf(olderLeft: number, machineArn: string): string {
  return Buffer.from(JSON.stringify([olderLeft, machineArn])).toString('base64url');
}

function olderLeftOf(token: string, machineArn: string): number {
  try {
    const [left, arn] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof left === 'number' && Number.isInteger(left) && left >= 0 && arn === machineArn) return left;
  } catch {
    // Falls through to the refusal: a token not made here.
  }
  throw new AwsError('InvalidToken', `Invalid Token: '${token}'`);
}

function withoutData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const {
      input: _input,
      output: _output,
      parameters: _parameters,
      ...rest
    } = value as Record<string, unknown>;
    copy[key] = rest;
  }
  return copy as unknown as HistoryEvent;
}
