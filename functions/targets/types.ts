import type { Logger } from '@aws-lambda-powertools/logger';
import type { IntegrationEvent } from '#shared/contract/integration-event';

/** What a target receives besides the event. */
export interface DeliveryContext {
  /** Stable per event and target: pass it to any downstream API that takes an idempotency key. */
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly logger: Logger;
  /** The exact bytes the provider sent, read on demand (inline, shared item or S3 claim check). */
  readonly rawBody: () => Promise<Buffer>;
}

/** A named TypeScript step routed to as `{ kind: 'workflow', name }`. Throwing fails the event. */
export type Workflow = (event: IntegrationEvent, ctx: DeliveryContext) => Promise<void>;
