import { deadLetteredTickOf, nextTickOf, replayAt, replayScheduleName } from '../../cli/schedule-ticks';
import type { ScheduleTick } from '../../functions/producer/contract';

const aTick = (overrides: Partial<ScheduleTick['relayflowSchedule']> = {}): ScheduleTick => ({
  relayflowSchedule: {
    name: 'nightly',
    scheduledTime: '2025-06-01T09:00:00Z',
    type: 'report.nightly',
    tenant: 'acme',
    ...overrides,
  },
});

describe('a dead-lettered tick', () => {
  it("is read from Scheduler's dead-letter event: the tick as body, what failed in its attributes", () => {
    expect(
      deadLetteredTickOf('scheduler', JSON.stringify(aTick()), {
        ERROR_CODE: 'TooManyRequestsException',
        ERROR_MESSAGE: 'Rate Exceeded.',
        EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
        RETRY_ATTEMPTS: '5',
      }),
    ).toEqual({
      tick: aTick(),
      gaveUp: 'scheduler',
      error: 'TooManyRequestsException: Rate Exceeded.',
      condition: 'MaximumRetryAttempts',
    });
  });

  it("is read from Lambda's dead-letter message in the producer's queue", () => {
    expect(
      deadLetteredTickOf('lambda', JSON.stringify(aTick()), {
        RequestID: 'req-1',
        ErrorCode: '200',
        ErrorMessage: 'event store write failed',
      }),
    ).toEqual({ tick: aTick(), gaveUp: 'lambda', error: '200: event store write failed' });
  });

  it('is not found in an event source delivery, nor in a body that is no JSON', () => {
    expect(
      deadLetteredTickOf('lambda', JSON.stringify({ relayflowEventSource: {}, event: {} }), {}),
    ).toBeUndefined();
    expect(deadLetteredTickOf('scheduler', 'not json', {})).toBeUndefined();
  });
});

describe("a tick's replay schedule", () => {
  it('is named for the tick, beside its schedule, the same for the same tick however its time is written', () => {
    const name = replayScheduleName(aTick());

    expect(name).toMatch(/^nightly\.replay-[0-9a-f]{8}$/);
    expect(replayScheduleName(aTick({ scheduledTime: '2025-06-01T09:00:00.000Z' }))).toBe(name);
    expect(replayScheduleName(aTick({ scheduledTime: '2025-06-02T09:00:00Z' }))).not.toBe(name);
  });

  it("fits Scheduler's 64 characters for the longest schedule name", () => {
    expect(replayScheduleName(aTick({ name: 'n'.repeat(48) }))).toHaveLength(64);
  });

  it('runs a minute from now, on a whole second', () => {
    expect(replayAt(new Date('2025-06-01T09:00:00.250Z'))).toBe('at(2025-06-01T09:01:01)');
  });
});

describe("a schedule's next tick", () => {
  const now = new Date('2025-06-01T09:07:00Z');

  it('reads a cron expression in its time zone', () => {
    expect(nextTickOf({ expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Paris' }, now)).toEqual(
      new Date('2025-06-02T07:00:00Z'),
    );
  });

  it('counts a rate from the start date, else the creation', () => {
    expect(
      nextTickOf({ expression: 'rate(15 minutes)', creationDate: new Date('2025-06-01T08:01:00Z') }, now),
    ).toEqual(new Date('2025-06-01T09:16:00Z'));
    expect(
      nextTickOf(
        {
          expression: 'rate(15 minutes)',
          startDate: new Date('2025-06-01T08:05:00Z'),
          creationDate: new Date('2025-06-01T08:01:00Z'),
        },
        now,
      ),
    ).toEqual(new Date('2025-06-01T09:20:00Z'));
  });

  it('is none for a disabled schedule', () => {
    expect(nextTickOf({ expression: 'rate(15 minutes)', state: 'DISABLED' }, now)).toBeUndefined();
  });

  it("is a one-time schedule's time", () => {
    expect(nextTickOf({ expression: 'at(2025-06-01T09:08:00)', timezone: 'UTC' }, now)).toEqual(
      new Date('2025-06-01T09:08:00Z'),
    );
  });
});
