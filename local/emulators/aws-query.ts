import { text } from 'node:stream/consumers';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AwsError } from './aws-json';
import { ResponseDroppedError, type FaultSchedule, type RefusingFault } from './fault-schedule';
import { listenOnLoopback, type RunningEmulator } from './loopback';

/**
 * The AWS Query protocol front: `POST /` with a form-encoded body naming the `Action` and its
 * parameters, answered with `<Action>Response><Action>Result>…` in XML, or an `ErrorResponse`
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html). SNS still speaks it in SDK v3.
 */

export interface AwsQueryProtocol {
  /** Names the service in the loopback refusal. */
  readonly service: string;
  /** The namespace of every answer's root element (`http://sns.amazonaws.com/doc/2010-03-31/`). */
  readonly xmlns: string;
  /** The code of the error an action's unexpected exception becomes (status 500). */
  readonly internalError: string;
  /** The code of the error a parameter the schema refuses becomes. */
  readonly invalidParameter: string;
  /** @default Throttling "Rate exceeded" */
  readonly throttle?: string;
}

/**
 * One action: its parameters (every form field but `Action` and `Version`) checked by `schema`,
 * and the inner XML of its `<Action>Result>` (none for `undefined`).
 */
export interface AwsQueryAction<Schema extends z.ZodType = z.ZodType> {
  readonly schema: Schema;
  // A method, so that an action of any schema is an AwsQueryAction (method parameters are bivariant).
  run(params: z.output<Schema>): string | undefined;
}

/** Builds an {@link AwsQueryAction}, typing `run`'s parameters by the schema. */
export const queryAction = <Schema extends z.ZodType>(
  schema: Schema,
  run: (params: z.output<Schema>) => string | undefined,
): AwsQueryAction<Schema> => ({ schema, run });

export const escapeXml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `<name>value</name>`, or nothing for a value left out. */
export const element = (name: string, value: string | undefined): string =>
  value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;

/** A list in the Query protocol's default form: `<name><member>…</member>…</name>`. */
export const members = (name: string, items: readonly string[]): string =>
  `<${name}>${items.map((item) => `<member>${item}</member>`).join('')}</${name}>`;

/**
 * Serves `actions` on 127.0.0.1 (`port` 0 picks a free one). Each request is counted and put
 * under its fault by `faults`.
 */
export function serveAwsQuery(
  protocol: AwsQueryProtocol,
  actions: Readonly<Record<string, AwsQueryAction>>,
  faults: FaultSchedule,
  port = 0,
): Promise<RunningEmulator> {
  const refuse = (fault: RefusingFault): AwsError =>
    fault.kind === 'throttle'
      ? new AwsError(fault.code ?? protocol.throttle ?? 'Throttling', 'Rate exceeded')
      : new AwsError(fault.code, fault.message ?? `Injected ${fault.code}`, fault.status);

  const run = (action: string, form: URLSearchParams): string | undefined => {
    const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!handler)
      throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
    const fields = Object.fromEntries([...form].filter(([name]) => name !== 'Action' && name !== 'Version'));
    const params = handler.schema.safeParse(fields);
    if (!params.success) {
      const detail = params.error.issues
        .map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`)
        .join('; ');
      throw new AwsError(protocol.invalidParameter, `Invalid parameter: ${detail}`);
    }
    return handler.run(params.data);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await text(req));
    const action = form.get('Action') ?? '';
    const requestId = randomUUID();
    const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
    try {
      const result = await faults.run(action, () => run(action, form), refuse);
      const body =
        `<${action}Response xmlns="${protocol.xmlns}">` +
        `${result === undefined ? '' : `<${action}Result>${result}</${action}Result>`}${metadata}</${action}Response>`;
      send(res, 200, body, requestId);
    } catch (thrown) {
      if (thrown instanceof ResponseDroppedError) return void req.socket.destroy();
      const error =
        thrown instanceof AwsError
          ? thrown
          : new AwsError(
              protocol.internalError,
              thrown instanceof Error ? thrown.message : 'Internal error',
              500,
            );
      const body =
        `<ErrorResponse xmlns="${protocol.xmlns}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `${element('Code', error.code)}${element('Message', error.message)}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      send(res, error.status, body, requestId);
    }
  };
  return listenOnLoopback(protocol.service, port, answer);
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}
