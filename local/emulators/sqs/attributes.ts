import { SqsError, invalidParameterValue } from './errors';
import type { Queue, QueueConfig } from './queue';

// The queue attributes the synthesized template (and the SQS bench) set; any other is refused
// as unknown rather than accepted and ignored.
const FIFO_SETTABLE = ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];
const FIFO_ONLY = new Set([...FIFO_SETTABLE, 'FifoQueue']);
const READABLE = new Set([
  ...FIFO_ONLY,
  'All',
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
]);

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

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalidAttribute(name, value);
  return value as T;
}

function redrivePolicy(value: string): QueueConfig['redrivePolicy'] {
  const invalid = (reason: string) =>
    invalidParameterValue(`Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | null;
  try {
    policy = JSON.parse(value) as typeof policy;
  } catch {
    throw invalid('Invalid JSON.');
  }
  const target = policy?.deadLetterTargetArn;
  const count = Number(policy?.maxReceiveCount);
  if (typeof target !== 'string' || !target.startsWith('arn:aws:sqs:')) {
    throw invalid('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalid(
      `Invalid value for maxReceiveCount: ${String(policy?.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  return { deadLetterTargetArn: target, maxReceiveCount: count };
}

/**
 * Applies attributes (as CreateQueue or the runtime's SetQueueAttributes receive them) onto a
 * configuration, checking names against the queue type and values against the documented ranges.
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
    if (!fifo && FIFO_SETTABLE.includes(name)) throw unknownAttribute(name);
    const value = String(raw);
    switch (name) {
      case 'FifoQueue':
        if (!creating) throw unknownAttribute(name);
        break;
      case 'VisibilityTimeout':
        next.visibilityTimeout = integerIn(name, value, 0, 43_200);
        break;
      case 'MessageRetentionPeriod':
        next.messageRetentionPeriod = integerIn(name, value, 60, 1_209_600);
        break;
      case 'RedrivePolicy':
        next.redrivePolicy = redrivePolicy(value);
        break;
      case 'SqsManagedSseEnabled':
        next.sqsManagedSseEnabled = booleanValue(name, value);
        break;
      case 'ContentBasedDeduplication':
        next.contentBasedDeduplication = booleanValue(name, value);
        break;
      case 'DeduplicationScope':
        next.deduplicationScope = oneOf(name, value, ['queue', 'messageGroup']);
        break;
      case 'FifoThroughputLimit':
        next.fifoThroughputLimit = oneOf(name, value, ['perQueue', 'perMessageGroupId']);
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
  return {
    VisibilityTimeout: String(config.visibilityTimeout),
    MessageRetentionPeriod: String(config.messageRetentionPeriod),
    SqsManagedSseEnabled: String(config.sqsManagedSseEnabled),
    ...(config.redrivePolicy && { RedrivePolicy: JSON.stringify(config.redrivePolicy) }),
    ...(fifo && {
      FifoQueue: 'true',
      ContentBasedDeduplication: String(config.contentBasedDeduplication),
      DeduplicationScope: config.deduplicationScope,
      FifoThroughputLimit: config.fifoThroughputLimit,
    }),
  };
}

export function renderAttributes(
  queue: Queue,
  names: readonly string[],
  now: number,
): Record<string, string> {
  for (const name of names) {
    if (!READABLE.has(name) || (!queue.fifo && FIFO_ONLY.has(name))) throw unknownAttribute(name);
  }
  const counts = queue.counts(now);
  const all: Record<string, string> = {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    // Nothing delays a message here (DelaySeconds is not emulated); the count is still answered,
    // as callers add it to the other two.
    ApproximateNumberOfMessagesDelayed: '0',
    ...describeConfig(queue.config, queue.fifo),
  };
  if (names.includes('All')) return all;
  return Object.fromEntries(names.flatMap((name) => (all[name] === undefined ? [] : [[name, all[name]]])));
}
