import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/store/conditions';
import { InfrastructureError } from '#shared/errors';

/** One account's dunning state: an item per tenant and account in the event table. */
export const dunningAccountKey = (tenant: string, account: string) => ({
  PK: `DUNNING#${tenant}`,
  SK: account,
});

export interface DunningChange {
  readonly tenant: string;
  readonly account: string;
  /** The event making the change: marks and restores are idempotent per event. */
  readonly eventId: string;
  readonly at: string;
}

/** Accounts with an unpaid invoice past its payment attempt. */
export interface DunningAccounts {
  /**
   * Marks the account past due for the invoice. `already` when another event's mark holds it (a
   * second failed attempt, or another invoice): one dunning at a time per account.
   */
  markPastDue(change: DunningChange & { readonly invoiceId: string }): Promise<'marked' | 'already'>;
  /** Takes back the mark this event made; `not-marked` when it holds none (undone already, or another's). */
  unmarkPastDue(change: DunningChange): Promise<'unmarked' | 'not-marked'>;
  /**
   * Ends the dunning the invoice opened. `not-past-due` when the account is not past due for this
   * invoice (never was, or another invoice holds it).
   */
  restore(change: DunningChange & { readonly invoiceId: string }): Promise<'restored' | 'not-past-due'>;
}

/**
 * The dunning state in the event table, without TTL: an account stays past due until its invoice
 * is paid, however long that takes. Every change is one conditional update, so that running a
 * step twice changes nothing the first run did not.
 */
export class DynamoDbDunningAccounts implements DunningAccounts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Applies an update; false when its condition did not hold. */
  private async update(
    what: string,
    change: DunningChange,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: dunningAccountKey(change.tenant, change.account),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':ev': change.eventId, ':at': change.at, ...values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new InfrastructureError('event-store', `dunning ${what} failed`, { cause: error });
    }
  }

  async markPastDue(change: DunningChange & { readonly invoiceId: string }): Promise<'marked' | 'already'> {
    const marked = await this.update(
      'mark',
      change,
      'SET #status = :pastDue, invoiceId = :inv, markedBy = :ev, pastDueSince = :at, updatedAt = :at REMOVE restoredBy, restoredAt',
      'attribute_not_exists(PK) OR #status = :current OR markedBy = :ev',
      { ':pastDue': 'past_due', ':current': 'current', ':inv': change.invoiceId },
    );
    return marked ? 'marked' : 'already';
  }

  async unmarkPastDue(change: DunningChange): Promise<'unmarked' | 'not-marked'> {
    const unmarked = await this.update(
      'unmark',
      change,
      'SET #status = :current, updatedAt = :at, unmarkedBy = :ev',
      'markedBy = :ev AND #status = :pastDue',
      { ':pastDue': 'past_due', ':current': 'current' },
    );
    return unmarked ? 'unmarked' : 'not-marked';
  }

  async restore(
    change: DunningChange & { readonly invoiceId: string },
  ): Promise<'restored' | 'not-past-due'> {
    const restored = await this.update(
      'restore',
      change,
      'SET #status = :current, restoredBy = :ev, restoredAt = :at, updatedAt = :at',
      // Its own earlier restore holds too, so that a step run again emits what it emitted.
      '(#status = :pastDue AND invoiceId = :inv) OR restoredBy = :ev',
      { ':pastDue': 'past_due', ':current': 'current', ':inv': change.invoiceId },
    );
    return restored ? 'restored' : 'not-past-due';
  }
}
