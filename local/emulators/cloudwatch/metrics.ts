import { z } from 'zod';

/**
 * The metric store of the CloudWatch emulator: datapoints put by PutMetricData or read from the
 * functions' EMF log lines, and the reads the console and tests make of them (GetMetricData with
 * MetricStat, ListMetrics). A series is a namespace, a metric name and an exact set of
 * dimensions, as in CloudWatch: a query names one set and matches no other, a subset included.
 */

/** One datapoint as CloudWatch keeps it: a statistic set, so that a put of values and of statistics add up alike. */
interface Datapoint {
  readonly at: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

interface Series {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly points: Datapoint[];
  /** The latest datapoint's time (puts may come out of order). */
  latest: number;
}

/** CloudWatch keeps datapoints 15 days at one-minute resolution or finer; older ones are of no use to a query here. */
const RETENTION_MS = 15 * 86_400_000;

/** What a query may ask of a series here. Percentiles and extended statistics are not emulated. */
export const STATISTICS = ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface MetricValue {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly at: Date;
  /** The values of one put (EMF allows an array per metric), each one sample. */
  readonly values: readonly number[];
}

const seriesKey = (namespace: string, name: string, dimensions: Readonly<Record<string, string>>) =>
  JSON.stringify([
    namespace,
    name,
    Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);

const statisticOf = (points: readonly Datapoint[], stat: Statistic): number => {
  const sum = points.reduce((total, p) => total + p.sum, 0);
  const count = points.reduce((total, p) => total + p.count, 0);
  switch (stat) {
    case 'Sum':
      return sum;
    case 'SampleCount':
      return count;
    case 'Average':
      return count === 0 ? 0 : sum / count;
    case 'Maximum':
      return Math.max(...points.map((p) => p.max));
    case 'Minimum':
      return Math.min(...points.map((p) => p.min));
  }
};

// The Embedded Metric Format (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
const EmfDirectiveSchema = z.object({
  Namespace: z.string().min(1).max(1024),
  Dimensions: z.array(z.array(z.string().min(1)).max(30)),
  Metrics: z.array(z.object({ Name: z.string().min(1).max(1024), Unit: z.string().optional() })).max(100),
});
const EmfRecordSchema = z.object({
  _aws: z.object({
    Timestamp: z.number().int().nonnegative(),
    CloudWatchMetrics: z.array(EmfDirectiveSchema).min(1),
  }),
});

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * The values an EMF record gives, one per metric and dimension set. CloudWatch drops what the
 * specification forbids rather than failing the log event: a metric whose member is not a
 * number (or an array of at most 100 numbers), or a dimension set naming a member that is
 * missing or not a string, publishes nothing, and the rest of the record still counts.
 */
export const valuesOfEmf = (record: unknown): MetricValue[] => {
  const parsed = EmfRecordSchema.safeParse(record);
  if (!parsed.success) return [];
  const root = record as Record<string, unknown>;
  const at = new Date(parsed.data._aws.Timestamp);
  const values: MetricValue[] = [];
  for (const directive of parsed.data._aws.CloudWatchMetrics) {
    for (const names of directive.Dimensions) {
      const dimensions: Record<string, string> = {};
      for (const dimension of names) {
        const value = root[dimension];
        if (typeof value === 'string' && value !== '') dimensions[dimension] = value;
      }
      if (Object.keys(dimensions).length !== names.length) continue;
      for (const metric of directive.Metrics) {
        const member = root[metric.Name];
        const list = Array.isArray(member) ? member : [member];
        if (list.length === 0 || list.length > 100 || !list.every(isFiniteNumber)) continue;
        values.push({ namespace: directive.Namespace, name: metric.Name, dimensions, at, values: list });
      }
    }
  }
  return values;
};

export interface MetricQuery {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly periodSeconds: number;
  readonly stat: Statistic;
}

export class MetricStore {
  private readonly series = new Map<string, Series>();

  constructor(private readonly now: () => Date) {}

  put(value: MetricValue): void {
    this.putStatistics(value, {
      sum: value.values.reduce((total, v) => total + v, 0),
      count: value.values.length,
      min: Math.min(...value.values),
      max: Math.max(...value.values),
    });
  }

  putStatistics(
    value: Omit<MetricValue, 'values'>,
    statistics: { readonly sum: number; readonly count: number; readonly min: number; readonly max: number },
  ): void {
    const key = seriesKey(value.namespace, value.name, value.dimensions);
    let series = this.series.get(key);
    if (!series) {
      series = {
        namespace: value.namespace,
        name: value.name,
        dimensions: Object.entries(value.dimensions)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([Name, Value]) => ({ Name, Value })),
        points: [],
        latest: 0,
      };
      this.series.set(key, series);
    }
    series.points.push({ at: value.at.getTime(), ...statistics });
    series.latest = Math.max(series.latest, value.at.getTime());
    const oldest = this.now().getTime() - RETENTION_MS;
    while ((series.points[0]?.at ?? oldest) < oldest) series.points.shift();
  }

  /** Records every metric of an EMF record; anything else (a plain log line's object) records nothing. Returns the values recorded. */
  putEmf(record: unknown): number {
    const values = valuesOfEmf(record);
    for (const value of values) this.put(value);
    return values.length;
  }

  /**
   * One statistic per period over [start, end), periods counted from `start` (already rounded
   * by the caller as CloudWatch rounds it); only periods with data, oldest first.
   */
  query(query: MetricQuery, start: Date, end: Date): { timestamps: Date[]; values: number[] } {
    const series = this.series.get(seriesKey(query.namespace, query.name, query.dimensions));
    const periodMs = query.periodSeconds * 1000;
    const buckets = new Map<number, Datapoint[]>();
    for (const point of series?.points ?? []) {
      if (point.at < start.getTime() || point.at >= end.getTime()) continue;
      const bucket = start.getTime() + Math.floor((point.at - start.getTime()) / periodMs) * periodMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), point]);
    }
    const ordered = [...buckets.entries()].sort(([a], [b]) => a - b);
    return {
      timestamps: ordered.map(([at]) => new Date(at)),
      values: ordered.map(([, points]) => statisticOf(points, query.stat)),
    };
  }

  /** Series that have a datapoint since `since`, matching a namespace, a name and dimension filters (a filter without a value matches any value). */
  list(filter: {
    readonly namespace?: string;
    readonly name?: string;
    readonly dimensions?: readonly { readonly Name: string; readonly Value?: string }[];
    readonly since: Date;
  }): Series[] {
    return [...this.series.values()]
      .filter(
        (s) =>
          (filter.namespace === undefined || s.namespace === filter.namespace) &&
          (filter.name === undefined || s.name === filter.name) &&
          (filter.dimensions ?? []).every((wanted) =>
            s.dimensions.some(
              (d) => d.Name === wanted.Name && (wanted.Value === undefined || d.Value === wanted.Value),
            ),
          ) &&
          s.latest >= filter.since.getTime(),
      )
      .map((s) => ({ s, key: JSON.stringify([s.namespace, s.name, s.dimensions]) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ s }) => s);
  }
}
