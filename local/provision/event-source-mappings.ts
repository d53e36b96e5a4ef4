import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsEventSourceMapping } from '../event-source';
import { resourcesOfType, type LocalResource } from '../template';
import { resolveIn, type Provisioner } from './context';

/**
 * AWS::Lambda::EventSourceMapping from SQS queues (table streams: audit-archive.ts), polling on the runtime clock (the one SQS
 * runs on), started at once.
 */
export const provisionEventSourceMappings: Provisioner<{
  readonly eventSources: readonly SqsEventSourceMapping[];
}> = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  const sqs = new SQSClient({
    endpoint: ctx.endpoints.sqs,
    region: ctx.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ctx.onStop(() => {
    sqs.destroy();
    return Promise.resolve();
  });
  const eventSources: SqsEventSourceMapping[] = [];
  for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const props = resolve(mapping.Properties ?? {}) as Record<string, unknown>;
    const queueArn = String(props.EventSourceArn);
    // Table streams have their own provisioner (audit-archive.ts).
    if (!queueArn.startsWith('arn:aws:sqs:')) continue;
    const queueName = queueArn.split(':').pop() ?? '';
    const functionName = String(props.FunctionName);
    const source = new SqsEventSourceMapping({
      sqs,
      queueUrl: `${ctx.endpoints.sqs}/${ctx.accountId}/${queueName}`,
      queueArn,
      batchSize: Number(props.BatchSize ?? 10),
      maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
      maximumConcurrency: Number(
        (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 5,
      ),
      reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
      invoke: async (event) => {
        const outcome = await ctx.services.lambda.invoke(functionName, event);
        return 'error' in outcome ? { error: outcome.error } : { result: outcome.result };
      },
      waitTimeSeconds: 1,
      clock: ctx.clock,
    });
    source.start();
    eventSources.push(source);
    resources.set(id, { ref: id });
  }
  return Promise.resolve({ resources, eventSources });
};
