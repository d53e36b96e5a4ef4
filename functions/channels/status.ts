import type { MessageStatus, ReceiptStatus } from '#shared/channels/contract';

/**
 * How far a message got, for receipts that arrive out of order (ARCHITECTURE 19): a receipt moves
 * a message only to a higher rank. A late "delivered" never undoes a bounce, a failure or an
 * open; an open after a bounce is kept as a receipt but does not move it.
 */
const RANK: Readonly<Record<MessageStatus, number>> = {
  SENDING: 0,
  UNCERTAIN: 0,
  SENT: 1,
  RECEIPT_MISSING: 1,
  DELIVERED: 2,
  OPENED: 3,
  BOUNCED: 4,
  FAILED: 4,
};

const FROM_RECEIPT: Readonly<Record<ReceiptStatus, MessageStatus>> = {
  delivered: 'DELIVERED',
  opened: 'OPENED',
  bounced: 'BOUNCED',
  failed: 'FAILED',
};

/** The status a message has after a receipt: the receipt's, when it ranks above the current one. */
export const afterReceipt = (current: MessageStatus, receipt: ReceiptStatus): MessageStatus => {
  const next = FROM_RECEIPT[receipt];
  return RANK[next] > RANK[current] ? next : current;
};

/** Statuses no receipt can follow: the message's fate is known. */
export const FINAL_MESSAGE_STATUSES: ReadonlySet<MessageStatus> = new Set(['OPENED', 'BOUNCED', 'FAILED']);
