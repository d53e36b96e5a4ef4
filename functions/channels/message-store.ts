import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, storeCall } from '#shared/store/conditions';
import { InfrastructureError } from '#shared/errors';
import { INDEXES } from '#shared/operator/event-queries';
import type { Channel, Message, MessageStatus, Receipt } from '#shared/channels/contract';
import { afterReceipt } from '#shared/channels/status';

/** One line of a message's story. */
export interface MessageEntry {
  readonly at: string;
  /**
   * `sending` (intent recorded), `sent`, `adopted` (found at the provider after an uncertain
   * call), `refused` (the provider said no; retried), `failed` (for good), `uncertain`,
   * `receipt` (what a receipt said, moved or not), `resend` (an uncertain message sent again).
   */
  readonly action: string;
  readonly status?: MessageStatus;
  readonly detail?: string;
}

/**
 * A message's item (decision 0054): what it is, where it stands, its timeline. The content is
 * not kept: it is rendered from the event again when needed, and it may hold personal data.
 */
export interface MessageRecord {
  readonly messageId: string;
  readonly tenant: string;
  readonly channel: Channel;
  readonly via: string;
  readonly to: string;
  readonly status: MessageStatus;
  readonly statusAt: string;
  readonly createdAt: string;
  readonly causationEventId: string;
  readonly correlationId: string;
  readonly providerMessageId?: string;
  /**
   * Whether the last call is known to have failed: `refused` (the provider answered no, so a
   * retry may send), else the call's outcome is unknown while the message is SENDING.
   */
  readonly lastCall?: 'refused';
  readonly sentAt?: string;
  readonly lastError?: string;
  readonly timeline: readonly MessageEntry[];
}

export const messageKey = (messageId: string) => ({ PK: `MSG#${messageId}`, SK: 'MESSAGE' });
const providerIdKey = (via: string, providerMessageId: string) => ({
  PK: `MSGPID#${via}#${providerMessageId}`,
  SK: 'MSGPID',
});
/** A tenant's messages by creation time, in the keys-only entity index. */
export const tenantMessagesKey = (tenant: string) => `MSGS#${tenant}`;

const recordOf = (item: Record<string, unknown>): MessageRecord => {
  const { PK: _pk, SK: _sk, entityKey: _ek, entitySort: _es, expiresAt: _x, ...record } = item;
  return record as unknown as MessageRecord;
};

export interface MessageStoreSettings {
  readonly tableName: string;
  readonly retentionDays: number;
}

export type Begin =
  | { readonly kind: 'created'; readonly record: MessageRecord }
  | { readonly kind: 'exists'; readonly record: MessageRecord };

/** Messages in the event table: one item each, and an index item from the provider's id to ours. */
export class MessageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly settings: MessageStoreSettings,
  ) {}

  private expiresAt(now: Date) {
    return Math.floor(now.getTime() / 1000) + this.settings.retentionDays * 86_400;
  }

  private call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return storeCall('message store', what, run);
  }

  private conditional(what: string, run: () => Promise<unknown>): Promise<boolean> {
    return conditionalWrite('message store', what, run);
  }

  async get(messageId: string): Promise<MessageRecord | undefined> {
    const result = await this.call('read', () =>
      this.client.send(
        new GetCommand({
          TableName: this.settings.tableName,
          Key: messageKey(messageId),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? recordOf(result.Item) : undefined;
  }

  async getMany(messageIds: readonly string[]): Promise<MessageRecord[]> {
    const records: MessageRecord[] = [];
    for (let start = 0; start < messageIds.length; start += 100) {
      let keys: Record<string, unknown>[] = messageIds.slice(start, start + 100).map(messageKey);
      while (keys.length > 0) {
        const result = await this.call('batch read', () =>
          this.client.send(
            new BatchGetCommand({ RequestItems: { [this.settings.tableName]: { Keys: keys } } }),
          ),
        );
        records.push(...(result.Responses?.[this.settings.tableName] ?? []).map(recordOf));
        keys = (result.UnprocessedKeys?.[this.settings.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return records;
  }

  /** Our message id for a provider's, once the message was SENT. */
  async idOfProviderMessage(via: string, providerMessageId: string): Promise<string | undefined> {
    const result = await this.call('read', () =>
      this.client.send(
        new GetCommand({ TableName: this.settings.tableName, Key: providerIdKey(via, providerMessageId) }),
      ),
    );
    return result.Item?.messageId as string | undefined;
  }

  /** Records the intent to send (SENDING) unless the message exists; returns what is there. */
  async begin(message: Message, now: Date): Promise<Begin> {
    const at = now.toISOString();
    const record: MessageRecord = {
      messageId: message.id,
      tenant: message.tenant,
      channel: message.channel,
      via: message.via,
      to: message.to,
      status: 'SENDING',
      statusAt: at,
      createdAt: at,
      causationEventId: message.causationEventId,
      correlationId: message.correlationId,
      timeline: [{ at, action: 'sending', status: 'SENDING', detail: `via ${message.via}` }],
    };
    const created = await this.conditional('create', () =>
      this.client.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: {
            ...messageKey(message.id),
            ...record,
            entityKey: tenantMessagesKey(message.tenant),
            entitySort: `${at}#${message.id}`,
            expiresAt: this.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    if (created) return { kind: 'created', record };
    const existing = await this.get(message.id);
    if (!existing)
      throw new InfrastructureError('event-store', `message ${message.id} vanished while it was created`);
    return { kind: 'exists', record: existing };
  }

  /** Moves a message, appending the entry, on condition that it is in one of `from`. */
  private async move(
    messageId: string,
    from: readonly MessageStatus[],
    to: MessageStatus,
    entry: MessageEntry,
    sets: Record<string, unknown> = {},
    removes: readonly string[] = [],
    timelineLength?: number,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#timeline': 'timeline' };
    const values: Record<string, unknown> = { ':to': to, ':at': entry.at, ':entry': [entry] };
    const clauses = ['#status = :to', 'statusAt = :at', '#timeline = list_append(#timeline, :entry)'];
    Object.entries(sets).forEach(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      clauses.push(`#s${i} = :s${i}`);
    });
    from.forEach((status, i) => (values[`:from${i}`] = status));
    const unchanged = timelineLength === undefined ? '' : ' AND size(#timeline) = :length';
    if (timelineLength !== undefined) values[':length'] = timelineLength;
    return this.conditional('update', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.settings.tableName,
          Key: messageKey(messageId),
          UpdateExpression: `SET ${clauses.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})${unchanged}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** The provider took it: SENT with its id, which receipts are matched by. */
  async sent(
    record: Pick<MessageRecord, 'messageId' | 'via'>,
    providerMessageId: string,
    now: Date,
    action = 'sent',
  ) {
    await this.call('index write', () =>
      this.client.send(
        new PutCommand({
          TableName: this.settings.tableName,
          Item: {
            ...providerIdKey(record.via, providerMessageId),
            messageId: record.messageId,
            expiresAt: this.expiresAt(now),
          },
        }),
      ),
    );
    const at = now.toISOString();
    return this.move(
      record.messageId,
      ['SENDING', 'UNCERTAIN'],
      'SENT',
      { at, action, status: 'SENT', detail: `provider id ${providerMessageId}` },
      { providerMessageId, sentAt: at },
      ['lastCall'],
    );
  }

  /** The provider answered no, and may say yes later: the next attempt may send again. */
  async refused(messageId: string, reason: string, now: Date) {
    return this.move(
      messageId,
      ['SENDING'],
      'SENDING',
      { at: now.toISOString(), action: 'refused', detail: reason },
      { lastCall: 'refused', lastError: reason },
    );
  }

  /** The provider refused it for good (an invalid recipient): FAILED with its reason. */
  async failed(messageId: string, reason: string, now: Date) {
    return this.move(
      messageId,
      ['SENDING', 'UNCERTAIN'],
      'FAILED',
      { at: now.toISOString(), action: 'failed', status: 'FAILED', detail: reason },
      { lastError: reason },
    );
  }

  /** A call whose outcome is unknown, for a provider that cannot be asked: an operator decides. */
  async uncertain(messageId: string, detail: string, now: Date) {
    return this.move(messageId, ['SENDING'], 'UNCERTAIN', {
      at: now.toISOString(),
      action: 'uncertain',
      status: 'UNCERTAIN',
      detail,
    });
  }

  /** Marks the message's next call as about to happen: its outcome is unknown until recorded. */
  async calling(messageId: string, now: Date, action = 'sending') {
    return this.move(messageId, ['SENDING', 'UNCERTAIN'], 'SENDING', { at: now.toISOString(), action }, {}, [
      'lastCall',
    ]);
  }

  /**
   * Appends a receipt and moves the status up the precedence order (status.ts). A receipt seen
   * before (same status and time) changes nothing. Returns the status after, and whether it moved.
   */
  async applyReceipt(
    record: MessageRecord,
    receipt: Receipt,
    now: Date,
    /** Where the receipt came from when not a webhook (`reconciliation run …`), said in the timeline. */
    source?: string,
  ): Promise<{ readonly moved: boolean; readonly duplicate: boolean; readonly status: MessageStatus }> {
    const detail = `${receipt.status} at ${receipt.at}${receipt.reason ? `: ${receipt.reason}` : ''}`;
    if (
      record.timeline.some(
        (e) => e.action === 'receipt' && (e.detail === detail || e.detail?.startsWith(`${detail} (from `)),
      )
    )
      return { moved: false, duplicate: true, status: record.status };
    const next = afterReceipt(record.status, receipt.status);
    const entry: MessageEntry = {
      at: now.toISOString(),
      action: 'receipt',
      status: next,
      detail: source ? `${detail} (from ${source})` : detail,
    };
    const applied = await this.move(
      record.messageId,
      [record.status],
      next,
      entry,
      receipt.reason && next !== record.status && (next === 'BOUNCED' || next === 'FAILED')
        ? { lastError: receipt.reason }
        : {},
      [],
      // On the timeline read too, not the status alone: the same receipt handled twice at once,
      // moving nothing, would otherwise pass both conditions and be appended twice.
      record.timeline.length,
    );
    if (!applied) {
      // Another receipt moved it meanwhile: decide again from what is there now.
      const current = await this.get(record.messageId);
      if (!current) return { moved: false, duplicate: false, status: record.status };
      return this.applyReceipt(current, receipt, now, source);
    }
    return { moved: next !== record.status, duplicate: false, status: next };
  }

  /**
   * No final receipt came by the channel's deadline, and the provider could not say more
   * (reconciliation, issue 16). A receipt arriving later still moves it (status.ts ranks it as SENT).
   */
  async receiptMissing(messageId: string, detail: string, now: Date) {
    return this.move(messageId, ['SENT'], 'RECEIPT_MISSING', {
      at: now.toISOString(),
      action: 'receipt-missing',
      status: 'RECEIPT_MISSING',
      detail,
    });
  }

  /** A line in the timeline that changes no status (what reconciliation learnt of an UNCERTAIN message). */
  async note(messageId: string, status: MessageStatus, action: string, detail: string, now: Date) {
    return this.move(messageId, [status], status, { at: now.toISOString(), action, detail });
  }

  /** A tenant's messages created at or after `since`, newest first (or the first `limit` of them, oldest first). */
  async list(
    tenant: string,
    since: string,
    limit: number,
    order: 'newest' | 'oldest' = 'newest',
  ): Promise<MessageRecord[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call('list', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.settings.tableName,
            IndexName: INDEXES.byEntity,
            KeyConditionExpression: 'entityKey = :k AND entitySort >= :since',
            ExpressionAttributeValues: { ':k': tenantMessagesKey(tenant), ':since': since },
            ScanIndexForward: order === 'oldest',
            Limit: limit - ids.length,
            ExclusiveStartKey: start,
          }),
        ),
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.PK).slice('MSG#'.length)));
      start = page.LastEvaluatedKey;
    } while (start && ids.length < limit);
    const records = await this.getMany(ids);
    return records.sort((a, b) =>
      order === 'oldest' ? a.createdAt.localeCompare(b.createdAt) : b.createdAt.localeCompare(a.createdAt),
    );
  }
}
