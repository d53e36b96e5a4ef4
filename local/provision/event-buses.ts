import { resourcesOfType, type LocalResource } from '../template';
import { physicalName, stringProperty, type Provisioner } from './context';

/** AWS::Events::EventBus in the EventBridge emulator. */
export const provisionEventBuses: Provisioner = (template, ctx) => {
  const resources = new Map<string, LocalResource>();
  for (const [id, bus] of resourcesOfType(template, 'AWS::Events::EventBus')) {
    const name = stringProperty(bus, 'Name') ?? physicalName(ctx.stackName, id, 256);
    const { EventBusArn } = ctx.services.eventBridge.createEventBus({ Name: name });
    resources.set(id, { ref: name, attributes: { Arn: EventBusArn, Name: name } });
  }
  return Promise.resolve({ resources });
};
