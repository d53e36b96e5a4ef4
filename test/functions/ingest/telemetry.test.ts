import { answerOf } from '#shared/ingest/http';
import type { IngestOutcome } from '#shared/ingest/ingest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics, telemetryOf, type DeliveryContext } from '#shared/ingest/telemetry';
import { captureOutput, jsonLines } from '../../helpers/log-capture';
import { InfrastructureError } from '#shared/errors';

const CONTEXT: DeliveryContext = {
  provider: 'stripe',
  tenant: 'acme',
  correlationId: 'corr-telemetry-1',
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

    const { logs } = telemetryOf(outcome, { ...CONTEXT, transcoded: true });

    expect(logs.map((line) => line.message)).toEqual(['request rejected', expect.stringContaining('U+FFFD')]);
  });

  it('counts received, duplicate and enqueued items of an unfinished batch as of a finished one', () => {
    const outcome: IngestOutcome = {
      kind: 'unfinished',
      correlationId: 'c',
      secretIndex: 0,
      items: [...items(2), ...items(1, 'deferred')],
    };

    const { metrics, annotations } = telemetryOf(outcome, CONTEXT);

    expect(Object.fromEntries(metrics.map((point) => [point.name, point.value]))).toEqual({
      Received: 3,
      Duplicate: 0,
      Quarantined: 0,
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

    const [line] = telemetryOf(outcome, CONTEXT).logs;

    expect(line?.fields).toEqual({ outcomes: { accepted: 101 }, secretIndex: 1 });
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

describe('publishMetrics', () => {
  const emfRecords = (lines: readonly string[]) => jsonLines(lines).filter((line) => '_aws' in line);

  it('publishes an ingested delivery as one EMF record and a rejection as two (one per dimension set)', async () => {
    const metrics = new Metrics({ namespace: 'RelayFlowTest', serviceName: 'ingest-test' });
    const ingested = telemetryOf(
      { kind: 'ingested', status: 202, correlationId: 'c', secretIndex: 0, items: items(3) },
      CONTEXT,
    );
    const rejected = telemetryOf(
      { kind: 'rejected', status: 401, reason: 'signature', message: 'no' },
      CONTEXT,
    );

    const ingestedLines = await captureOutput(() => publishMetrics(metrics, ingested.metrics));
    const rejectedLines = await captureOutput(() => publishMetrics(metrics, rejected.metrics));

    expect(emfRecords(ingestedLines)).toHaveLength(1);
    expect(emfRecords(ingestedLines)[0]).toMatchObject({
      provider: 'stripe',
      tenant: 'acme',
      Received: 3,
      Enqueued: 3,
      IngestLatency: 12,
    });
    expect(emfRecords(rejectedLines)).toHaveLength(2);
    expect(emfRecords(rejectedLines)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'signature', Rejected: 1 }),
        expect.objectContaining({ tenant: 'acme', IngestLatency: 12 }),
      ]),
    );
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
