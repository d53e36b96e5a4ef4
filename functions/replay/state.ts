import * as z from 'zod/mini';
import { ReplayInputSchema } from '#shared/replay/request';

/** Most sample events a plan shows, and most failures a summary lists. */
export const SAMPLE_SIZE = 20;

/** One event as a plan shows it. */
export const SampleEventSchema = z.object({
  eventId: z.string(),
  status: z.string(),
  tenant: z.string(),
  provider: z.string(),
  type: z.string(),
  entity: z.string(),
  receivedAt: z.string(),
  lastError: z.optional(z.string()),
});
export type SampleEvent = z.infer<typeof SampleEventSchema>;

export const PlanSchema = z.object({
  source: z.enum(['dlq', 'store']),
  /** Matching events found (stops counting at the scan cap; see `truncated`). */
  matching: z.int(),
  /** Events the execution would handle: matching, capped by the limit. */
  selected: z.int(),
  /** DLQ messages or index entries looked at. */
  scanned: z.int(),
  /** True when counting stopped at the scan cap: there may be more matching events. */
  truncated: z.boolean(),
  /** DLQ messages whose claim check names no stored event (left in the DLQ). */
  unknownMessages: z.int(),
  sample: z.array(SampleEventSchema),
  batchSize: z.int(),
  waitSeconds: z.int(),
});
export type Plan = z.infer<typeof PlanSchema>;

export const SummarySchema = z.object({
  replayed: z.int(),
  skipped: z.int(),
  failed: z.int(),
  /** replayed + skipped + failed: what counts against the limit. */
  handled: z.int(),
  batches: z.int(),
  skippedReasons: z.record(z.string(), z.int()),
  /** The first failures, for the operator; `failed` counts them all. */
  failures: z.array(z.object({ eventId: z.string(), error: z.string() })),
  /** Why the loop ended before the selection was exhausted, when it did. */
  stoppedEarly: z.optional(z.string()),
});
export type Summary = z.infer<typeof SummarySchema>;

/**
 * Where the next batch continues. A DLQ replay needs no position (replayed messages leave the
 * queue; `remaining` is the approximate depth, for progress); a store replay continues after the
 * last index entry it handled.
 */
export const CursorSchema = z.union([
  z.object({ kind: z.literal('dlq'), remaining: z.int() }),
  z.object({
    kind: z.literal('store'),
    /** Which of the selected statuses (index partitions) is being walked. */
    statusIndex: z.int(),
    /** DynamoDB LastEvaluatedKey of the index walk; absent at a partition's start. */
    lastKey: z.optional(z.record(z.string(), z.string())),
    /** Position in filter.eventIds. */
    offset: z.int(),
  }),
]);
export type Cursor = z.infer<typeof CursorSchema>;

/** What flows between the states of the replay state machine. */
export const ReplayStateSchema = z.object({
  request: ReplayInputSchema,
  plan: PlanSchema,
  cursor: CursorSchema,
  summary: SummarySchema,
  /** Events that failed in this execution: not tried again by later batches. */
  failedIds: z.array(z.string()),
  /** More may remain and the limit is not reached. */
  more: z.boolean(),
});
export type ReplayState = z.infer<typeof ReplayStateSchema>;

export const emptySummary = (): Summary => ({
  replayed: 0,
  skipped: 0,
  failed: 0,
  handled: 0,
  batches: 0,
  skippedReasons: {},
  failures: [],
});

/** The replay Lambda's input: one Lambda serves both task states. */
export const ReplayTaskSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('plan'), input: z.unknown(), executionId: z.string().check(z.minLength(1)) }),
  z.object({ action: z.literal('batch'), state: z.unknown(), executionId: z.string().check(z.minLength(1)) }),
]);
export type ReplayTask = z.infer<typeof ReplayTaskSchema>;
