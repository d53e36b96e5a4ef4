import type { EventPattern } from '../emulators/eventbridge';
import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, type Provisioner } from './context';

/** AWS::Events::Rule, delivering matched events to its Lambda targets. */
export const provisionRules: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const name = physicalName(ctx.stackName, id, 64);
    const targets = (resolve(rule.Properties?.Targets ?? []) as { Arn: string }[]).map((t) => t.Arn);
    const busName = String(resolve(rule.Properties?.EventBusName ?? 'default'));
    ctx.services.eventBridge.addRule({
      name,
      busName,
      eventPattern: resolve(rule.Properties?.EventPattern) as EventPattern,
      targets: async (event) => {
        await Promise.all(targets.map((arn) => ctx.services.lambda.invoke(arn, event)));
      },
    });
    resources.set(id, {
      ref: `${busName}|${name}`,
      attributes: { Arn: `arn:aws:events:${ctx.region}:${ctx.accountId}:rule/${name}` },
    });
  }
  return Promise.resolve({ resources });
};
