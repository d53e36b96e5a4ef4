import { mapLimit } from '#shared/concurrency/map-limit';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('keeps results in input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;

    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      for (let i = 0; i < n; i += 1) await tick();
      running -= 1;
      return n * 10;
    });

    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure after the calls in flight have settled, and starts no new one', async () => {
    const settled: number[] = [];

    const outcome = mapLimit([0, 1, 2, 3, 4], 2, async (n) => {
      await tick();
      if (n === 0) throw new Error('first failed');
      await tick();
      settled.push(n);
      return n;
    });

    await expect(outcome).rejects.toThrow('first failed');
    expect(settled).toEqual([1]);
  });

  it('answers an empty list without calling anything', async () => {
    const work = jest.fn();

    expect(await mapLimit([], 4, work)).toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });
});
