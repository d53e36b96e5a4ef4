import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditEntry } from '#shared/store/records';
import {
  compare,
  describeDrift,
  fingerprintOf,
  isDrift,
  merge,
  type Drift,
  type Fingerprint,
  type KnownShape,
} from '#shared/drift/fingerprint';

/** Events of a type seen before drift is reported: optional fields show up while it learns. */
export const LEARNING_SAMPLES = 20;
/** Drift reports kept on the fingerprint item. */
const HISTORY = 10;

export const fingerprintKey = (provider: string, type: string) => ({
  PK: `SCHEMA#${provider}#${type}`,
  SK: 'FINGERPRINT',
});

interface StoredShape extends KnownShape {
  readonly samples: number;
  readonly version: number;
  readonly history: readonly { readonly at: string; readonly eventId?: string; readonly drift: string }[];
}

/**
 * The known shape of each (provider, type), one small item each in the event table, read once
 * per container and written only when the shape changes (or while a new type is learning).
 * Writes are conditional on the version read, so that of two containers seeing one change only
 * one reports it.
 */
export class FingerprintStore {
  private readonly cache = new Map<string, StoredShape | null>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(provider: string, type: string, fresh = false): Promise<StoredShape | undefined> {
    const key = `${provider}#${type}`;
    if (!fresh && this.cache.has(key)) return this.cache.get(key) ?? undefined;
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: fingerprintKey(provider, type),
        ConsistentRead: fresh,
      }),
    );
    const shape = result.Item ? (result.Item as unknown as StoredShape) : undefined;
    this.cache.set(key, shape ?? null);
    return shape;
  }

  /** Returns false when another container changed the item since `previous` was read. */
  async put(
    provider: string,
    type: string,
    shape: Omit<StoredShape, 'version'>,
    previous: StoredShape | undefined,
    now: Date,
  ): Promise<boolean> {
    const next: StoredShape = { ...shape, version: (previous?.version ?? 0) + 1 };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...fingerprintKey(provider, type), ...next, updatedAt: now.toISOString() },
          ConditionExpression: previous ? 'version = :v' : 'attribute_not_exists(PK)',
          ...(previous ? { ExpressionAttributeValues: { ':v': previous.version } } : {}),
        }),
      );
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error instanceof Error && error.name === 'ConditionalCheckFailedException')
      )
        return false;
      throw error;
    }
    this.cache.set(`${provider}#${type}`, next);
    return true;
  }
}

export interface DriftDependencies {
  readonly fingerprints: FingerprintStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

export interface DriftReport {
  readonly drift: Drift;
  /** An audit entry naming the paths, to ride in the event's own state write. */
  readonly audit: AuditEntry;
}

/**
 * Compares an event's data to the known shape of its (provider, type). On drift (a new, missing
 * or retyped field, after the type has learned from {@link LEARNING_SAMPLES} events) it emits
 * the `SchemaDrift` metric (provider dimension), logs the paths, records them on the fingerprint
 * item and returns an audit entry. Never throws: drift detection must not fail an ingest.
 */
export const detectDrift = async (
  deps: DriftDependencies,
  provider: string,
  type: string,
  data: unknown,
  eventId?: string,
): Promise<DriftReport | undefined> => {
  try {
    const current = fingerprintOf(data);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const known = await deps.fingerprints.get(provider, type, attempt > 0);
      const outcome = await observe(deps, provider, type, current, known, eventId);
      if (outcome !== 'conflict') return outcome;
    }
    return undefined;
  } catch (error) {
    deps.logger.warn('schema drift detection failed; the event is ingested anyway', {
      provider,
      type,
      error,
    });
    return undefined;
  }
};

const observe = async (
  deps: DriftDependencies,
  provider: string,
  type: string,
  current: Fingerprint,
  known: StoredShape | undefined,
  eventId: string | undefined,
): Promise<DriftReport | undefined | 'conflict'> => {
  const now = deps.now();
  const learning = !known || known.samples < LEARNING_SAMPLES;
  const drift = known ? compare(known, current) : { added: [], missing: [], retyped: [] };
  if (!learning && !isDrift(drift)) return undefined;
  if (learning) {
    const merged = merge(known, current);
    const written = await deps.fingerprints.put(
      provider,
      type,
      { ...merged, samples: (known?.samples ?? 0) + 1, history: known?.history ?? [] },
      known,
      now,
    );
    return written ? undefined : 'conflict';
  }
  const detail = describeDrift(drift);
  const merged = merge(known, current);
  const history = [
    ...(known?.history ?? []),
    { at: now.toISOString(), ...(eventId ? { eventId } : {}), drift: detail },
  ].slice(-HISTORY);
  if (
    !(await deps.fingerprints.put(
      provider,
      type,
      { ...merged, samples: known?.samples ?? LEARNING_SAMPLES, history },
      known,
      now,
    ))
  )
    return 'conflict';
  const single = deps.metrics.singleMetric();
  single.addDimensions({ provider });
  single.addMetadata('type', type);
  single.addMetric('SchemaDrift', MetricUnit.Count, 1);
  deps.logger.warn('schema drift', {
    provider,
    type,
    eventId,
    added: drift.added,
    missing: drift.missing,
    retyped: drift.retyped,
  });
  return { drift, audit: { at: now.toISOString(), action: 'schema-drift', by: 'ingest', detail } };
};
