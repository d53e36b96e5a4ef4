import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, type RunningEmulator } from '../loopback';
import { FaultSchedule, type EmulatorFault } from '../fault-schedule';

/**
 * CloudFormation emulator: `DescribeStacks` only, over the AWS Query protocol (form-encoded
 * POST, XML answer), so that the operator CLI finds a locally "deployed" stack's outputs the
 * same way it finds a real one.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const API_VERSION = '2010-05-15';
const XMLNS = `http://cloudformation.amazonaws.com/doc/${API_VERSION}/`;

export interface StackOutputDefinition {
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

export interface StackDefinition {
  readonly stackName: string;
  readonly description?: string;
  readonly outputs: Readonly<Record<string, StackOutputDefinition>>;
}

export interface Output {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

export interface Stack {
  StackId: string;
  StackName: string;
  Description?: string;
  CreationTime: Date;
  StackStatus: 'CREATE_COMPLETE';
  Outputs: Output[];
}

/** An AWS error as the SDK sees it: `Code` names the exception, `status` is the HTTP status. */
export class CloudFormationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export class CloudFormationEmulator {
  private readonly stacks = new Map<string, Stack>();
  private readonly faults = new FaultSchedule();

  /** Registers (or replaces) a stack as if it had been deployed, with its outputs. */
  registerStack(definition: StackDefinition): Stack {
    const stack: Stack = {
      StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT_ID}:stack/${definition.stackName}/${randomUUID()}`,
      StackName: definition.stackName,
      ...(definition.description !== undefined ? { Description: definition.description } : {}),
      CreationTime: new Date(),
      StackStatus: 'CREATE_COMPLETE',
      Outputs: Object.entries(definition.outputs).map(([key, output]) => ({
        OutputKey: key,
        OutputValue: output.value,
        ...(output.description !== undefined ? { Description: output.description } : {}),
        ...(output.exportName !== undefined ? { ExportName: output.exportName } : {}),
      })),
    };
    this.stacks.set(stack.StackName, stack);
    return stack;
  }

  describeStacks(input: { StackName?: string } = {}): { Stacks: Stack[] } {
    if (input.StackName === undefined) return { Stacks: [...this.stacks.values()] };
    const stack =
      this.stacks.get(input.StackName) ??
      [...this.stacks.values()].find((candidate) => candidate.StackId === input.StackName);
    if (!stack)
      throw new CloudFormationError('ValidationError', `Stack with id ${input.StackName} does not exist`);
    return { Stacks: [stack] };
  }

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /**
   * Test hook: the next `times` HTTP requests for `action` fail (`error`, `throttle`), are held
   * for `ms` (`delay`), or lose their response (`dropResponse`).
   */
  injectFault(action: string, fault: EmulatorFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return listenOnLoopback('CloudFormation', options.port ?? 0, (req, res) => this.handle(req, res));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const action = params.get('Action') ?? '';
    const requestId = randomUUID();

    const fault = this.faults.take(action);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'throttle')
      return sendError(res, new CloudFormationError('Throttling', 'Rate exceeded'), requestId);
    if (fault?.kind === 'error') {
      return sendError(
        res,
        new CloudFormationError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status),
        requestId,
      );
    }
    if (fault?.kind === 'dropResponse') {
      req.socket.destroy();
      return;
    }

    if (action !== 'DescribeStacks') {
      return sendError(
        res,
        new CloudFormationError('InvalidAction', `The action ${action} is not valid for this web service.`),
        requestId,
      );
    }
    try {
      const stackName = params.get('StackName');
      const { Stacks } = this.describeStacks(stackName === null ? {} : { StackName: stackName });
      const body =
        `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks>` +
        Stacks.map(stackXml).join('') +
        `</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`;
      send(res, 200, body, requestId);
    } catch (error) {
      if (error instanceof CloudFormationError) return sendError(res, error, requestId);
      sendError(
        res,
        new CloudFormationError(
          'InternalFailure',
          error instanceof Error ? error.message : 'Internal error',
          500,
        ),
        requestId,
      );
    }
  }
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;
}

function stackXml(stack: Stack): string {
  const outputs = stack.Outputs.map(
    (output) =>
      `<member>${element('OutputKey', output.OutputKey)}${element('OutputValue', output.OutputValue)}` +
      `${element('Description', output.Description)}${element('ExportName', output.ExportName)}</member>`,
  ).join('');
  return (
    `<member>${element('StackId', stack.StackId)}${element('StackName', stack.StackName)}${element('Description', stack.Description)}` +
    `${element('CreationTime', stack.CreationTime.toISOString())}${element('StackStatus', stack.StackStatus)}` +
    `<DisableRollback>false</DisableRollback><NotificationARNs/><Tags/><Outputs>${outputs}</Outputs></member>`
  );
}

function sendError(res: ServerResponse, error: CloudFormationError, requestId: string): void {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const body =
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type>${element('Code', error.code)}${element('Message', error.message)}</Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  send(res, error.status, body, requestId);
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}
