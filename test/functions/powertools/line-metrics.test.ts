import type { IngestOutcome } from '#shared/ingest/ingest';
import { telemetryOf, type DeliveryContext } from '#shared/ingest/telemetry';
import type { MetricPoint } from '#shared/powertools/emf';
import {
  CONSUMER_LINE_METRICS,
  INGEST_LINE_METRICS,
  LINE_METRIC_DIMENSIONS,
  type LineMetric,
} from '#shared/powertools/line-metrics';
import { compileFilterPattern, valuesOfFilter } from '../../../local/emulators/cloudwatch/metric-filters';

/*
 * The contract between the functions' INFO lines and the metric filters lib/ makes of
 * line-metrics.ts: what CloudWatch Logs reads off a line must be what the function would have
 * published as EMF where its log level hides the line.
 */

const CONTEXT: DeliveryContext = {
  provider: 'stripe',
  tenant: 'acme',
  correlationId: 'corr-line-metrics',
  status: 202,
  sourceIp: '203.0.113.9',
  transcoded: false,
  contentType: 'application/json',
  latencyMs: 12.4,
};

/** What the metric filters publish for a line: name → value, as CloudWatch Logs would. */
const filtered = (specs: readonly LineMetric[], line: Record<string, unknown>) =>
  specs.flatMap((spec) =>
    valuesOfFilter(
      {
        logGroupName: 'group',
        filterPattern: spec.pattern,
        transformations: [
          {
            metricName: spec.name,
            metricNamespace: 'RelayFlow',
            metricValue: spec.value,
            dimensions: LINE_METRIC_DIMENSIONS,
          },
        ],
      },
      compileFilterPattern(spec.pattern),
      line,
      new Date(0),
    ).map((value) => ({ name: value.name, value: value.values[0], dimensions: value.dimensions })),
  );

const asPublished = (points: readonly MetricPoint[]) =>
  points.map(({ name, value, dimensions }) => ({ name, value, dimensions }));

/** The line as Lambda writes it: the Logger appends provider and tenant to every line. */
const writtenLine = (outcome: IngestOutcome) => {
  const telemetry = telemetryOf(outcome, CONTEXT);
  return {
    telemetry,
    line: {
      message: telemetry.summary.message,
      provider: 'stripe',
      tenant: 'acme',
      ...telemetry.summary.fields,
    },
  };
};

/** A delivery of these items, as the ingest reports it. */
const ingested = (items: Extract<IngestOutcome, { kind: 'ingested' }>['items']): IngestOutcome => ({
  kind: 'ingested',
  status: 202,
  correlationId: 'c',
  secretIndex: 0,
  items,
});

describe("the verifier's line metrics", () => {
  it('reads off an accepted event’s line what the record would have carried: received, enqueued, latency', () => {
    const { telemetry, line } = writtenLine(
      ingested([{ eventId: 'evt_1', type: 'invoice.paid', outcome: 'accepted' }]),
    );

    const published = filtered(INGEST_LINE_METRICS, line);

    expect(published).toEqual(
      expect.arrayContaining([
        { name: 'Received', value: 1, dimensions: { provider: 'stripe', tenant: 'acme' } },
        { name: 'Enqueued', value: 1, dimensions: { provider: 'stripe', tenant: 'acme' } },
        { name: 'IngestLatency', value: 12, dimensions: { provider: 'stripe', tenant: 'acme' } },
      ]),
    );
    expect(published).toHaveLength(3);
    expect(published).toEqual(expect.arrayContaining(asPublished(telemetry.lineMetrics)));
    expect(telemetry.lineMetrics).toHaveLength(3);
    expect(telemetry.metrics).toEqual([]);
  });

  it("counts a batch's duplicates and quarantined items from its line's fields", () => {
    const { telemetry, line } = writtenLine(
      ingested([
        { eventId: 'a', outcome: 'accepted' },
        { eventId: 'b', outcome: 'duplicate' },
        { eventId: 'c', outcome: 'duplicate' },
        { eventId: 'd', outcome: 'quarantined' },
      ]),
    );

    const byName = Object.fromEntries(filtered(INGEST_LINE_METRICS, line).map((p) => [p.name, p.value]));

    expect(byName).toEqual({ Received: 4, Enqueued: 1, Duplicate: 2, Quarantined: 1, IngestLatency: 12 });
    expect(Object.fromEntries(telemetry.lineMetrics.map((p) => [p.name, p.value]))).toEqual(byName);
  });

  it('gives a rejection only its latency by filter; the rejection itself stays an EMF record with its reason', () => {
    const { telemetry, line } = writtenLine({
      kind: 'rejected',
      status: 401,
      reason: 'signature',
      message: 'no',
    });

    expect(filtered(INGEST_LINE_METRICS, line).map((p) => p.name)).toEqual(['IngestLatency']);
    expect(telemetry.metrics.map((p) => p.name)).toEqual(['Rejected']);
  });
});

describe("the consumer's line metrics", () => {
  const handledLine = (outcome: string, endToEndMs?: number) => ({
    level: 'INFO',
    message: 'event handled',
    provider: 'stripe',
    tenant: 'acme',
    outcome,
    ...(endToEndMs === undefined ? {} : { endToEndMs }),
  });

  it.each([
    ['processed', 'Processed'],
    ['unrouted', 'Unrouted'],
    ['stale', 'Stale'],
    ['compensated', 'Compensated'],
    ['dry-run', 'DryRun'],
  ])('counts an event run to %s as %s, with its end-to-end latency', (outcome, metric) => {
    expect(filtered(CONSUMER_LINE_METRICS, handledLine(outcome, 840))).toEqual([
      { name: metric, value: 1, dimensions: { provider: 'stripe', tenant: 'acme' } },
      { name: 'EndToEndLatency', value: 840, dimensions: { provider: 'stripe', tenant: 'acme' } },
    ]);
  });

  it('counts nothing for an event it did not run (a duplicate, a held one)', () => {
    expect(filtered(CONSUMER_LINE_METRICS, handledLine('duplicate'))).toEqual([]);
    expect(filtered(CONSUMER_LINE_METRICS, handledLine('held'))).toEqual([]);
  });
});
