import type { DeadLetter, DeadLetterQueue } from '#shared/operator/dead-letter-queue';
import type { EventQueries } from '#shared/operator/event-queries';
import { START, walkStore, type StoreSelection } from '#shared/operator/store-walk';
import type { EventState } from '#shared/store/records';
import { replayEvent, type EventOutcome, type ReplayEventDependencies } from '#shared/replay/replay-event';
import {
  describeIssues,
  indexedStatuses,
  matchesFilter,
  pacingOf,
  parseEntity,
  ReplayInputSchema,
  type ReplayRequest,
} from '#shared/replay/request';
import {
  emptySummary,
  ReplayStateSchema,
  SAMPLE_SIZE,
  type Cursor,
  type Plan,
  type ReplayState,
  type SampleEvent,
  type Summary,
} from '#shared/replay/state';

export interface ReplayDependencies extends ReplayEventDependencies {
  readonly queries: EventQueries;
  readonly deadLetters: DeadLetterQueue;
}

export interface ReplaySettings {
  /**
   * How long received DLQ messages stay hidden: longer than a batch can run, so that a message
   * being replayed never reappears mid-batch; after a crash they reappear by themselves.
   */
  readonly dlqVisibilitySeconds: number;
  /** Most DLQ messages or index entries a plan looks at. */
  readonly planScanLimit: number;
  /** Most DLQ messages one batch looks at (non-matching ones are looked at again every batch). */
  readonly batchScanLimit: number;
}

export const DEFAULT_SETTINGS: ReplaySettings = {
  dlqVisibilitySeconds: 300,
  planScanLimit: 10_000,
  batchScanLimit: 1_000,
};

/** The state machine input does not describe a replay. Fails the execution with this message. */
export class ReplayInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayInputError';
  }
}

export const parseReplayInput = (input: unknown): ReplayRequest => {
  const parsed = ReplayInputSchema.safeParse(input);
  if (!parsed.success) throw new ReplayInputError(`invalid replay input: ${describeIssues(parsed.error)}`);
  return parsed.data;
};

const storeSelection = (request: ReplayRequest): StoreSelection => {
  const { filter } = request;
  if (filter.eventIds) return { eventIds: filter.eventIds, statuses: [] };
  if (filter.entity && filter.provider) {
    return {
      entity: {
        tenant: filter.tenant ?? 'default',
        provider: filter.provider,
        ...parseEntity(filter.entity),
      },
      statuses: [],
    };
  }
  return { statuses: indexedStatuses(request) };
};

const sampleOf = (state: EventState): SampleEvent => ({
  eventId: state.eventId,
  status: state.status,
  tenant: state.tenant,
  provider: state.provider,
  type: state.type,
  entity: `${state.entityKind}:${state.entityId}`,
  receivedAt: state.receivedAt,
  ...(state.lastError ? { lastError: state.lastError } : {}),
});

/** Groups DLQ messages' events by id, reading each receive's states in one batch. */
const statesOf = async (queries: EventQueries, messages: readonly DeadLetter[]) => {
  const ids = messages.flatMap((m) => (m.claim ? [m.claim.eventId] : []));
  return new Map((await queries.states(ids)).map((s) => [s.eventId, s]));
};

/**
 * Step 1 of the state machine: checks the input, counts the matching events and shows a sample.
 * Changes nothing: DLQ messages it reads are made visible again before it returns.
 */
export const planReplay = async (
  deps: ReplayDependencies,
  settings: ReplaySettings,
  input: unknown,
): Promise<ReplayState> => {
  const request = parseReplayInput(input);
  const counted = { matching: 0, scanned: 0, unknownMessages: 0, truncated: false };
  const sample: SampleEvent[] = [];
  const consider = (state: EventState) => {
    if (!matchesFilter(request, state)) return;
    counted.matching += 1;
    if (sample.length < SAMPLE_SIZE) sample.push(sampleOf(state));
  };

  if (request.source === 'store') {
    for await (const { state } of walkStore(deps.queries, storeSelection(request))) {
      if (counted.scanned === settings.planScanLimit) {
        counted.truncated = true;
        break;
      }
      counted.scanned += 1;
      consider(state);
    }
  } else {
    const held: DeadLetter[] = [];
    try {
      for (;;) {
        if (counted.scanned >= settings.planScanLimit) {
          counted.truncated = true;
          break;
        }
        const messages = await deps.deadLetters.receive(settings.dlqVisibilitySeconds);
        if (messages.length === 0) break;
        held.push(...messages);
        const states = await statesOf(deps.queries, messages);
        for (const message of messages) {
          counted.scanned += 1;
          const state = message.claim ? states.get(message.claim.eventId) : undefined;
          if (state) consider(state);
          else counted.unknownMessages += 1;
        }
      }
    } finally {
      await deps.deadLetters.release(held);
    }
  }

  const pacing = pacingOf(request);
  const plan: Plan = {
    source: request.source,
    matching: counted.matching,
    selected: Math.min(counted.matching, request.limit),
    scanned: counted.scanned,
    truncated: counted.truncated,
    unknownMessages: counted.unknownMessages,
    sample,
    ...pacing,
  };
  const cursor: Cursor =
    request.source === 'dlq' ? { kind: 'dlq', remaining: counted.scanned } : { kind: 'store', ...START };
  return {
    request,
    plan,
    cursor,
    summary: emptySummary(),
    failedIds: [],
    more: plan.selected > 0 || plan.truncated,
  };
};

/** The state a batch task receives: what the previous task returned. */
export const parseReplayState = (raw: unknown): ReplayState => {
  const parsed = ReplayStateSchema.safeParse(raw);
  if (!parsed.success) throw new ReplayInputError(`invalid replay state: ${describeIssues(parsed.error)}`);
  return parsed.data;
};

/** Tallies outcomes into a summary without mutating the one received. */
class Tally {
  readonly summary: Summary;
  readonly failedIds: string[];
  readonly blockedGroups = new Set<string>();

  constructor(state: ReplayState) {
    this.summary = {
      ...state.summary,
      skippedReasons: { ...state.summary.skippedReasons },
      failures: [...state.summary.failures],
      batches: state.summary.batches + 1,
    };
    this.failedIds = [...state.failedIds];
  }

  add(state: EventState, outcome: EventOutcome) {
    const s = this.summary;
    s.handled += 1;
    if (outcome.kind === 'replayed') s.replayed += 1;
    if (outcome.kind === 'skipped') {
      s.skipped += 1;
      s.skippedReasons[outcome.reason] = (s.skippedReasons[outcome.reason] ?? 0) + 1;
    }
    if (outcome.kind === 'failed') {
      s.failed += 1;
      if (s.failures.length < SAMPLE_SIZE) s.failures.push({ eventId: state.eventId, error: outcome.error });
      this.failedIds.push(state.eventId);
      // Later events of its entity must not overtake it.
      this.blockedGroups.add(state.groupId);
    }
  }

  /** An event held back behind a failed one of its group in this execution. */
  blocked(state: EventState): boolean {
    return this.failedIds.includes(state.eventId) || this.blockedGroups.has(state.groupId);
  }
}

/**
 * One iteration of the replay loop: replays up to a batch of matching events, in order, from
 * where the previous batch stopped, and returns the state for the next Choice.
 */
export const replayBatch = async (
  deps: ReplayDependencies,
  settings: ReplaySettings,
  state: ReplayState,
  executionId: string,
): Promise<ReplayState> => {
  const { request } = state;
  const quota = Math.min(state.plan.batchSize, request.limit - state.summary.handled);
  const tally = new Tally(state);
  const ctx = { request, executionId };
  const before = tally.summary.handled;
  const { cursor, exhausted } =
    state.cursor.kind === 'store'
      ? await storeBatch(deps, ctx, state.cursor, quota, tally)
      : await dlqBatch(deps, settings, ctx, quota, tally);
  const progressed = tally.summary.handled > before;
  if (!exhausted && !progressed) {
    tally.summary.stoppedEarly = `a batch read ${settings.batchScanLimit} dead-letter messages without finding one that matches; narrow the filters or replay from the store`;
  }
  return {
    ...state,
    cursor,
    summary: tally.summary,
    failedIds: tally.failedIds,
    more: !exhausted && progressed && tally.summary.handled < request.limit,
  };
};

const storeBatch = async (
  deps: ReplayDependencies,
  ctx: { request: ReplayRequest; executionId: string },
  cursor: Extract<Cursor, { kind: 'store' }>,
  quota: number,
  tally: Tally,
): Promise<{ cursor: Cursor; exhausted: boolean }> => {
  let position = cursor;
  let handled = 0;
  if (quota <= 0) return { cursor, exhausted: true };
  for await (const { state, after } of walkStore(deps.queries, storeSelection(ctx.request), cursor)) {
    position = { kind: 'store', ...after };
    if (!matchesFilter(ctx.request, state) || tally.failedIds.includes(state.eventId)) continue;
    const outcome: EventOutcome = tally.blocked(state)
      ? { kind: 'failed', error: 'held back: an earlier event of its entity failed to replay' }
      : await replayEvent(deps, ctx, state);
    tally.add(state, outcome);
    handled += 1;
    if (handled === quota) return { cursor: position, exhausted: false };
  }
  return { cursor: position, exhausted: true };
};

/**
 * A batch from the FIFO DLQ. Receiving takes messages in flight and a message in flight locks
 * its group, so: messages are handled in receive order (a group's come in order); one that does
 * not match (or waits behind a failure of its group) is held in flight while the rest of the
 * queue is read, then released, and the queue is read again once, to reach the messages its
 * group held back; the batch ends when a whole pass finds nothing new. Every message received is
 * deleted (decided) or released (visibility 0) before the batch returns.
 */
const dlqBatch = async (
  deps: ReplayDependencies,
  settings: ReplaySettings,
  ctx: { request: ReplayRequest; executionId: string },
  quota: number,
  tally: Tally,
): Promise<{ cursor: Cursor; exhausted: boolean }> => {
  const seen = new Set<string>();
  let held: DeadLetter[] = [];
  let handled = 0;
  let scanned = 0;
  let exhausted = false;
  try {
    passes: for (;;) {
      let foundNew = false;
      for (;;) {
        if (handled >= quota) break passes;
        if (scanned >= settings.batchScanLimit) break passes;
        const messages = await deps.deadLetters.receive(settings.dlqVisibilitySeconds);
        if (messages.length === 0) break;
        const states = await statesOf(
          deps.queries,
          messages.filter((m) => !seen.has(m.messageId)),
        );
        for (const [i, message] of messages.entries()) {
          if (handled >= quota) {
            // Not looked at: visible again now, in order, for the next batch.
            held.push(...messages.slice(i));
            break;
          }
          if (seen.has(message.messageId)) {
            held.push(message);
            continue;
          }
          seen.add(message.messageId);
          foundNew = true;
          scanned += 1;
          const state = message.claim ? states.get(message.claim.eventId) : undefined;
          if (!state || !matchesFilter(ctx.request, state) || tally.failedIds.includes(state.eventId)) {
            held.push(message);
            continue;
          }
          const outcome: EventOutcome = tally.blocked(state)
            ? { kind: 'failed', error: 'held back: an earlier event of its entity failed to replay' }
            : await replayEvent(deps, ctx, state);
          tally.add(state, outcome);
          handled += 1;
          if (outcome.kind === 'failed') held.push(message);
          // Only after the re-send succeeded (or the event was found already decided): the store
          // is canonical and the message is only a pointer to it.
          else await deleteOrRelease(deps.deadLetters, message, held);
        }
      }
      if (!foundNew || held.length === 0) {
        exhausted = true;
        break;
      }
      await deps.deadLetters.release(held);
      held = [];
    }
  } finally {
    await deps.deadLetters.release(held);
  }
  const depth = await deps.deadLetters.depth();
  return { cursor: { kind: 'dlq', remaining: depth.visible + depth.inFlight }, exhausted };
};

/**
 * A message whose event was decided leaves the DLQ. If the delete fails the message is made
 * visible again; the next replay finds its event already queued and deletes it then.
 */
const deleteOrRelease = async (deadLetters: DeadLetterQueue, message: DeadLetter, held: DeadLetter[]) => {
  try {
    await deadLetters.delete(message);
  } catch {
    held.push(message);
  }
};
