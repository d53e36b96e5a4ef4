import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { Target } from '#shared/routing/routes';
import { sha256Hex } from '#shared/store/records';
import type { EventBridgeDelivery } from '#shared/targets/eventbridge';
import type { HttpDelivery } from '#shared/targets/http';
import type { WorkflowDelivery } from '#shared/targets/workflow';
import type { DeliveryContext } from '#shared/targets/types';

/**
 * The idempotency key handed downstream for one event at one target: stable across retries,
 * replays and consumer instances, different per target so that two targets never collide.
 */
export const downstreamKeyOf = (eventId: string, targetId: string) =>
  `rf_${sha256Hex(`${eventId}#${targetId}`).slice(0, 40)}`;

/** Sends an event to a target of any kind. */
export class Deliveries {
  constructor(
    private readonly kinds: {
      readonly http: HttpDelivery;
      readonly eventbridge: EventBridgeDelivery;
      readonly workflow: WorkflowDelivery;
    },
  ) {}

  deliver(target: Target, event: IntegrationEvent, ctx: DeliveryContext): Promise<void> {
    switch (target.kind) {
      case 'http':
        return this.kinds.http.deliver(target, event, ctx);
      case 'eventbridge':
        return this.kinds.eventbridge.deliver(target, event);
      case 'workflow':
        return this.kinds.workflow.deliver(target, event, ctx);
    }
  }
}
