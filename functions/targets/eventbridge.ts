import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { EventBridgeTarget } from '#shared/routing/routes';
import { TargetError } from '#shared/targets/errors';

/** EventBridge's limit for one PutEvents entry. */
const MAX_ENTRY_BYTES = 256 * 1024;

const isRetryableSdkError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return true;
  const meta = error as Error & {
    $retryable?: unknown;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    meta.$retryable !== undefined ||
    meta.$fault === 'server' ||
    (meta.$metadata?.httpStatusCode ?? 500) >= 500 ||
    /Throttl|LimitExceeded|Timeout|Network/i.test(error.name)
  );
};

/** A PutEvents entry as a target sends it. */
export interface EventBridgeEntry {
  readonly EventBusName: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Time: Date;
}

/**
 * The entry an EventBridge target puts for an event: Source `relayflow.<provider>`, DetailType
 * the canonical type, Detail the IntegrationEvent (or what the target's transform made of it).
 * What a delivery sends and a dry run records.
 */
export const eventBridgeEntryOf = (
  target: Pick<EventBridgeTarget, 'eventBusName'>,
  event: IntegrationEvent,
  detail: unknown = event,
): EventBridgeEntry => ({
  EventBusName: target.eventBusName,
  Source: `relayflow.${event.provider}`,
  DetailType: event.type,
  Detail: JSON.stringify(detail),
  Time: new Date(event.occurredAt),
});

/** The bytes EventBridge counts against its 256 KB entry limit. */
export const entrySizeOf = (entry: EventBridgeEntry) =>
  Buffer.byteLength(entry.Detail) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Source);

/** Publishes the event on a bus ({@link eventBridgeEntryOf}). Rules downstream filter on any of it. */
export class EventBridgeDelivery {
  constructor(private readonly client: EventBridgeClient) {}

  async deliver(target: EventBridgeTarget, event: IntegrationEvent, detail: unknown = event): Promise<void> {
    const entry = eventBridgeEntryOf(target, event, detail);
    const size = entrySizeOf(entry);
    if (size > MAX_ENTRY_BYTES) {
      throw new TargetError(
        target.id,
        'eventbridge-too-large',
        false,
        `event is ${size} bytes; EventBridge takes ${MAX_ENTRY_BYTES}`,
      );
    }
    let result;
    try {
      result = await this.client.send(new PutEventsCommand({ Entries: [entry] }));
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown';
      throw new TargetError(
        target.id,
        `eventbridge-${name}`,
        isRetryableSdkError(error),
        `PutEvents to ${target.eventBusName} failed`,
        {
          cause: error,
        },
      );
    }
    const failed = result.Entries?.find((e) => e.ErrorCode);
    if ((result.FailedEntryCount ?? 0) > 0 || failed) {
      // An entry error (throttling, internal failure) concerns this attempt, not the event.
      throw new TargetError(
        target.id,
        `eventbridge-entry-${failed?.ErrorCode ?? 'failed'}`,
        true,
        `PutEvents rejected the entry: ${failed?.ErrorMessage ?? 'no reason given'}`,
      );
    }
  }
}
