import type { StepFunctionsEmulator } from '../../../../local/emulators/stepfunctions';

/**
 * Sends Step Functions requests exactly as @aws-sdk/client-sfn v3 does (AWS JSON 1.0: POST to `/`,
 * `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: AWSStepFunctions.<Action>`, JSON body),
 * and reads answers the way its protocol layer does: epoch-second timestamps become Dates, and an
 * error's code is the `X-Amzn-ErrorType` header or the body's `__type`/`code`, cut at `#` and `:`.
 * Stand-in until @aws-sdk/client-sfn is installed; then the tests use SFNClient itself.
 */

type E = StepFunctionsEmulator;
type Action<I, O> = { readonly input: I; readonly output: Awaited<O> };
export interface SfnActions {
  CreateStateMachine: Action<Parameters<E['createStateMachine']>[0], ReturnType<E['createStateMachine']>>;
  DescribeStateMachine: Action<Parameters<E['describeStateMachine']>[0], ReturnType<E['describeStateMachine']>>;
  ListStateMachines: Action<NonNullable<Parameters<E['listStateMachines']>[0]>, ReturnType<E['listStateMachines']>>;
  StartExecution: Action<Parameters<E['startExecution']>[0], ReturnType<E['startExecution']>>;
  DescribeExecution: Action<Parameters<E['describeExecution']>[0], ReturnType<E['describeExecution']>>;
  GetExecutionHistory: Action<Parameters<E['getExecutionHistory']>[0], ReturnType<E['getExecutionHistory']>>;
  ListExecutions: Action<Parameters<E['listExecutions']>[0], ReturnType<E['listExecutions']>>;
  StopExecution: Action<Parameters<E['stopExecution']>[0], ReturnType<E['stopExecution']>>;
}

/** What the SDK throws for a modeled or unmodeled service error. */
export class SfnServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly $metadata: { readonly httpStatusCode: number },
  ) {
    super(message);
    this.name = code;
  }
}

// Timestamp members of the SFN model that these actions return.
const TIMESTAMP_MEMBERS = new Set(['creationDate', 'startDate', 'stopDate', 'timestamp']);

export class SfnWireClient {
  constructor(private readonly endpoint: string) {}

  async send<A extends keyof SfnActions>(action: A, input: SfnActions[A]['input']): Promise<SfnActions[A]['output']> {
    const response = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AWSStepFunctions.${action}`,
        'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0',
        'amz-sdk-invocation-id': crypto.randomUUID(),
        'amz-sdk-request': 'attempt=1; max=3',
      },
      body: JSON.stringify(input ?? {}),
    });
    const text = await response.text();
    const body = text.length > 0 ? (JSON.parse(text, revive) as Record<string, unknown>) : {};
    if (response.status >= 300) {
      const raw = response.headers.get('x-amzn-errortype') ?? (body.__type as string | undefined) ?? (body.code as string | undefined) ?? 'Unknown';
      const code = raw.split(':')[0]?.split('#').at(-1) ?? raw;
      const message = (body.message as string | undefined) ?? (body.Message as string | undefined) ?? 'UnknownError';
      throw new SfnServiceError(code, message, { httpStatusCode: response.status });
    }
    return body as SfnActions[A]['output'];
  }

  /** The raw answer, for asserting the wire encoding itself. */
  async raw(action: string, body: string): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${action}` },
      body,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
}

function revive(key: string, value: unknown): unknown {
  return TIMESTAMP_MEMBERS.has(key) && typeof value === 'number' ? new Date(Math.round(value * 1000)) : value;
}
