import {
  ConfirmSubscriptionCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { PENDING_CONFIRMATION, SnsEmulator } from '../../../../local/emulators/sns';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('SNS emulator through the AWS SDK v3 client (AWS Query protocol)', () => {
  let emulator: SnsEmulator;
  let running: RunningEmulator;
  let client: SNSClient;
  let topicArn: string;

  beforeEach(async () => {
    emulator = new SnsEmulator();
    running = await emulator.start();
    client = new SNSClient({ endpoint: running.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    topicArn = emulator.createTopic('RelayFlow-AlarmTopic').TopicArn;
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  const list = async () =>
    (await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions;

  // https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (the ARN names region, account and topic)
  it('creates a topic under its ARN, once for a name', () => {
    expect(topicArn).toBe('arn:aws:sns:us-east-1:000000000000:RelayFlow-AlarmTopic');
    expect(emulator.createTopic('RelayFlow-AlarmTopic').TopicArn).toBe(topicArn);
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
  it('lists no subscription for a topic nobody subscribed to', async () => {
    expect(await list()).toEqual([]);
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html: "If the subscription requires
  // confirmation, the response is pending confirmation"; until then it is listed as PendingConfirmation.
  it('keeps an e-mail subscription pending until its token is confirmed', async () => {
    const subscribed = await client.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }),
    );
    const pending = await list();
    const [sent] = emulator.confirmationsSent();

    const confirmed = await client.send(
      new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: sent?.token ?? '' }),
    );

    expect(subscribed.SubscriptionArn).toBe('pending confirmation');
    expect(pending).toEqual([
      {
        TopicArn: topicArn,
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        Owner: '000000000000',
        SubscriptionArn: PENDING_CONFIRMATION,
      },
    ]);
    expect(sent).toMatchObject({ topicArn, protocol: 'email', endpoint: 'oncall@example.com' });
    expect(confirmed.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    expect(await list()).toEqual([expect.objectContaining({ SubscriptionArn: confirmed.SubscriptionArn })]);
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html (ReturnSubscriptionArn)
  it('names a pending subscription by its ARN when asked to', async () => {
    const subscribed = await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'https',
        Endpoint: 'https://hooks.example.com/alarms',
        ReturnSubscriptionArn: true,
      }),
    );

    expect(subscribed.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:`));
    expect((await list())?.[0]?.SubscriptionArn).toBe(PENDING_CONFIRMATION);
  });

  it('subscribes a same-account queue at once, without confirmation', async () => {
    const subscribed = await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:alarms',
      }),
    );

    expect(subscribed.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:`));
    expect(await list()).toEqual([expect.objectContaining({ SubscriptionArn: subscribed.SubscriptionArn })]);
    expect(emulator.confirmationsSent()).toEqual([]);
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html: subscribing the same endpoint again
  // returns the existing subscription.
  it('answers the same subscription when the same endpoint subscribes again', async () => {
    const subscribe = () =>
      client.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'lambda',
          Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:pager',
        }),
      );

    const first = await subscribe();
    const second = await subscribe();

    expect(second.SubscriptionArn).toBe(first.SubscriptionArn);
    expect(await list()).toHaveLength(1);
  });

  it('confirms the subscriptions the runtime makes itself when it says so', async () => {
    emulator.subscribe(
      { TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' },
      { confirmed: true },
    );

    expect((await list())?.[0]?.SubscriptionArn).toMatch(/^arn:aws:sns:/);
    expect(emulator.confirmationsSent()).toEqual([]);
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html: "Each call returns a
  // limited list of subscriptions, up to 100. If there are more subscriptions, a NextToken is also returned."
  it('lists subscriptions 100 at a time with a NextToken', async () => {
    for (let n = 0; n < 101; n += 1)
      emulator.subscribe({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:us-east-1:000000000000:q${n}`,
      });

    const first = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const second = await client.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: first.NextToken }),
    );

    expect(first.Subscriptions).toHaveLength(100);
    expect(second.Subscriptions?.map((s) => s.Endpoint)).toEqual(['arn:aws:sqs:us-east-1:000000000000:q100']);
    expect(second.NextToken).toBeUndefined();
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html (NotFound, 404)
  it('answers NotFound for a topic that does not exist', async () => {
    await expect(
      client.send(new ListSubscriptionsByTopicCommand({ TopicArn: `${topicArn}-missing` })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
      message: 'Topic does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_ConfirmSubscription.html (InvalidParameter)
  it('refuses a token no confirmation carried', async () => {
    await expect(
      client.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: 'forged' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
  });

  // https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html (Protocol: the supported values)
  it('refuses a protocol SNS does not support', async () => {
    await expect(
      client.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'pigeon', Endpoint: 'loft 7' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('protocol'),
    });
  });

  // https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html (InvalidAction)
  it('answers an action it does not serve with InvalidAction', async () => {
    const response = await fetch(running.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=Publish&Version=2010-03-31&TopicArn=x&Message=hi',
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
  });

  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (Throttling is retried)
  it('fails the next call with an injected throttle, which the SDK retries, and counts both', async () => {
    emulator.injectFault('ListSubscriptionsByTopic', { kind: 'throttle', times: 1 });
    const retrying = new SNSClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 2,
    });

    const { Subscriptions } = await retrying.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }),
    );

    retrying.destroy();
    expect(Subscriptions).toEqual([]);
    expect(emulator.counters()).toEqual({ ListSubscriptionsByTopic: 2 });
  });
});
