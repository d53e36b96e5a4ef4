import type { Channel, FindResult } from '#shared/channels/contract';
import type { MessageRecord, MessageStore } from '#shared/channels/message-store';
import type { ReceiptMatcher } from '#shared/channels/receipts';
import type { ApiContext, ProviderApi, ProviderMessageStatus } from '#shared/reconciliation/contract';
import { errorLine } from '#shared/reconciliation/error-lines';
import { withRetry, type RetryClock, type RetrySettings } from '#shared/reconciliation/retry';

/** How long after it was sent a message may wait for its final receipt (config `receiptDeadlines`). */
export type ReceiptDeadlines = Readonly<Record<Channel, number>>;

export const DEFAULT_RECEIPT_DEADLINES_MS: ReceiptDeadlines = {
  email: 3_600_000,
  sms: 900_000,
  whatsapp: 900_000,
  push: 900_000,
  webhook: 900_000,
};

/** Messages one run looks at, per provider and tenant: the oldest within the lookback first. */
const MAX_MESSAGES = 1000;

export interface ReceiptDependencies {
  readonly messages: Pick<MessageStore, 'list' | 'receiptMissing' | 'note' | 'sent' | 'get'>;
  readonly matcher: Pick<ReceiptMatcher, 'applyFromProvider'>;
  readonly api: ProviderApi<unknown>;
  readonly apiContext: ApiContext<unknown>;
  /**
   * The channel adapter's search for a message sent under our id, where it has one (Postmark,
   * Mailgun): how an UNCERTAIN message, which has no provider id, is found.
   */
  readonly find?: (record: MessageRecord) => Promise<FindResult>;
  readonly deadlines: ReceiptDeadlines;
  readonly clock: RetryClock;
  readonly retry?: RetrySettings;
  readonly now: () => Date;
  /** Counts a message newly marked RECEIPT_MISSING (the MessageReceiptMissing alarm). */
  readonly receiptMissingMetric: (record: MessageRecord) => void;
}

export interface ReceiptRequest {
  readonly provider: string;
  readonly tenant: string;
  readonly runId: string;
  readonly dryRun: boolean;
  /** Messages created from then on are looked at (the lookback). */
  readonly since: Date;
}

export interface ReceiptResult {
  /** Final answers recorded as receipts. */
  readonly resolved: number;
  /** Messages marked RECEIPT_MISSING (in a dry run: that would be). */
  readonly missing: number;
  /** UNCERTAIN messages the provider turned out to hold, now SENT with its id. */
  readonly uncertainResolved: number;
  readonly errors: readonly string[];
}

/** What to do with one message, decided from it alone. */
export type ReceiptPlan = 'ask' | 'find' | 'skip';

/** Past its channel's deadline with no final receipt → ask; UNCERTAIN → find; else nothing to do. */
export const planFor = (record: MessageRecord, deadlines: ReceiptDeadlines, now: Date): ReceiptPlan => {
  if (record.status === 'UNCERTAIN') return 'find';
  if (record.status !== 'SENT' && record.status !== 'RECEIPT_MISSING') return 'skip';
  const sentAt = Date.parse(record.sentAt ?? record.statusAt);
  return now.getTime() - sentAt >= deadlines[record.channel] ? 'ask' : 'skip';
};

/**
 * Missing receipts (issue 16): messages SENT through the provider's channel adapter with no
 * final receipt by their channel's deadline are asked about; a final answer becomes a receipt
 * through the ReceiptMatcher (precedence, metrics and `message.<status>` as for a webhook's),
 * anything else marks the message RECEIPT_MISSING. UNCERTAIN messages are looked for by our id
 * where the adapter can search; one the provider holds is adopted (SENT with its id), one it
 * does not stays UNCERTAIN with a timeline line, for an operator.
 */
export const reconcileReceipts = async (
  deps: ReceiptDependencies,
  request: ReceiptRequest,
): Promise<ReceiptResult> => {
  const { provider, tenant, runId, dryRun } = request;
  const result = { resolved: 0, missing: 0, uncertainResolved: 0, errors: [] as string[] };
  const now = deps.now();
  const records = (
    await deps.messages.list(tenant, request.since.toISOString(), MAX_MESSAGES, 'oldest')
  ).filter((record) => record.via === provider);
  const ask = deps.api.messageStatus?.bind(deps.api);

  const statusOf = async (providerMessageId: string): Promise<ProviderMessageStatus | undefined> => {
    if (!ask) return undefined;
    const { value } = await withRetry(() => ask(providerMessageId, deps.apiContext), deps.clock, deps.retry);
    return value;
  };

  /** Records the provider's answer on a SENT (or RECEIPT_MISSING) message. */
  const settle = async (record: MessageRecord, answer: ProviderMessageStatus | undefined) => {
    if (answer?.kind === 'final') {
      result.resolved += 1;
      if (dryRun) return;
      await deps.matcher.applyFromProvider(
        record,
        {
          providerMessageId: record.providerMessageId,
          status: answer.status,
          at: answer.at,
          ...(answer.reason ? { reason: answer.reason } : {}),
        },
        { provider, runId },
      );
      return;
    }
    if (record.status !== 'SENT') return;
    result.missing += 1;
    if (dryRun) return;
    const said =
      answer === undefined
        ? `${provider}'s API cannot be asked for a message's status`
        : answer.kind === 'pending'
          ? `${provider} still says ${answer.providerStatus}`
          : `${provider} does not know ${record.providerMessageId}`;
    const moved = await deps.messages.receiptMissing(
      record.messageId,
      `no final receipt by the ${record.channel} deadline; ${said} (reconciliation run ${runId})`,
      now,
    );
    if (moved) deps.receiptMissingMetric(record);
  };

  for (const record of records) {
    const plan = planFor(record, deps.deadlines, now);
    try {
      if (plan === 'ask') {
        await settle(record, record.providerMessageId ? await statusOf(record.providerMessageId) : undefined);
      } else if (plan === 'find' && deps.find) {
        const found = await deps.find(record);
        if (found.kind === 'not-found') {
          if (!dryRun)
            await deps.messages.note(
              record.messageId,
              'UNCERTAIN',
              'reconciled',
              `${provider} holds no message sent under our id (reconciliation run ${runId}); an operator decides whether to resend it`,
              now,
            );
          continue;
        }
        result.uncertainResolved += 1;
        if (dryRun) continue;
        await deps.messages.sent(record, found.providerMessageId, now, 'adopted');
        // Its deadline runs from the adoption: only a final answer is recorded now.
        const adopted = await deps.messages.get(record.messageId);
        const answer = adopted ? await statusOf(found.providerMessageId) : undefined;
        if (adopted && answer?.kind === 'final') await settle(adopted, answer);
      }
    } catch (error) {
      result.errors.push(errorLine(provider, tenant, `asking about message ${record.messageId}`, error));
      // The same provider failing for the next message would only repeat the line.
      break;
    }
  }
  return result;
};
