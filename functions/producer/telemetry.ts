import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogLine, MetricPoint } from '#shared/powertools/emf';
import type { DomainEventOrigin, PublishedEvent } from './contract';

/** One publish's log line, with the metrics that ride on it. */
export interface PublishTelemetry {
  readonly line: LogLine;
  readonly metrics: readonly MetricPoint[];
}

/**
 * What one publish reports, decided from its outcome alone: counts by origin (api, eventbridge,
 * schedule) and tenant, a zero count left out, and one line naming every event with its outcome
 * (at most 100, MAX_EVENTS_PER_PUBLISH). A refused event is a warning: its producer has a bug.
 */
export const publishTelemetry = (
  origin: DomainEventOrigin,
  tenant: string,
  events: readonly PublishedEvent[],
  status?: number,
): PublishTelemetry => {
  const dimensions = { origin: origin.kind, tenant };
  const count = (name: string, outcomes: readonly PublishedEvent['outcome'][]): MetricPoint[] => {
    const value = events.filter((e) => outcomes.includes(e.outcome)).length;
    return value > 0 ? [{ name, unit: MetricUnit.Count, value, dimensions }] : [];
  };
  const refused = events.some((e) => e.outcome === 'rejected');
  return {
    line: {
      level: refused ? 'warn' : 'info',
      message: refused ? 'domain events published, some refused' : 'domain events published',
      fields: {
        ...(status === undefined ? {} : { status }),
        // Not `origin`: that is the metrics' dimension on the same line (its kind).
        publishedBy: origin,
        events: events.map(({ index, idempotencyKey, eventId, outcome, error }) => ({
          index,
          idempotencyKey,
          ...(eventId ? { eventId } : {}),
          outcome,
          ...(error ? { error } : {}),
        })),
      },
    },
    metrics: [
      ...count('DomainEventsPublished', ['accepted', 'requeued']),
      ...count('DomainEventsDuplicate', ['duplicate']),
      ...count('DomainEventsRefused', ['rejected']),
    ],
  };
};
