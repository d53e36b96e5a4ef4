import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, stringProperty, type Provisioner } from './context';

/** AWS::SNS::Topic in the SNS emulator, under the name CloudFormation would give it. */
export const provisionTopics: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  for (const [id, topic] of resourcesOfType(template, 'AWS::SNS::Topic')) {
    const name = stringProperty(topic, 'TopicName') ?? physicalName(ctx.stackName, id, 256);
    const { TopicArn } = ctx.services.sns.createTopic(name);
    resources.set(id, { ref: TopicArn, attributes: { TopicArn, TopicName: name } });
  }
  return Promise.resolve({ resources });
};

/**
 * AWS::SNS::Subscription in the SNS emulator, confirmed at once: an e-mail subscription (the
 * alarm topic's, from `alarmEmail`) waits for its recipient on AWS, but the local runtime has no
 * inbox to confirm it from.
 */
export const provisionSubscriptions: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  for (const [id, subscription] of resourcesOfType(template, 'AWS::SNS::Subscription')) {
    const props = subscription.Properties ?? {};
    const { SubscriptionArn } = ctx.services.sns.subscribe(
      {
        TopicArn: String(resolve(props.TopicArn)),
        Protocol: String(resolve(props.Protocol)),
        Endpoint: String(resolve(props.Endpoint)),
      },
      { confirmed: true },
    );
    resources.set(id, { ref: SubscriptionArn });
  }
  return Promise.resolve({ resources });
};
