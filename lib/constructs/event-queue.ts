import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Validations } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EventQueueProps {
  /**
   * Attempts the consumer makes at an event before it dead-letters it (it counts them itself).
   * The queue's maxReceiveCount is a backstop derived from it: see {@link maxReceiveCountFor}.
   */
  readonly maxAttempts: number;
  /** Timeout of the consumer Lambda; the visibility timeout is six times it (AWS guidance). */
  readonly consumerTimeout: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/** The FIFO main queue (high throughput, grouped by entity) and its FIFO dead-letter queue. */
/**
 * SQS counts a receive for every message of a batch, also for the later messages of a group that
 * are held back untried behind a failing one. Dead-lettering by receive count would therefore
 * spend a healthy event's attempts on its predecessor's failures, so the consumer counts real
 * attempts and dead-letters by that; the redrive only catches messages the consumer never gets
 * to record (a crash on every receive), after four times the attempts.
 */
export const maxReceiveCountFor = (maxAttempts: number) => Math.min(1000, maxAttempts * 4);

export class EventQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!Number.isInteger(props.maxAttempts) || props.maxAttempts < 1 || props.maxAttempts > 1000) {
      problems.push('maxAttempts must be an integer from 1 to 1000 (SQS maxReceiveCount)');
    }
    const visibilitySeconds = props.consumerTimeout.toSeconds() * 6;
    if (visibilitySeconds > 43_200)
      problems.push('consumerTimeout × 6 exceeds the 12-hour SQS visibility limit');
    if (problems.length > 0) throw new Error(`EventQueue: ${problems.join('; ')}`);

    this.visibilityTimeout = Duration.seconds(visibilitySeconds);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue; its messages are replayed by the replay state machine, never redriven further.',
    });
    this.queue = new Queue(this, 'Queue', {
      fifo: true,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: maxReceiveCountFor(props.maxAttempts),
      },
      removalPolicy: props.removalPolicy,
    });
  }
}
