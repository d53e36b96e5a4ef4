import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { downstreamKeyOf } from '#shared/targets/index';
import { freePort } from '../../helpers/local-runtime';
import { ConsumerHarness, failedIds } from '../../helpers/consumer-harness';
import { Sink } from '../../helpers/sink';
import { anSqsRecord } from '../../helpers/sqs-events';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const eventBridge = mockClient(EventBridgeClient);
const sink = new Sink();
let h: ConsumerHarness;
let url: string;
let ran: string[];

beforeAll(async () => {
  h = await ConsumerHarness.start();
  const port = await freePort();
  await sink.start(port);
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await sink.stop();
  await h.stop();
  eventBridge.restore();
});

beforeEach(() => {
  h.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb' }] });
  sink.deliveries.length = 0;
  ran = [];
  h.workflows.set('trip', {
    emits: ['trip.ticket_sent'],
    steps: ['hold-seat', 'charge-card'].map((name) => ({
      name,
      run: () => Promise.resolve(void ran.push(name)),
    })),
  });
});

const dryRunsOf = async (eventId: string) =>
  ((await h.store.getState(eventId))?.audit ?? []).filter((entry) => entry.action === 'dry-run');

describe('dry runs', () => {
  it('records the request a dry-run route would send, and sends nothing', async () => {
    const event = await h.stored();
    const consumer = h.consumer([
      {
        match: { type: '*' },
        mode: 'dry-run',
        targets: [{ kind: 'http', id: 'ledger', url: `${url}/ledger` }],
      },
    ]);

    const response = await h.run(consumer, [anSqsRecord(event)]);

    expect(failedIds(response)).toEqual([]);
    expect(sink.deliveries).toEqual([]);
    const state = await h.store.getState(event.id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.at(-1)).toMatchObject({ action: 'dry-run', status: 'PROCESSED' });
    const [entry] = await dryRunsOf(event.id);
    const key = downstreamKeyOf(event.id, 'ledger');
    expect(entry?.detail).toMatch(
      new RegExp(
        `^route #0 target ledger would POST ${url}/ledger \\[content-type: application/json; user-agent: RelayFlow; webhook-id: ${key}; webhook-timestamp: \\d+; idempotency-key: ${key}; x-correlation-id: ${event.correlationId}; webhook-signature: \\(signed with the target signing secret when sent\\)\\] body sha256:[0-9a-f]{64} \\d+ bytes$`,
      ),
    );
  });

  it('runs the live targets of a route and only records its dry-run ones', async () => {
    const event = await h.stored();
    const consumer = h.consumer([
      {
        match: { type: '*' },
        targets: [
          { kind: 'eventbridge', id: 'bus', eventBusName: 'payments', mode: 'dry-run' },
          { kind: 'workflow', name: 'trip', mode: 'dry-run' },
          { kind: 'http', id: 'live', url: `${url}/live` },
        ],
      },
    ]);

    await h.run(consumer, [anSqsRecord(event)]);

    expect(sink.to('/live').map((d) => d.event.id)).toEqual([event.id]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(ran).toEqual([]);
    expect((await dryRunsOf(event.id)).map((entry) => entry.detail)).toEqual([
      expect.stringMatching(
        /^route #0 target bus would put on bus payments: source relayflow\.stripe, detail-type payment\.succeeded, time 2025-06-01T12:00:00\.000Z, detail sha256:[0-9a-f]{64}, \d+ bytes$/,
      ),
      'route #0 target workflow:trip would run workflow trip: hold-seat → charge-card (may emit trip.ticket_sent)',
    ]);
    const state = await h.store.getState(event.id);
    expect(state?.audit.at(-1)).toMatchObject({ action: 'processed', status: 'PROCESSED' });
    expect(state?.audit.at(-1)?.detail).toMatch(/\(2 dry runs\)/);
  });

  it('leaves the entity’s stale mark alone on a dry-run route', async () => {
    const entity = { kind: 'customer', id: `cus_dry_${Date.now()}` };
    const newer = await h.stored({ entity, occurredAt: '2025-06-01T12:00:00.000Z' });
    const older = await h.stored({ entity, occurredAt: '2025-06-01T11:00:00.000Z' });
    const dry = h.consumer([
      {
        match: { type: '*' },
        mode: 'dry-run',
        onStale: 'skip',
        targets: [{ kind: 'http', url: `${url}/x` }],
      },
    ]);
    const live = h.consumer([
      { match: { type: '*' }, onStale: 'skip', targets: [{ kind: 'http', url: `${url}/x` }] },
    ]);

    await h.run(dry, [anSqsRecord(newer)]);
    await h.run(live, [anSqsRecord(older)]);

    expect(sink.to('/x').map((d) => d.event.id)).toEqual([older.id]);
  });
});
