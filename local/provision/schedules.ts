import { AsyncLambdaInvoker, type CreateScheduleInput } from '../emulators/scheduler';
import { LAMBDA_ASYNC_DEFAULTS } from '../emulators/scheduler/retry-policy';
import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, stringProperty, type ProvisionContext, type Provisioner } from './context';

/** The URL of a queue the runtime made, by its ARN (dead-letter configs name ARNs). */
const queueUrlOf = (ctx: ProvisionContext, arn: string): string => {
  const queue = [...ctx.resources.values()].find((resource) => resource.attributes?.Arn === arn);
  if (!queue) throw new Error(`no queue ${arn} in the local runtime`);
  return queue.ref;
};

/** A template's schedule properties as CreateSchedule takes them (CloudFormation writes dates as text). */
const scheduleInput = (properties: Readonly<Record<string, unknown>>): CreateScheduleInput => {
  const { Name: _name, StartDate, EndDate, ...rest } = properties;
  return {
    ...(rest as unknown as CreateScheduleInput),
    ...(typeof StartDate === 'string' ? { StartDate: new Date(StartDate) } : {}),
    ...(typeof EndDate === 'string' ? { EndDate: new Date(EndDate) } : {}),
  };
};

/**
 * AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule in the Scheduler emulator. Ticks
 * invoke their function asynchronously, as Scheduler does: a failing function is retried by
 * "Lambda" on the runtime's clock and the event kept in the function's dead-letter queue
 * (`DeadLetterConfig`); a tick Lambda does not take goes to the schedule's own dead-letter queue.
 */
export const provisionSchedules: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const { scheduler, sqs, lambda } = ctx.services;
  const sendMessage = async (
    queueArn: string,
    body: string,
    attributes: Readonly<Record<string, string>>,
  ) => {
    await sqs.sendMessage({
      QueueUrl: queueUrlOf(ctx, queueArn),
      MessageBody: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      ),
    });
  };
  const invoker = new AsyncLambdaInvoker({
    clock: ctx.clock,
    invoke: (functionArn, event) => lambda.invoke(functionArn, event),
    sendMessage,
  });
  const resolve = resolveIn(ctx);
  for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const deadLetterQueue = resolve(
      (fn.Properties?.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn,
    );
    const functionArn = ctx.resources.get(id)?.attributes?.Arn;
    if (typeof deadLetterQueue === 'string' && functionArn)
      invoker.configure(functionArn, { ...LAMBDA_ASYNC_DEFAULTS, deadLetterQueue });
  }
  scheduler.connectTargets({
    invoke: (arn, payload) => invoker.invoke(arn, payload),
    sendMessage,
    drain: () => invoker.drain(),
  });
  ctx.onStop(() => {
    scheduler.close();
    invoker.close();
    return Promise.resolve();
  });

  for (const [id, group] of resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup')) {
    const name = stringProperty(group, 'Name') ?? physicalName(ctx.stackName, id, 64);
    const { ScheduleGroupArn } = scheduler.createScheduleGroup({ Name: name });
    resources.set(id, { ref: name, attributes: { Arn: ScheduleGroupArn } });
  }

  // Schedules name their group, function, role and queue.
  const resolveSchedule = resolveIn(ctx, resources);
  for (const [id, schedule] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
    const properties = resolveSchedule(schedule.Properties ?? {}) as Record<string, unknown>;
    const name = typeof properties.Name === 'string' ? properties.Name : physicalName(ctx.stackName, id, 64);
    const { ScheduleArn } = scheduler.createSchedule(name, scheduleInput(properties));
    resources.set(id, { ref: name, attributes: { Arn: ScheduleArn } });
  }
  return Promise.resolve({ resources });
};
