import type { Poller } from '../emulators/lambda-api';
import { resolveIn, type LocalResources, type Provisioner } from './context';

/**
 * Serves the runtime's event source mappings on the Lambda API emulator, each under the id its
 * `Ref` resolves to (as the stack's outputs name it), with its poller for UpdateEventSourceMapping
 * to start and stop. `provisionEventSourceMappings` makes each mapping's resource and its poller
 * in one pass over the template, so the two pair up by position.
 */
export const eventSourceMappingApiProvisioner =
  (made: { readonly resources: LocalResources; readonly eventSources: readonly Poller[] }): Provisioner =>
  (template, ctx) => {
    const ids = [...made.resources.keys()];
    const resolve = resolveIn(ctx);
    for (const [index, id] of ids.entries()) {
      const poller = made.eventSources[index];
      if (!poller || ids.length !== made.eventSources.length) {
        throw new Error(
          `${ids.length} event source mappings but ${made.eventSources.length} pollers: the Lambda API cannot tell which poller is whose`,
        );
      }
      const props = resolve(template.Resources[id]?.Properties ?? {}) as Record<string, unknown>;
      const functionName = String(props.FunctionName);
      const concurrency = (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)
        ?.MaximumConcurrency;
      ctx.services.lambdaApi.registerEventSourceMapping({
        uuid: made.resources.get(id)?.ref ?? id,
        functionName,
        functionArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${functionName}`,
        eventSourceArn: String(props.EventSourceArn),
        batchSize: Number(props.BatchSize ?? 10),
        maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
        ...(concurrency === undefined ? {} : { maximumConcurrency: concurrency }),
        functionResponseTypes: ((props.FunctionResponseTypes as string[] | undefined) ?? []).map(String),
        poller,
      });
    }
    return Promise.resolve({ resources: new Map() });
  };
