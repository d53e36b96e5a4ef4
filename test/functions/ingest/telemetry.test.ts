import { answerOf } from '#shared/ingest/http';
import type { IngestOutcome } from '#shared/ingest/ingest';
import { Logger } from '@aws-lambda-powertools/logger';
import { emfRecordOf } from '#shared/powertools/emf';
import { publishTelemetry, telemetryOf, type DeliveryContext } from '#shared/ingest/telemetry';
import { RedactingLogFormatter } from '#shared/powertools/formatter';
import { RelayFlowMetrics } from '#shared/powertools/index';
import { captureOutput, jsonLines } from '../../helpers/log-capture';
import { InfrastructureError } from '#shared/errors';

const CONTEXT: DeliveryContext = {
  provider: 'stripe',
  tenant: 'acme',
  correlationId: 'corr-telemetry-1',
  status: 202,
  sourceIp: '203.0.113.9',
  transcoded: false,
  contentType: 'application/json',
  latencyMs: 12,
};

const items = (count: number, outcome: 'accepted' | 'duplicate' | 'deferred' = 'accepted') =>
  Array.from({ length: count }, (_, i) => ({ eventId: `evt-${i}`, outcome }));

const metricNamed = (outcome: IngestOutcome, name: string, context = CONTEXT) =>
  telemetryOf(outcome, context).metrics.find((point) => point.name === name);

describe('ingest telemetry', () => {
  it('annotates the trace with the correlation id, provider, tenant and outcome', () => {
    const { annotations } = telemetryOf({ kind: 'no-secrets', tenant: 'acme' }, CONTEXT);

    expect(annotations).toEqual({
      correlationId: 'corr-telemetry-1',
      provider: 'stripe',
      tenant: 'acme',
      outcome: 'no-secrets',
    });
  });

  it('counts a rejection by provider and dashboard reason, never by tenant', () => {
    const rejected = metricNamed(
      { kind: 'rejected', status: 401, reason: 'replayed', message: 'seen before' },
      'Rejected',
    );

    expect(rejected).toEqual(
      expect.objectContaining({ value: 1, dimensions: { provider: 'stripe', reason: 'stale' } }),
    );
  });

  it('explains a signature failure on a body that lost its bytes to a text content type', () => {
    const outcome: IngestOutcome = {
      kind: 'rejected',
      status: 401,
      reason: 'signature',
      message: 'no match',
    };

    const { summary, details } = telemetryOf(outcome, { ...CONTEXT, status: 401, transcoded: true });

    expect([summary, ...details].map((line) => line.message)).toEqual([
      'request rejected',
      expect.stringContaining('U+FFFD'),
    ]);
    expect(summary.fields).toEqual(
      expect.objectContaining({ status: 401, cause: 'signature', sourceIp: '203.0.113.9' }),
    );
  });

  it('counts the items of an unfinished batch as of a finished one, leaving out counts of zero', () => {
    const outcome: IngestOutcome = {
      kind: 'unfinished',
      correlationId: 'c',
      secretIndex: 0,
      items: [...items(2), ...items(1, 'deferred')],
    };

    const { lineMetrics, annotations } = telemetryOf(outcome, CONTEXT);

    expect(Object.fromEntries(lineMetrics.map((point) => [point.name, point.value]))).toEqual({
      Received: 3,
      Enqueued: 2,
      IngestLatency: 12,
    });
    expect(annotations.outcome).toBe('unfinished');
  });

  it('logs a large batch by counts of outcome rather than item by item', () => {
    const outcome: IngestOutcome = {
      kind: 'ingested',
      status: 202,
      correlationId: 'c',
      secretIndex: 1,
      items: items(101),
    };

    const { summary } = telemetryOf(outcome, CONTEXT);

    expect(summary.fields).toEqual({
      status: 202,
      outcomes: { accepted: 101 },
      secretIndex: 1,
      received: 101,
      enqueued: 101,
      latencyMs: 12,
    });
  });

  it('names a single event in its INFO line by id, type and outcome, with the status answered', () => {
    const outcome: IngestOutcome = {
      kind: 'ingested',
      status: 202,
      correlationId: 'c',
      secretIndex: 0,
      items: [{ eventId: 'ev_1', outcome: 'accepted', type: 'payment.succeeded' }],
    };

    const { summary, details } = telemetryOf(outcome, CONTEXT);

    expect(summary).toEqual({
      level: 'info',
      message: 'webhook ingested',
      fields: {
        status: 202,
        eventId: 'ev_1',
        type: 'payment.succeeded',
        outcome: 'accepted',
        received: 1,
        enqueued: 1,
        latencyMs: 12,
      },
    });
    expect(details.map((line) => line.level)).toEqual(['debug']);
  });

  it('counts a failure of our own storage and tells the provider nothing about it', () => {
    const error = new InfrastructureError('event-store', 'table down');
    const outcome: IngestOutcome = { kind: 'unavailable', dependency: error.dependency, error };

    expect(metricNamed(outcome, 'IngestFailed')?.value).toBe(1);
    expect(answerOf(outcome, 'corr-telemetry-1')).toEqual(
      expect.objectContaining({
        statusCode: 503,
        body: JSON.stringify({ message: 'Temporarily unavailable; please retry.' }),
      }),
    );
  });
});

describe('publishing a delivery', () => {
  const emfRecords = (lines: readonly string[]) => jsonLines(lines).filter((line) => '_aws' in line);
  const metrics = () => new RelayFlowMetrics({ namespace: 'RelayFlowTest', serviceName: 'ingest-test' });
  const aLogger = (logLevel: 'DEBUG' | 'INFO' | 'WARN') =>
    new Logger({ serviceName: 'ingest-test', logLevel, logFormatter: new RedactingLogFormatter() });
  const ingested = telemetryOf(
    { kind: 'ingested', status: 202, correlationId: 'c', secretIndex: 0, items: items(3) },
    CONTEXT,
  );
  const rejected = telemetryOf(
    { kind: 'rejected', status: 401, reason: 'signature', message: 'no' },
    CONTEXT,
  );

  it('makes one EMF record of a delivery, with a metric directive per dimension set', () => {
    // As where the log level hides the line: the rejection and the latency a filter would have read.
    const record = emfRecordOf(metrics(), [...rejected.metrics, ...rejected.lineMetrics]);

    expect(record).toMatchObject({
      service: 'ingest-test',
      provider: 'stripe',
      tenant: 'acme',
      reason: 'signature',
      Rejected: 1,
      IngestLatency: 12,
    });
    expect(record?._aws).toMatchObject({
      CloudWatchMetrics: [
        { Dimensions: [['service', 'provider', 'reason']], Metrics: [{ Name: 'Rejected', Unit: 'Count' }] },
        {
          Dimensions: [['service', 'provider', 'tenant']],
          Metrics: [{ Name: 'IngestLatency', Unit: 'Milliseconds' }],
        },
      ],
    });
  });

  it('writes the counts and the latency as fields of the one summary line, for metric filters, without an EMF record', async () => {
    const lines = await captureOutput(() => publishTelemetry(ingested, aLogger('INFO'), metrics()));

    expect(lines).toHaveLength(1);
    expect(emfRecords(lines)).toEqual([]);
    expect(jsonLines(lines)[0]).toMatchObject({
      level: 'INFO',
      message: 'webhook ingested',
      received: 3,
      enqueued: 3,
      latencyMs: 12,
    });
  });

  it('writes a rejection’s EMF record on its line, with the latency as a field', async () => {
    const lines = await captureOutput(() => publishTelemetry(rejected, aLogger('INFO'), metrics()));

    expect(lines).toHaveLength(1);
    expect(emfRecords(lines)[0]).toMatchObject({ level: 'WARN', Rejected: 1, latencyMs: 12 });
    expect(emfRecords(lines)[0]).not.toHaveProperty('IngestLatency');
  });

  it('writes the metrics alone where the log level hides the summary line, at a level Lambda lets through', async () => {
    const lines = await captureOutput(() => publishTelemetry(ingested, aLogger('WARN'), metrics()));

    expect(lines).toHaveLength(1);
    expect(emfRecords(lines)[0]).not.toHaveProperty('message');
    // Lambda's filter (the Logger's level) would drop a record without a level as INFO.
    expect(emfRecords(lines)[0]).toMatchObject({
      level: 'WARN',
      Received: 3,
      Enqueued: 3,
      IngestLatency: 12,
      provider: 'stripe',
      tenant: 'acme',
    });
  });

  it('adds the details at DEBUG', async () => {
    const lines = jsonLines(
      await captureOutput(() => publishTelemetry(ingested, aLogger('DEBUG'), metrics())),
    );

    expect(lines.map((line) => line.message)).toEqual(['webhook ingested', 'delivery details']);
    expect(lines[1]).toMatchObject({ sourceIp: '203.0.113.9', contentType: 'application/json' });
  });
});

describe('the answer to a delivery', () => {
  it('answers an unfinished delivery 503 with what became of each item, so that the provider retries', () => {
    const outcome: IngestOutcome = {
      kind: 'unfinished',
      correlationId: 'corr-first',
      secretIndex: 0,
      items: items(1, 'deferred'),
    };

    const answer = answerOf(outcome, 'corr-this-delivery');

    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toEqual(expect.objectContaining({ 'x-correlation-id': 'corr-first' }));
    expect(JSON.parse(answer.body ?? '')).toEqual({
      correlationId: 'corr-first',
      outcomes: { deferred: 1 },
      events: [{ id: 'evt-0', outcome: 'deferred' }],
    });
  });
});
