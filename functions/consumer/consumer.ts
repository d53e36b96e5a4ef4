import { randomUUID } from 'node:crypto';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { makeIdempotent, type IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { ClaimCheckSchema, runKeyOf, type ClaimCheck } from '#shared/queue/claim-check';
import type { Router } from '#shared/routing/routes';
import type { EventPayload, EventStore } from '#shared/store/event-store';
import type { ProcessingStore } from '#shared/store/processing-store';
import type { RawBodies } from '#shared/store/raw-bodies';
import type { EventState, EventStatus } from '#shared/store/records';
import type { Deliveries } from '#shared/targets/index';
import { retryDelaySeconds } from '#shared/consumer/backoff';
import { brief, classify, DeadlineError, PoisonMessageError, UnprocessableEventError, type Failure } from '#shared/consumer/errors';
import type { ConsumerQueue } from '#shared/consumer/queue';
import { CONSUMABLE, consumerEntry, runRoute, type RunInput, type RunResult } from '#shared/consumer/route-run';

export interface ConsumerDependencies {
  readonly store: EventStore;
  readonly processing: ProcessingStore;
  readonly rawBodies: RawBodies;
  readonly router: Router;
  readonly deliveries: Deliveries;
  readonly queue: ConsumerQueue;
  readonly idempotency: { readonly persistenceStore: BasePersistenceLayer; readonly config: IdempotencyConfig };
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  readonly random: () => number;
}

export interface ConsumerSettings {
  /** Attempts at an event, counted by the consumer on the event, before it is dead-lettered. */
  readonly maxAttempts: number;
  /**
   * SQS maxReceiveCount of the main queue, a backstop above maxAttempts: receives also count
   * while a record waits untried behind a failing one of its group.
   */
  readonly maxReceiveCount: number;
  readonly backoff: { readonly baseSeconds: number; readonly maxSeconds: number };
  /** A record is not started with less time than this left (the slowest target's timeout and margin). */
  readonly deadlineReserveMs: number;
}

/** Idempotency records are keyed under this prefix, not the function name, so a redeploy keeps them. */
export const IDEMPOTENCY_KEY_PREFIX = 'relayflow-consumer';

const FINAL: ReadonlySet<EventStatus> = new Set(['PROCESSED', 'STALE']);

/** Why a record was reported failed, and when SQS should show it again. */
class RecordFailedError extends Error {
  constructor(readonly visibilitySeconds: number) {
    super('record failed; it will be retried');
    this.name = 'RecordFailedError';
  }
}

const receiveCountOf = (record: SQSRecord) => Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);

/**
 * Attempts already made in this run of the event. A message that finds its event DEAD_LETTERED
 * is a new run (a replay or a provider's redelivery re-opened it, and the consumer may see the
 * message before the replay has moved the status): it starts from zero.
 */
const attemptsBefore = (state: EventState) => (state.status === 'DEAD_LETTERED' ? 0 : (state.attempts ?? 0));

const parseClaim = (record: SQSRecord): ClaimCheck => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch (error) {
    throw new PoisonMessageError('message body is not JSON', { cause: error });
  }
  const parsed = ClaimCheckSchema.safeParse(json);
  if (!parsed.success) throw new PoisonMessageError('message body is not a claim check');
  return parsed.data;
};

/**
 * The consumer of the main FIFO queue (docs/processing.md). Powertools' FIFO partial processor
 * runs the records in order and, with skipGroupOnError, fails the later records of a failed
 * record's group while other groups proceed. Each record runs its route once per event id
 * (Powertools idempotency keyed on our event id, never the SQS messageId).
 */
export const createConsumer = (deps: ConsumerDependencies, settings: ConsumerSettings) => {
  const { logger } = deps;
  const runIdempotently = makeIdempotent(
    // The key object is built fresh per call and never mutated: Powertools re-hashes it when it
    // saves the result.
    (_key: { readonly eventId: string }, input: RunInput): Promise<RunResult> => runRoute(deps, input),
    {
      persistenceStore: deps.idempotency.persistenceStore,
      config: deps.idempotency.config,
      keyPrefix: IDEMPOTENCY_KEY_PREFIX,
    },
  );

  /** One EMF line per metric: a single metric is flushed as soon as it is added. */
  const emit = (event: Pick<IntegrationEvent, 'provider' | 'tenant' | 'correlationId'>, name: string, unit: Unit, value: number) => {
    const single = deps.metrics.singleMetric();
    single.addDimensions({ provider: event.provider, tenant: event.tenant });
    single.addMetadata('correlationId', event.correlationId);
    single.addMetric(name, unit, value);
  };
  const count = (event: Pick<IntegrationEvent, 'provider' | 'tenant' | 'correlationId'>, metric: string) =>
    emit(event, metric, MetricUnit.Count, 1);

  const rawBodyOf = (payload: EventPayload) => {
    let cached: Promise<Buffer> | undefined;
    const load = async (): Promise<Buffer> => {
      const raw = payload.raw;
      if (raw.kind === 's3') return deps.rawBodies.get(raw.bucket, raw.key);
      if (raw.kind === 'item') {
        const item = await deps.store.getRawItem(raw.pk);
        if (item?.body) return item.body;
        if (item?.raw.kind === 's3') return deps.rawBodies.get(item.raw.bucket, item.raw.key);
        throw new UnprocessableEventError(`raw body item ${raw.pk} is missing`);
      }
      if (payload.rawBody) return payload.rawBody;
      throw new UnprocessableEventError('raw body is missing from the payload item');
    };
    return () => (cached ??= load());
  };

  /** What was learned about a record before it failed. */
  interface Known {
    claim?: ClaimCheck;
    state?: EventState;
  }

  /** What happens to a record whose processing threw. Returns normally when the record is done with. */
  const onFailure = async (record: SQSRecord, error: unknown, known: Known): Promise<void> => {
    const failure: Failure = classify(error);
    const state = known.state;
    // Our own count: SQS's receive count also grows while a record is held back untried.
    const attempt = state ? attemptsBefore(state) + 1 : receiveCountOf(record);
    const now = deps.now();
    const correlationId = known.claim?.correlationId ?? state?.correlationId ?? 'unknown';
    const subject = { provider: state?.provider ?? 'unknown', tenant: state?.tenant ?? 'unknown', correlationId };

    switch (failure.kind) {
      case 'deadline':
        throw new RecordFailedError(0);
      case 'busy': {
        logger.info('another invocation is processing this event; trying again later', { attempt });
        throw new RecordFailedError(retryDelaySeconds(attempt, settings.backoff, undefined, deps.random));
      }
      case 'permanent': {
        const reason = `${failure.errorClass}: ${failure.message}`;
        logger.error('permanent failure; dead-lettering now', { errorClass: failure.errorClass, error });
        if (state) {
          await deps.store.transition(
            state.eventId,
            CONSUMABLE,
            'DEAD_LETTERED',
            consumerEntry(now, 'DEAD_LETTERED', 'dead-lettered', `attempt ${attempt}: ${reason}`),
            { lastError: brief(reason) },
          );
        }
        await deps.queue.deadLetter(record, reason);
        count(subject, 'DeadLettered');
        return;
      }
      case 'retryable': {
        const reason = `${failure.errorClass}: ${failure.message}`;
        if (attempt >= settings.maxAttempts || receiveCountOf(record) >= settings.maxReceiveCount) {
          logger.error('last attempt failed; dead-lettering now', { errorClass: failure.errorClass, attempt, error });
          if (state) {
            await deps.store.transition(
              state.eventId,
              CONSUMABLE,
              'DEAD_LETTERED',
              consumerEntry(now, 'DEAD_LETTERED', 'dead-lettered', `attempt ${attempt} of ${settings.maxAttempts}, the last: ${reason}`),
              { lastError: brief(reason), attempts: attempt },
            );
          }
          // Moved by us and reported done, not left to the redrive: the later records of its group
          // in this batch were received as often as it was, and would otherwise be held back once
          // more and redriven untried (their receive counts are spent too).
          await deps.queue.deadLetter(record, reason);
          count(subject, 'DeadLettered');
          return;
        }
        const delay = retryDelaySeconds(attempt, settings.backoff, failure.retryAfterSeconds, deps.random);
        const next = new Date(now.getTime() + delay * 1000).toISOString();
        logger.warn('attempt failed; retrying with backoff', { errorClass: failure.errorClass, attempt, delaySeconds: delay, error });
        if (state) {
          await deps.store.transition(
            state.eventId,
            CONSUMABLE,
            'RETRYING',
            consumerEntry(now, 'RETRYING', 'retrying', `attempt ${attempt} of ${settings.maxAttempts} failed; next attempt at ${next}; ${reason}`),
            { lastError: brief(reason), attempts: attempt },
          );
        }
        count(subject, 'Retried');
        throw new RecordFailedError(delay);
      }
    }
  };

  const processRecord = async (record: SQSRecord, context: Context): Promise<string> => {
    const known: Known = {};
    try {
      if (context.getRemainingTimeInMillis() < settings.deadlineReserveMs) throw new DeadlineError();
      const claim = parseClaim(record);
      known.claim = claim;
      logger.appendKeys({ correlationId: claim.correlationId, eventKey: claim.eventId });
      const state = await deps.store.getState(claim.eventId);
      if (!state) throw new PoisonMessageError(`no event ${claim.eventId} in the store`);
      known.state = state;
      logger.appendKeys({ tenant: state.tenant, provider: state.provider, type: state.type });
      // The only run keyed on is the one replay recorded (EventStore.transition `run`): a message's
      // own `run` is not trusted, since every role that may send to the queue could forge one.
      const run = state.run;
      if (claim.run !== undefined && claim.run !== run) {
        // Logged and counted, not audited: an entry per forged message would let a sender grow
        // the state item without bound.
        logger.warn('message names a run that no replay recorded; running the event as its state says', {
          messageRun: claim.run,
          recordedRun: run ?? 'none',
        });
        count(state, 'RunMismatch');
      }
      if (FINAL.has(state.status)) {
        logger.info('event already reached a final status; duplicate message dropped', { status: state.status });
        return 'duplicate';
      }
      const payload = await deps.store.getPayload(claim.eventId);
      const event = payload?.event;
      if (!payload || !event) {
        throw new UnprocessableEventError(payload ? `event is quarantined: ${payload.quarantineReason ?? 'unreadable'}` : 'payload item is missing');
      }
      const runId = randomUUID();
      const runKey = runKeyOf({ eventId: claim.eventId, run });
      const result = await runIdempotently(
        { eventId: runKey },
        { runId, runKey, event, route: deps.router.match(event), attempt: attemptsBefore(state) + 1, rawBody: rawBodyOf(payload) },
      );
      if (result.runId !== runId) {
        // Powertools returned the stored result of an earlier run: the event was handled, but
        // the state was moved since (a replay without force). Say so instead of running it again.
        const at = deps.now();
        await deps.store.transition(
          event.id,
          CONSUMABLE,
          'PROCESSED',
          consumerEntry(at, 'PROCESSED', 'duplicate', `already ${result.outcome} at ${result.at}; not run again`),
        );
        logger.info('event was already handled; not run again', { outcome: result.outcome, at: result.at });
        return 'duplicate';
      }
      const metric = { processed: 'Processed', unrouted: 'Unrouted', stale: 'Stale' }[result.outcome];
      count(event, metric);
      emit(event, 'EndToEndLatency', MetricUnit.Milliseconds, deps.now().getTime() - Date.parse(event.receivedAt));
      logger.info('event handled', { outcome: result.outcome });
      return result.outcome;
    } catch (error) {
      try {
        await onFailure(record, error, known);
      } catch (failure) {
        if (failure instanceof RecordFailedError) throw failure;
        // Recording the failure failed (table or queue down): try the whole record again later.
        logger.error('could not record the failure of a record', { error: failure });
        throw new RecordFailedError(retryDelaySeconds(receiveCountOf(record), settings.backoff, undefined, deps.random));
      }
      return 'dead-lettered';
    } finally {
      logger.removeKeys(['correlationId', 'eventKey', 'tenant', 'provider', 'type']);
    }
  };

  /**
   * Records held back behind a failed record of their group were never tried, but SQS counted
   * the receive. One whose count is spent goes to the dead-letter queue with the next redrive:
   * say so on the event, so the operator sees why and replays it.
   */
  const markHeldBack = async (record: SQSRecord): Promise<void> => {
    if (receiveCountOf(record) < settings.maxReceiveCount) return;
    try {
      const claim = parseClaim(record);
      const at = deps.now();
      await deps.store.transition(
        claim.eventId,
        CONSUMABLE,
        'DEAD_LETTERED',
        consumerEntry(at, 'DEAD_LETTERED', 'dead-lettered', 'held back behind a failing event of its entity until its attempts ran out'),
        { lastError: 'held-back: an earlier event of the same entity kept failing' },
      );
      const state = await deps.store.getState(claim.eventId);
      if (state) count(state, 'DeadLettered');
    } catch (error) {
      logger.error('could not mark a held-back record dead-lettered', { messageId: record.messageId, error });
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    deps.idempotency.config.registerLambdaContext(context);
    const visibility = new Map<string, number>();
    const processor = new SqsFifoPartialProcessorAsync();
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        try {
          return await processRecord(record, context);
        } catch (error) {
          if (error instanceof RecordFailedError) visibility.set(record.messageId, error.visibilitySeconds);
          throw error;
        }
      },
      processor,
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );

    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const changes = [];
    for (const record of event.Records) {
      if (!failed.has(record.messageId)) continue;
      const seconds = visibility.get(record.messageId);
      if (seconds === undefined) await markHeldBack(record);
      // A held-back record is released at once: FIFO keeps it behind its failed predecessor anyway.
      changes.push({ record, seconds: seconds ?? 0 });
    }
    if (changes.length > 0) {
      const refused = await deps.queue.changeVisibility(changes);
      if (refused.length > 0) logger.warn('visibility change refused; those messages return after the queue timeout', { refused });
    }
    return response;
  };
};
