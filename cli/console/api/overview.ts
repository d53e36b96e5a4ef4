import {
  GetMetricDataCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type Dimension,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { DescribeExecutionCommand, ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { PauseStore } from '../../../functions/flow/pause-store';
import { isActive, type Pause } from '../../../functions/flow/pauses';
import { DeadLetterQueue, queueDepth } from '../../../functions/operator/dead-letter-queue';
import { EventQueries } from '../../../functions/operator/event-queries';
import { recentlyReceived } from '../../../functions/operator/recent-events';
import type { EventState } from '../../../functions/store/records';
import { executionProgressOf } from '../../commands/replay';
import type { Environment } from '../../environment';
import {
  WINDOWS,
  type OverviewAnswer,
  type Point,
  type QueueHealth,
  type ReplayRun,
  type Window,
} from '../contract';
import { BadRequest } from './events';

/** The namespace the functions publish their EMF metrics to (lib/constructs/observability.ts METRIC_NAMESPACE). */
const NAMESPACE = 'RelayFlow';

const WINDOW_SECONDS: Readonly<Record<Window, number>> = {
  '15m': 900,
  '1h': 3600,
  '6h': 21_600,
  '24h': 86_400,
  '7d': 604_800,
};

/**
 * The consumer's and the verifiers' counts behind each series. An event is processed when the
 * consumer ends it PROCESSED, whatever its route did (ran it, found none, or only planned it);
 * it failed when it ended for good without that (dead-lettered, or a compensation that failed).
 */
const THROUGHPUT = {
  received: ['Received'],
  processed: ['Processed', 'Unrouted', 'DryRun'],
  failed: ['DeadLettered', 'CompensationFailed'],
  retried: ['Retried'],
} as const;
type Measure = keyof typeof THROUGHPUT;

/** The message metrics of functions/channels (delivery.ts, receipts.ts), by the status they count. */
const MESSAGE_METRICS: Readonly<Record<string, string>> = {
  MessageSent: 'SENT',
  MessageDelivered: 'DELIVERED',
  MessageOpened: 'OPENED',
  MessageBounced: 'BOUNCED',
  MessageFailed: 'FAILED',
  MessageUncertain: 'UNCERTAIN',
  MessageReceiptMissing: 'RECEIPT_MISSING',
};

/** GetMetricData takes 500 queries a call. */
const QUERIES_PER_CALL = 500;
/** Replays of the window shown, newest first: each costs a history read. */
const MAX_REPLAYS = 20;
/** Executions of the window described to find them: plans (dry runs) are executions too. */
const MAX_EXECUTIONS_READ = 100;
/** Events of the window read for the targets' counts: no metric counts deliveries per target. */
const MAX_TARGET_EVENTS = 500;
/** DLQ messages sampled for the oldest age where CloudWatch has none (as `relayflow dlq` samples). */
const DLQ_SAMPLE = 10;

const sliceValue = () =>
  z
    .string()
    .trim()
    .min(1)
    .max(256)
    .regex(/^[^\s'"\\]+$/, 'must be an id without spaces or quotes');

/** The query string of GET /api/overview (contract.ts). Unknown parameters are refused, so that a typo slices nothing silently. */
export const OverviewQuerySchema = z.strictObject({
  window: z.enum(WINDOWS, {
    error: (issue) =>
      issue.input === undefined
        ? `window is required: one of ${WINDOWS.join(', ')}`
        : `window must be one of ${WINDOWS.join(', ')}, not ${JSON.stringify(issue.input).slice(0, 40)}`,
  }),
  tenant: sliceValue().optional(),
  provider: sliceValue().optional(),
  channel: sliceValue().optional(),
  target: sliceValue().optional(),
});
export type OverviewQuery = z.infer<typeof OverviewQuerySchema>;

/** Checks a query (a parsed query string); a wrong one is a {@link BadRequest} naming every problem. */
export const parseOverviewQuery = (input: unknown): OverviewQuery => {
  const result = OverviewQuerySchema.safeParse(input);
  if (result.success) return result.data;
  throw new BadRequest(
    `${result.error.issues.map((i) => (i.path.length > 0 && i.code !== 'invalid_value' ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}.`,
  );
};

/**
 * The answer with its notes always given: what it could not slice or measure, in words for the
 * page (a slice with no such dimension shows the whole stack's series rather than numbers it does
 * not have).
 */
export type OverviewResult = OverviewAnswer & { readonly notes: readonly string[] };

/**
 * A window's buckets: about 60, each a whole number of minutes as CloudWatch periods are (a
 * minute at least), the last one ending at or just after `now`.
 */
export const bucketsOf = (window: Window, now: Date) => {
  const windowSeconds = WINDOW_SECONDS[window];
  const bucketSeconds = Math.max(60, Math.round(windowSeconds / 60 / 60) * 60);
  const bucketMs = bucketSeconds * 1000;
  const end = Math.ceil(now.getTime() / bucketMs) * bucketMs;
  const count = Math.ceil(windowSeconds / bucketSeconds);
  const start = end - count * bucketMs;
  return { bucketSeconds, start: new Date(start), end: new Date(end), count };
};
type Buckets = ReturnType<typeof bucketsOf>;

interface SeriesRef {
  readonly metric: string;
  readonly dimensions: readonly Dimension[];
}

/** Every series of `metric` in the namespace carrying the given dimension values (the dashboard's SEARCH, as ListMetrics). */
const seriesOf = async (
  cloudwatch: CloudWatchClient,
  metric: string,
  filters: Readonly<Record<string, string | undefined>>,
): Promise<SeriesRef[]> => {
  const wanted = Object.entries(filters).flatMap(([Name, Value]) =>
    Value === undefined ? [] : [{ Name, Value }],
  );
  const found: SeriesRef[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new ListMetricsCommand({
        Namespace: NAMESPACE,
        MetricName: metric,
        Dimensions: wanted,
        NextToken: token,
      }),
    );
    for (const m of page.Metrics ?? []) found.push({ metric, dimensions: m.Dimensions ?? [] });
    token = page.NextToken;
  } while (token);
  return found;
};

/** One statistic per bucket of each query, zero-filled, in the order of `queries`. */
const bucketed = async (
  cloudwatch: CloudWatchClient,
  queries: readonly {
    readonly namespace: string;
    readonly metric: string;
    readonly dimensions: readonly Dimension[];
  }[],
  buckets: Buckets,
  stat = 'Sum',
): Promise<number[][]> => {
  const values = queries.map(() => new Array<number>(buckets.count).fill(0));
  for (let offset = 0; offset < queries.length; offset += QUERIES_PER_CALL) {
    const chunk: MetricDataQuery[] = queries.slice(offset, offset + QUERIES_PER_CALL).map((q, i) => ({
      Id: `q${offset + i}`,
      MetricStat: {
        Metric: { Namespace: q.namespace, MetricName: q.metric, Dimensions: [...q.dimensions] },
        Period: buckets.bucketSeconds,
        Stat: stat,
      },
    }));
    let token: string | undefined;
    do {
      const page = await cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: chunk,
          StartTime: buckets.start,
          EndTime: buckets.end,
          ScanBy: 'TimestampAscending',
          NextToken: token,
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const row = values[Number(result.Id?.slice(1))];
        if (!row) continue;
        (result.Timestamps ?? []).forEach((at, i) => {
          const index = Math.floor((at.getTime() - buckets.start.getTime()) / (buckets.bucketSeconds * 1000));
          if (index >= 0 && index < row.length) row[index] = (row[index] ?? 0) + (result.Values?.[i] ?? 0);
        });
      }
      token = page.NextToken;
    } while (token);
  }
  return values;
};

const pointsOf = (values: readonly number[], buckets: Buckets): Point[] =>
  values.map((v, i) => ({ t: buckets.start.getTime() + i * buckets.bucketSeconds * 1000, v }));

const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);

/** Each measure's series per bucket: the sum of every series of its metrics within the slice. */
const throughput = async (
  cloudwatch: CloudWatchClient,
  query: OverviewQuery,
  buckets: Buckets,
): Promise<Record<Measure, number[]>> => {
  const filters = { tenant: query.tenant, provider: query.provider };
  const found = await Promise.all(
    Object.entries(THROUGHPUT).flatMap(([measure, metrics]) =>
      metrics.map(async (metric) =>
        (await seriesOf(cloudwatch, metric, filters)).map((series) => ({
          measure: measure as Measure,
          series,
        })),
      ),
    ),
  );
  const all = found.flat();
  const values = await bucketed(
    cloudwatch,
    all.map(({ series }) => ({ namespace: NAMESPACE, ...series })),
    buckets,
  );
  const totals = {} as Record<Measure, number[]>;
  for (const measure of Object.keys(THROUGHPUT) as Measure[])
    totals[measure] = new Array<number>(buckets.count).fill(0);
  all.forEach(({ measure }, i) =>
    (values[i] ?? []).forEach((v, bucket) => {
      totals[measure][bucket] = (totals[measure][bucket] ?? 0) + v;
    }),
  );
  return totals;
};

const queueNameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** The queue's latest ApproximateAgeOfOldestMessage of the last 5 minutes: what SQS publishes each minute on AWS. */
const publishedAge = async (
  cloudwatch: CloudWatchClient,
  queueUrl: string,
  now: Date,
): Promise<number | undefined> => {
  const minute = 60_000;
  const end = Math.ceil(now.getTime() / minute) * minute;
  const buckets = { bucketSeconds: 60, start: new Date(end - 5 * minute), end: new Date(end), count: 5 };
  const [row] = await bucketed(
    cloudwatch,
    [
      {
        namespace: 'AWS/SQS',
        metric: 'ApproximateAgeOfOldestMessage',
        dimensions: [{ Name: 'QueueName', Value: queueNameOf(queueUrl) }],
      },
    ],
    buckets,
    'Maximum',
  );
  const latest = [...(row ?? [])].reverse().find((v) => v > 0);
  return latest;
};

const health = (depth: { visible: number; inFlight: number }, age: number | undefined): QueueHealth => ({
  ...depth,
  ...(age !== undefined && depth.visible + depth.inFlight > 0 ? { oldestAgeSeconds: age } : {}),
});

/**
 * The dead-letter queue's depth and the age of its oldest message: CloudWatch's, else the oldest
 * of a sample (the overview and the inbox show the same figure).
 */
export const deadLetterQueueHealth = async (
  env: Environment,
  now: Date,
  notes: string[] = [],
): Promise<QueueHealth> => {
  const deadLetterUrl = env.output('DeadLetterQueueUrl');
  const [deadLetter, deadLetterAge] = await Promise.all([
    queueDepth(env.sqs, deadLetterUrl),
    publishedAge(env.cloudwatch, deadLetterUrl, now),
  ]);
  let dlqAge = deadLetterAge;
  if (dlqAge === undefined && deadLetter.visible > 0) {
    // Reading the DLQ moves nothing: the sample is made visible again at once (dead-letter-queue.ts).
    const sentAt = (await new DeadLetterQueue(env.sqs, deadLetterUrl).peek(DLQ_SAMPLE))
      .flatMap((m) => (m.sentAt ? [Date.parse(m.sentAt)] : []))
      .sort((a, b) => a - b)[0];
    if (sentAt !== undefined) {
      dlqAge = Math.max(0, Math.round((now.getTime() - sentAt) / 1000));
      notes.push(
        `Dead-letter queue: CloudWatch has no age of its oldest message; the age shown is the oldest of ${DLQ_SAMPLE} sampled messages, from when it was first sent.`,
      );
    }
  }
  return health(deadLetter, dlqAge);
};

const queues = async (env: Environment, now: Date, notes: string[]) => {
  const mainUrl = env.output('MainQueueUrl');
  const [main, mainAge, deadLetter] = await Promise.all([
    queueDepth(env.sqs, mainUrl),
    publishedAge(env.cloudwatch, mainUrl, now),
    deadLetterQueueHealth(env, now, notes),
  ]);
  if (mainAge === undefined && main.visible + main.inFlight > 0)
    notes.push(
      'Main queue: CloudWatch has no age of its oldest message (the local runtime publishes no AWS/SQS metrics), and reading the queue would take messages from the consumer.',
    );
  return { main: health(main, mainAge), deadLetter };
};

const ReplayInputSchema = z.object({
  dryRun: z.boolean().optional(),
  filter: z.object({ tenant: z.string().optional(), provider: z.string().optional() }).optional(),
});

/** The newest executions of the replay state machine started in the window, at most `max` (ListExecutions lists newest first). */
const executionsSince = async (
  env: Environment,
  arn: string,
  since: Date,
  max: number,
): Promise<ExecutionListItem[]> => {
  const found: ExecutionListItem[] = [];
  let token: string | undefined;
  do {
    const page = await env.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: max, nextToken: token }),
    );
    const items = page.executions ?? [];
    for (const item of items) if (item.startDate && item.startDate >= since) found.push(item);
    const last = items.at(-1)?.startDate;
    token = last && last >= since && found.length < max ? page.nextToken : undefined;
  } while (token);
  return found.slice(0, max);
};

/**
 * Replays (not plans: a dry run changes nothing) started in the window, newest first, with their
 * plan and summary as `relayflow replay --wait` shows them. In a slice, the replays whose
 * selection could include it: one of the slice's tenant or provider, or of any.
 */
const replays = async (env: Environment, query: OverviewQuery, buckets: Buckets): Promise<ReplayRun[]> => {
  const arn = env.output('ReplayStateMachineArn');
  const runs: ReplayRun[] = [];
  for (const item of await executionsSince(env, arn, buckets.start, MAX_EXECUTIONS_READ)) {
    if (runs.length === MAX_REPLAYS || !item.executionArn) break;
    const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn }));
    let input: z.infer<typeof ReplayInputSchema> = {};
    try {
      input = ReplayInputSchema.parse(JSON.parse(execution.input ?? '{}'));
    } catch {
      // An input that is not the replay's (started by hand) is listed as it is.
    }
    if (input.dryRun) continue;
    const { tenant, provider } = input.filter ?? {};
    if (
      (query.tenant && tenant && tenant !== query.tenant) ||
      (query.provider && provider && provider !== query.provider)
    )
      continue;
    const { plan, summary } = await executionProgressOf(env.sfn, item.executionArn, execution);
    runs.push({
      executionId: item.name ?? item.executionArn.slice(item.executionArn.lastIndexOf(':') + 1),
      status: item.status ?? 'RUNNING',
      startedAt: (item.startDate ?? buckets.start).toISOString(),
      ...(item.stopDate ? { stoppedAt: item.stopDate.toISOString() } : {}),
      ...(plan ? { plan } : {}),
      ...(summary ? { summary } : {}),
    });
  }
  return runs;
};

/** Messages by status per channel and adapter in the window, from the message metrics (per channel, adapter and tenant). */
const channels = async (cloudwatch: CloudWatchClient, query: OverviewQuery, buckets: Buckets) => {
  const metrics = Object.keys(MESSAGE_METRICS);
  const series = (
    await Promise.all(
      metrics.map((metric) => seriesOf(cloudwatch, metric, { tenant: query.tenant, channel: query.channel })),
    )
  ).flat();
  const values = await bucketed(
    cloudwatch,
    series.map((s) => ({ namespace: NAMESPACE, ...s })),
    buckets,
  );
  const byChannel = new Map<string, { via: string; channel: string; counts: Record<string, number> }>();
  series.forEach((s, i) => {
    const dimension = (name: string) => s.dimensions.find((d) => d.Name === name)?.Value ?? 'unknown';
    const channel = dimension('channel');
    const via = dimension('via');
    const key = `${channel}\u0000${via}`;
    const entry = byChannel.get(key) ?? { via, channel, counts: {} };
    const status = MESSAGE_METRICS[s.metric] ?? s.metric;
    entry.counts[status] = (entry.counts[status] ?? 0) + sum(values[i] ?? []);
    byChannel.set(key, entry);
  });
  return [...byChannel.values()]
    .filter((c) => Object.values(c.counts).some((n) => n > 0))
    .sort((a, b) => a.channel.localeCompare(b.channel) || a.via.localeCompare(b.via));
};

/** `route #2 → crm, audit (1 done before); attempt 2`: the targets of the consumer's `processed` entry. */
const deliveredTargetsOf = (detail: string | undefined): string[] => {
  const match = /→ (.+?)(?: \([^)]*\))?(?:; attempt \d+)?$/.exec(detail ?? '');
  return match?.[1] ? match[1].split(', ').filter((id) => id.length > 0) : [];
};

const FAILURE_ACTIONS: ReadonlySet<string> = new Set([
  'retrying',
  'dead-lettered',
  'compensating',
  'compensation-failed',
]);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Deliveries and failures per target in the window, from the newest events' timelines (no
 * metric counts them per target). A delivery is a `processed` entry naming the target; a failure
 * is a failed attempt whose error names it (an http target's errors do). Disabled: an active
 * pause of the target.
 */
const targets = async (
  env: Environment,
  query: OverviewQuery,
  buckets: Buckets,
  pauses: readonly Pause[],
  now: Date,
  notes: string[],
) => {
  const queries = new EventQueries(env.dynamodb, env.output('EventTableName'));
  const ids: string[] = [];
  for await (const entry of recentlyReceived(
    queries,
    { since: buckets.start.toISOString(), until: buckets.end.toISOString(), now },
    100,
  )) {
    if (
      (query.tenant && entry.tenant !== query.tenant) ||
      (query.provider && entry.provider !== query.provider)
    )
      continue;
    ids.push(entry.eventId);
    if (ids.length === MAX_TARGET_EVENTS) {
      notes.push(
        `Targets: counted from the newest ${MAX_TARGET_EVENTS} events of the window (no metric counts deliveries per target).`,
      );
      break;
    }
  }
  const states: EventState[] = await queries.states(ids);
  const disabled = new Set(pauses.filter((p) => p.scope === 'target').map((p) => p.id));
  const counts = new Map<string, { delivered: number; failed: number }>();
  const countOf = (target: string) => {
    const found = counts.get(target) ?? { delivered: 0, failed: 0 };
    counts.set(target, found);
    return found;
  };
  for (const target of disabled) countOf(target);
  const inWindow = (at: string) => at >= buckets.start.toISOString() && at < buckets.end.toISOString();
  const failures: string[] = [];
  for (const state of states) {
    for (const entry of state.audit) {
      if (entry.by !== 'consumer' || !inWindow(entry.at)) continue;
      if (entry.action === 'processed')
        for (const target of deliveredTargetsOf(entry.detail)) countOf(target).delivered += 1;
      else if (FAILURE_ACTIONS.has(entry.action))
        failures.push(`${entry.detail ?? ''} ${state.lastError ?? ''}`);
    }
  }
  const known = [...counts.keys()];
  for (const failure of failures) {
    for (const target of known) {
      if (new RegExp(`(^|[\\s:(])${escapeRegExp(target)}([\\s:,;)]|$)`).test(failure))
        countOf(target).failed += 1;
    }
  }
  return [...counts.entries()]
    .filter(([target]) => !query.target || target === query.target)
    .map(([target, c]) => ({ target, ...c, disabled: disabled.has(target) }))
    .sort((a, b) => a.target.localeCompare(b.target));
};

/**
 * GET /api/overview: live health over the window, for the whole stack or a slice of it. The
 * throughput and channel series come from the metrics the functions publish (EMF, namespace
 * RelayFlow), the queues from SQS and CloudWatch, the replays from the replay state machine, the
 * targets and pauses from the event table.
 */
export const overview = async (
  env: Environment,
  query: { window: Window; tenant?: string; provider?: string; channel?: string; target?: string },
  now: Date,
): Promise<OverviewResult> => {
  const checked = parseOverviewQuery(query);
  const buckets = bucketsOf(checked.window, now);
  const notes: string[] = [];
  if (checked.channel)
    notes.push(
      `Throughput is the whole stack's${checked.tenant || checked.provider ? ' (within the other filters)' : ''}: the received, processed, failed and retried counts carry no channel dimension.`,
    );
  if (checked.target)
    notes.push(
      "Throughput and channels are not sliced by target: no metric carries a target dimension; the target's own row is in Targets.",
    );
  if (checked.provider)
    notes.push(
      'Channels are not sliced by provider: the message metrics carry channel, adapter and tenant only.',
    );

  const pauseStore = new PauseStore(env.dynamodb, {
    tableName: env.output('EventTableName'),
    retentionDays: Number(env.outputs.RetentionDays ?? 30),
  });
  const pauses = (await pauseStore.list()).filter(isActive);
  const [series, queueHealth, replayRuns, channelRows, targetRows] = await Promise.all([
    throughput(env.cloudwatch, checked, buckets),
    queues(env, now, notes),
    replays(env, checked, buckets),
    channels(env.cloudwatch, checked, buckets),
    targets(env, checked, buckets, pauses, now, notes),
  ]);
  const totals = {
    received: sum(series.received),
    processed: sum(series.processed),
    failed: sum(series.failed),
    retried: sum(series.retried),
  };
  return {
    window: checked.window,
    bucketSeconds: buckets.bucketSeconds,
    series: {
      received: pointsOf(series.received, buckets),
      processed: pointsOf(series.processed, buckets),
      failed: pointsOf(series.failed, buckets),
      retried: pointsOf(series.retried, buckets),
    },
    totals,
    retryRate: totals.processed > 0 ? totals.retried / totals.processed : 0,
    queues: queueHealth,
    replays: replayRuns,
    channels: channelRows,
    targets: targetRows,
    pauses,
    notes,
  };
};
