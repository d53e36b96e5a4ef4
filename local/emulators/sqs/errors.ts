import { AwsError, type AwsJsonProtocol } from '../aws-json';

/**
 * SQS errors as the JSON protocol carries them: `__type` names the Smithy shape, and the
 * `x-amzn-query-error: <code>;<Sender|Receiver>` header carries the legacy query-protocol code,
 * which the SDK (query-compatible mode) reads first to pick its exception class.
 */
interface ErrorSpec {
  readonly status: number;
  /** Legacy query code; the SDK maps e.g. AWS.SimpleQueueService.NonExistentQueue to QueueDoesNotExist. */
  readonly queryCode: string;
}

// The codes this emulator raises whose status or query code (from the `awsQueryError` traits of the
// SQS Smithy model in @aws-sdk/client-sqs) is not "400, the code itself"; InternalError and
// ServiceUnavailable have no shape but must answer 5xx, which the SDK retries.
const SPECS: Readonly<Record<string, ErrorSpec>> = {
  BatchEntryIdsNotDistinct: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' },
  BatchRequestTooLong: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
  EmptyBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  InvalidBatchEntryId: { status: 400, queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
  MessageNotInflight: { status: 400, queryCode: 'AWS.SimpleQueueService.MessageNotInflight' },
  QueueDoesNotExist: { status: 400, queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  QueueNameExists: { status: 400, queryCode: 'QueueAlreadyExists' },
  ReceiptHandleIsInvalid: { status: 404, queryCode: 'ReceiptHandleIsInvalid' },
  TooManyEntriesInBatchRequest: {
    status: 400,
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  },
  UnsupportedOperation: { status: 400, queryCode: 'AWS.SimpleQueueService.UnsupportedOperation' },
  InternalError: { status: 500, queryCode: 'InternalError' },
  ServiceUnavailable: { status: 503, queryCode: 'ServiceUnavailable' },
};

export class SqsError extends AwsError {
  readonly senderFault: boolean;

  constructor(code: string, message: string) {
    const spec = SPECS[code] ?? { status: 400, queryCode: code };
    const senderFault = spec.status < 500;
    super(code, message, spec.status, {
      'x-amzn-query-error': `${spec.queryCode};${senderFault ? 'Sender' : 'Receiver'}`,
    });
    this.name = 'SqsError';
    this.senderFault = senderFault;
  }
}

export const SQS_PROTOCOL: AwsJsonProtocol = {
  service: 'SQS',
  targetPrefix: 'AmazonSQS.',
  version: '1.0',
  internalError: 'InternalError',
  unknownAction: 'InvalidAction',
  errorType: (code) => `com.amazonaws.sqs#${code}`,
  error: (code, message) => new SqsError(code, message),
};

export const queueDoesNotExist = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');

export const missingParameter = (name: string): SqsError =>
  new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);

export const invalidParameterValue = (message: string): SqsError =>
  new SqsError('InvalidParameterValue', message);

export const invalidValue = (name: string, value: unknown, reason: string): SqsError =>
  invalidParameterValue(`Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`);
