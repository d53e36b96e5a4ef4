import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { writeWithMetrics } from '#shared/powertools/emf';
import type { RelayFlowMetrics } from '#shared/powertools/index';
import type { DeliveryObserver } from '#shared/targets/index';
import type { PauseGate } from '#shared/flow/pause-gate';
import type { PauseStore } from '#shared/flow/pause-store';
import type { TargetHealth } from '#shared/flow/target-health';

export interface AutoDisableDependencies {
  readonly health: TargetHealth;
  readonly pauses: Pick<PauseStore, 'pause'>;
  readonly gate: Pick<PauseGate, 'refresh'>;
  readonly logger: Logger;
  readonly metrics: RelayFlowMetrics;
  readonly now: () => Date;
}

/**
 * Disables a target whose `autoDisable` rule tripped (decision 0053): a pause by `auto-disable`,
 * which never overrides an operator's pause; the TargetDisabled metric raises the alarm. The
 * failed call's event is then held by the consumer, like every later one for the target.
 */
export const autoDisableObserver =
  (deps: AutoDisableDependencies): DeliveryObserver =>
  async (target, error) => {
    const reason = deps.health.record(target, error);
    if (!reason) return;
    const at = deps.now().toISOString();
    const disabled = await deps.pauses.pause(
      'target',
      target.id,
      { at, action: 'auto-disabled', by: 'auto-disable', reason },
      true,
    );
    if (!disabled) return;
    writeWithMetrics(
      deps.logger,
      deps.metrics,
      {
        level: 'error',
        message: 'target disabled after repeated failures',
        fields: { target: target.id, reason },
      },
      [{ name: 'TargetDisabled', unit: MetricUnit.Count, value: 1, dimensions: { target: target.id } }],
    );
    await deps.gate.refresh();
  };
