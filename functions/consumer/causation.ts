import * as z from 'zod/mini';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { ORIGIN_HEADER } from '#shared/producer/publisher';
import type { StoredRequest } from '#shared/store/records';

/** The origin a publisher stores with a step's emitted events (functions/producer/publisher.ts). */
const WorkflowOriginSchema = z.object({
  kind: z.literal('workflow'),
  causationId: z.string(),
  depth: z.int().check(z.gte(0)),
});

/**
 * The event with its causation as the contract has it: its own `causationId` and `depth`, else
 * those of the origin its publisher stored with the request (a domain event published while the
 * ingest did not copy them into the event). Targets receive it so, a step's `ctx.emit` counts
 * from it, and the cycle guard judges it.
 */
export const withCausation = (event: IntegrationEvent, request: StoredRequest): IntegrationEvent => {
  if (event.depth !== undefined) return event;
  const header = request.headers[ORIGIN_HEADER];
  if (header === undefined) return event;
  let origin: unknown;
  try {
    origin = JSON.parse(header);
  } catch {
    return event;
  }
  const parsed = WorkflowOriginSchema.safeParse(origin);
  return parsed.success
    ? { ...event, causationId: parsed.data.causationId, depth: parsed.data.depth }
    : event;
};

/**
 * Whether an event is too deep in a chain of workflow emissions to run (decision 0049): the
 * reason to quarantine it, or undefined. Synthesis refuses routes whose workflows can loop; this
 * is the run-time guard for what synthesis cannot see (a route changed under events in flight, a
 * producer echoing an emitted event back).
 */
export const decideCausation = (
  causation: { readonly depth?: number; readonly causationId?: string },
  settings: { readonly maxCausationDepth: number },
): string | undefined => {
  const depth = causation.depth ?? 0;
  if (depth <= settings.maxCausationDepth) return undefined;
  return `cycle: causation depth ${depth} exceeds maxCausationDepth ${settings.maxCausationDepth}${causation.causationId ? `; emitted by ${causation.causationId}` : ''}`;
};
