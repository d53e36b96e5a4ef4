import { AwsError } from '../emulators/aws-json';
import type { EventBridgeEvent, EventPattern } from '../emulators/eventbridge';
import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, resolveIn, type Provisioner } from './context';

interface RuleTarget {
  readonly Arn: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputTemplate: string; readonly InputPathsMap?: unknown };
}

interface RuleIdentity {
  readonly name: string;
  readonly arn: string;
}

/** The input transformer's predefined variables (EventBridge user guide, "Input transformation"). */
const predefined = (event: EventBridgeEvent, rule: RuleIdentity): Readonly<Record<string, string>> => {
  const { detail: _detail, ...withoutDetail } = event;
  return {
    'aws.events.rule-arn': rule.arn,
    'aws.events.rule-name': rule.name,
    'aws.events.event.ingestion-time': event.time,
    'aws.events.event': JSON.stringify(withoutDetail),
    'aws.events.event.json': JSON.stringify(event),
  };
};

/**
 * What a target receives: the matched event, or its constant `Input`, or its `InputTransformer`'s
 * template filled with the predefined variables. Paths into the event (`InputPath`,
 * `InputPathsMap`) are refused when the rule is provisioned: nothing of ours uses them.
 */
const inputOf = (target: RuleTarget, event: EventBridgeEvent, rule: RuleIdentity): unknown => {
  if (target.Input !== undefined) return JSON.parse(target.Input) as unknown;
  if (target.InputTransformer === undefined) return event;
  const values = predefined(event, rule);
  const text = target.InputTransformer.InputTemplate.replace(
    /<(aws\.events\.[a-z.-]+)>/g,
    (placeholder, name: string) => values[name] ?? placeholder,
  );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A template that is not JSON is delivered as its text.
    return text;
  }
};

/** AWS::Events::Rule, delivering matched events to its Lambda targets, transformed as each target says. */
export const provisionRules: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  const resolve = resolveIn(ctx);
  for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const name = physicalName(ctx.stackName, id, 64);
    const arn = `arn:aws:events:${ctx.region}:${ctx.accountId}:rule/${name}`;
    const targets = resolve(rule.Properties?.Targets ?? []) as RuleTarget[];
    for (const target of targets) {
      if (target.InputPath !== undefined || target.InputTransformer?.InputPathsMap !== undefined)
        throw new Error(`rule ${id} reads paths of its events (InputPath, InputPathsMap): not served`);
    }
    const busName = String(resolve(rule.Properties?.EventBusName ?? 'default'));
    // A bus the template names but does not create is the account's own: here it exists once named.
    try {
      ctx.services.eventBridge.createEventBus({ Name: busName });
    } catch (error) {
      if (!(error instanceof AwsError && error.code === 'ResourceAlreadyExistsException')) throw error;
    }
    ctx.services.eventBridge.addRule({
      name,
      busName,
      eventPattern: resolve(rule.Properties?.EventPattern) as EventPattern,
      targets: async (event) => {
        await Promise.all(
          targets.map((target) =>
            ctx.services.lambda.invoke(target.Arn, inputOf(target, event, { name, arn })),
          ),
        );
      },
    });
    resources.set(id, { ref: `${busName}|${name}`, attributes: { Arn: arn } });
  }
  return Promise.resolve({ resources });
};
