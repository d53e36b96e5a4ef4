import {
  atExpression,
  nextOccurrence,
  parseScheduleExpression,
  schedulerTime,
  timezoneProblem,
  type ScheduleExpression,
} from '../../lib/schedule-expression';

const expressionOf = (source: string): ScheduleExpression => {
  const parsed = parseScheduleExpression(source);
  if (!parsed.ok) throw new Error(`${source}: ${parsed.problem}`);
  return parsed.expression;
};

const problemOf = (source: string): string => {
  const parsed = parseScheduleExpression(source);
  if (parsed.ok) throw new Error(`${source} was accepted`);
  return parsed.problem;
};

/** The next `count` ticks after `after`, as ISO times. */
const ticks = (
  source: string,
  after: string,
  options: { timezone?: string; start?: string; count?: number } = {},
): string[] => {
  const expression = expressionOf(source);
  const found: string[] = [];
  let from = new Date(after);
  for (let i = 0; i < (options.count ?? 3); i += 1) {
    const next = nextOccurrence(
      expression,
      { timezone: options.timezone ?? 'UTC', start: new Date(options.start ?? after) },
      from,
    );
    if (!next) break;
    found.push(next.toISOString());
    from = next;
  }
  return found;
};

describe('cron expressions, read as EventBridge Scheduler reads them', () => {
  it('counts day-of-week from 1 (SUN) to 7 (SAT): 2-6 is Monday to Friday', () => {
    expect(ticks('cron(0 9 ? * 2-6 *)', '2025-06-01T00:00:00Z')).toEqual(
      ticks('cron(0 9 ? * MON-FRI *)', '2025-06-01T00:00:00Z'),
    );
    // 2025-06-01 is a Sunday.
    expect(ticks('cron(0 9 ? * 2-6 *)', '2025-06-01T00:00:00Z')).toEqual([
      '2025-06-02T09:00:00.000Z',
      '2025-06-03T09:00:00.000Z',
      '2025-06-04T09:00:00.000Z',
    ]);
  });

  it('reads 6#3 as the third Friday and 6L as the last Friday of the month', () => {
    expect(ticks('cron(0 9 ? * 6#3 *)', '2025-06-01T00:00:00Z', { count: 2 })).toEqual([
      '2025-06-20T09:00:00.000Z',
      '2025-07-18T09:00:00.000Z',
    ]);
    expect(ticks('cron(0 9 ? * 6L *)', '2025-06-01T00:00:00Z', { count: 2 })).toEqual([
      '2025-06-27T09:00:00.000Z',
      '2025-07-25T09:00:00.000Z',
    ]);
  });

  it('reads L in day-of-month as the last day of the month', () => {
    expect(ticks('cron(0 9 L * ? *)', '2025-06-01T00:00:00Z', { count: 2 })).toEqual([
      '2025-06-30T09:00:00.000Z',
      '2025-07-31T09:00:00.000Z',
    ]);
  });

  it('ticks only in the years of its year field, from the first midnight of the next one', () => {
    expect(ticks('cron(0 0 1 1 ? 2027,2029)', '2025-06-01T00:00:00Z', { timezone: 'Asia/Tokyo' })).toEqual([
      '2026-12-31T15:00:00.000Z',
      '2028-12-31T15:00:00.000Z',
    ]);
  });

  it('never ticks again once its last year is past', () => {
    expect(ticks('cron(0 9 * * ? 2020)', '2025-06-01T00:00:00Z')).toEqual([]);
  });

  it('reads the fields in the schedule time zone', () => {
    expect(
      ticks('cron(0 9 * * ? *)', '2025-06-01T00:00:00Z', { timezone: 'America/New_York', count: 1 }),
    ).toEqual(['2025-06-01T13:00:00.000Z']);
  });

  it('skips a wall time the spring-forward removed, as Scheduler does', () => {
    // Paris skips 02:00-03:00 on 2025-03-30.
    expect(ticks('cron(30 2 * * ? *)', '2025-03-29T00:00:00Z', { timezone: 'Europe/Paris' })).toEqual([
      '2025-03-29T01:30:00.000Z',
      '2025-03-31T00:30:00.000Z',
      '2025-04-01T00:30:00.000Z',
    ]);
  });

  it('ticks once on the wall time the fall-back repeats', () => {
    expect(
      ticks('cron(30 2 * * ? *)', '2025-10-25T12:00:00Z', { timezone: 'Europe/Paris', count: 2 }),
    ).toEqual(['2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']);
  });

  it.each([
    ['cron(0 9 * * ?)', 'cron needs 6 fields (minutes hours day-of-month month day-of-week year), not 5'],
    ['cron(0 9 * * * *)', 'one of day-of-month and day-of-week must be ?'],
    ['cron(0 9 ? * ? *)', 'one of day-of-month and day-of-week must be ?'],
    ['cron(0 9 15W * ? *)', 'W (the nearest weekday) is not supported'],
    ['cron(0 9 ? * 0 *)', 'day-of-week field "0" must use 1-7 or SUN-SAT'],
    ['cron(0 9 ? * FOO *)', 'day-of-week field "FOO" must use 1-7 or SUN-SAT'],
    ['cron(0 9 * * ? 1969)', 'year field "1969" must list years from 1970 to 2199'],
    [
      'cron(0 25 * * ? *)',
      'is not a valid cron expression: Constraint error, got value 25 expected range 0-23',
    ],
    ['cron(0 9 31 2 ? *)', 'is not a valid cron expression'],
  ])('refuses %s: %s', (source, problem) => {
    expect(problemOf(source)).toContain(problem);
  });
});

describe('rate expressions', () => {
  it('tick at the start, then every period after it', () => {
    expect(ticks('rate(5 minutes)', '2025-06-01T00:00:00Z', { start: '2025-06-01T00:00:30Z' })).toEqual([
      '2025-06-01T00:00:30.000Z',
      '2025-06-01T00:05:30.000Z',
      '2025-06-01T00:10:30.000Z',
    ]);
  });

  it('count from the start whenever they are asked, not from the question', () => {
    expect(
      ticks('rate(1 hour)', '2025-06-01T05:10:00Z', { start: '2025-06-01T00:20:00Z', count: 1 }),
    ).toEqual(['2025-06-01T05:20:00.000Z']);
  });

  it('count a day as 24 hours, whatever the time zone', () => {
    expect(
      ticks('rate(1 day)', '2025-03-29T11:00:00Z', {
        start: '2025-03-29T12:00:00Z',
        timezone: 'Europe/Paris',
      }),
    ).toEqual(['2025-03-29T12:00:00.000Z', '2025-03-30T12:00:00.000Z', '2025-03-31T12:00:00.000Z']);
  });

  it.each([
    ['rate(1 minutes)', 'write rate(1 minute)'],
    ['rate(5 minute)', 'write rate(5 minutes)'],
    ['rate(0 minutes)', 'the rate must be at least 1'],
    ['rate(2 weeks)', 'must be rate(value unit) with a unit of minutes, hours or days, e.g. rate(5 minutes)'],
  ])('refuse %s: %s', (source, problem) => {
    expect(problemOf(source)).toBe(problem);
  });
});

describe('at expressions', () => {
  it('name one wall time in the schedule time zone', () => {
    expect(ticks('at(2025-06-01T10:00:00)', '2025-06-01T00:00:00Z', { timezone: 'Europe/Paris' })).toEqual([
      '2025-06-01T08:00:00.000Z',
    ]);
  });

  it('refuse a date that does not exist', () => {
    expect(problemOf('at(2025-02-30T10:00:00)')).toBe('2025-02-30T10:00:00 is not a time');
  });

  it('are written in UTC to the second', () => {
    expect(atExpression(new Date('2025-06-01T10:00:12.345Z'))).toBe('at(2025-06-01T10:00:12)');
  });
});

describe('time zones', () => {
  it.each(['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'US/Pacific'])('accept %s', (zone) => {
    expect(timezoneProblem(zone)).toBeUndefined();
  });

  it('refuse what is no zone name, offsets included', () => {
    expect(timezoneProblem('Mars/Olympus')).toBe(
      '"Mars/Olympus" is not an IANA time zone name, e.g. Europe/Paris or UTC',
    );
    expect(timezoneProblem('+01:00')).toContain('is not an IANA time zone name');
  });

  it('refuse a name in the wrong case, with the right one', () => {
    expect(timezoneProblem('europe/paris')).toBe('write "Europe/Paris"');
  });
});

it('writes a scheduled time as Scheduler fills <aws.scheduler.scheduled-time>: whole seconds, Z', () => {
  expect(schedulerTime(new Date('2025-06-01T09:00:00.250Z'))).toBe('2025-06-01T09:00:00Z');
});
