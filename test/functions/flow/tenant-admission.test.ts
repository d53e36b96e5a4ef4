import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Admission, SharedLimiter } from '#shared/flow/contract';
import { quotaPartition, TableTenantAdmission, type TenantQuotas } from '#shared/flow/tenant-admission';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';

/** A SharedLimiter in memory: GCRA without a burst, on the test's clock. */
class FakeLimiter implements SharedLimiter {
  readonly calls: { method: 'take' | 'tryTake'; key: string; rate: number }[] = [];
  private readonly tat = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  take(key: string, rate: number): Promise<number> {
    this.calls.push({ method: 'take', key, rate });
    const now = this.now();
    const due = Math.max(this.tat.get(key) ?? now, now);
    this.tat.set(key, due + 1000 / rate);
    return Promise.resolve(due - now);
  }

  tryTake(key: string, rate: number): Promise<number> {
    this.calls.push({ method: 'tryTake', key, rate });
    const now = this.now();
    const due = Math.max(this.tat.get(key) ?? now, now);
    if (due > now) return Promise.resolve(Math.ceil(due - now));
    this.tat.set(key, due + 1000 / rate);
    return Promise.resolve(0);
  }

  block(key: string, untilMs: number): Promise<void> {
    this.tat.set(key, Math.max(this.tat.get(key) ?? 0, untilMs));
    return Promise.resolve();
  }
}

const LEASE_SECONDS = 30;
const quotasOf = (tenants: TenantQuotas['tenants']): TenantQuotas => ({
  leaseSeconds: LEASE_SECONDS,
  tenants,
});

const delayOf = (admission: Admission) => {
  if (admission.kind !== 'delay') throw new Error('expected a delay');
  return admission;
};
const releaseOf = (admission: Admission) => {
  if (admission.kind !== 'admit') throw new Error(`expected an admission, got a ${admission.reason} delay`);
  return admission.release;
};

describe('TableTenantAdmission', () => {
  let table: LocalEventTable;
  let now: number;
  let limiter: FakeLimiter;
  let errors: unknown[];
  let day = 0;

  const admission = (
    tenants: TenantQuotas['tenants'],
    client: DynamoDBDocumentClient = table.documentClient,
    random = Math.random,
  ) =>
    new TableTenantAdmission(client, limiter, {
      tableName: table.tableName,
      quotas: quotasOf(tenants),
      now: () => now,
      random,
      onReleaseError: (_tenant, error) => errors.push(error),
    });

  const slotsOf = async (tenant: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const { Item } = await table.documentClient.send(
          new GetCommand({
            TableName: table.tableName,
            Key: { PK: quotaPartition(tenant), SK: `SLOT#${i}` },
          }),
        );
        return Item;
      }),
    );

  beforeAll(async () => {
    table = await startEventTable();
  });
  afterAll(() => table.stop());
  beforeEach(() => {
    // Each test a day after the last, so that the leases of earlier tests have ended.
    day += 1;
    now = Date.parse('2026-12-08T10:00:00Z') + day * 86_400_000;
    limiter = new FakeLimiter(() => now);
    errors = [];
  });

  it('admits a tenant without a quota without a request', async () => {
    const send = jest.fn(() => Promise.reject(new Error('no request expected')));
    const admit = admission({ acme: { eventsPerSecond: 1 } }, { send } as unknown as DynamoDBDocumentClient);

    const result = await admit.admit('beta');
    await releaseOf(result)();

    expect(send).not.toHaveBeenCalled();
    expect(limiter.calls).toEqual([]);
  });

  it('admits at the rate, then delays without touching a slot', async () => {
    const send = jest.fn(() => Promise.reject(new Error('no request expected')));
    const admit = admission({ acme: { eventsPerSecond: 2 } }, { send } as unknown as DynamoDBDocumentClient);

    await releaseOf(await admit.admit('acme'))();
    const second = delayOf(await admit.admit('acme'));

    expect(second).toEqual({ kind: 'delay', seconds: 1, reason: 'rate' });
    expect(limiter.calls.filter((c) => c.method === 'tryTake')).toEqual([
      { method: 'tryTake', key: 'tenant#acme', rate: 2 },
      { method: 'tryTake', key: 'tenant#acme', rate: 2 },
    ]);
    expect(send).not.toHaveBeenCalled();
  });

  it('spreads a backlog over the time the rate needs to serve it, so each event comes back about once', async () => {
    const admit = admission({ acme: { eventsPerSecond: 2 } });
    await releaseOf(await admit.admit('acme'))();

    const delays: number[] = [];
    for (let n = 0; n < 20; n++) delays.push(delayOf(await admit.admit('acme')).seconds);

    // 20 waiting events at 2/s: the last comes back after 10 s, none before its turn.
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays[0]).toBe(1);
    expect(delays.at(-1)).toBe(10);
    expect(limiter.calls.filter((c) => c.method === 'take').every((c) => c.key === 'tenant#acme#line')).toBe(
      true,
    );
  });

  it('caps concurrency across instances, and a released slot is taken again', async () => {
    const first = admission({ acme: { maxConcurrent: 2 } });
    const second = admission({ acme: { maxConcurrent: 2 } });

    const a = releaseOf(await first.admit('acme'));
    const b = releaseOf(await second.admit('acme'));
    const refused = delayOf(await first.admit('acme'));
    await a();
    const c = releaseOf(await second.admit('acme'));

    expect(refused).toMatchObject({ kind: 'delay', reason: 'concurrency' });
    expect(refused.seconds).toBeGreaterThanOrEqual(1);
    const slots = await slotsOf('acme', 2);
    expect(slots.every((slot) => Number(slot?.expiresAt) > now / 1000)).toBe(true);
    await Promise.all([b(), c()]);
    expect((await slotsOf('acme', 2)).every((slot) => Number(slot?.expiresAt) <= now / 1000)).toBe(true);
    expect(errors).toEqual([]);
  });

  it("frees a crashed holder's slot when its lease ends, and its late release leaves the next holder's", async () => {
    const admit = admission({ acme: { maxConcurrent: 1 } });
    const crashed = releaseOf(await admit.admit('acme'));

    now += (LEASE_SECONDS - 1) * 1000;
    expect(delayOf(await admit.admit('acme')).reason).toBe('concurrency');
    now += 3000;
    const next = releaseOf(await admit.admit('acme'));
    await crashed();

    expect(delayOf(await admit.admit('acme')).reason).toBe('concurrency');
    await next();
    expect((await admit.admit('acme')).kind).toBe('admit');
  });

  it('checks the rate before the slots', async () => {
    const admit = admission({ acme: { eventsPerSecond: 1, maxConcurrent: 1 } });
    releaseOf(await admit.admit('acme'));

    const overBoth = delayOf(await admit.admit('acme'));
    now += 1000;
    const overSlots = delayOf(await admit.admit('acme'));

    expect(overBoth.reason).toBe('rate');
    expect(overSlots.reason).toBe('concurrency');
  });

  it('paces the waiting line for slots by how long runs held them', async () => {
    const admit = admission({ acme: { maxConcurrent: 1 } });
    const release = releaseOf(await admit.admit('acme'));
    now += 100;
    await release();
    releaseOf(await admit.admit('acme'));

    for (let n = 0; n < 3; n++) await admit.admit('acme');

    // One slot held 100 ms: 10 events a second, not the 1 a second assumed before any run ended.
    expect(limiter.calls.filter((c) => c.method === 'take').map((c) => c.rate)).toEqual([10, 10, 10]);
  });

  it('never fails a release: the slot frees itself, and the error is reported', async () => {
    const failing = {
      send: (command: { constructor: { name: string } }) =>
        command.constructor.name === 'UpdateCommand'
          ? Promise.reject(
              Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }),
            )
          : table.documentClient.send(command as never),
    } as unknown as DynamoDBDocumentClient;
    const admit = admission({ acme: { maxConcurrent: 1 } }, failing);

    await expect(releaseOf(await admit.admit('acme'))()).resolves.toBeUndefined();

    expect(errors).toEqual([expect.objectContaining({ message: 'throttled' })]);
  });
});
