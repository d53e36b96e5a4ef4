import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { Message } from '#shared/channels/contract';
import type { Target } from '#shared/routing/routes';
import { sha256Hex } from '#shared/store/records';
import { entrySizeOf, eventBridgeEntryOf } from '#shared/targets/eventbridge';
import { httpRequestOf } from '#shared/targets/http';
import type { DeliveryContext, WorkflowOutline } from '#shared/targets/types';

/** Stands for the signature a delivery adds: it is derived from the signing secret, never shown. */
export const SIGNATURE_PLACEHOLDER = '(signed with the target signing secret when sent)';

/**
 * What a target would do with an event, short of doing it (a dry run, `relayflow route test`):
 * the request without secrets, bodies as a digest and a size.
 */
export type DeliveryPlan =
  | {
      readonly kind: 'http';
      readonly targetId: string;
      readonly method: 'POST';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly bodySha256: string;
      readonly bodyBytes: number;
    }
  | {
      readonly kind: 'eventbridge';
      readonly targetId: string;
      readonly eventBusName: string;
      readonly source: string;
      readonly detailType: string;
      readonly time: string;
      readonly detailSha256: string;
      readonly entryBytes: number;
    }
  | {
      readonly kind: 'workflow';
      readonly targetId: string;
      readonly workflow: string;
      /** The steps this event's type would run, in order; empty when no step handles it. */
      readonly steps: readonly string[];
      readonly emits: readonly string[];
    }
  | {
      readonly kind: 'message';
      readonly targetId: string;
      readonly messageId: string;
      readonly channel: string;
      readonly via: string;
      /** Masked: a dry run's timeline must not hold the recipient's address. */
      readonly to: string;
      readonly contentSha256: string;
      readonly contentBytes: number;
    };

/** An address as timelines and plans show it: enough to tell two apart, not to reach anyone. */
export const maskRecipient = (to: string): string => {
  const at = to.lastIndexOf('@');
  if (at > 0) return `${to[0] ?? ''}…${to.slice(at)}`;
  if (/^(whatsapp:)?\+?\d{6,}$/.test(to)) return `…${to.slice(-4)}`;
  return to.length > 12 ? `${to.slice(0, 6)}…` : '…';
};

/** The plan of a rendered message: what would go where, the content as a digest. */
export const messagePlanOf = (targetId: string, message: Message): DeliveryPlan => {
  const content = JSON.stringify(message.content);
  return {
    kind: 'message',
    targetId,
    messageId: message.id,
    channel: message.channel,
    via: message.via,
    to: maskRecipient(message.to),
    contentSha256: sha256Hex(content),
    contentBytes: Buffer.byteLength(content),
  };
};

export interface PlanContext extends Pick<DeliveryContext, 'idempotencyKey' | 'correlationId'> {
  /** When the request would be sent (its `webhook-timestamp`). */
  readonly at: Date;
  /** The outline of a workflow by name; undefined when no such workflow exists. */
  readonly workflowOf: (name: string) => WorkflowOutline | undefined;
}

/** The steps of a workflow that handle an event of `type`, in their order. */
export const stepsFor = <Step extends { readonly on?: readonly string[] }>(
  steps: readonly Step[],
  type: string,
): Step[] => steps.filter((step) => step.on === undefined || step.on.includes(type));

/**
 * Renders what `target` would do with `event`; calls nothing and reads no secret. `payload` is
 * what its transform made of the event (the event itself without one).
 */
export const planDelivery = (
  target: Exclude<Target, { kind: 'message' }>,
  event: IntegrationEvent,
  ctx: PlanContext,
  payload: unknown = event,
): DeliveryPlan => {
  switch (target.kind) {
    case 'http': {
      const request = httpRequestOf(target, event, ctx, ctx.at, payload);
      return {
        kind: 'http',
        targetId: target.id,
        method: request.method,
        url: request.url,
        headers: { ...request.headers, 'webhook-signature': SIGNATURE_PLACEHOLDER },
        bodySha256: sha256Hex(request.body),
        bodyBytes: Buffer.byteLength(request.body),
      };
    }
    case 'eventbridge': {
      const entry = eventBridgeEntryOf(target, event, payload);
      return {
        kind: 'eventbridge',
        targetId: target.id,
        eventBusName: entry.EventBusName,
        source: entry.Source,
        detailType: entry.DetailType,
        time: entry.Time.toISOString(),
        detailSha256: sha256Hex(entry.Detail),
        entryBytes: entrySizeOf(entry),
      };
    }
    case 'workflow': {
      const outline = ctx.workflowOf(target.name);
      return {
        kind: 'workflow',
        targetId: target.id,
        workflow: target.name,
        steps: outline ? stepsFor(outline.steps, event.type).map((step) => step.name) : [],
        emits: outline?.emits ?? [],
      };
    }
  }
};

/** A plan as one line of an event's timeline (the request's secrets are never in it). */
export const describePlan = (plan: DeliveryPlan): string => {
  switch (plan.kind) {
    case 'http': {
      const headers = Object.entries(plan.headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join('; ');
      return `would ${plan.method} ${plan.url} [${headers}] body sha256:${plan.bodySha256} ${plan.bodyBytes} bytes`;
    }
    case 'eventbridge':
      return `would put on bus ${plan.eventBusName}: source ${plan.source}, detail-type ${plan.detailType}, time ${plan.time}, detail sha256:${plan.detailSha256}, ${plan.entryBytes} bytes`;
    case 'workflow':
      return plan.steps.length === 0
        ? `would run workflow ${plan.workflow}: no step handles this type`
        : `would run workflow ${plan.workflow}: ${plan.steps.join(' → ')}${plan.emits.length ? ` (may emit ${plan.emits.join(', ')})` : ''}`;
    case 'message':
      return `would send ${plan.channel} message ${plan.messageId} via ${plan.via} to ${plan.to}: content sha256:${plan.contentSha256} ${plan.contentBytes} bytes`;
  }
};
