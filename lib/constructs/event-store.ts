import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface EventStoreProps {
  readonly removalPolicy: RemovalPolicy;
}

/** Index names, shared with the functions through environment variables. */
export const EVENT_STORE_INDEXES = {
  byEntity: 'byEntity',
  byAttention: 'byAttention',
  byReceived: 'byReceived',
} as const;

/**
 * The single table holding events (a small mutable state item and an immutable payload item
 * each), raw bodies of batch requests, nonces and rejection counters. Key design:
 * docs/decisions/0002-event-store-keys.md.
 */
export class EventStore extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: EventStoreProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'PK', type: AttributeType.STRING },
      sortKey: { name: 'SK', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      // The audit archive reads every change (lib/constructs/audit-archive.ts): a stream costs no
      // write units, and Lambda's reads of it are free.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    });
    // Keys-only: the lookups find event ids and then read the state item itself, so that a
    // status change never has to rewrite an index copy of the item.
    this.table.addGlobalSecondaryIndex({
      indexName: EVENT_STORE_INDEXES.byEntity,
      partitionKey: { name: 'entityKey', type: AttributeType.STRING },
      sortKey: { name: 'entitySort', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Sparse: only events that need an operator (quarantined, retrying, dead-lettered, stale,
    // stuck in RECEIVED) carry `attention`.
    this.table.addGlobalSecondaryIndex({
      indexName: EVENT_STORE_INDEXES.byAttention,
      partitionKey: { name: 'attention', type: AttributeType.STRING },
      sortKey: { name: 'attentionAt', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Every event, newest first, by the day it was received, sharded (decision 0043): what
    // `events list` shows by default, where `events show` looks for a provider's event id, and
    // how a correlation id, which carries its request's instant of receipt, finds its events
    // (decision 0045: there is no index by correlation id).
    // Only attributes that never change are projected, so that a status change writes no entry;
    // the sort key is the state item's own `receivedAt`, because every byte added to that item
    // is billed again on each of its updates.
    this.table.addGlobalSecondaryIndex({
      indexName: EVENT_STORE_INDEXES.byReceived,
      partitionKey: { name: 'receivedDay', type: AttributeType.STRING },
      sortKey: { name: 'receivedAt', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['tenant', 'provider', 'type', 'externalId', 'entityKind', 'entityId'],
    });
  }
}
