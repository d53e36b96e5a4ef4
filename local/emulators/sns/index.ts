import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError } from '../aws-json';
import { element, members, queryAction, serveAwsQuery, type AwsQueryProtocol } from '../aws-query';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

/**
 * SNS emulator: the template's topics and subscriptions, and the subscription actions the
 * operator CLI (`relayflow doctor`) and its tests use: ListSubscriptionsByTopic, Subscribe and
 * ConfirmSubscription, over the AWS Query protocol. Nothing is published: the local runtime
 * evaluates no alarm, so nothing would be.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';

const PROTOCOL: AwsQueryProtocol = {
  service: 'SNS',
  xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  internalError: 'InternalError',
  invalidParameter: 'InvalidParameter',
};

/** How ListSubscriptionsByTopic shows a subscription its endpoint has not confirmed. */
export const PENDING_CONFIRMATION = 'PendingConfirmation';

const PROTOCOLS = ['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose'];
/**
 * Endpoints SNS sends a confirmation message to, and that stay pending until it is answered. An
 * SQS queue or a Lambda function of the same account (the only kind here) is subscribed at once.
 */
const CONFIRMED_BY_ENDPOINT = new Set(['http', 'https', 'email', 'email-json']);
const PAGE_SIZE = 100;

interface Topic {
  readonly arn: string;
  readonly name: string;
}

interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly token: string;
  confirmed: boolean;
}

/** A confirmation message SNS would have sent: the token it carries confirms the subscription. */
export interface ConfirmationSent {
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly token: string;
}

const topicArn = z.string().min(1);

const SubscribeParams = z.strictObject({
  TopicArn: topicArn,
  Protocol: z.string().refine((p) => PROTOCOLS.includes(p), {
    message: 'Amazon SNS does not support this protocol string',
  }),
  Endpoint: z.string().min(1),
  ReturnSubscriptionArn: z.enum(['true', 'false']).optional(),
});
const ConfirmSubscriptionParams = z.strictObject({
  TopicArn: topicArn,
  Token: z.string().min(1),
  AuthenticateOnUnsubscribe: z.enum(['true', 'false']).optional(),
});
const ListSubscriptionsByTopicParams = z.strictObject({
  TopicArn: topicArn,
  NextToken: z.string().regex(/^\d+$/).optional(),
});

export class SnsEmulator extends FaultHooks {
  private readonly topics = new Map<string, Topic>();
  private readonly subscriptions: Subscription[] = [];
  private readonly sent: ConfirmationSent[] = [];

  /** Creates a topic, as the runtime does for each of the template's; idempotent by name, as SNS is. */
  createTopic(name: string): { TopicArn: string } {
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`;
    if (!this.topics.has(arn)) this.topics.set(arn, { arn, name });
    return { TopicArn: arn };
  }

  /**
   * Subscribes an endpoint to a topic. An endpoint that must confirm (e-mail, HTTP) stays pending,
   * and the confirmation SNS would send it is kept for {@link confirmationsSent}, unless the
   * runtime subscribes it `confirmed` itself; subscribing the same endpoint again answers the same
   * subscription.
   */
  subscribe(
    input: { TopicArn: string; Protocol: string; Endpoint: string },
    options: { confirmed?: boolean } = {},
  ): { SubscriptionArn: string; pending: boolean } {
    const topic = this.topic(input.TopicArn);
    const existing = this.subscriptions.find(
      (s) => s.topicArn === topic.arn && s.protocol === input.Protocol && s.endpoint === input.Endpoint,
    );
    if (existing) return { SubscriptionArn: existing.arn, pending: !existing.confirmed };
    const subscription: Subscription = {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol: input.Protocol,
      endpoint: input.Endpoint,
      token: randomBytes(32).toString('hex'),
      confirmed: options.confirmed === true || !CONFIRMED_BY_ENDPOINT.has(input.Protocol),
    };
    this.subscriptions.push(subscription);
    if (!subscription.confirmed) {
      const { topicArn, protocol, endpoint, token } = subscription;
      this.sent.push({ topicArn, protocol, endpoint, token });
    }
    return { SubscriptionArn: subscription.arn, pending: !subscription.confirmed };
  }

  /** Confirms the subscription a confirmation message's token belongs to. */
  confirmSubscription(input: { TopicArn: string; Token: string }): { SubscriptionArn: string } {
    const topic = this.topic(input.TopicArn);
    const subscription = this.subscriptions.find((s) => s.topicArn === topic.arn && s.token === input.Token);
    if (!subscription) throw new AwsError('InvalidParameter', 'Invalid token');
    subscription.confirmed = true;
    return { SubscriptionArn: subscription.arn };
  }

  /** The topic's subscriptions, oldest first, a page of 100 at a time. */
  listSubscriptionsByTopic(input: { TopicArn: string; NextToken?: string }): {
    Subscriptions: {
      TopicArn: string;
      Protocol: string;
      SubscriptionArn: string;
      Owner: string;
      Endpoint: string;
    }[];
    NextToken?: string;
  } {
    const topic = this.topic(input.TopicArn);
    const all = this.subscriptions.filter((s) => s.topicArn === topic.arn);
    const start = Number(input.NextToken ?? 0);
    const page = all.slice(start, start + PAGE_SIZE);
    return {
      Subscriptions: page.map((s) => ({
        TopicArn: s.topicArn,
        Protocol: s.protocol,
        SubscriptionArn: s.confirmed ? s.arn : PENDING_CONFIRMATION,
        Owner: ACCOUNT_ID,
        Endpoint: s.endpoint,
      })),
      ...(start + PAGE_SIZE < all.length ? { NextToken: String(start + PAGE_SIZE) } : {}),
    };
  }

  /** Test hook: the confirmation messages SNS would have sent, oldest first (e-mail, HTTP). */
  confirmationsSent(): readonly ConfirmationSent[] {
    return [...this.sent];
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsQuery(
      PROTOCOL,
      {
        Subscribe: queryAction(SubscribeParams, (params) => {
          const { SubscriptionArn, pending } = this.subscribe(params);
          // SNS names a pending subscription only when asked to (ReturnSubscriptionArn).
          const shown =
            pending && params.ReturnSubscriptionArn !== 'true' ? 'pending confirmation' : SubscriptionArn;
          return element('SubscriptionArn', shown);
        }),
        ConfirmSubscription: queryAction(ConfirmSubscriptionParams, (params) =>
          element('SubscriptionArn', this.confirmSubscription(params).SubscriptionArn),
        ),
        ListSubscriptionsByTopic: queryAction(ListSubscriptionsByTopicParams, (params) => {
          const { Subscriptions, NextToken } = this.listSubscriptionsByTopic(params);
          return (
            members(
              'Subscriptions',
              Subscriptions.map(
                (s) =>
                  `${element('TopicArn', s.TopicArn)}${element('Protocol', s.Protocol)}` +
                  `${element('SubscriptionArn', s.SubscriptionArn)}${element('Owner', s.Owner)}${element('Endpoint', s.Endpoint)}`,
              ),
            ) + element('NextToken', NextToken)
          );
        }),
      },
      this.faults,
      options.port,
    );
  }

  private topic(arn: string): Topic {
    const topic = this.topics.get(arn);
    if (!topic) throw new AwsError('NotFound', 'Topic does not exist', 404);
    return topic;
  }
}
