import type { Entity, IntegrationEvent } from '#shared/contract/integration-event';
import type { DomainEventPublisher, PublishedEvent } from '#shared/producer/contract';
import type { WorkflowTarget } from '#shared/routing/routes';
import type { AuditLog } from '#shared/replay/audit-log';
import type { SagaProgress } from '#shared/store/processing-store';
import { PermanentWorkflowError, TargetError, type SagaFailure } from '#shared/targets/errors';
import { downstreamKeyOf } from '#shared/targets/index';
import { stepsFor } from '#shared/targets/plan';
import type { DeliveryContext, DeliveryOutcome, Saga, SagaStep, StepContext } from '#shared/targets/types';

/** The saga's records in the event table (functions/store/processing-store.ts, decision 0049). */
export interface SagaRecords {
  sagaProgress(eventId: string, key: string): Promise<SagaProgress>;
  markStepDone(eventId: string, key: string, step: string, now: Date): Promise<void>;
  markStepCompensated(eventId: string, key: string, step: string, now: Date): Promise<void>;
}

/** What running sagas needs besides the steps themselves. */
export interface SagaRuntime {
  readonly records: SagaRecords;
  /** Appends an entry to the event's timeline without changing its status. */
  readonly audit: Pick<AuditLog, 'append'>;
  readonly publisher: DomainEventPublisher;
  readonly now: () => Date;
}

const NOTHING_RECORDED: SagaProgress = { done: new Set(), compensated: new Set() };

/** Publish outcomes that mean the event is in the pipeline (new, or known from an earlier attempt). */
const PUBLISHED: ReadonlySet<PublishedEvent['outcome']> = new Set(['accepted', 'duplicate', 'requeued']);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A step's failure as the consumer classifies it: permanent when the step said so
 * (PermanentWorkflowError, or a TargetError it raised as not retryable), retryable otherwise,
 * with where in the saga it happened.
 */
const stepFailure = (
  error: unknown,
  target: WorkflowTarget,
  what: string,
  saga: SagaFailure,
): TargetError => {
  const permanent =
    error instanceof PermanentWorkflowError || (error instanceof TargetError && !error.retryable);
  const prefix = saga.phase === 'forward' ? 'workflow' : 'compensation';
  return new TargetError(
    target.id,
    error instanceof TargetError ? error.errorClass : `${prefix}-${permanent ? 'rejected' : 'failed'}`,
    !permanent,
    `${what} failed: ${messageOf(error)}`,
    {
      cause: error,
      retryAfterSeconds: error instanceof TargetError ? error.retryAfterSeconds : undefined,
      saga,
    },
  );
};

/** One step's context: its own key, and `emit` keyed on it. */
const stepContextOf = (
  runtime: SagaRuntime,
  saga: Saga,
  name: string,
  event: IntegrationEvent,
  ctx: DeliveryContext,
  step: string,
  key: string,
): StepContext => {
  let emitted = 0;
  const emit = async (type: string, data: Record<string, unknown>, entity?: Entity): Promise<void> => {
    const position = emitted;
    emitted += 1;
    if (!saga.emits.includes(type)) {
      throw new PermanentWorkflowError(
        `workflow ${name} emits ${type}, which is not in its emits (${saga.emits.join(', ') || 'none'}): the route graph is checked for cycles through them`,
      );
    }
    const [published] = await runtime.publisher.publish(
      event.tenant,
      [{ type, entity: entity ?? event.entity, data, idempotencyKey: `emit:${key}:${position}` }],
      { kind: 'workflow', causationId: event.id, depth: (event.depth ?? 0) + 1 },
      event.correlationId,
    );
    if (published?.outcome === 'rejected')
      throw new PermanentWorkflowError(`${type} was refused: ${published.error ?? 'no reason given'}`);
    if (!published || !PUBLISHED.has(published.outcome))
      throw new Error(`${type} is not published yet (${published?.outcome ?? 'no answer'}); trying again`);
  };
  return { ...ctx, idempotencyKey: key, step, emit };
};

/**
 * Undoes the completed steps in reverse order, skipping those an earlier attempt undid: each
 * compensation's record is written once it completed, so a crash mid-compensation leaves
 * records that say what is left.
 */
const compensate = async (
  runtime: SagaRuntime,
  saga: Saga,
  target: WorkflowTarget,
  event: IntegrationEvent,
  ctx: DeliveryContext,
  steps: readonly SagaStep[],
  progress: SagaProgress & { readonly compensating: string },
): Promise<DeliveryOutcome> => {
  const key = ctx.idempotencyKey;
  const undoable = steps.filter((step) => progress.done.has(step.name) && step.compensate).reverse();
  const undone = new Set(progress.compensated);
  for (const step of undoable) {
    if (undone.has(step.name) || !step.compensate) continue;
    const stepKey = downstreamKeyOf(key, `${step.name}#undo`);
    try {
      await step.compensate(event, stepContextOf(runtime, saga, target.name, event, ctx, step.name, stepKey));
    } catch (error) {
      throw stepFailure(error, target, `compensating step ${step.name} of workflow ${target.name}`, {
        phase: 'compensation',
        key,
        step: step.name,
      });
    }
    const at = runtime.now();
    await runtime.records.markStepCompensated(event.id, key, step.name, at);
    await runtime.audit.append(event.id, {
      at: at.toISOString(),
      action: 'compensated',
      by: 'consumer',
      detail: `workflow ${target.name}: step ${step.name} undone`,
    });
    undone.add(step.name);
  }
  return {
    kind: 'compensated',
    steps: undoable.map((step) => step.name).filter((step) => undone.has(step)),
    reason: progress.compensating,
  };
};

/**
 * Runs a workflow target as a saga (decision 0049): the steps that handle the event's type, in
 * order, each once per run. With more than one step, each completed step but the last is
 * recorded (the target's completion records the last, decision 0011), so that a retry resumes
 * after it. A failing step throws a TargetError saying how many completed steps could be undone;
 * whether they are is the consumer's failure policy's decision, which it records (the
 * compensation marker). Once that marker exists, every attempt of the run compensates instead.
 */
export const runSaga = async (
  runtime: SagaRuntime,
  saga: Saga,
  target: WorkflowTarget,
  event: IntegrationEvent,
  ctx: DeliveryContext,
): Promise<DeliveryOutcome> => {
  const steps = stepsFor(saga.steps, event.type);
  if (steps.length === 0) {
    const handled = [...new Set(saga.steps.flatMap((step) => step.on ?? []))].join(', ');
    throw new TargetError(
      target.id,
      'workflow-rejected',
      false,
      `workflow ${target.name} handles ${handled}, not ${event.type}; check the route`,
    );
  }
  const key = ctx.idempotencyKey;
  const recorded = steps.length > 1;
  const progress = recorded ? await runtime.records.sagaProgress(event.id, key) : NOTHING_RECORDED;
  if (progress.compensating !== undefined)
    return compensate(runtime, saga, target, event, ctx, steps, {
      ...progress,
      compensating: progress.compensating,
    });

  const completed = new Set(progress.done);
  for (const [index, step] of steps.entries()) {
    if (completed.has(step.name)) continue;
    // A one-step workflow keeps its target's key, as workflows had before they had steps.
    const stepKey = saga.steps.length === 1 ? key : downstreamKeyOf(key, step.name);
    try {
      await step.run(event, stepContextOf(runtime, saga, target.name, event, ctx, step.name, stepKey));
    } catch (error) {
      throw stepFailure(
        error,
        target,
        recorded ? `workflow ${target.name} step ${step.name}` : `workflow ${target.name}`,
        {
          phase: 'forward',
          key,
          step: step.name,
          undoable: steps.filter((s) => completed.has(s.name) && s.compensate).length,
        },
      );
    }
    if (recorded && index < steps.length - 1)
      await runtime.records.markStepDone(event.id, key, step.name, runtime.now());
    completed.add(step.name);
  }
  return { kind: 'delivered' };
};
