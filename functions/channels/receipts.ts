import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { DomainEventOrigin, DomainEventPublisher } from '#shared/producer/contract';
import type { ChannelAdapter, MessageStatus, Receipt } from '#shared/channels/contract';
import type { MessageMetricSink } from '#shared/channels/delivery';
import type { MessageRecord, MessageStore } from '#shared/channels/message-store';
import type { AdapterSet } from '#shared/channels/registry';

/** The canonical event a message's new status emits, for routes to act on. */
const EVENT_OF: Partial<Record<MessageStatus, string>> = {
  DELIVERED: 'message.delivered',
  OPENED: 'message.opened',
  BOUNCED: 'message.bounced',
  FAILED: 'message.failed',
};

const METRIC_OF = {
  DELIVERED: 'MessageDelivered',
  OPENED: 'MessageOpened',
  BOUNCED: 'MessageBounced',
  FAILED: 'MessageFailed',
} as const;

export interface ReceiptDependencies {
  readonly store: MessageStore;
  readonly adapters: AdapterSet;
  readonly publisher: DomainEventPublisher;
  readonly now: () => Date;
  readonly metric: MessageMetricSink;
}

/** What a receipt did: nothing (not a receipt, or of a message we did not send), or its effect. */
export type ReceiptOutcome =
  | { readonly kind: 'not-a-receipt' }
  | { readonly kind: 'unknown-message'; readonly via: string; readonly receipt: Receipt }
  | {
      readonly kind: 'applied';
      readonly messageId: string;
      readonly status: MessageStatus;
      readonly moved: boolean;
      readonly duplicate: boolean;
    };

/**
 * Matches delivery receipts to messages (ARCHITECTURE 19). Receipts are verified inbound events
 * of the adapters' providers; each is matched by our id where the provider echoes our metadata,
 * else by the provider's message id, appended to the message's timeline, and ranked (status.ts).
 * A status that moved emits `message.<status>` through the same ingest as any domain event, keyed
 * by the message and status, so a receipt handled twice emits it once.
 */
export class ReceiptMatcher {
  constructor(private readonly deps: ReceiptDependencies) {}

  private async receiptIn(
    event: IntegrationEvent,
  ): Promise<{ adapter: ChannelAdapter<unknown>; receipt: Receipt } | undefined> {
    if (this.deps.adapters.ids.length === 0) return undefined;
    for (const adapter of await this.deps.adapters.all()) {
      const receipt = adapter.receiptOf(event);
      if (receipt) return { adapter, receipt };
    }
    return undefined;
  }

  private async messageOf(
    adapter: ChannelAdapter<unknown>,
    receipt: Receipt,
  ): Promise<MessageRecord | undefined> {
    const { store } = this.deps;
    if (receipt.messageId) {
      const record = await store.get(receipt.messageId);
      if (record) return record;
    }
    if (!receipt.providerMessageId) return undefined;
    const id = await store.idOfProviderMessage(adapter.id, receipt.providerMessageId);
    return id === undefined ? undefined : store.get(id);
  }

  async apply(event: IntegrationEvent): Promise<ReceiptOutcome> {
    const found = await this.receiptIn(event);
    if (!found) return { kind: 'not-a-receipt' };
    const { adapter, receipt } = found;
    const record = await this.messageOf(adapter, receipt);
    if (!record) return { kind: 'unknown-message', via: adapter.id, receipt };
    return this.applyTo(record, receipt, {
      kind: 'receipt',
      causationId: event.id,
      depth: (event.depth ?? 0) + 1,
      messageId: record.messageId,
    });
  }

  /**
   * Records what the provider's API said of a message as a receipt (reconciliation, issue 16):
   * the same precedence, metrics and `message.<status>` event as a webhook receipt, with the
   * reconciliation run as its origin.
   */
  async applyFromProvider(
    record: MessageRecord,
    receipt: Receipt,
    origin: { readonly provider: string; readonly runId: string },
  ): Promise<ReceiptOutcome> {
    return this.applyTo(
      record,
      receipt,
      { kind: 'reconciliation', ...origin },
      `reconciliation run ${origin.runId}`,
    );
  }

  private async applyTo(
    record: MessageRecord,
    receipt: Receipt,
    origin: DomainEventOrigin,
    source?: string,
  ): Promise<ReceiptOutcome> {
    const result = await this.deps.store.applyReceipt(record, receipt, this.deps.now(), source);
    if (result.moved) {
      const status = result.status as keyof typeof METRIC_OF;
      this.deps.metric(METRIC_OF[status], record);
      if (status === 'DELIVERED' && record.sentAt)
        this.deps.metric(
          'MessageDeliveryLatency',
          record,
          Date.parse(receipt.at) - Date.parse(record.sentAt),
        );
      await this.emit(origin, record, result.status, receipt);
    }
    return { kind: 'applied', messageId: record.messageId, ...result };
  }

  private async emit(
    origin: DomainEventOrigin,
    record: MessageRecord,
    status: MessageStatus,
    receipt: Receipt,
  ) {
    const type = EVENT_OF[status];
    if (!type) return;
    await this.deps.publisher.publish(
      record.tenant,
      [
        {
          type,
          entity: { kind: 'message', id: record.messageId },
          data: {
            messageId: record.messageId,
            channel: record.channel,
            via: record.via,
            recipient: record.to,
            status,
            ...(record.providerMessageId ? { providerMessageId: record.providerMessageId } : {}),
            ...(receipt.reason ? { reason: receipt.reason } : {}),
            causationEventId: record.causationEventId,
          },
          idempotencyKey: `${type}:${record.messageId}`,
          occurredAt: receipt.at,
        },
      ],
      origin,
      record.correlationId,
    );
  }
}
