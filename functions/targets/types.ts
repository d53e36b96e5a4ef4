import type { Logger } from '@aws-lambda-powertools/logger';
import type { Entity, IntegrationEvent } from '#shared/contract/integration-event';
import type { DeliveryPlan } from '#shared/targets/plan';

/** What a target receives besides the event. */
export interface DeliveryContext {
  /** Stable per event and target: pass it to any downstream API that takes an idempotency key. */
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly logger: Logger;
  /** The exact bytes the provider sent, read on demand (inline, shared item or S3 claim check). */
  readonly rawBody: () => Promise<Buffer>;
}

/**
 * What became of a delivery. `compensated`: a workflow's step had failed for good and the steps
 * it had completed are now undone (decision 0049); the route stops there.
 */
export type DeliveryOutcome =
  | { readonly kind: 'delivered' }
  | {
      readonly kind: 'compensated';
      /** The steps undone, in the order they were undone (the reverse of their own). */
      readonly steps: readonly string[];
      /** Why: the failure that decided the compensation. */
      readonly reason: string;
    }
  /** A dry-run target: what it would have done, and nothing done. */
  | { readonly kind: 'dry-run'; readonly plan: DeliveryPlan };

/** What a workflow step receives: the delivery's context, its own key, and a way to publish. */
export interface StepContext extends DeliveryContext {
  /** The step running (or being compensated). */
  readonly step: string;
  /**
   * Publishes a domain event of a type the workflow declares in `emits`, for the event's tenant,
   * about `entity` (by default the event's own). Once per step completion, not once per attempt:
   * its idempotency key is derived from the run, the target, the step and the call's position in
   * the step, so a step run again publishes duplicates that ingest drops.
   */
  readonly emit: (type: string, data: Record<string, unknown>, entity?: Entity) => Promise<void>;
}

/** A one-step workflow, routed to as `{ kind: 'workflow', name }`. Throwing fails the event. */
export type Workflow = (event: IntegrationEvent, ctx: DeliveryContext) => Promise<void>;

/** What the planner and the synth-time checks know of a workflow step without running it. */
export interface StepOutline {
  readonly name: string;
  /** Canonical types the step handles. @default every type the workflow is given */
  readonly on?: readonly string[];
}

/** What is known of a workflow without building it: its steps and the types it may emit. */
export interface WorkflowOutline {
  readonly steps: readonly StepOutline[];
  /** Types its steps may `ctx.emit`; the route graph is checked for cycles through them. */
  readonly emits: readonly string[];
}

/**
 * One step of a saga. Both `run` and `compensate` must be idempotent: a crash between a step's
 * side effect and its completion record runs it again.
 */
export interface SagaStep extends StepOutline {
  readonly run: (event: IntegrationEvent, ctx: StepContext) => Promise<void>;
  /** Undoes `run` when a later step fails for good. */
  readonly compensate?: (event: IntegrationEvent, ctx: StepContext) => Promise<void>;
}

/** A workflow as ordered steps (docs/workflows.md, decision 0049). */
export interface Saga extends WorkflowOutline {
  readonly steps: readonly SagaStep[];
}
