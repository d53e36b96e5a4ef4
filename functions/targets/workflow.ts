import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { WorkflowTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';
import type {
  DeliveryContext,
  DeliveryOutcome,
  Saga,
  Workflow,
  WorkflowOutline,
} from '#shared/targets/types';
import { runSaga, type SagaRuntime } from '#shared/workflows/saga';

/** A one-step workflow (a plain function) as the saga it is: one step, nothing to undo, no emits. */
const oneStep = (workflow: Workflow): Saga => ({ emits: [], steps: [{ name: 'run', run: workflow }] });

/** Runs a named workflow as a saga. Its failures are retried unless it says they are final. */
export class WorkflowDelivery {
  private readonly sagas: ReadonlyMap<string, Saga>;

  constructor(
    workflows: ReadonlyMap<string, Workflow | Saga>,
    private readonly runtime: SagaRuntime,
  ) {
    this.sagas = new Map(
      [...workflows].map(([name, workflow]) => [
        name,
        typeof workflow === 'function' ? oneStep(workflow) : workflow,
      ]),
    );
  }

  /** What a dry run and `relayflow route test` show of a workflow: its steps and emitted types. */
  readonly outlineOf = (name: string): WorkflowOutline | undefined => this.sagas.get(name);

  async deliver(
    target: WorkflowTarget,
    event: IntegrationEvent,
    ctx: DeliveryContext,
  ): Promise<DeliveryOutcome> {
    const saga = this.sagas.get(target.name);
    if (!saga)
      throw new TargetError(target.id, 'workflow-unknown', false, `no workflow named ${target.name}`);
    return runSaga(this.runtime, saga, target, event, ctx);
  }
}
