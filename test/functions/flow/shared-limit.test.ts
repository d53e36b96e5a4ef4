import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BURST_MS, limitKey, TableLimiter } from '#shared/flow/shared-limit';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';

let table: LocalEventTable;
let now: number;
/** The commands each limiter sent, by name: what a call costs. */
let sent: string[];

beforeAll(async () => {
  table = await startEventTable();
});

afterAll(() => table.stop());

beforeEach(() => {
  now = Date.parse('2026-12-07T10:00:00Z');
  sent = [];
});

let keys = 0;
/** A key no other test touched. */
const aKey = () => `target#t${(keys += 1)}`;

/**
 * One container's limiter, on the shared table and clock, counting its requests. `onRefused`
 * runs when a request's condition fails, before the limiter learns of it: another instance's
 * write landing in between.
 */
const aLimiter = (onRefused?: () => Promise<void>) => {
  const counting = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      try {
        return await table.documentClient.send(command as never);
      } catch (error) {
        await onRefused?.();
        throw error;
      }
    },
  } as unknown as DynamoDBDocumentClient;
  return new TableLimiter(counting, { tableName: table.tableName, now: () => now });
};

const takes = async (limiter: TableLimiter, key: string, rate: number, n: number) => {
  const waits: number[] = [];
  for (let i = 0; i < n; i += 1) waits.push(await limiter.take(key, rate));
  return waits;
};

describe('take', () => {
  it('lets a burst of 1 + rate × BURST_MS go at once, then spaces calls one interval apart', async () => {
    const waits = await takes(aLimiter(), aKey(), 20, 9);

    expect(BURST_MS).toBe(100);
    expect(waits).toEqual([0, 0, 0, 50, 100, 150, 200, 250, 300]);
  });

  it('shares one schedule between instances that know nothing of each other', async () => {
    const key = aKey();
    const [a, b, c] = [aLimiter(), aLimiter(), aLimiter()];

    const waits = [];
    for (let i = 0; i < 3; i += 1) for (const limiter of [a, b, c]) waits.push(await limiter.take(key, 10));

    // 10/s: an interval of 100 ms, a burst of 2.
    expect(waits).toEqual([0, 0, 100, 200, 300, 400, 500, 600, 700]);
  });

  it('costs one write per call once the instance knows whether the key is busy', async () => {
    const key = aKey();
    const limiter = aLimiter();
    await limiter.take(key, 20);
    sent = [];

    await takes(limiter, key, 20, 10);
    now += 5000;
    await limiter.take(key, 20);

    expect(sent).toEqual(Array(11).fill('UpdateCommand'));
  });

  it('costs a second write when another instance kept the key busy', async () => {
    const key = aKey();
    const [a, b] = [aLimiter(), aLimiter()];
    await a.take(key, 20);
    sent = [];

    await b.take(key, 20);

    expect(sent).toEqual(['UpdateCommand', 'UpdateCommand']);
  });

  it('adds first once other instances were found keeping the key busy twice, and restarts first once it was found idle twice', async () => {
    const key = aKey();
    const [busy, sometimes] = [aLimiter(), aLimiter()];
    await sometimes.take(key, 20);
    /** The writes of one `sometimes` call, after its last sight of the key is old and `busy` took it. */
    const callAfterOthers = async () => {
      now += 1000;
      await takes(busy, key, 20, 10);
      sent = [];
      await sometimes.take(key, 20);
      return sent.length;
    };

    const whileBusy = [await callAfterOthers(), await callAfterOthers(), await callAfterOthers()];
    const afterPauses = [];
    for (let i = 0; i < 3; i += 1) {
      now += 60_000;
      sent = [];
      await sometimes.take(key, 20);
      afterPauses.push(sent.length);
    }

    // Restart first until found busy twice, then add first, until found idle twice.
    expect(whileBusy).toEqual([2, 2, 1]);
    expect(afterPauses).toEqual([2, 2, 1]);
  });

  it('counts a key it found idle as idle, even when another instance restarts it first', async () => {
    const key = aKey();
    let race = false;
    const other = aLimiter();
    const [busy, sometimes] = [
      aLimiter(),
      aLimiter(async () => {
        if (race) await other.take(key, 20);
        race = false;
      }),
    ];
    await sometimes.take(key, 20);
    for (let i = 0; i < 2; i += 1) {
      now += 1000;
      await takes(busy, key, 20, 10);
      await sometimes.take(key, 20);
    }
    const writesOf = async (raced: boolean) => {
      now += 60_000;
      race = raced;
      sent = [];
      await sometimes.take(key, 20);
      return sent.filter((name) => name === 'UpdateCommand').length - (raced ? 1 : 0);
    };

    // Its add fails on the idle key, the other's restart lands first, so its restart fails too.
    const raced = await writesOf(true);
    const next = await writesOf(false);

    expect(raced).toBe(3);
    // Found idle once after busy twice: it restarts first again.
    expect(next).toBe(1);
  });

  it('starts a fresh burst after a pause, without crediting the whole pause', async () => {
    const key = aKey();
    const limiter = aLimiter();
    await takes(limiter, key, 20, 9);
    now += 60_000;

    const waits = await takes(limiter, key, 20, 5);

    expect(waits).toEqual([0, 0, 0, 50, 100]);
  });

  it('keeps each key to its own schedule', async () => {
    const limiter = aLimiter();
    await takes(limiter, 'tenant#acme', 1, 3);

    expect(await limiter.take('tenant#globex', 1)).toBe(0);
  });

  it('keeps the state in one event-table item that expires a day after its last use', async () => {
    const key = aKey();
    await aLimiter().take(key, 20);

    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: limitKey(key) }),
    );

    expect(Item).toEqual({
      PK: `LIMIT#${key}`,
      SK: 'GCRA',
      tat: now - BURST_MS + 50,
      expiresAt: now / 1000 + 86_400,
    });
  });
});

describe('tryTake', () => {
  it('takes a free slot, and says how long until the next one when there is none, taking nothing', async () => {
    const key = aKey();
    const limiter = aLimiter();
    // 10/s: a burst of 2, asked for by three at once.
    const first = await Promise.all([0, 1, 2].map(() => limiter.tryTake(key, 10)));
    const refused = await limiter.tryTake(key, 10);
    now += 100;
    const afterInterval = await limiter.tryTake(key, 10);

    expect(first.sort((a, b) => a - b)).toEqual([0, 0, 100]);
    expect(refused).toBe(100);
    expect(afterInterval).toBe(0);
  });

  it('answers from what it learnt until then, without asking the table', async () => {
    const key = aKey();
    const limiter = aLimiter();
    await takes(limiter, key, 1, 2);
    sent = [];

    const first = await limiter.tryTake(key, 1);
    now += 400;
    const second = await limiter.tryTake(key, 1);

    // Both slots taken: the first at once, the second in 900 ms; the next is 1 s later.
    expect(first).toBe(1900);
    expect(second).toBe(1500);
    expect(sent).toEqual([]);
  });

  it('reads the wait once when another instance holds the slot', async () => {
    const key = aKey();
    await takes(aLimiter(), key, 1, 2);
    const other = aLimiter();
    sent = [];

    const wait = await other.tryTake(key, 1);

    expect(wait).toBe(1900);
    // Guessed idle (restart refused), then free (advance refused), then read.
    expect(sent).toEqual(['UpdateCommand', 'UpdateCommand', 'GetCommand']);
  });
});

describe('block', () => {
  it('makes every instance wait until its end, then spaces calls from there', async () => {
    const key = aKey();
    const [blocker, a, b, c] = [aLimiter(), aLimiter(), aLimiter(), aLimiter()];
    await blocker.block(key, now + 2000);

    const waits = [await a.take(key, 20), await b.take(key, 20), await c.tryTake(key, 20)];

    expect(waits).toEqual([2000, 2050, 2100]);
  });

  it('never shortens a longer block, and lasts past its end before it expires', async () => {
    const key = aKey();
    const limiter = aLimiter();
    await limiter.block(key, now + 90_000);
    await aLimiter().block(key, now + 1000);

    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: limitKey(key) }),
    );

    expect(Item?.tat).toBe(now + 90_000);
    expect(Item?.expiresAt).toBe((now + 90_000) / 1000 + 86_400);
    expect(await aLimiter().take(key, 20)).toBe(90_000);
  });

  it('does not write again a block the instance already knows about', async () => {
    const key = aKey();
    const limiter = aLimiter();
    await limiter.block(key, now + 5000);
    sent = [];

    await limiter.block(key, now + 3000);
    await limiter.block(key, now + 5000);

    expect(sent).toEqual([]);
  });

  it('has no effect once over', async () => {
    const key = aKey();
    const limiter = aLimiter();
    await limiter.block(key, now + 1000);
    now += 5000;

    expect(await takes(aLimiter(), key, 20, 2)).toEqual([0, 0]);
  });
});
