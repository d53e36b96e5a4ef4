import { CircuitBreaker } from '#shared/targets/resilience';

const aClock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

const failing = () => Promise.reject(new Error('down'));
const counts = () => true;

describe('CircuitBreaker', () => {
  it('half-opens after the wait and closes again when the trial call succeeds', async () => {
    const clock = aClock();
    const breaker = new CircuitBreaker(1, 1000, clock.now);
    await expect(breaker.run(failing, counts)).rejects.toThrow('down');

    const whileOpen = await breaker.run(() => Promise.resolve('x'), counts);
    clock.advance(1000);
    const trial = await breaker.run(() => Promise.resolve('y'), counts);

    expect(whileOpen).toEqual({ refused: 1000 });
    expect(trial).toEqual({ value: 'y' });
    expect(breaker.msUntilAllowed()).toBe(0);
  });

  it('opens again at once when the trial call fails', async () => {
    const clock = aClock();
    const breaker = new CircuitBreaker(3, 1000, clock.now);
    for (let i = 0; i < 3; i += 1) await expect(breaker.run(failing, counts)).rejects.toThrow();
    clock.advance(1000);

    await expect(breaker.run(failing, counts)).rejects.toThrow();

    expect(breaker.msUntilAllowed()).toBe(1000);
  });
});
