import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readSecretRetirement, reportSecretUse } from '#shared/drift/old-secret';
import { captureOutput, jsonLines } from '../../helpers/log-capture';

const deps = () => ({
  metrics: new Metrics({ namespace: 'RelayFlowTest', serviceName: 'ingest-stripe' }),
  logger: new Logger({ serviceName: 'ingest-stripe', logLevel: 'WARN' }),
});
const RETIRE = new Date('2025-07-01T00:00:00.000Z');

describe('reportSecretUse', () => {
  it('emits OldSecretUsed per provider and warns when an older secret verifies after its retirement date', async () => {
    let reported = false;
    const output = await captureOutput(() => {
      reported = reportSecretUse(deps(), {
        provider: 'stripe',
        tenant: 'acme',
        secretIndex: 1,
        now: new Date('2025-07-02T00:00:00Z'),
        retireAfter: RETIRE,
      });
    });

    expect(reported).toBe(true);
    expect(jsonLines(output)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          OldSecretUsed: 1,
          provider: 'stripe',
          _aws: expect.objectContaining({
            CloudWatchMetrics: [expect.objectContaining({ Dimensions: [['service', 'provider']] })],
          }),
        }),
        expect.objectContaining({
          level: 'WARN',
          tenant: 'acme',
          secretIndex: 1,
          retireAfter: RETIRE.toISOString(),
        }),
      ]),
    );
  });

  it.each([
    ['the newest secret verified', 0, new Date('2025-07-02T00:00:00Z'), RETIRE],
    ['the retirement date has not come', 1, new Date('2025-06-30T23:59:59Z'), RETIRE],
    ['no retirement date is configured', 2, new Date('2025-07-02T00:00:00Z'), undefined],
  ])('stays silent when %s', async (_why, secretIndex, now, retireAfter) => {
    const output = await captureOutput(() =>
      reportSecretUse(deps(), { provider: 'stripe', tenant: 'default', secretIndex, now, retireAfter }),
    );

    expect(output).toEqual([]);
  });
});

describe('readSecretRetirement', () => {
  it('reads the date the construct sets, and nothing when unset', () => {
    expect(readSecretRetirement({ SECRET_RETIRE_AFTER: '2025-07-01T00:00:00.000Z' })).toEqual(RETIRE);
    expect(readSecretRetirement({})).toBeUndefined();
  });

  it('refuses a value that is not a date at cold start', () => {
    expect(() => readSecretRetirement({ SECRET_RETIRE_AFTER: 'next tuesday' })).toThrow(
      /SECRET_RETIRE_AFTER/,
    );
  });
});
