/**
 * Metrics that CloudWatch Logs reads off a function's one INFO line per event with metric filters
 * (docs/decisions/0059-metrics-from-log-lines.md), instead of an EMF record riding on the line:
 * the line already carries the counts and the latency as fields an operator searches by, and the
 * record's own ~300 bytes were a third of what an event cost in logs. The functions write the
 * fields named here; lib/constructs/log-metrics.ts makes the filters.
 */
export interface LineMetric {
  readonly name: string;
  /** A JSON filter pattern: the lines that carry the metric. */
  readonly pattern: string;
  /** `1` per matching line, or the `$.field` holding the value. */
  readonly value: string;
  readonly unit: 'Count' | 'Milliseconds';
}

/**
 * Each line metric is published per provider and tenant, as the EMF records were; without their
 * `service` dimension, which the provider names already. The alarms and the dashboard select by
 * metric name, so they read these series unchanged.
 */
export const LINE_METRIC_DIMENSIONS: Readonly<Record<string, string>> = {
  provider: '$.provider',
  tenant: '$.tenant',
};

const DIMENSIONS_PRESENT = '$.provider = * && $.tenant = *';

/** The counts a verifier's `webhook ingested` line carries, by field (left out when zero). */
export const INGEST_COUNT_FIELDS = {
  received: 'Received',
  enqueued: 'Enqueued',
  duplicate: 'Duplicate',
  quarantined: 'Quarantined',
} as const;

/** The verifier's handling time, on every delivery's line. */
export const INGEST_LATENCY_FIELD = 'latencyMs';

export const INGEST_LINE_METRICS: readonly LineMetric[] = [
  ...Object.entries(INGEST_COUNT_FIELDS).map(([field, name]): LineMetric => ({
    name,
    pattern: `{ $.${field} > 0 && ${DIMENSIONS_PRESENT} }`,
    value: `$.${field}`,
    unit: 'Count',
  })),
  {
    name: 'IngestLatency',
    pattern: `{ $.${INGEST_LATENCY_FIELD} >= 0 && ${DIMENSIONS_PRESENT} }`,
    value: `$.${INGEST_LATENCY_FIELD}`,
    unit: 'Milliseconds',
  },
];

/** The consumer's line for an event it ran: `event handled`, with the outcome each metric counts. */
export const HANDLED_MESSAGE = 'event handled';
export const HANDLED_OUTCOME_METRICS = {
  processed: 'Processed',
  unrouted: 'Unrouted',
  stale: 'Stale',
  compensated: 'Compensated',
  'dry-run': 'DryRun',
} as const;
/** Time from receipt to the end of the run, on the line of every event the consumer ran. */
export const END_TO_END_FIELD = 'endToEndMs';

export const CONSUMER_LINE_METRICS: readonly LineMetric[] = [
  ...Object.entries(HANDLED_OUTCOME_METRICS).map(([outcome, name]): LineMetric => ({
    name,
    pattern: `{ $.message = "${HANDLED_MESSAGE}" && $.outcome = "${outcome}" && ${DIMENSIONS_PRESENT} }`,
    value: '1',
    unit: 'Count',
  })),
  {
    name: 'EndToEndLatency',
    pattern: `{ $.message = "${HANDLED_MESSAGE}" && $.${END_TO_END_FIELD} >= 0 && ${DIMENSIONS_PRESENT} }`,
    value: `$.${END_TO_END_FIELD}`,
    unit: 'Milliseconds',
  },
];
