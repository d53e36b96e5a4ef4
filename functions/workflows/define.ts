import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { Saga, SagaStep, StepContext, StepOutline, WorkflowOutline } from '#shared/targets/types';

/** The consumer's shared clients, from which each workflow builds what its steps use. */
export interface WorkflowDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly eventTable: string;
}

/** One step as a workflow declares it; `deps` is what the workflow's `dependencies` built. */
export interface StepDefinition<Deps> {
  /** Names its completion records: letters, digits, `.`, `_` and `-`, unique in the workflow. */
  readonly name: string;
  /** Canonical types the step handles. @default every type the workflow is given */
  readonly on?: readonly string[];
  /** Idempotent: a crash after its effect and before its record runs it again. */
  readonly run: (event: IntegrationEvent, ctx: StepContext, deps: Deps) => Promise<void>;
  /** Undoes `run` once a later step failed for good; idempotent too. */
  readonly compensate?: (event: IntegrationEvent, ctx: StepContext, deps: Deps) => Promise<void>;
}

export interface WorkflowDefinition<Deps> {
  readonly name: string;
  /** Types `ctx.emit` may publish; the configuration's route graph is checked for cycles through them. */
  readonly emits?: readonly string[];
  readonly steps: readonly StepDefinition<Deps>[];
  /** Builds what the steps use, once per consumer instance. */
  readonly dependencies: (shared: WorkflowDependencies) => Deps;
}

/**
 * A workflow in the registry: its outline, known without building anything (synth reads it for
 * the cycle check, `relayflow route test` and dry runs for the steps), and how to build it.
 */
export interface RegisteredWorkflow extends WorkflowOutline {
  readonly name: string;
  create(shared: WorkflowDependencies): Saga;
}

const STEP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Declares a workflow as ordered steps. A step name that could not key a record, or two steps
 * with one name, is a programming error: it throws when the module loads, so synth and the
 * tests catch it before any event does.
 */
export const defineWorkflow = <Deps>(definition: WorkflowDefinition<Deps>): RegisteredWorkflow => {
  const names = definition.steps.map((step) => step.name);
  const problems = [
    ...(names.length === 0 ? ['it has no steps'] : []),
    ...names.filter((name) => !STEP_NAME.test(name)).map((name) => `step name "${name}" is not ${STEP_NAME}`),
    ...names.filter((name, i) => names.indexOf(name) !== i).map((name) => `step "${name}" is declared twice`),
  ];
  if (problems.length > 0) throw new Error(`workflow ${definition.name}: ${problems.join('; ')}`);
  const emits = definition.emits ?? [];
  const outline = (step: StepDefinition<Deps>): StepOutline => ({
    name: step.name,
    ...(step.on ? { on: step.on } : {}),
  });
  return {
    name: definition.name,
    emits,
    steps: definition.steps.map(outline),
    create: (shared) => {
      const deps = definition.dependencies(shared);
      return {
        emits,
        steps: definition.steps.map((step): SagaStep => {
          const { run, compensate } = step;
          return {
            ...outline(step),
            run: (event: IntegrationEvent, ctx: StepContext) => run(event, ctx, deps),
            ...(compensate
              ? { compensate: (event: IntegrationEvent, ctx: StepContext) => compensate(event, ctx, deps) }
              : {}),
          };
        }),
      };
    },
  };
};
