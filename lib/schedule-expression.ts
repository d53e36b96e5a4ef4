import { CronExpressionParser, type CronExpression } from 'cron-parser';

/**
 * EventBridge Scheduler's schedule expressions, read the way Scheduler reads them, so that the
 * configuration is checked at synth, `relayflow schedules list` can say when a schedule ticks
 * next, and the local Scheduler fires ticks when Scheduler would
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 *
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields; one of day-of-month
 *   and day-of-week is `?`; day-of-week counts 1 (SUN) to 7 (SAT). Evaluated with cron-parser,
 *   whose day-of-week counts 0 (SUN) to 6 and which has no year field: both are translated here.
 * - `rate(value unit)`: every `value` minutes, hours or days from the schedule's start.
 * - `at(yyyy-mm-ddThh:mm:ss)`: once (the replay of a dead-lettered tick creates one).
 */

export type ScheduleExpression =
  | {
      readonly kind: 'cron';
      readonly source: string;
      /** The first five fields in cron-parser's syntax (no seconds, no year). */
      readonly cron: string;
      readonly years: YearSet;
    }
  | { readonly kind: 'rate'; readonly source: string; readonly periodMs: number }
  | { readonly kind: 'at'; readonly source: string; readonly wallTime: string };

export type ParsedExpression = { readonly ok: true; readonly expression: ScheduleExpression } | Refused;
interface Refused {
  readonly ok: false;
  readonly problem: string;
}

/** The years Scheduler accepts in a cron expression's last field. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

const refuse = (problem: string): Refused => ({ ok: false, problem });

const parseRate = (source: string): ParsedExpression => {
  const match = RATE.exec(source);
  if (!match)
    return refuse('must be rate(value unit) with a unit of minutes, hours or days, e.g. rate(5 minutes)');
  const value = Number(match[1]);
  const unit = String(match[2]);
  if (value < 1) return refuse('the rate must be at least 1');
  // Scheduler, like EventBridge rules, wants the unit singular for 1 and plural otherwise.
  const singular = !unit.endsWith('s');
  if (singular !== (value === 1))
    return refuse(`write rate(${value} ${unit.replace(/s$/, '')}${value === 1 ? '' : 's'})`);
  return {
    ok: true,
    expression: {
      kind: 'rate',
      source,
      periodMs: value * UNIT_MS[unit.replace(/s$/, '') as keyof typeof UNIT_MS],
    },
  };
};

/** A set of years from a cron expression's year field (`*`, `2026`, `2026-2030`, `2026/2`, lists). */
export interface YearSet {
  has(year: number): boolean;
  /** The smallest year of the set at or after `year`, if any up to Scheduler's last year. */
  firstFrom(year: number): number | undefined;
}

const parseYears = (field: string): YearSet | string => {
  const items: { from: number; to: number; step: number }[] = [];
  for (const item of field.split(',')) {
    const match = /^(\*|(\d{4})(?:-(\d{4}))?)(?:\/(\d+))?$/.exec(item);
    if (!match) return `year field "${field}" must list years from ${FIRST_YEAR} to ${LAST_YEAR}`;
    const from = match[1] === '*' ? FIRST_YEAR : Number(match[2]);
    const to = match[3] ? Number(match[3]) : match[1] === '*' || match[4] ? LAST_YEAR : from;
    const step = match[4] ? Number(match[4]) : 1;
    if (from < FIRST_YEAR || to > LAST_YEAR || from > to || step < 1)
      return `year field "${field}" must list years from ${FIRST_YEAR} to ${LAST_YEAR}`;
    items.push({ from, to, step });
  }
  const has = (year: number) =>
    items.some(({ from, to, step }) => year >= from && year <= to && (year - from) % step === 0);
  return {
    has,
    firstFrom: (year) => {
      for (let y = Math.max(year, FIRST_YEAR); y <= LAST_YEAR; y += 1) if (has(y)) return y;
      return undefined;
    },
  };
};

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Scheduler's day of week (1-7 or SUN-SAT) as cron-parser's (0-6), or undefined if it is none. */
const cronParserDay = (day: string): number | undefined => {
  const named = DAY_NAMES.indexOf(day.toUpperCase());
  if (named >= 0) return named;
  return /^[1-7]$/.test(day) ? Number(day) - 1 : undefined;
};

/** Scheduler's day-of-week field in cron-parser's numbering; `L` alone is the week's last day. */
const translateDaysOfWeek = (field: string): string | { problem: string } => {
  const bad = { problem: `day-of-week field "${field}" must use 1-7 or SUN-SAT, with - , * / L #` };
  const items: string[] = [];
  for (const item of field.split(',')) {
    if (item === '*' || item === '?') {
      items.push(item);
      continue;
    }
    if (item === 'L') {
      items.push('6');
      continue;
    }
    const last = /^(\w+)L$/.exec(item);
    const nth = /^(\w+)#([1-5])$/.exec(item);
    const range = /^(\*|\w+)(?:-(\w+))?(?:\/(\d+))?$/.exec(item);
    if (last) {
      const day = cronParserDay(String(last[1]));
      if (day === undefined) return bad;
      items.push(`${day}L`);
    } else if (nth) {
      const day = cronParserDay(String(nth[1]));
      if (day === undefined) return bad;
      items.push(`${day}#${nth[2]}`);
    } else if (range) {
      const from = range[1] === '*' ? '*' : cronParserDay(String(range[1]));
      const to = range[2] === undefined ? undefined : cronParserDay(range[2]);
      if (from === undefined || (range[2] !== undefined && (to === undefined || from === '*'))) return bad;
      items.push(`${from}${to === undefined ? '' : `-${to}`}${range[3] ? `/${range[3]}` : ''}`);
    } else return bad;
  }
  return items.join(',');
};

const CRON_FIELDS = 'minutes hours day-of-month month day-of-week year';

const parseCron = (source: string): ParsedExpression => {
  const inner = /^cron\((.*)\)$/.exec(source)?.[1];
  if (inner === undefined) return refuse(`must be cron(${CRON_FIELDS}), e.g. cron(0 9 ? * MON-FRI *)`);
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6)
    return refuse(`cron needs 6 fields (${CRON_FIELDS}), not ${fields.length}: e.g. cron(0 9 ? * MON-FRI *)`);
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    return refuse('one of day-of-month and day-of-week must be ?, and only one (e.g. cron(0 9 ? * MON *))');
  if (/W/i.test(dayOfMonth))
    return refuse(
      'W (the nearest weekday) is not supported: RelayFlow computes ticks with cron-parser, which has no W',
    );
  const days = translateDaysOfWeek(dayOfWeek);
  if (typeof days !== 'string') return refuse(days.problem);
  const years = parseYears(year);
  if (typeof years === 'string') return refuse(years);
  const cron = `${minutes} ${hours} ${dayOfMonth} ${month} ${days}`;
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC', strict: false });
  } catch (error) {
    return refuse(`is not a valid cron expression: ${(error as Error).message}`);
  }
  return { ok: true, expression: { kind: 'cron', source, cron, years } };
};

const parseAt = (source: string): ParsedExpression => {
  const match = AT.exec(source);
  if (!match) return refuse('must be at(yyyy-mm-ddThh:mm:ss)');
  const wallTime = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;
  const date = new Date(`${wallTime}Z`);
  // Date rolls 30 February over into March: a time that does not read back is none.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== wallTime)
    return refuse(`${wallTime} is not a time`);
  return { ok: true, expression: { kind: 'at', source, wallTime } };
};

/** Reads `cron(…)`, `rate(…)` or `at(…)`; a refusal says what is wrong, as a person would fix it. */
export const parseScheduleExpression = (source: string): ParsedExpression => {
  if (source.startsWith('cron(')) return parseCron(source);
  if (source.startsWith('rate(')) return parseRate(source);
  if (source.startsWith('at(')) return parseAt(source);
  return refuse('must be cron(…), rate(…) or at(…)');
};

/**
 * Why `timezone` is not an IANA time zone name Scheduler accepts, or undefined when it is one.
 * Names are checked against the time zone database the runtime carries (the one cron-parser
 * evaluates in); a name written in the wrong case is refused with the right one.
 */
export const timezoneProblem = (timezone: string): string | undefined => {
  const example = 'an IANA time zone name, e.g. Europe/Paris or UTC';
  // Recent runtimes also take UTC offsets (+01:00), which are not zone names.
  if (!/^[A-Za-z]/.test(timezone)) return `"${timezone}" is not ${example}`;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return `"${timezone}" is not ${example}`;
  }
  return canonical !== timezone && canonical.toLowerCase() === timezone.toLowerCase()
    ? `write "${canonical}"`
    : undefined;
};

export interface OccurrenceOptions {
  /** The IANA time zone cron and at expressions are read in. */
  readonly timezone: string;
  /** When a rate schedule starts: its first tick, then one every period. */
  readonly start: Date;
}

/** The first cron tick after `after` in the schedule's years, skipping wall times DST removed. */
const nextCron = (
  expression: Extract<ScheduleExpression, { kind: 'cron' }>,
  timezone: string,
  after: Date,
): Date | undefined => {
  let iterator: CronExpression = CronExpressionParser.parse(expression.cron, {
    tz: timezone,
    currentDate: after,
  });
  for (;;) {
    const candidate = iterator.next();
    const year = candidate.getFullYear();
    if (!expression.years.has(year)) {
      const next = expression.years.firstFrom(year + 1);
      if (next === undefined) return undefined;
      // Restart just before the first midnight of that year, in the schedule's time zone.
      const newYear = CronExpressionParser.parse(`0 0 1 1 *`, { tz: timezone, currentDate: candidate });
      let start = newYear.next();
      while (start.getFullYear() < next) start = newYear.next();
      iterator = CronExpressionParser.parse(expression.cron, {
        tz: timezone,
        currentDate: new Date(start.getTime() - 1),
      });
      continue;
    }
    // cron-parser moves a wall time that a spring-forward removed to the next hour; Scheduler
    // skips it ("Daylight saving time on EventBridge Scheduler").
    if (iterator.includesDate(candidate)) return candidate.toDate();
  }
};

/** The instant an at() wall time names in `timezone`. */
const atInstant = (wallTime: string, timezone: string): Date | undefined => {
  const [date, time] = wallTime.split('T') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  // Every zone is within a day of UTC: the wall time falls in the two days around its UTC reading.
  const from = new Date(Date.UTC(year, month - 1, day) - 2 * UNIT_MS.day);
  const once = CronExpressionParser.parse(`${second} ${minute} ${hour} ${day} ${month} *`, {
    tz: timezone,
    currentDate: from,
  });
  const candidate = once.next();
  return candidate.getFullYear() === year ? candidate.toDate() : undefined;
};

/**
 * The first tick strictly after `after`, or undefined when the schedule never ticks again (a
 * cron expression past its last year, an at() in the past). Rate ticks fall at the start and
 * every period after it, whatever the time zone (a day is 24 hours, as Scheduler counts it).
 */
export const nextOccurrence = (
  expression: ScheduleExpression,
  options: OccurrenceOptions,
  after: Date,
): Date | undefined => {
  switch (expression.kind) {
    case 'rate': {
      const start = options.start.getTime();
      if (after.getTime() < start) return new Date(start);
      const periods = Math.floor((after.getTime() - start) / expression.periodMs) + 1;
      return new Date(start + periods * expression.periodMs);
    }
    case 'cron':
      return nextCron(expression, options.timezone, after);
    case 'at': {
      const at = atInstant(expression.wallTime, options.timezone);
      return at && at.getTime() > after.getTime() ? at : undefined;
    }
  }
};

/** The instant an at() expression names, past or not (a one-time schedule created late runs at once). */
export const atTime = (
  expression: Extract<ScheduleExpression, { kind: 'at' }>,
  timezone: string,
): Date | undefined => atInstant(expression.wallTime, timezone);

/** A time as Scheduler's `<aws.scheduler.scheduled-time>` context attribute writes it: ISO 8601, whole seconds. */
export const schedulerTime = (time: Date): string => `${time.toISOString().slice(0, 19)}Z`;

/** The at() expression for an instant, in UTC. */
export const atExpression = (time: Date): string => `at(${time.toISOString().slice(0, 19)})`;
