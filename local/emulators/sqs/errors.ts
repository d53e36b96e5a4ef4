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

// Status and query codes from the SQS Smithy model (`awsQueryError` traits) shipped in @aws-sdk/client-sqs.
const MODELLED: Readonly<Record<string, ErrorSpec>> = {
  BatchEntryIdsNotDistinct: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' },
  BatchRequestTooLong: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
  EmptyBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  InvalidAddress: { status: 404, queryCode: 'InvalidAddress' },
  InvalidAttributeName: { status: 400, queryCode: 'InvalidAttributeName' },
  InvalidAttributeValue: { status: 400, queryCode: 'InvalidAttributeValue' },
  InvalidBatchEntryId: { status: 400, queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
  InvalidIdFormat: { status: 400, queryCode: 'InvalidIdFormat' },
  InvalidMessageContents: { status: 400, queryCode: 'InvalidMessageContents' },
  InvalidSecurity: { status: 403, queryCode: 'InvalidSecurity' },
  KmsAccessDenied: { status: 400, queryCode: 'KMS.AccessDeniedException' },
  KmsDisabled: { status: 400, queryCode: 'KMS.DisabledException' },
  KmsInvalidKeyUsage: { status: 400, queryCode: 'KMS.InvalidKeyUsageException' },
  KmsInvalidState: { status: 400, queryCode: 'KMS.InvalidStateException' },
  KmsNotFound: { status: 400, queryCode: 'KMS.NotFoundException' },
  KmsOptInRequired: { status: 403, queryCode: 'KMS.OptInRequired' },
  KmsThrottled: { status: 400, queryCode: 'KMS.ThrottlingException' },
  MessageNotInflight: { status: 400, queryCode: 'AWS.SimpleQueueService.MessageNotInflight' },
  OverLimit: { status: 403, queryCode: 'OverLimit' },
  PurgeQueueInProgress: { status: 403, queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress' },
  QueueDeletedRecently: { status: 400, queryCode: 'AWS.SimpleQueueService.QueueDeletedRecently' },
  QueueDoesNotExist: { status: 400, queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  QueueNameExists: { status: 400, queryCode: 'QueueAlreadyExists' },
  ReceiptHandleIsInvalid: { status: 404, queryCode: 'ReceiptHandleIsInvalid' },
  RequestThrottled: { status: 403, queryCode: 'RequestThrottled' },
  ResourceNotFoundException: { status: 404, queryCode: 'ResourceNotFoundException' },
  TooManyEntriesInBatchRequest: {
    status: 400,
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  },
  UnsupportedOperation: { status: 400, queryCode: 'AWS.SimpleQueueService.UnsupportedOperation' },
};

// Codes SQS returns that have no shape in the model; the SDK surfaces them by name.
const UNMODELLED: Readonly<Record<string, ErrorSpec>> = {
  InternalError: { status: 500, queryCode: 'InternalError' },
  InternalFailure: { status: 500, queryCode: 'InternalFailure' },
  ServiceUnavailable: { status: 503, queryCode: 'ServiceUnavailable' },
  ThrottlingException: { status: 400, queryCode: 'ThrottlingException' },
};

export class SqsError extends AwsError {
  readonly queryCode: string;
  readonly senderFault: boolean;

  constructor(code: string, message: string) {
    const spec = MODELLED[code] ?? UNMODELLED[code] ?? { status: 400, queryCode: code };
    const senderFault = spec.status < 500;
    super(code, message, spec.status, {
      'x-amzn-query-error': `${spec.queryCode};${senderFault ? 'Sender' : 'Receiver'}`,
    });
    this.name = 'SqsError';
    this.queryCode = spec.queryCode;
    this.senderFault = senderFault;
  }
}

export const SQS_PROTOCOL: AwsJsonProtocol = {
  service: 'SQS',
  targetPrefix: 'AmazonSQS.',
  version: '1.0',
  internalError: 'InternalError',
  unknownAction: 'InvalidAction',
  // Modelled shapes go out in the SQS namespace, others under their code.
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
