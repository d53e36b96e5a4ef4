import type { DomainEventOrigin } from '#shared/producer/contract';

/*
 * Read by the ingest, which every verifier bundles: this module imports no schema, so that
 * naming a domain event's origin costs the webhook verifiers nothing at cold start.
 */

/** The provider domain events enter as. */
export const INTERNAL_PROVIDER_ID = 'internal';

/** Stored with the request: who published the events (docs/decisions/0047-domain-events.md). */
export const ORIGIN_HEADER = 'x-relayflow-origin';

/** The origin as the timeline's `accepted` entry names it: who published, never a secret. */
export const originText = (origin: DomainEventOrigin): string => {
  switch (origin.kind) {
    case 'api':
      return `published by ${origin.principal}`;
    case 'eventbridge':
      return `from EventBridge bus ${origin.bus} (event ${origin.eventBridgeId})`;
    case 'schedule':
      return `tick of schedule ${origin.schedule} at ${origin.scheduledTime}`;
    case 'workflow':
      return `emitted by a workflow step of ${origin.causationId} (depth ${origin.depth})`;
    case 'receipt':
      return `status of message ${origin.messageId}, from the receipt ${origin.causationId} (depth ${origin.depth})`;
    case 'reconciliation':
      return `from reconciliation run ${origin.runId} of ${origin.provider}`;
  }
};
