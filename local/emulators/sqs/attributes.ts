import { SqsError, invalidParameterValue } from './errors';
import type { Queue, QueueConfig } from './queue';

const COMMON_SETTABLE = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
] as const;

const FIFO_SETTABLE = ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'] as const;

const READ_ONLY = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

const unknownAttribute = (name: string): SqsError =>
  new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);

const invalidAttribute = (name: string, value: string, reason = ''): SqsError =>
  new SqsError(
    'InvalidAttributeValue',
    `Invalid value for the parameter ${name}.${reason === '' ? '' : ` Reason: ${reason}`} (got "${value}")`,
  );

function integerIn(name: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw invalidAttribute(name, value);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw invalidAttribute(name, value, `Must be between ${min} and ${max}.`);
  return parsed;
}

function booleanValue(name: string, value: string): boolean {
  const lowered = value.toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  throw invalidAttribute(name, value);
}

function jsonObject(name: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidParameterValue(`Value ${value} for parameter ${name} is invalid. Reason: Invalid JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameterValue(
      `Value ${value} for parameter ${name} is invalid. Reason: Must be a JSON object.`,
    );
  }
  return parsed as Record<string, unknown>;
}

function redrivePolicy(value: string): QueueConfig['redrivePolicy'] {
  if (value.trim() === '') return undefined;
  const policy = jsonObject('RedrivePolicy', value);
  const target = policy['deadLetterTargetArn'];
  const count = Number(policy['maxReceiveCount']);
  if (typeof target !== 'string' || !target.startsWith('arn:aws:sqs:')) {
    throw invalidParameterValue(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.`,
    );
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidParameterValue(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(policy['maxReceiveCount'])}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  return { deadLetterTargetArn: target, maxReceiveCount: count };
}

function redriveAllowPolicy(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const policy = jsonObject('RedriveAllowPolicy', value);
  const permission = policy['redrivePermission'];
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') {
    throw invalidParameterValue(
      `Value ${value} for parameter RedriveAllowPolicy is invalid. Reason: redrivePermission must be allowAll, denyAll or byQueue.`,
    );
  }
  return JSON.stringify(policy);
}

/**
 * Applies attributes (as CreateQueue or SetQueueAttributes receive them) onto a configuration,
 * checking names against the queue type and values against the documented ranges.
 */
export function applyAttributes(
  config: QueueConfig,
  attributes: Readonly<Record<string, string | undefined>>,
  fifo: boolean,
  creating: boolean,
): QueueConfig {
  const next: QueueConfig = { ...config };
  for (const [name, raw] of Object.entries(attributes)) {
    if (raw === undefined) continue;
    const value = String(raw);
    switch (name) {
      case 'FifoQueue':
        if (!creating) throw unknownAttribute(name);
        break;
      case 'DelaySeconds':
        next.delaySeconds = integerIn(name, value, 0, 900);
        break;
      case 'MaximumMessageSize':
        next.maximumMessageSize = integerIn(name, value, 1024, 1_048_576);
        break;
      case 'MessageRetentionPeriod':
        next.messageRetentionPeriod = integerIn(name, value, 60, 1_209_600);
        break;
      case 'ReceiveMessageWaitTimeSeconds':
        next.receiveMessageWaitTimeSeconds = integerIn(name, value, 0, 20);
        break;
      case 'VisibilityTimeout':
        next.visibilityTimeout = integerIn(name, value, 0, 43_200);
        break;
      case 'KmsDataKeyReusePeriodSeconds':
        next.kmsDataKeyReusePeriodSeconds = integerIn(name, value, 60, 86_400);
        break;
      case 'Policy':
        next.policy = value === '' ? undefined : JSON.stringify(jsonObject(name, value));
        break;
      case 'RedrivePolicy':
        next.redrivePolicy = redrivePolicy(value);
        break;
      case 'RedriveAllowPolicy':
        next.redriveAllowPolicy = redriveAllowPolicy(value);
        break;
      case 'KmsMasterKeyId':
        next.kmsMasterKeyId = value === '' ? undefined : value;
        if (next.kmsMasterKeyId !== undefined) next.sqsManagedSseEnabled = false;
        break;
      case 'SqsManagedSseEnabled':
        next.sqsManagedSseEnabled = booleanValue(name, value);
        break;
      case 'ContentBasedDeduplication':
        if (!fifo) throw unknownAttribute(name);
        next.contentBasedDeduplication = booleanValue(name, value);
        break;
      case 'DeduplicationScope':
        if (!fifo) throw unknownAttribute(name);
        if (value !== 'queue' && value !== 'messageGroup') throw invalidAttribute(name, value);
        next.deduplicationScope = value;
        break;
      case 'FifoThroughputLimit':
        if (!fifo) throw unknownAttribute(name);
        if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalidAttribute(name, value);
        next.fifoThroughputLimit = value;
        break;
      default:
        throw unknownAttribute(name);
    }
  }
  if (next.fifoThroughputLimit === 'perMessageGroupId' && next.deduplicationScope !== 'messageGroup') {
    throw invalidAttribute(
      'FifoThroughputLimit',
      next.fifoThroughputLimit,
      'The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup.',
    );
  }
  return next;
}

/** The configurable attributes of a queue, in the string form SQS reports them. */
export function describeConfig(config: QueueConfig, fifo: boolean): Record<string, string> {
  const described: Record<string, string> = {
    VisibilityTimeout: String(config.visibilityTimeout),
    MaximumMessageSize: String(config.maximumMessageSize),
    MessageRetentionPeriod: String(config.messageRetentionPeriod),
    DelaySeconds: String(config.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(config.receiveMessageWaitTimeSeconds),
    SqsManagedSseEnabled: String(config.sqsManagedSseEnabled),
  };
  if (config.policy !== undefined) described['Policy'] = config.policy;
  if (config.redrivePolicy !== undefined) described['RedrivePolicy'] = JSON.stringify(config.redrivePolicy);
  if (config.redriveAllowPolicy !== undefined) described['RedriveAllowPolicy'] = config.redriveAllowPolicy;
  if (config.kmsMasterKeyId !== undefined) {
    described['KmsMasterKeyId'] = config.kmsMasterKeyId;
    described['KmsDataKeyReusePeriodSeconds'] = String(config.kmsDataKeyReusePeriodSeconds);
  }
  if (fifo) {
    described['FifoQueue'] = 'true';
    described['ContentBasedDeduplication'] = String(config.contentBasedDeduplication);
    described['DeduplicationScope'] = config.deduplicationScope;
    described['FifoThroughputLimit'] = config.fifoThroughputLimit;
  }
  return described;
}

/** Every attribute GetQueueAttributes can return for this queue. */
function renderAll(queue: Queue, now: number): Record<string, string> {
  const counts = queue.counts(now);
  return {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
    ...describeConfig(queue.config, queue.fifo),
  };
}

const KNOWN = new Set<string>([...COMMON_SETTABLE, ...FIFO_SETTABLE, ...READ_ONLY, 'FifoQueue', 'All']);
const FIFO_ONLY = new Set<string>([...FIFO_SETTABLE, 'FifoQueue']);

export function renderAttributes(
  queue: Queue,
  names: readonly string[],
  now: number,
): Record<string, string> {
  for (const name of names) {
    if (!KNOWN.has(name) || (!queue.fifo && FIFO_ONLY.has(name))) throw unknownAttribute(name);
  }
  const all = renderAll(queue, now);
  if (names.includes('All')) return all;
  const selected: Record<string, string> = {};
  for (const name of names) {
    const value = all[name];
    if (value !== undefined) selected[name] = value;
  }
  return selected;
}
