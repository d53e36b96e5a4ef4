import * as z from 'zod/mini';
import { GLOB_STARS_MESSAGE, globMatches, MAX_GLOB_STARS, starsIn } from '#shared/routing/glob';
import type { EventStatus } from '#shared/store/records';

/**
 * Statuses an operator may select for a replay (issue: replay state machine input). A
 * COMPENSATION_FAILED event's replay resumes its compensation; a COMPENSATED one's runs its
 * workflow again from the first step, under a new run (decision 0049).
 */
export const SELECTABLE_STATUSES = [
  'DEAD_LETTERED',
  'QUARANTINED',
  'STALE',
  'PROCESSED',
  'COMPENSATED',
  'COMPENSATION_FAILED',
] as const;
export type SelectableStatus = (typeof SELECTABLE_STATUSES)[number];

/** Most events one execution may handle: keeps an execution well under Step Functions' history quota. */
export const MAX_LIMIT = 10_000;
/** Fastest replay rate: the consumer, not SQS, is what a replay storm would overwhelm. */
export const MAX_RATE_PER_SECOND = 100;
/** Most events one batch invocation handles. */
export const MAX_BATCH_SIZE = 100;
/**
 * Most batch iterations per execution. Each iteration writes about a dozen history events
 * (task, choice, wait); 1,000 of them stay well under the 25,000-event quota.
 */
export const MAX_ITERATIONS = 1_000;

const nonEmpty = () => z.string().check(z.trim(), z.minLength(1), z.maxLength(512));
const isoTime = () => z.iso.datetime({ offset: true });

const FilterSchema = z.strictObject({
  tenant: z.optional(nonEmpty()),
  provider: z.optional(nonEmpty()),
  /** A canonical type, or a glob with `*` (`payment.*`). */
  type: z.optional(nonEmpty().check(z.refine((glob) => starsIn(glob) <= MAX_GLOB_STARS, GLOB_STARS_MESSAGE))),
  /** `kind:id` of the entity (`customer:cus_123`); needs `provider`. */
  entity: z.optional(
    z.string().check(z.regex(/^[^:\s]+:\S+$/, 'entity must be written kind:id, e.g. customer:cus_123')),
  ),
  /** Received at or after (ISO 8601). */
  since: z.optional(isoTime()),
  /** Received before (ISO 8601). */
  until: z.optional(isoTime()),
  eventIds: z.optional(z.array(nonEmpty()).check(z.minLength(1), z.maxLength(MAX_LIMIT))),
});
export type ReplayFilter = z.infer<typeof FilterSchema>;

/**
 * The replay state machine's input, as an operator writes it in the console or the CLI builds
 * it. Unknown fields are refused, so that a typo (`dryrun`) cannot silently select defaults.
 */
export const ReplayInputSchema = z
  .strictObject({
    source: z._default(z.enum(['dlq', 'store']), 'dlq'),
    statuses: z.optional(z.array(z.enum(SELECTABLE_STATUSES)).check(z.minLength(1))),
    filter: z._default(FilterSchema, {}),
    limit: z._default(z.int().check(z.gte(1), z.lte(MAX_LIMIT)), 100),
    ratePerSecond: z._default(z.number().check(z.gt(0), z.lte(MAX_RATE_PER_SECOND)), 10),
    dryRun: z._default(z.boolean(), true),
    force: z._default(z.boolean(), false),
    renormalize: z._default(z.boolean(), false),
    reason: z
      .string()
      .check(
        z.trim(),
        z.minLength(3, "is required (at least 3 characters): it is written to every event's audit timeline"),
        z.maxLength(500),
      ),
  })
  .check(
    z.superRefine((input, ctx) => {
      const { filter } = input;
      if (filter.since && filter.until && Date.parse(filter.since) >= Date.parse(filter.until)) {
        ctx.issues.push({
          code: 'custom',
          message: 'filter.since must be before filter.until',
          input: filter,
          path: ['filter'],
        });
      }
      if (filter.entity && !filter.provider) {
        ctx.issues.push({
          code: 'custom',
          message: 'filter.entity needs filter.provider (entities are per provider)',
          input: filter,
          path: ['filter', 'entity'],
        });
      }
      const selectsById = Boolean(filter.eventIds ?? filter.entity);
      if (input.source === 'store' && input.statuses?.includes('PROCESSED') && !selectsById) {
        ctx.issues.push({
          code: 'custom',
          message:
            'PROCESSED events are not indexed by status: select them with filter.eventIds or filter.entity',
          input: input.statuses,
          path: ['statuses'],
        });
      }
    }),
  );
export type ReplayInput = z.input<typeof ReplayInputSchema>;

/** A checked request with every default applied. */
export type ReplayRequest = z.infer<typeof ReplayInputSchema>;

/** The request's input errors, one line each, for a Fail state's cause and the CLI. */
export const describeIssues = (error: z.core.$ZodError): string =>
  error.issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');

/**
 * The statuses a store selection walks the status index for. Without statuses and without ids
 * or an entity, a store replay means the dead-lettered events.
 */
export const indexedStatuses = (request: ReplayRequest): readonly SelectableStatus[] =>
  request.statuses ?? ['DEAD_LETTERED'];

/**
 * Batch size and pause that keep to the rate: a batch of `batchSize` events, then a wait of at
 * least `batchSize / rate` seconds (Wait takes whole seconds). Large limits get larger batches
 * so that an execution needs at most {@link MAX_ITERATIONS} iterations.
 */
export const pacingOf = (request: Pick<ReplayRequest, 'ratePerSecond' | 'limit'>) => {
  const fromRate = Math.floor(request.ratePerSecond);
  const fromLimit = Math.ceil(request.limit / MAX_ITERATIONS);
  const batchSize = Math.min(MAX_BATCH_SIZE, Math.max(1, fromRate, fromLimit), request.limit);
  return { batchSize, waitSeconds: Math.ceil(batchSize / request.ratePerSecond) };
};

export const parseEntity = (entity: string): { kind: string; id: string } => {
  const at = entity.indexOf(':');
  return { kind: entity.slice(0, at), id: entity.slice(at + 1) };
};

/** Whether a stored event fits the request's filters and statuses (not whether it may be replayed). */
export const matchesFilter = (
  request: {
    readonly filter: Omit<ReplayFilter, 'eventIds'> & { readonly eventIds?: readonly string[] };
    readonly statuses?: readonly EventStatus[];
  },
  state: {
    readonly eventId: string;
    readonly status: EventStatus;
    readonly tenant: string;
    readonly provider: string;
    readonly type: string;
    readonly entityKind: string;
    readonly entityId: string;
    readonly receivedAt: string;
  },
): boolean => {
  const { filter, statuses } = request;
  if (statuses && !statuses.includes(state.status)) return false;
  if (filter.tenant && filter.tenant !== state.tenant) return false;
  if (filter.provider && filter.provider !== state.provider) return false;
  if (filter.type && !globMatches(filter.type, state.type)) return false;
  if (filter.entity) {
    const { kind, id } = parseEntity(filter.entity);
    if (kind !== state.entityKind || id !== state.entityId) return false;
  }
  const received = Date.parse(state.receivedAt);
  if (filter.since && received < Date.parse(filter.since)) return false;
  if (filter.until && received >= Date.parse(filter.until)) return false;
  if (filter.eventIds && !filter.eventIds.includes(state.eventId)) return false;
  return true;
};
