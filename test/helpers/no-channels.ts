import { MessageDelivery } from '#shared/channels/delivery';
import type { MessageStore } from '#shared/channels/message-store';
import type { ReceiptMatcher } from '#shared/channels/receipts';
import { adapterSet } from '#shared/channels/registry';

const unused = () => Promise.reject(new Error('this test configures no channel'));

/** The message delivery of a stack that configures no channel adapter: any use of it fails the test. */
export const noMessageDelivery = () =>
  new MessageDelivery({
    store: { begin: unused, get: unused } as unknown as MessageStore,
    adapters: adapterSet([]),
    credentials: unused,
    baseUrl: () => '',
    statusCallbackUrl: () => undefined,
    templates: {},
    fetch: unused,
    now: () => new Date(),
    timeoutMs: 1000,
    metric: () => undefined,
  });

/** Receipts of a stack without channels: no event is one. */
export const noReceipts: Pick<ReceiptMatcher, 'apply'> = {
  apply: () => Promise.resolve({ kind: 'not-a-receipt' }),
};
