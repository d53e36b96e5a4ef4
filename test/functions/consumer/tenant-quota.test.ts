import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import { TableLimiter } from '#shared/flow/shared-limit';
import { TableTenantAdmission } from '#shared/flow/tenant-admission';
import { ConsumerHarness, failedIds } from '../../helpers/consumer-harness';
import { anSqsRecord } from '../../helpers/sqs-events';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const ROUTES = [{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'effect' }] }];

describe('consumer with tenant quotas', () => {
  let harness: ConsumerHarness;
  let clock: number;
  let effects: string[];

  beforeAll(async () => {
    harness = await ConsumerHarness.start();
  });
  afterAll(() => harness.stop());
  beforeEach(() => {
    harness.reset();
    clock = Date.parse('2026-12-08T10:00:00Z');
    effects = [];
    harness.workflows.set('effect', (event) => Promise.resolve(void effects.push(event.id)));
  });

  const consumerWithQuotas = () => {
    const { documentClient, tableName } = harness.tables;
    const now = () => clock;
    return harness.consumer(ROUTES, {
      admission: new TableTenantAdmission(
        documentClient,
        new TableLimiter(documentClient, { tableName, now }),
        {
          tableName,
          quotas: { leaseSeconds: 30, tenants: { acme: { eventsPerSecond: 1, maxConcurrent: 1 } } },
          now,
        },
      ),
    });
  };

  const visibilityOf = (record: { receiptHandle: string } | undefined) =>
    harness.sqsMock
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .find((entry) => entry.ReceiptHandle === record?.receiptHandle)?.VisibilityTimeout;

  it('delays an event over its tenant quota with no attempt and no status change, then processes it', async () => {
    const first = await harness.stored({ tenant: 'acme', entity: { kind: 'customer', id: 'c1' } });
    const over = await harness.stored({ tenant: 'acme', entity: { kind: 'customer', id: 'c2' } });
    const other = await harness.stored({ tenant: 'beta', entity: { kind: 'customer', id: 'c3' } });
    const consumer = consumerWithQuotas();
    const records = [anSqsRecord(first), anSqsRecord(over), anSqsRecord(other)];
    const before = await harness.store.getState(over.id);

    const response = await harness.run(consumer, records);

    expect(failedIds(response)).toEqual([records[1]?.messageId]);
    expect(effects).toEqual([first.id, other.id]);
    // The next free second of a 1/s rate, the line being empty.
    expect(visibilityOf(records[1])).toBe(1);
    const delayed = await harness.store.getState(over.id);
    expect(delayed).toEqual(before);
    expect(delayed?.attempts).toBeUndefined();

    clock += 2000;
    const again = await harness.run(consumer, [anSqsRecord(over, { receiveCount: 2 })]);

    expect(failedIds(again)).toEqual([]);
    expect(effects).toEqual([first.id, other.id, over.id]);
    expect((await harness.store.getState(over.id))?.status).toBe('PROCESSED');
  });
});
