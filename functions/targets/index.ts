import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { Target } from '#shared/routing/routes';
import { sha256Hex } from '#shared/store/records';
import type { EventBridgeDelivery } from '#shared/targets/eventbridge';
import type { HttpDelivery } from '#shared/targets/http';
import { messagePlanOf, planDelivery, type DeliveryPlan } from '#shared/targets/plan';
import { Transforms } from '#shared/targets/transform';
import { validatePayload } from '#shared/targets/validate';
import type { WorkflowDelivery } from '#shared/targets/workflow';
import type { MessageDelivery } from '#shared/channels/delivery';
import type { DeliveryContext, DeliveryOutcome } from '#shared/targets/types';

/**
 * The idempotency key handed downstream for one event at one target: stable across retries,
 * replays and consumer instances, different per target so that two targets never collide.
 */
export const downstreamKeyOf = (eventId: string, targetId: string) =>
  `rf_${sha256Hex(`${eventId}#${targetId}`).slice(0, 40)}`;

const DELIVERED: DeliveryOutcome = { kind: 'delivered' };

/** Told of every call's outcome (`error` undefined: it succeeded): auto-disable watches these. */
export type DeliveryObserver = (target: Target, error: unknown) => Promise<void>;

/**
 * Sends an event to a target of any kind, or says what it would send. An http or eventbridge
 * target's payload is its transform's result, validated before the call: a request that can never
 * succeed fails permanently without being sent.
 */
export class Deliveries {
  constructor(
    private readonly kinds: {
      readonly http: HttpDelivery;
      readonly eventbridge: EventBridgeDelivery;
      readonly workflow: WorkflowDelivery;
      readonly message: MessageDelivery;
    },
    private readonly transforms: Transforms = new Transforms(),
    private readonly observe: DeliveryObserver = () => Promise.resolve(),
  ) {}

  /** What the target sends for the event, checked; throws a permanent TargetError when it cannot be sent. */
  private async payloadOf(target: Target, event: IntegrationEvent): Promise<unknown> {
    // The event itself is always a JSON object: only a transform's result needs checking.
    if (target.kind === 'workflow' || target.kind === 'message' || target.transform === undefined)
      return event;
    const payload = await this.transforms.payloadOf(target, event);
    validatePayload(target, payload);
    return payload;
  }

  async deliver(target: Target, event: IntegrationEvent, ctx: DeliveryContext): Promise<DeliveryOutcome> {
    switch (target.kind) {
      case 'http': {
        const payload = await this.payloadOf(target, event);
        try {
          await this.kinds.http.deliver(target, event, ctx, payload);
        } catch (error) {
          await this.observe(target, error);
          throw error;
        }
        await this.observe(target, undefined);
        return DELIVERED;
      }
      case 'eventbridge':
        await this.kinds.eventbridge.deliver(target, event, await this.payloadOf(target, event));
        return DELIVERED;
      case 'workflow':
        return this.kinds.workflow.deliver(target, event, ctx);
      case 'message':
        await this.kinds.message.deliver(target, event, ctx.idempotencyKey);
        return DELIVERED;
    }
  }

  /**
   * What `target` would do with `event` at `at`, for a dry run: nothing is called. A transform
   * that fails, or a request validation refuses, fails the dry run as it would fail the delivery.
   */
  async plan(target: Target, event: IntegrationEvent, ctx: DeliveryContext, at: Date): Promise<DeliveryPlan> {
    if (target.kind === 'message')
      return messagePlanOf(target.id, await this.kinds.message.render(target, event, ctx.idempotencyKey));
    return planDelivery(
      target,
      event,
      { ...ctx, at, workflowOf: this.kinds.workflow.outlineOf },
      await this.payloadOf(target, event),
    );
  }
}
