import { costModel, costSection, type MeasuredUsage } from '../../bench/cost';

const USAGE: MeasuredUsage = {
  events: 1000,
  apiRequests: 1000,
  lambda: {
    verifier: { invocations: 1000, gbSeconds: 10 },
    consumer: { invocations: 100, gbSeconds: 10 },
  },
  auditArchive: { invocations: 10, gbSeconds: 1, firehoseBytes: 400_000 },
  consumerRecords: 1000,
  dynamodb: { wru: 5000, rru: 2000, requests: {} },
  sqs: { SendMessage: 1000 },
  secretsManagerCalls: 1,
  logBytes: 600_000,
  platformLog: { bytes: 300_000, lines: 3300 },
  accessLog: { bytes: 150_000, lines: 1000 },
  throttledAccessLog: { bytes: 30_000, lines: 200 },
  writes: [],
  reads: [
    { table: 'RelayFlowFaults-Events', action: 'GetItem', keyShape: 'EVT#/STATE', count: 2000, rru: 2000 },
    {
      table: 'RelayFlowFaults-Events',
      action: 'Query',
      keyShape: 'byEntity → EVT#/STATE',
      count: 10,
      rru: 5,
    },
  ],
  warm: { verifierGbSecondsPerInvocation: 0.01, consumerGbSecondsPerRecord: 0.01 },
};

const xrayLine = (report: ReturnType<typeof costModel>) =>
  report.lines.find((line) => line.service.startsWith('X-Ray'));

describe('the cost model', () => {
  it('prices X-Ray at the configured rate: recorded, and read once', () => {
    const report = costModel(USAGE, 1100, { enabled: true, samplingRate: 0.1, reservoirPerSecond: 1 });

    // 1.1 invocations per event, 10% of them traced, $5.50 per million traces.
    expect(xrayLine(report)?.perMillion).toBeCloseTo(1.1 * 0.1 * 5.5);
    expect(xrayLine(report)?.perEvent).toBe('0.110 traces');
  });

  it('prices the reservoir apart, as the most it adds in a month', () => {
    const report = costModel(USAGE, 1100, { enabled: true, samplingRate: 0.05, reservoirPerSecond: 2 });

    // 2 traces a second for 30 days, less what the rate records anyway, at $5.50 per million.
    expect(report.xrayReservoirPerMonth).toBeCloseTo(2 * 2_592_000 * 0.95 * 5.5e-6);
  });

  it('prices nothing for X-Ray when tracing is off', () => {
    const report = costModel(USAGE, 1100, { enabled: false, samplingRate: 0.05, reservoirPerSecond: 1 });

    expect(xrayLine(report)).toMatchObject({ service: 'X-Ray (tracing off)', perMillion: 0 });
    expect(report.xrayReservoirPerMonth).toBe(0);
  });

  it("uses X-Ray's default sampling when given no configuration", () => {
    expect(xrayLine(costModel(USAGE, 1100))?.perMillion).toBeCloseTo(1.1 * 0.05 * 5.5);
  });
});

describe('logs in the cost model', () => {
  it("prices the functions' lines and Lambda's own START/END/REPORT lines as Standard, the API's access log as Infrequent Access, each with CloudWatch's 26 B per line", () => {
    const line = costModel(USAGE, 1100).lines.find((l) => l.service === 'CloudWatch Logs ingestion');

    // Per event: (600,000 + 1,100 × 26) / 1,000 from the functions, (150,000 + 1,000 × 26) / 1,000
    // from the stage's access log, (300,000 + 3,300 × 26) / 1,000 from Lambda, and
    // (30,000 + 200 × 26) / 1,000 from the access log's lines for throttled requests.
    expect(line?.perEvent).toBe(
      "1226 bytes (functions 629, API access log 176, Lambda's START/END/REPORT 386; the access log's lines for the load's throttled requests 35)",
    );
    const standard = 600_000 + 1_100 * 26 + 300_000 + 3_300 * 26;
    const infrequent = 150_000 + 1_000 * 26 + 30_000 + 200 * 26;
    expect(line?.perMillion).toBeCloseTo((((standard * 0.5 + infrequent * 0.25) / 2 ** 30) * 1e6) / 1000, 6);
  });
});

describe('the audit archive in the cost model', () => {
  it('prices the archiver Lambda and the bytes Firehose ingests and partitions', () => {
    const report = costModel(USAGE, 1100);
    const line = report.lines.find((l) => l.service.startsWith('Audit archive'));

    // Per million events: 10,000 invocations at $0.20/M, 1,000 GB-s, 0.4 GB at $0.049/GB.
    const expected = 10_000 * 0.2e-6 + 1000 * 0.0000133334 + (400 / 2 ** 30) * 1e6 * 0.049;
    expect(line?.perMillion).toBeCloseTo(expected, 6);
    expect(line?.perEvent).toBe('0.0100 invocations, 400 bytes');
  });
});

describe('the cost section', () => {
  it('lists DynamoDB reads per event by table, action and kind of item', () => {
    const lines = costSection(costModel(USAGE, 1100), { payloadBytes: 2000, duplicateShare: 0.2 });

    expect(lines).toContain('| Events | GetItem | `EVT#/STATE` | 2.00 | 2.00 |');
    expect(lines).toContain('| Events | Query | `byEntity → EVT#/STATE` | 0.01 | 0.01 |');
  });
});
