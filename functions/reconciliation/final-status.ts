import type { MessageStatus, ReceiptStatus } from '#shared/channels/contract';
import { afterReceipt } from '#shared/channels/status';
import type { ProviderMessageStatus } from '#shared/reconciliation/contract';

/** What one of a message's events at the provider says of its delivery, as its webhook would. */
export interface EventReceipt {
  readonly status: ReceiptStatus;
  /** When the event happened (ISO 8601). */
  readonly at: string;
  readonly reason?: string | undefined;
}

/**
 * A message's fate from its events' receipts, oldest first, ranked as receipts are (a late
 * delivery never undoes a bounce): the last receipt that moved it, with its reason only for a
 * bounce or a failure. Undefined when no receipt moved it: the provider still has it.
 */
export const finalStatusOf = (receipts: readonly EventReceipt[]): ProviderMessageStatus | undefined => {
  let status: MessageStatus = 'SENT';
  let final: EventReceipt | undefined;
  for (const receipt of receipts) {
    const next = afterReceipt(status, receipt.status);
    if (next === status) continue;
    status = next;
    final = receipt;
  }
  if (final === undefined) return undefined;
  return {
    kind: 'final',
    status: final.status,
    at: final.at,
    ...(final.reason === undefined || final.status === 'delivered' || final.status === 'opened'
      ? {}
      : { reason: final.reason }),
  };
};
