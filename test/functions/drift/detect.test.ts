import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  detectDrift,
  fingerprintKey,
  FingerprintStore,
  LEARNING_SAMPLES,
  type DriftDependencies,
} from '#shared/drift/detect';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { captureOutput, jsonLines } from '../../helpers/log-capture';

let table: LocalEventTable;
const sent: string[] = [];

beforeAll(async () => {
  table = await startEventTable('drift-events');
  // Counts every call the detector makes: cost is part of its contract.
  table.documentClient.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
});
afterAll(async () => {
  await table.stop();
});
beforeEach(() => {
  sent.length = 0;
});

const NOW = new Date('2025-06-01T12:00:00.000Z');
const container = (): DriftDependencies => ({
  fingerprints: new FingerprintStore(table.documentClient, table.tableName),
  metrics: new Metrics({ namespace: 'RelayFlowTest', serviceName: 'ingest-stripe' }),
  logger: new Logger({ serviceName: 'ingest-stripe', logLevel: 'WARN' }),
  now: () => NOW,
});
const charge = (overrides: Record<string, unknown> = {}) => ({
  object: { id: 'ch_1', amount: 100, currency: 'usd', ...overrides },
});

/** Feeds a type its learning events; returns what the last one reported. */
const learn = async (deps: DriftDependencies, type: string) => {
  for (let i = 0; i < LEARNING_SAMPLES; i += 1) await detectDrift(deps, 'stripe', type, charge());
};

describe('detectDrift', () => {
  it('reports nothing while a type learns, writing once per learning event', async () => {
    const deps = container();

    const output = await captureOutput(async () => {
      for (let i = 0; i < LEARNING_SAMPLES; i += 1)
        expect(await detectDrift(deps, 'stripe', 'charge.learning', charge())).toBeUndefined();
    });

    expect(sent.filter((c) => c === 'PutItemCommand')).toHaveLength(LEARNING_SAMPLES);
    expect(jsonLines(output).filter((l) => JSON.stringify(l).includes('SchemaDrift'))).toEqual([]);
  });

  it('costs no write and no read for an event of the known shape once the container has the fingerprint', async () => {
    const deps = container();
    await learn(deps, 'charge.steady');
    sent.length = 0;

    for (let i = 0; i < 100; i += 1)
      expect(await detectDrift(deps, 'stripe', 'charge.steady', charge({ amount: i }))).toBeUndefined();

    expect(sent).toEqual([]);
  });

  it('reads the fingerprint once per container and type', async () => {
    await learn(container(), 'charge.cold');
    const cold = container();
    sent.length = 0;

    for (let i = 0; i < 10; i += 1) await detectDrift(cold, 'stripe', 'charge.cold', charge());

    expect(sent).toEqual(['GetItemCommand']);
  });

  it('emits SchemaDrift, logs and returns an audit entry naming the paths, and records them on the fingerprint item', async () => {
    const deps = container();
    await learn(deps, 'charge.drifting');

    let report: Awaited<ReturnType<typeof detectDrift>>;
    const output = await captureOutput(async () => {
      report = await detectDrift(
        deps,
        'stripe',
        'charge.drifting',
        { object: { id: 'ch_2', amount: '1.00', currency: 'usd', risk: { score: 3 } } },
        'ev_123',
      );
    });

    expect(report?.audit).toEqual({
      at: NOW.toISOString(),
      action: 'schema-drift',
      by: 'ingest',
      detail: 'new: $.object.risk, $.object.risk.score; retyped: $.object.amount (number → string)',
    });
    const lines = jsonLines(output);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          SchemaDrift: 1,
          provider: 'stripe',
          type: 'charge.drifting',
          _aws: expect.objectContaining({
            CloudWatchMetrics: [
              expect.objectContaining({ Namespace: 'RelayFlowTest', Dimensions: [['service', 'provider']] }),
            ],
          }),
        }),
        expect.objectContaining({
          level: 'WARN',
          message: 'schema drift',
          added: ['$.object.risk', '$.object.risk.score'],
        }),
      ]),
    );
    const item = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: fingerprintKey('stripe', 'charge.drifting') }),
    );
    expect(item.Item?.history).toEqual([
      { at: NOW.toISOString(), eventId: 'ev_123', drift: report?.audit.detail },
    ]);
  });

  it('reports one change once: the next event of the new shape is known', async () => {
    const deps = container();
    await learn(deps, 'charge.once');
    const drifted = charge({ refunded: false });

    const first = await captureOutput(() => detectDrift(deps, 'stripe', 'charge.once', drifted));
    const second = await captureOutput(() => detectDrift(deps, 'stripe', 'charge.once', drifted));

    expect(first.join()).toContain('SchemaDrift');
    expect(second).toEqual([]);
  });

  it('lets only one of two containers report the same change', async () => {
    await learn(container(), 'charge.race');
    const [a, b] = [container(), container()];
    await Promise.all([
      detectDrift(a, 'stripe', 'charge.race', charge()),
      detectDrift(b, 'stripe', 'charge.race', charge()),
    ]);

    const output = await captureOutput(async () => {
      await detectDrift(a, 'stripe', 'charge.race', charge({ dispute: 'x' }));
      await detectDrift(b, 'stripe', 'charge.race', charge({ dispute: 'x' }));
    });

    expect(jsonLines(output).filter((l) => l.SchemaDrift === 1)).toHaveLength(1);
  });

  it('never throws: a failing table leaves the ingest alone', async () => {
    const deps: DriftDependencies = {
      ...container(),
      fingerprints: new FingerprintStore(table.documentClient, 'no-such-table'),
    };

    const output = await captureOutput(async () => {
      await expect(detectDrift(deps, 'stripe', 'charge.x', charge())).resolves.toBeUndefined();
    });

    expect(output.join()).toContain('schema drift detection failed');
  });
});
