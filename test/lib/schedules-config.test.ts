import { checkConfig, parseConfig, type RelayFlowConfigInput } from '../../lib/config';

type ScheduleInput = NonNullable<RelayFlowConfigInput['schedules']>[number];

const withSchedules = (schedules: readonly unknown[]) => ({
  providers: { stripe: {} },
  tenants: [{ id: 'acme' }],
  schedules,
});

const problemsOf = (schedules: readonly unknown[]): readonly string[] => {
  const check = checkConfig(withSchedules(schedules));
  if (check.ok) throw new Error('the configuration was accepted');
  return check.problems;
};

const nightly: ScheduleInput = { name: 'nightly', cron: 'cron(0 2 * * ? *)', type: 'report.nightly' };

describe('schedules in the configuration', () => {
  it('default to none', () => {
    expect(parseConfig({ providers: { stripe: {} } }).schedules).toEqual([]);
  });

  it('keep a valid entry as written, in UTC unless it names a time zone', () => {
    const config = parseConfig(
      withSchedules([
        { ...nightly, tenant: 'acme', data: { report: 'ledger' } },
        { name: 'pulse', rate: 'rate(15 minutes)', timezone: 'Europe/Paris', type: 'pulse' },
      ]),
    );

    expect(config.schedules).toEqual([
      { ...nightly, timezone: 'UTC', tenant: 'acme', data: { report: 'ledger' } },
      { name: 'pulse', rate: 'rate(15 minutes)', timezone: 'Europe/Paris', type: 'pulse' },
    ]);
  });

  it('list every problem of every entry in one pass, in entry order', () => {
    expect(
      problemsOf([
        nightly,
        { name: 'nightly', rate: 'rate(5 minute)', type: 'pulse' },
        { name: 'both', cron: 'cron(0 2 * * ? *)', rate: 'rate(5 minutes)', type: 'x', tenant: 'nope' },
        { name: 'none', type: 'x', timezone: 'Mars/Olympus' },
        { name: 'bad.name', cron: 'rate(5 minutes)', type: 'bad type', extra: true },
      ]),
    ).toEqual([
      'schedules[1].rate: write rate(5 minutes)',
      'schedules[1].name: "nightly" already names schedules[0]',
      'schedules[2]: has both cron and rate: keep one',
      'schedules[2].tenant: no tenant "nope" (tenants: "default", "acme")',
      'schedules[3].timezone: "Mars/Olympus" is not an IANA time zone name, e.g. Europe/Paris or UTC',
      'schedules[3]: needs cron or rate',
      'schedules[4].name: letters, digits, "-" and "_", at most 48',
      'schedules[4].cron: must be written cron(…), e.g. cron(0 9 ? * MON-FRI *)',
      'schedules[4].type: letters, digits, ".", "_" and "-", at most 256',
      'schedules[4]: Unrecognized key: "extra"',
    ]);
  });

  it('refuse a cron expression Scheduler would refuse, saying why', () => {
    expect(problemsOf([{ ...nightly, cron: 'cron(0 2 * * * *)' }])).toEqual([
      'schedules[0].cron: one of day-of-month and day-of-week must be ?, and only one (e.g. cron(0 9 ? * MON *))',
    ]);
  });

  it('accept the default tenant by name', () => {
    expect(parseConfig(withSchedules([{ ...nightly, tenant: 'default' }])).schedules[0]?.tenant).toBe(
      'default',
    );
  });

  it('leave the tenant unchecked while the tenants have problems of their own', () => {
    const check = checkConfig({
      ...withSchedules([{ ...nightly, tenant: 'acme' }]),
      tenants: [{ id: 'Bad Id' }],
    });

    expect(check.ok ? [] : check.problems.filter((p) => p.startsWith('schedules'))).toEqual([]);
  });
});
