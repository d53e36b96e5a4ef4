import { text } from 'node:stream/consumers';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../aws-json';
import { FaultHooks, ResponseDroppedError, type RefusingFault } from '../fault-schedule';
import { listenOnLoopback, type RunningEmulator } from '../loopback';

/**
 * CloudFormation emulator: `DescribeStacks` only, over the AWS Query protocol (form-encoded
 * POST, XML answer), so that the operator CLI finds a locally "deployed" stack's outputs the
 * same way it finds a real one.
 */

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface StackDefinition {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, { readonly value: string; readonly description?: string }>>;
}

interface Stack extends StackDefinition {
  readonly stackId: string;
  readonly createdAt: Date;
}

export class CloudFormationEmulator extends FaultHooks {
  private readonly stacks = new Map<string, Stack>();

  /** Registers (or replaces) a stack as if it had been deployed, with its outputs. */
  registerStack(definition: StackDefinition): void {
    this.stacks.set(definition.stackName, {
      ...definition,
      stackId: `arn:aws:cloudformation:us-east-1:000000000000:stack/${definition.stackName}/${randomUUID()}`,
      createdAt: new Date(),
    });
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return listenOnLoopback('CloudFormation', options.port ?? 0, (req, res) => this.handle(req, res));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams(await text(req));
    const action = params.get('Action') ?? '';
    const requestId = randomUUID();
    try {
      const stack = await this.faults.run(
        action,
        () => this.describeStack(action, params.get('StackName')),
        refusal,
      );
      send(
        res,
        200,
        `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks>${stackXml(stack)}</Stacks></DescribeStacksResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
        requestId,
      );
    } catch (thrown) {
      if (thrown instanceof ResponseDroppedError) return void req.socket.destroy();
      const error =
        thrown instanceof AwsError
          ? thrown
          : new AwsError('InternalFailure', thrown instanceof Error ? thrown.message : 'Internal error', 500);
      const body =
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `${element('Code', error.code)}${element('Message', error.message)}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      send(res, error.status, body, requestId);
    }
  }

  // The CLI always names its stack, so DescribeStacks without StackName (every stack) is refused.
  private describeStack(action: string, stackName: string | null): Stack {
    if (action !== 'DescribeStacks') {
      throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    if (stackName === null) throw new AwsError('ValidationError', 'The local emulator needs a StackName.');
    const stack = this.stacks.get(stackName);
    if (!stack) throw new AwsError('ValidationError', `Stack with id ${stackName} does not exist`);
    return stack;
  }
}

function refusal(fault: RefusingFault): AwsError {
  return fault.kind === 'throttle'
    ? new AwsError('Throttling', 'Rate exceeded')
    : new AwsError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function element(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;
}

function stackXml(stack: Stack): string {
  const outputs = Object.entries(stack.outputs)
    .map(
      ([key, output]) =>
        `<member>${element('OutputKey', key)}${element('OutputValue', output.value)}${element('Description', output.description)}</member>`,
    )
    .join('');
  return (
    `<member>${element('StackId', stack.stackId)}${element('StackName', stack.stackName)}` +
    `${element('CreationTime', stack.createdAt.toISOString())}<StackStatus>CREATE_COMPLETE</StackStatus>` +
    `<Outputs>${outputs}</Outputs></member>`
  );
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}
