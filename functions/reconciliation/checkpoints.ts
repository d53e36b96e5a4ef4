import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, storeCall } from '#shared/store/conditions';

/**
 * Where a provider's (and tenant's) reconciliation stands: everything the provider sent before
 * `at` was checked. A window being paged keeps its bounds and the next page's cursor, so that a
 * run stopped between pages (out of time, or killed) is continued by the next one from there.
 */
export interface Checkpoint {
  /** The high-water mark: the end of the last window checked to its last page. */
  readonly at?: string;
  /** The window being paged, when a run stopped inside it. */
  readonly open?: { readonly since: string; readonly until: string; readonly cursor: string };
}

/** One item per provider and tenant in the event table, beside pauses and limiter buckets. */
const checkpointKey = (provider: string, tenant: string) => ({
  PK: `RECON#${provider}#${tenant}`,
  SK: 'CHECKPOINT',
});

/**
 * The checkpoints and their leases. A run takes the lease before it reads the checkpoint, writes
 * the checkpoint only while it holds the lease, and gives it back at the end: two runs of one
 * provider and tenant (a schedule and an operator's `reconcile run`) never page the same window.
 */
export class CheckpointStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes the lease for `runId` until `until` unless another run holds one that has not expired;
   * returns the checkpoint, or undefined when the lease is held.
   */
  async acquire(
    provider: string,
    tenant: string,
    runId: string,
    now: Date,
    until: Date,
  ): Promise<Checkpoint | undefined> {
    const taken = await conditionalWrite('checkpoint store', 'lease', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant),
          UpdateExpression: 'SET leaseRun = :run, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseRun = :run',
          ExpressionAttributeValues: {
            ':run': runId,
            ':until': until.toISOString(),
            ':now': now.toISOString(),
          },
        }),
      ),
    );
    if (!taken) return undefined;
    return this.read(provider, tenant);
  }

  async read(provider: string, tenant: string): Promise<Checkpoint> {
    const result = await storeCall('checkpoint store', 'read', () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant),
          ConsistentRead: true,
        }),
      ),
    );
    const item = result.Item ?? {};
    return {
      ...(typeof item.at === 'string' ? { at: item.at } : {}),
      ...(typeof item.openCursor === 'string' &&
      typeof item.openSince === 'string' &&
      typeof item.openUntil === 'string'
        ? { open: { since: item.openSince, until: item.openUntil, cursor: item.openCursor } }
        : {}),
    };
  }

  /**
   * Records how far a run got, on condition that it still holds the lease (a run that outlived
   * it must not overwrite the next one's progress). Returns false when the lease was lost.
   */
  async save(provider: string, tenant: string, runId: string, checkpoint: Checkpoint): Promise<boolean> {
    const { open } = checkpoint;
    return conditionalWrite('checkpoint store', 'write', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant),
          UpdateExpression: open
            ? `SET ${checkpoint.at ? '#at = :at, ' : ''}openSince = :since, openUntil = :until, openCursor = :cursor`
            : `SET #at = :at REMOVE openSince, openUntil, openCursor`,
          ConditionExpression: 'leaseRun = :run',
          ExpressionAttributeNames: checkpoint.at || !open ? { '#at': 'at' } : undefined,
          ExpressionAttributeValues: {
            ':run': runId,
            ...(checkpoint.at ? { ':at': checkpoint.at } : {}),
            ...(open ? { ':since': open.since, ':until': open.until, ':cursor': open.cursor } : {}),
          },
        }),
      ),
    );
  }

  /** Gives the lease back, so that the next run need not wait for it to expire. */
  async release(provider: string, tenant: string, runId: string): Promise<void> {
    await conditionalWrite('checkpoint store', 'release', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant),
          UpdateExpression: 'REMOVE leaseRun, leaseUntil',
          ConditionExpression: 'leaseRun = :run',
          ExpressionAttributeValues: { ':run': runId },
        }),
      ),
    );
  }
}
