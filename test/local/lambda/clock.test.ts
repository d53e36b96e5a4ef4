import { LambdaService, RuntimeClock, isInvokeFailure } from '../../../local/lambda';
import { aBundleRoot, aFunctionConfig, writeBundle } from './builders';

const TIME_BUNDLE = `
export const handler = async (_event, context) => ({
  now: Date.now(),
  constructed: new Date().getTime(),
  isDate: new Date(0) instanceof Date,
  remaining: context.getRemainingTimeInMillis(),
});
`;

const HANG_BUNDLE = `export const handler = () => new Promise(() => {});`;

describe('RuntimeClock', () => {
  let root: ReturnType<typeof aBundleRoot>;
  let service: LambdaService | undefined;

  beforeEach(() => {
    root = aBundleRoot();
  });
  afterEach(async () => {
    await service?.stop();
    root.cleanup();
  });

  it('fires the timers an advance passes in due order, before it returns', () => {
    const clock = new RuntimeClock();
    const fired: string[] = [];
    clock.setTimer(() => fired.push('late'), 60_000);
    clock.setTimer(() => fired.push('early'), 30_000);
    clock.setTimer(() => fired.push('beyond'), 120_000);

    clock.advance(90_000);

    expect(fired).toEqual(['early', 'late']);
  });

  it('lets a cancelled timer never fire', () => {
    const clock = new RuntimeClock();
    const fired: string[] = [];
    clock.setTimer(() => fired.push('cancelled'), 1_000).cancel();

    clock.advance(5_000);

    expect(fired).toEqual([]);
  });

  it('shows a Lambda handler the advanced time through Date.now and new Date, with real Date instances', async () => {
    const clock = new RuntimeClock();
    service = new LambdaService({ clock, logSink: () => undefined });
    service.register(aFunctionConfig('time', writeBundle(root.dir, 'time', TIME_BUNDLE)));
    clock.advance(3_600_000);

    const outcome = await service.invoke('time', {});

    if (isInvokeFailure(outcome)) throw new Error(outcome.error.errorMessage);
    const seen = outcome.result as { now: number; constructed: number; isDate: boolean; remaining: number };
    expect(Math.abs(seen.now - clock.now())).toBeLessThan(2_000);
    expect(Math.abs(seen.constructed - clock.now())).toBeLessThan(2_000);
    expect(seen.isDate).toBe(true);
    expect(seen.remaining).toBeGreaterThan(1_000);
  });

  it('times an invocation out when the clock passes its deadline', async () => {
    const clock = new RuntimeClock();
    service = new LambdaService({ clock, logSink: () => undefined });
    service.register(
      aFunctionConfig('hang', writeBundle(root.dir, 'hang', HANG_BUNDLE), { timeoutSeconds: 900 }),
    );

    const invocation = service.invoke('hang', {});
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    clock.advance(900_000);
    const outcome = await invocation;

    expect(isInvokeFailure(outcome) && outcome.kind).toBe('timeout');
  });
});
