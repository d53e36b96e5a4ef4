import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, stringProperty, type Provisioner } from './context';

/** CloudFormation queue properties carry SQS attribute names; SQS wants them as strings. */
const queueAttributes = (properties: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(properties)
      .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
      .map(([k, v]) => [k, String(v)]),
  );

/** AWS::SQS::Queue: every queue first, then the redrive policies, which name each other by ARN. */
export const provisionQueues: Provisioner = async (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const queues = resourcesOfType(template, 'AWS::SQS::Queue');
  for (const [id, queue] of queues) {
    const fifo = queue.Properties?.FifoQueue === true;
    const name =
      stringProperty(queue, 'QueueName') ??
      `${physicalName(ctx.stackName, id, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
    const { RedrivePolicy: _redrive, QueueName: _name, Tags: _tags, ...attributes } = queue.Properties ?? {};
    const created = await ctx.services.sqs.createQueue({
      QueueName: name,
      Attributes: queueAttributes(attributes),
    });
    const url = String(created.QueueUrl);
    resources.set(id, {
      ref: url,
      attributes: {
        Arn: `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`,
        QueueName: name,
        QueueUrl: url,
      },
    });
  }
  const resolve = resolveIn(ctx, resources);
  for (const [id, queue] of queues) {
    const redrive = queue.Properties?.RedrivePolicy;
    if (!redrive) continue;
    await ctx.services.sqs.setQueueAttributes({
      QueueUrl: resources.get(id)?.ref,
      Attributes: { RedrivePolicy: JSON.stringify(resolve(redrive)) },
    });
  }
  return { resources };
};
