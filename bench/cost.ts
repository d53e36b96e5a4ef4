/**
 * The cost model: AWS requests per event, counted by the local emulators over a load run, priced
 * at AWS list prices. Every unit price is written here, next to where it is used, with its source
 * page; change a price here and the report follows.
 */

import { TRACING_DEFAULTS, type TracingConfig } from '../lib/config';

/** us-east-1 list prices, on-demand, without free tiers (checked against the pricing pages, 2025). */
export const PRICES = {
  /** API Gateway HTTP API: $1.00 per million requests (first 300 million a month; 512 KB metering). */
  httpApiPerRequest: 1.0 / 1e6,
  /** Lambda requests: $0.20 per million. */
  lambdaPerRequest: 0.2 / 1e6,
  /** Lambda duration, arm64: $0.0000133334 per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand: $0.625 per million write request units (since the November 2024 price cut). */
  dynamodbPerWru: 0.625 / 1e6,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  dynamodbPerRru: 0.125 / 1e6,
  /** SQS FIFO: $0.50 per million requests (each 64 KB chunk of a payload is one request). */
  sqsFifoPerRequest: 0.5 / 1e6,
  /** Secrets Manager: $0.05 per 10,000 API calls. */
  secretsManagerPerCall: 0.05 / 1e4,
  /** CloudWatch Logs: $0.50 per GB ingested (standard class). */
  logsPerGb: 0.5,
  /** CloudWatch Logs: $0.25 per GB ingested (Infrequent Access class: the API's access log). */
  logsInfrequentAccessPerGb: 0.25,
  /** X-Ray: $5.00 per million traces recorded. */
  xrayPerTraceRecorded: 5.0 / 1e6,
  /** X-Ray: $0.50 per million traces retrieved or scanned. */
  xrayPerTraceRetrieved: 0.5 / 1e6,
  /** Data Firehose Direct PUT: $0.029 per GB ingested (first 500 TB; records rounded up to 5 KB). */
  firehosePerGb: 0.029,
  /** Data Firehose dynamic partitioning: $0.020 per GB processed. */
  firehosePartitioningPerGb: 0.02,
} as const;

/**
 * A recorded trace, priced as read once: one that nobody looks at costs only its recording, and
 * every console search or service map that shows it reads it again.
 */
const XRAY_PER_TRACE = PRICES.xrayPerTraceRecorded + PRICES.xrayPerTraceRetrieved;

const SECONDS_PER_MONTH = 30 * 24 * 3600;

/**
 * The sampling rule records the first `reservoirPerSecond` requests each second, then
 * `samplingRate` of the rest. Per event, the rate is what each further event costs; the
 * reservoir is a monthly amount whatever the volume, and below its rate every invocation is
 * recorded (a webhook stream of a few events a second is mostly reservoir).
 */
export const xrayTracing = (tracing: TracingConfig) => ({
  /** The share of invocations recorded beyond the reservoir. */
  share: tracing.enabled ? tracing.samplingRate : 0,
  /** The most the reservoir adds in a month: reached when every second has that many invocations. */
  reservoirPerMonth: tracing.enabled
    ? tracing.reservoirPerSecond * SECONDS_PER_MONTH * (1 - tracing.samplingRate) * XRAY_PER_TRACE
    : 0,
});

/** What a load run counted, in total, for `events` events that reached PROCESSED. */
export interface MeasuredUsage {
  readonly events: number;
  /** HTTP requests the API billed: every delivery, duplicates and retries included, throttled (429) ones not. */
  readonly apiRequests: number;
  /** Lambda invocations and billed GB-seconds per function role. */
  readonly lambda: {
    readonly verifier: { readonly invocations: number; readonly gbSeconds: number };
    readonly consumer: { readonly invocations: number; readonly gbSeconds: number };
  };
  /**
   * The audit archive: the archiver's invocations and billed GB-seconds during the load (contended,
   * so an upper bound), and the bytes it put into Firehose (records are packed far above 5 KB).
   */
  readonly auditArchive: {
    readonly invocations: number;
    readonly gbSeconds: number;
    readonly firehoseBytes: number;
  };
  /** Records the consumer was handed in total (for the batch fill). */
  readonly consumerRecords: number;
  readonly dynamodb: {
    readonly wru: number;
    readonly rru: number;
    readonly requests: Readonly<Record<string, number>>;
  };
  readonly sqs: Readonly<Record<string, number>>;
  readonly secretsManagerCalls: number;
  /** Bytes the functions logged (what CloudWatch Logs would ingest, before its per-event overhead). */
  readonly logBytes: number;
  /**
   * Lambda's own lines (START, END, REPORT per invocation at the default system log level): billed
   * as the functions' are, and counted apart because only configuration removes them.
   */
  readonly platformLog: { readonly bytes: number; readonly lines: number };
  /** The API stage's access log: one line per request, in the stage's format; 429s apart. */
  readonly accessLog: { readonly bytes: number; readonly lines: number };
  /**
   * The access log's lines for requests the stage throttled (429): billed like the others, but a
   * measure of how far the load generator outran the stage's throttle rather than of an event.
   */
  readonly throttledAccessLog: { readonly bytes: number; readonly lines: number };
  /**
   * Item writes by table, action and kind of item (key shape): how many, their write units, and
   * the mean item size written.
   */
  readonly writes: readonly {
    readonly table: string;
    readonly action: string;
    readonly keyShape: string;
    readonly count: number;
    readonly wru: number;
    readonly meanBytes: number;
  }[];
  /** Reads by table, action and kind of item (key shape; a query's with its index): how many, their read units. */
  readonly reads: readonly {
    readonly table: string;
    readonly action: string;
    readonly keyShape: string;
    readonly count: number;
    readonly rru: number;
  }[];
  /**
   * GB-seconds per verifier invocation and per consumer record in a warm, sequential probe after
   * the load: the load itself runs ~60 Lambda instances on a shared 2-core machine, so its
   * durations measure CPU contention, not the functions.
   */
  readonly warm: {
    readonly verifierGbSecondsPerInvocation: number;
    readonly consumerGbSecondsPerRecord: number;
  };
}

export interface CostLine {
  readonly service: string;
  readonly perEvent: string;
  readonly unitPrice: string;
  readonly perMillion: number;
}

export interface CostReport {
  readonly lines: readonly CostLine[];
  readonly totalPerMillion: number;
  /** The same, with the consumer's invocations and duration scaled to full batches of 10. */
  readonly totalPerMillionAtBatch10: number;
  readonly consumerBatchFill: number;
  readonly wruPerEvent: number;
  readonly rruPerEvent: number;
  readonly sqsRequestsPerEvent: number;
  readonly lambdaInvocationsPerEvent: number;
  /** GB-seconds per event as billed during the load (contended; not in the totals). */
  readonly loadGbSecondsPerEvent: number;
  readonly loadDurationPerMillion: number;
  readonly writes: MeasuredUsage['writes'];
  readonly reads: MeasuredUsage['reads'];
  readonly events: number;
  /** The sampling the X-Ray line is priced at. */
  readonly tracing: TracingConfig;
  /** Dollars a month the sampling rule's reservoir adds at most, whatever the volume (not in the totals). */
  readonly xrayReservoirPerMonth: number;
}

/** CloudWatch bills each log event with 26 bytes of overhead. */
const LOG_EVENT_OVERHEAD_BYTES = 26;

const fmt = (n: number, digits = 3) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));

/**
 * Prices one million events from what a run counted; `logLines` adds CloudWatch's per-line
 * overhead, `tracing` is the configuration's (`tracing` in relayflow.config.ts).
 */
export const costModel = (
  usage: MeasuredUsage,
  logLines: number,
  tracing: TracingConfig = TRACING_DEFAULTS,
): CostReport => {
  const xray = xrayTracing(tracing);
  const per = (n: number) => n / usage.events;
  const million = 1e6;
  const sqsRequests = Object.values(usage.sqs).reduce((a, b) => a + b, 0);
  const invocations = usage.lambda.verifier.invocations + usage.lambda.consumer.invocations;
  const gbSeconds = usage.lambda.verifier.gbSeconds + usage.lambda.consumer.gbSeconds;
  const fill = usage.consumerRecords / Math.max(1, usage.lambda.consumer.invocations);
  const functionLogBytes = usage.logBytes + logLines * LOG_EVENT_OVERHEAD_BYTES;
  const platformLogBytes = usage.platformLog.bytes + usage.platformLog.lines * LOG_EVENT_OVERHEAD_BYTES;
  const accessLogBytes = usage.accessLog.bytes + usage.accessLog.lines * LOG_EVENT_OVERHEAD_BYTES;
  const throttledLogBytes =
    usage.throttledAccessLog.bytes + usage.throttledAccessLog.lines * LOG_EVENT_OVERHEAD_BYTES;
  const logBytes = functionLogBytes + platformLogBytes + accessLogBytes + throttledLogBytes;
  const gb = (bytes: number) => bytes / 2 ** 30;
  const logCost =
    gb(functionLogBytes + platformLogBytes) * PRICES.logsPerGb +
    gb(accessLogBytes + throttledLogBytes) * PRICES.logsInfrequentAccessPerGb;

  const lambdaRequestCost = (n: number) => per(n) * PRICES.lambdaPerRequest * million;
  const lambdaDurationCost = (gbs: number) => per(gbs) * PRICES.lambdaArmPerGbSecond * million;
  const lines: CostLine[] = [
    {
      service: 'API Gateway HTTP API',
      perEvent: `${fmt(per(usage.apiRequests))} requests`,
      unitPrice: '$1.00 / million requests',
      perMillion: per(usage.apiRequests) * PRICES.httpApiPerRequest * million,
    },
    {
      service: 'Lambda requests (verifier + consumer)',
      perEvent: `${fmt(per(usage.lambda.verifier.invocations))} + ${fmt(per(usage.lambda.consumer.invocations))} invocations`,
      unitPrice: '$0.20 / million',
      perMillion: lambdaRequestCost(invocations),
    },
    {
      service: 'Lambda duration, arm64 (warm probe × invocations of the load)',
      perEvent: `${fmt(per(usage.lambda.verifier.invocations) * usage.warm.verifierGbSecondsPerInvocation, 4)} + ${fmt(usage.warm.consumerGbSecondsPerRecord * per(usage.consumerRecords), 4)} GB-s`,
      unitPrice: '$0.0000133334 / GB-s',
      perMillion: lambdaDurationCost(
        usage.lambda.verifier.invocations * usage.warm.verifierGbSecondsPerInvocation +
          usage.consumerRecords * usage.warm.consumerGbSecondsPerRecord,
      ),
    },
    {
      service: 'Audit archive (archiver Lambda, load duration; Firehose ingest + partitioning)',
      perEvent: `${fmt(per(usage.auditArchive.invocations), 4)} invocations, ${fmt(per(usage.auditArchive.firehoseBytes), 0)} bytes`,
      unitPrice: '$0.20 / million + $0.0000133334 / GB-s; $0.049 / GB',
      perMillion:
        lambdaRequestCost(usage.auditArchive.invocations) +
        lambdaDurationCost(usage.auditArchive.gbSeconds) +
        (per(usage.auditArchive.firehoseBytes) / 2 ** 30) *
          (PRICES.firehosePerGb + PRICES.firehosePartitioningPerGb) *
          million,
    },
    {
      service: 'DynamoDB writes (on demand)',
      perEvent: `${fmt(per(usage.dynamodb.wru), 2)} WRU`,
      unitPrice: '$0.625 / million WRU',
      perMillion: per(usage.dynamodb.wru) * PRICES.dynamodbPerWru * million,
    },
    {
      service: 'DynamoDB reads (on demand)',
      perEvent: `${fmt(per(usage.dynamodb.rru), 2)} RRU`,
      unitPrice: '$0.125 / million RRU',
      perMillion: per(usage.dynamodb.rru) * PRICES.dynamodbPerRru * million,
    },
    {
      service: 'SQS FIFO',
      perEvent: `${fmt(per(sqsRequests), 2)} requests (${Object.entries(usage.sqs)
        .filter(([, n]) => n > 0)
        .map(([action, n]) => `${action} ${fmt(per(n), 2)}`)
        .join(', ')})`,
      unitPrice: '$0.50 / million requests',
      perMillion: per(sqsRequests) * PRICES.sqsFifoPerRequest * million,
    },
    {
      service: 'Secrets Manager (cached 5 min)',
      perEvent: `${fmt(per(usage.secretsManagerCalls), 5)} calls`,
      unitPrice: '$0.05 / 10,000 calls',
      perMillion: per(usage.secretsManagerCalls) * PRICES.secretsManagerPerCall * million,
    },
    {
      service: 'CloudWatch Logs ingestion',
      perEvent: `${fmt(per(logBytes), 0)} bytes (functions ${fmt(per(functionLogBytes), 0)}, API access log ${fmt(per(accessLogBytes), 0)}, Lambda's START/END/REPORT ${fmt(per(platformLogBytes), 0)}; the access log's lines for the load's throttled requests ${fmt(per(throttledLogBytes), 0)})`,
      unitPrice: '$0.50 / GB; the access log $0.25 / GB (Infrequent Access)',
      perMillion: (logCost / usage.events) * million,
    },
    {
      service: tracing.enabled
        ? `X-Ray (${fmt(tracing.samplingRate * 100, 1)}% of invocations beyond the ${tracing.reservoirPerSecond}/s reservoir; each trace read once)`
        : 'X-Ray (tracing off)',
      perEvent: `${fmt(per(invocations) * xray.share, 3)} traces`,
      unitPrice: '$5.00 recorded + $0.50 retrieved / million traces',
      perMillion: per(invocations) * xray.share * XRAY_PER_TRACE * million,
    },
  ];
  const totalPerMillion = lines.reduce((sum, line) => sum + line.perMillion, 0);

  // At full batches the consumer is invoked once per 10 records; its duration per record is what
  // was measured (a fuller batch mostly spreads the same per-record work over fewer invocations).
  const batch10Invocations = usage.consumerRecords / 10;
  const consumerDelta =
    lambdaRequestCost(batch10Invocations) -
    lambdaRequestCost(usage.lambda.consumer.invocations) +
    (per(batch10Invocations) - per(usage.lambda.consumer.invocations)) *
      xray.share *
      XRAY_PER_TRACE *
      million;
  return {
    lines,
    totalPerMillion,
    totalPerMillionAtBatch10: totalPerMillion + consumerDelta,
    consumerBatchFill: fill,
    wruPerEvent: per(usage.dynamodb.wru),
    rruPerEvent: per(usage.dynamodb.rru),
    sqsRequestsPerEvent: per(sqsRequests),
    lambdaInvocationsPerEvent: per(invocations),
    loadGbSecondsPerEvent: per(gbSeconds),
    loadDurationPerMillion: lambdaDurationCost(gbSeconds),
    writes: usage.writes,
    reads: usage.reads,
    events: usage.events,
    tracing,
    xrayReservoirPerMonth: xray.reservoirPerMonth,
  };
};

/** Hookdeck and Svix list prices per million, for comparison. */
export const COMPARISON = [
  { name: 'Hookdeck (list, per million events)', low: 3.3, high: 10 },
  { name: 'Svix (overage, per million messages)', low: 100, high: 100 },
] as const;

/** Issue 13's "must" figures: the cost of a million events at full batches, DynamoDB writes per event. */
export const GOALS = { dollarsPerMillionAtBatch10: 5.0, wruPerEvent: 4 } as const;

/** Markdown lines for docs/benchmarks.md. */
export const costSection = (
  report: CostReport,
  context: { readonly payloadBytes: number; readonly duplicateShare: number },
): string[] => [
  `Per event that reached PROCESSED, counted by the emulators over the soak run below (~${context.payloadBytes} B`,
  `payloads, ${Math.round(context.duplicateShare * 100)}% duplicate deliveries and the retries of 5% failing sink calls included),`,
  'priced at us-east-1 list prices without free tiers (unit prices in `bench/cost.ts`).',
  '',
  '| service | per event | unit price | $ per million events |',
  '|---|---|---|---|',
  ...report.lines.map(
    (l) => `| ${l.service} | ${l.perEvent} | ${l.unitPrice} | $${l.perMillion.toFixed(3)} |`,
  ),
  `| **total, as measured** (consumer batches held ${report.consumerBatchFill.toFixed(1)} records on average) | | | **$${report.totalPerMillion.toFixed(2)}** |`,
  `| **total at full batches of 10** | | | **$${report.totalPerMillionAtBatch10.toFixed(2)}** |`,
  '',
  ...(report.xrayReservoirPerMonth > 0
    ? [
        `Besides the totals, X-Ray's reservoir records the first ${report.tracing.reservoirPerSecond} request(s) each second whatever the`,
        `rate: up to $${report.xrayReservoirPerMonth.toFixed(2)} a month, reached when every second has that many invocations. Below that`,
        'volume every invocation is traced; `tracing.reservoirPerSecond: 0` leaves only the rate, `tracing.enabled: false` nothing.',
        '',
      ]
    : []),
  'Lambda duration is priced from a warm, sequential probe run after the load (one event at a time), times the',
  `invocations the load made. Billed during the load itself (~60 instances sharing 2 cores, cold starts included) it was`,
  `${report.loadGbSecondsPerEvent.toFixed(4)} GB-s per event, $${report.loadDurationPerMillion.toFixed(2)} per million: a measure of this machine's contention, not of Lambda.`,
  '',
  'DynamoDB writes per event, by table, action and kind of item (its key, up to the first `#`; the emulator bills each item',
  'write at ceil(size / 1 KB), index writes included; a failed condition is billed as a write):',
  '',
  '| table | action | item (key) | writes per event | WRU per event | mean item size |',
  '|---|---|---|---|---|---|',
  ...report.writes.map(
    (w) =>
      `| ${w.table.replace(/^RelayFlowFaults-/, '')} | ${w.action} | \`${w.keyShape}\` | ${(w.count / report.events).toFixed(2)} | ${(w.wru / report.events).toFixed(2)} | ${w.meanBytes.toFixed(0)} B |`,
  ),
  '',
  'DynamoDB reads per event, by table, action and kind of item (a query: its index, then the key of the first item it',
  'evaluated; strongly consistent reads cost 1 RRU per 4 KB, eventually consistent ones half):',
  '',
  '| table | action | item (key) | reads per event | RRU per event |',
  '|---|---|---|---|---|',
  ...report.reads.map(
    (r) =>
      `| ${r.table.replace(/^RelayFlowFaults-/, '')} | ${r.action} | \`${r.keyShape}\` | ${(r.count / report.events).toFixed(2)} | ${(r.rru / report.events).toFixed(2)} |`,
  ),
  '',
  `Beside: Hookdeck $3.30–10 per million at list price; Svix $100 per million (overage).`,
  '',
  `Goals: ≤ $${GOALS.dollarsPerMillionAtBatch10.toFixed(2)} per million all-in at batch 10 — ${
    report.totalPerMillionAtBatch10 <= GOALS.dollarsPerMillionAtBatch10 ? 'met' : 'missed'
  } ($${report.totalPerMillionAtBatch10.toFixed(2)}); ≤ ${GOALS.wruPerEvent} WRU per event end to end — ${
    report.wruPerEvent <= GOALS.wruPerEvent ? 'met' : 'missed'
  } (${report.wruPerEvent.toFixed(2)} WRU, ${report.rruPerEvent.toFixed(2)} RRU).`,
];
