import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { WorkflowTarget } from '#shared/routing/routes';
import { PermanentWorkflowError, TargetError } from '#shared/targets/errors';
import type { DeliveryContext, Workflow } from '#shared/targets/types';

/** Runs a named workflow. Its failures are retried unless it says they are final. */
export class WorkflowDelivery {
  constructor(private readonly workflows: ReadonlyMap<string, Workflow>) {}

  async deliver(target: WorkflowTarget, event: IntegrationEvent, ctx: DeliveryContext): Promise<void> {
    const workflow = this.workflows.get(target.name);
    if (!workflow)
      throw new TargetError(target.id, 'workflow-unknown', false, `no workflow named ${target.name}`);
    try {
      await workflow(event, ctx);
    } catch (error) {
      if (error instanceof TargetError) throw error;
      const permanent = error instanceof PermanentWorkflowError;
      throw new TargetError(
        target.id,
        permanent ? 'workflow-rejected' : 'workflow-failed',
        !permanent,
        `workflow ${target.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}
