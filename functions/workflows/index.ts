import type { Saga } from '#shared/targets/types';
import type { RegisteredWorkflow, WorkflowDependencies } from '#shared/workflows/define';
import { dunningWorkflow } from '#shared/workflows/dunning';
import { suppressBouncedRecipientWorkflow } from '#shared/workflows/suppress-bounced-recipient';

export type { WorkflowDependencies } from '#shared/workflows/define';

/** Every workflow a route may name. */
const registered: readonly RegisteredWorkflow[] = [suppressBouncedRecipientWorkflow, dunningWorkflow];

/**
 * The workflows by name, as outlines that build nothing: the configuration checks routes against
 * them at synth time (names, and cycles through the types they emit), and `relayflow route test`
 * and dry runs show their steps.
 */
export const workflowCatalog: ReadonlyMap<string, RegisteredWorkflow> = new Map(
  registered.map((workflow) => [workflow.name, workflow]),
);

/** Names a route may use; the configuration and the Processing construct check routes against them at synth time. */
export const workflowNames: ReadonlySet<string> = new Set(workflowCatalog.keys());

/** Builds every workflow once at cold start from shared clients. */
export const createWorkflows = (deps: WorkflowDependencies): Map<string, Saga> =>
  new Map(registered.map((workflow) => [workflow.name, workflow.create(deps)]));
