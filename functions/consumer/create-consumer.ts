import { randomUUID } from 'node:crypto';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import { makeIdempotent, type IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { ClaimCheckSchema, runKeyOf, type ClaimCheck } from '#shared/queue/claim-check';
import { isShown, writeWithMetrics, type MetricPoint } from '#shared/powertools/emf';
import { END_TO_END_FIELD, HANDLED_MESSAGE, HANDLED_OUTCOME_METRICS } from '#shared/powertools/line-metrics';
import type { RelayFlowMetrics } from '#shared/powertools/index';
import type { Route, Router } from '#shared/routing/routes';
import type { EventPayload, EventStore } from '#shared/store/event-store';
import type { ProcessingStore } from '#shared/store/processing-store';
import type { RunIdentity } from '#shared/store/run-records';
import { readRawBody, type RawBodies } from '#shared/store/raw-bodies';
import { FINAL_STATUSES, type EventState, type EventStatus } from '#shared/store/records';
import type { AuditLog } from '#shared/replay/audit-log';
import { TargetError } from '#shared/targets/errors';
import type { Deliveries } from '#shared/targets/index';
import { retryDelaySeconds } from '#shared/consumer/backoff';
import {
  brief,
  classify,
  rootCause,
  DeadlineError,
  PoisonMessageError,
  QuotaDelayError,
  UnprocessableEventError,
} from '#shared/consumer/errors';
import { decideCausation } from '#shared/consumer/causation';
import {
  decideFailure,
  decideHeldBack,
  effectivePolicy,
  type CompensationFailed,
  type DeadLetter,
  type FailurePolicySettings,
} from '#shared/consumer/failure-policy';
import type { ConsumerQueue } from '#shared/consumer/queue';
import type { TenantAdmission } from '#shared/flow/contract';
import type { PauseGate } from '#shared/flow/pause-gate';
import type { ReceiptMatcher } from '#shared/channels/receipts';
import {
  CONSUMABLE,
  consumerEntry,
  runRoute,
  type RunInput,
  type RunResult,
} from '#shared/consumer/route-run';

export interface ConsumerDependencies {
  readonly store: EventStore;
  readonly processing: ProcessingStore;
  /** Appends timeline entries without a status change (dry runs, compensations). */
  readonly audit: Pick<AuditLog, 'append'>;
  readonly rawBodies: RawBodies;
  readonly router: Router;
  readonly deliveries: Deliveries;
  readonly queue: ConsumerQueue;
  /** Per-tenant quotas (issue 18): an event over its tenant's quota is delayed, not refused. */
  readonly admission: TenantAdmission;
  /** Pauses and disabled targets (decision 0053): a held event leaves the queue without an attempt. */
  readonly gate: PauseGate;
  /** Delivery receipts among the events, matched to the messages they are about (issue 15). */
  readonly receipts: Pick<ReceiptMatcher, 'apply'>;
  readonly idempotency: {
    readonly persistenceStore: BasePersistenceLayer;
    readonly config: IdempotencyConfig;
  };
  readonly logger: Logger;
  readonly metrics: RelayFlowMetrics;
  readonly now: () => Date;
  readonly random: () => number;
}

export interface ConsumerSettings extends FailurePolicySettings {
  /** A record is not started with less time than this left (the slowest target's timeout and margin). */
  readonly deadlineReserveMs: number;
  /** An event deeper than this in a chain of workflow emissions is quarantined as a cycle (decision 0049). */
  readonly maxCausationDepth: number;
}

/** Idempotency records are keyed under this prefix, not the function name, so a redeploy keeps them. */
export const IDEMPOTENCY_KEY_PREFIX = 'relayflow-consumer';

/** Why a record was reported failed, and when SQS should show it again. */
class RecordFailedError extends Error {
  constructor(readonly visibilitySeconds: number) {
    super('record failed; it will be retried');
    this.name = 'RecordFailedError';
  }
}

const receiveCountOf = (record: SQSRecord) =>
  Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);

/** Statuses a replay takes an event out of before its message arrives: the message starts a new run. */
const ENDED: ReadonlySet<EventStatus> = new Set(['DEAD_LETTERED', 'COMPENSATION_FAILED']);

/**
 * Attempts already made in this run of the event. A message that finds its event DEAD_LETTERED
 * or COMPENSATION_FAILED is a new run (a replay or a provider's redelivery re-opened it, and the
 * consumer may see the message before the replay has moved the status): it starts from zero.
 */
const attemptsBefore = (state: EventState) => (ENDED.has(state.status) ? 0 : (state.attempts ?? 0));

/** Statuses a cycle's quarantine may move an event from: not QUARANTINED, which it is already. */
const QUARANTINABLE = CONSUMABLE.filter((status) => status !== 'QUARANTINED');

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
    (_key: RunIdentity, input: RunInput): Promise<RunResult> => runRoute(deps, input),
    {
      persistenceStore: deps.idempotency.persistenceStore,
      config: deps.idempotency.config,
      keyPrefix: IDEMPOTENCY_KEY_PREFIX,
    },
  );

  const point = (
    event: Pick<IntegrationEvent, 'provider' | 'tenant'>,
    name: string,
    unit: MetricPoint['unit'],
    value: number,
  ): MetricPoint => ({ name, unit, value, dimensions: { provider: event.provider, tenant: event.tenant } });
  /**
   * The one INFO line of a record (issue 13: one per event per Lambda), found by the correlation
   * and event ids the Logger appends. Its metrics join the invocation's, written once at its end;
   * `linePoints` are read off the line itself by metric filters (line-metrics.ts), and join them
   * only where the log level hides the line.
   */
  const handled = (
    batch: MetricPoint[],
    outcome: string,
    fields: Record<string, unknown> = {},
    points: MetricPoint[] = [],
    linePoints: MetricPoint[] = [],
  ) => {
    logger.info(HANDLED_MESSAGE, { outcome, ...fields });
    batch.push(...points, ...(isShown(logger, 'info') ? [] : linePoints));
  };

  /**
   * An invocation's metrics as one EMF record per provider and tenant (EMF allows one value per
   * dimension in a record), each metric with one value per event: a batch of ten events costs
   * one record instead of twenty.
   */
  const publishBatch = (points: readonly MetricPoint[]) => {
    const byDimensions = new Map<string, MetricPoint[]>();
    for (const p of points) {
      const key = JSON.stringify(p.dimensions);
      byDimensions.set(key, [...(byDimensions.get(key) ?? []), p]);
    }
    for (const group of byDimensions.values())
      writeWithMetrics(logger, deps.metrics, { level: 'debug', message: 'batch metrics', fields: {} }, group);
  };
  /** A count on a rare path, which has a warning or error line of its own. */
  const count = (event: Pick<IntegrationEvent, 'provider' | 'tenant'>, metric: string) =>
    writeWithMetrics(logger, deps.metrics, { level: 'debug', message: metric, fields: {} }, [
      point(event, metric, MetricUnit.Count, 1),
    ]);

  const rawBodyOf = (payload: EventPayload) => {
    let cached: Promise<Buffer> | undefined;
    return () => (cached ??= readRawBody(deps, payload));
  };

  /** What was learned about a record before it failed. */
  interface Known {
    claim?: ClaimCheck;
    state?: EventState;
    /** The route the event took: its retry policy, and its targets', decide the failure. */
    route?: Route;
  }

  /** The status a dead-letter decision ends the event in, with its audit action and metric. */
  const ENDINGS = {
    'dead-letter': { status: 'DEAD_LETTERED', action: 'dead-lettered', metric: 'DeadLettered' },
    'compensation-failed': {
      status: 'COMPENSATION_FAILED',
      action: 'compensation-failed',
      metric: 'CompensationFailed',
    },
  } as const;

  const subjectOf = (known: Known) => ({
    provider: known.state?.provider ?? 'unknown',
    tenant: known.state?.tenant ?? 'unknown',
    correlationId: known.claim?.correlationId ?? known.state?.correlationId ?? 'unknown',
  });

  /**
   * Carries out a decision that ends the event's run: marks the event (when there is one),
   * moves the message to the dead-letter queue, counts it.
   */
  const deadLetter = async (
    record: SQSRecord,
    decision: DeadLetter | CompensationFailed,
    known: Known,
  ): Promise<void> => {
    const ending = ENDINGS[decision.kind];
    if (known.state) {
      await deps.store.transition(
        known.state.eventId,
        CONSUMABLE,
        ending.status,
        consumerEntry(deps.now(), ending.status, ending.action, decision.detail),
        {
          lastError: brief(decision.reason),
          ...(decision.attempts === undefined ? {} : { attempts: decision.attempts }),
        },
      );
    }
    if (decision.kind === 'compensation-failed' || decision.send)
      await deps.queue.deadLetter(record, decision.reason);
    count(subjectOf(known), ending.metric);
  };

  /** What happens to a record whose processing threw. Returns normally when the record is done with. */
  const onFailure = async (record: SQSRecord, error: unknown, known: Known): Promise<void> => {
    const failure = classify(error);
    const { state } = known;
    // Our own count: SQS's receive count also grows while a record is held back untried.
    const receiveCount = receiveCountOf(record);
    const attempt = state ? attemptsBefore(state) + 1 : receiveCount;
    const policy = effectivePolicy(
      settings,
      known.route,
      error instanceof TargetError ? error.targetId : undefined,
    );
    const decision = decideFailure(failure, { attempt, receiveCount }, policy, deps.random);
    const errorClass = 'errorClass' in failure ? failure.errorClass : undefined;
    switch (decision.kind) {
      case 'release':
        if (decision.because === 'busy')
          logger.debug('another invocation is processing this event; trying again later', { attempt });
        if (decision.because === 'quota') {
          logger.debug('tenant is over its quota; trying again later', {
            delaySeconds: decision.delaySeconds,
          });
          count(subjectOf(known), 'QuotaDelayed');
        }
        throw new RecordFailedError(decision.delaySeconds);
      case 'retry': {
        const now = deps.now();
        const next = new Date(now.getTime() + decision.delaySeconds * 1000).toISOString();
        logger.warn('attempt failed; retrying with backoff', {
          errorClass,
          attempt,
          delaySeconds: decision.delaySeconds,
          reason: decision.reason,
          cause: rootCause(error),
        });
        logger.debug('the failed attempt', { error });
        if (state) {
          await deps.store.transition(
            state.eventId,
            CONSUMABLE,
            'RETRYING',
            consumerEntry(
              now,
              'RETRYING',
              'retrying',
              `attempt ${attempt} of ${policy.maxAttempts} failed; next attempt at ${next}; ${decision.reason}`,
            ),
            { lastError: brief(decision.reason), attempts: attempt },
          );
        }
        count(subjectOf(known), 'Retried');
        throw new RecordFailedError(decision.delaySeconds);
      }
      case 'dead-letter':
        if (decision.because === 'permanent')
          logger.error('permanent failure; dead-lettering now', { errorClass, error });
        else logger.error('last attempt failed; dead-lettering now', { errorClass, attempt, error });
        await deadLetter(record, decision, known);
        return;
      case 'compensate': {
        // A step fails only after the event's state was read: without it there is nothing to mark.
        if (!state) throw error;
        logger.warn('a workflow step failed for good; undoing its completed steps', {
          errorClass,
          attempt,
          reason: decision.reason,
        });
        const now = deps.now();
        // The decision is recorded on the saga first: from then on every attempt compensates,
        // whatever becomes of the status write below.
        await deps.processing.beginCompensation(state.eventId, decision.key, brief(decision.reason), now);
        await deps.store.transition(
          state.eventId,
          CONSUMABLE,
          'RETRYING',
          consumerEntry(now, 'RETRYING', 'compensating', decision.detail),
          // The compensation gets attempts of its own.
          { lastError: brief(decision.reason), attempts: 0 },
        );
        count(state, 'Compensating');
        throw new RecordFailedError(0);
      }
      case 'compensation-failed':
        logger.error('a workflow compensation failed for good; the event needs an operator', {
          errorClass,
          attempt,
          error,
        });
        await deadLetter(record, decision, known);
    }
  };

  /**
   * Carries out a cycle's quarantine: the event is QUARANTINED with the reason, counted and
   * alarmed (CausationCycle), and nothing of its route runs.
   */
  const quarantineCycle = async (
    state: EventState,
    reason: string,
    batch: MetricPoint[],
  ): Promise<string> => {
    logger.error('event is too deep in a chain of workflow emissions; quarantined as a cycle', { reason });
    const moved = await deps.store.transition(
      state.eventId,
      QUARANTINABLE,
      'QUARANTINED',
      consumerEntry(deps.now(), 'QUARANTINED', 'quarantined', reason),
      { lastError: brief(reason) },
    );
    handled(
      batch,
      moved ? 'quarantined' : 'duplicate',
      { reason },
      moved ? [point(state, 'CausationCycle', MetricUnit.Count, 1)] : [],
    );
    return moved ? 'quarantined' : 'duplicate';
  };

  /**
   * A target that failed and is now paused (auto-disabled, or paused by an operator meanwhile):
   * the event is held rather than retried, so that no attempt is burned on a target known down.
   */
  const heldForDisabledTarget = async (error: unknown, known: Known, batch: MetricPoint[]) => {
    const { state } = known;
    if (!state || !(error instanceof TargetError) || !error.retryable) return false;
    const pauseKey = await deps.gate.pauseOfTarget(error.targetId);
    if (!pauseKey || !(await deps.gate.hold(state, { kind: 'hold', pauseKey, because: 'paused' })))
      return false;
    logger.warn('target is paused; event held instead of retried', {
      pause: pauseKey,
      cause: rootCause(error),
    });
    handled(batch, 'held', { pause: pauseKey, because: 'paused' }, [
      point(state, 'Held', MetricUnit.Count, 1),
    ]);
    return true;
  };

  const processRecord = async (
    record: SQSRecord,
    context: Context,
    batch: MetricPoint[],
  ): Promise<string> => {
    const known: Known = {};
    try {
      if (context.getRemainingTimeInMillis() < settings.deadlineReserveMs) throw new DeadlineError();
      const claim = parseClaim(record);
      known.claim = claim;
      logger.appendKeys({ correlationId: claim.correlationId, eventId: claim.eventId });
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
      if (FINAL_STATUSES.has(state.status)) {
        handled(batch, 'duplicate', { status: state.status });
        return 'duplicate';
      }
      const deepState = decideCausation(state, settings);
      if (deepState) return await quarantineCycle(state, deepState, batch);
      const payload = await deps.store.getPayload(claim.eventId);
      if (!payload?.event) {
        throw new UnprocessableEventError(
          payload
            ? `event is quarantined: ${payload.quarantineReason ?? 'unreadable'}`
            : 'payload item is missing',
        );
      }
      const event = payload.event;
      // The state's copy is checked first (no payload read); the stored event's is the record.
      const deepEvent = decideCausation(event, settings);
      if (deepEvent) return await quarantineCycle(state, deepEvent, batch);
      const runId = randomUUID();
      const runKey = runKeyOf({ eventId: claim.eventId, run });
      const route = deps.router.match(event);
      known.route = route;
      const gate = await deps.gate.check(state, route);
      if (gate.kind === 'hold' && (await deps.gate.hold(state, gate))) {
        handled(batch, 'held', { pause: gate.pauseKey, because: gate.because }, [
          point(event, 'Held', MetricUnit.Count, 1),
        ]);
        return 'held';
      }
      if (state.status === 'HELD') {
        // A stray copy of a held event's message: the resume sends the event when it releases it.
        handled(batch, 'duplicate', { status: state.status });
        return 'duplicate';
      }
      const admission = await deps.admission.admit(event.tenant);
      if (admission.kind === 'delay') throw new QuotaDelayError(admission.seconds, admission.reason);
      let result: RunResult;
      try {
        const receipt = await deps.receipts.apply(event);
        if (receipt.kind === 'applied')
          logger.appendKeys({ messageId: receipt.messageId, messageStatus: receipt.status });
        else if (receipt.kind === 'unknown-message')
          logger.debug('a receipt for a message this stack did not send', { via: receipt.via });
        result = await runIdempotently(
          { eventId: claim.eventId, runKey },
          {
            runId,
            runKey,
            event,
            route,
            attempt: attemptsBefore(state) + 1,
            rawBody: rawBodyOf(payload),
          },
        );
      } finally {
        await admission.release();
      }
      if (result.runId !== runId) {
        // Powertools returned the stored result of an earlier run: the event was handled, but
        // the state was moved since (a replay without force). Say so instead of running it again.
        const at = deps.now();
        await deps.store.transition(
          event.id,
          CONSUMABLE,
          'PROCESSED',
          consumerEntry(
            at,
            'PROCESSED',
            'duplicate',
            `already ${result.outcome} (earlier in this timeline); not run again`,
          ),
        );
        handled(batch, 'duplicate', { ran: result.outcome });
        return 'duplicate';
      }
      const endToEndMs = deps.now().getTime() - Date.parse(event.receivedAt);
      handled(
        batch,
        result.outcome,
        { [END_TO_END_FIELD]: endToEndMs },
        [],
        [
          point(event, HANDLED_OUTCOME_METRICS[result.outcome], MetricUnit.Count, 1),
          point(event, 'EndToEndLatency', MetricUnit.Milliseconds, endToEndMs),
        ],
      );
      return result.outcome;
    } catch (error) {
      try {
        if (await heldForDisabledTarget(error, known, batch)) return 'held';
        await onFailure(record, error, known);
      } catch (failure) {
        if (failure instanceof RecordFailedError) throw failure;
        // Recording the failure failed (table or queue down): try the whole record again later.
        logger.error('could not record the failure of a record', { error: failure });
        throw new RecordFailedError(
          retryDelaySeconds(receiveCountOf(record), settings.backoff, undefined, deps.random),
        );
      }
      return 'dead-lettered';
    } finally {
      logger.removeKeys([
        'correlationId',
        'eventId',
        'tenant',
        'provider',
        'type',
        'messageId',
        'messageStatus',
      ]);
    }
  };

  /**
   * Records held back behind a failed record of their group were never tried, but SQS counted
   * the receive. One whose count is spent goes to the dead-letter queue with the next redrive:
   * say so on the event, so the operator sees why and replays it.
   */
  const markHeldBack = async (record: SQSRecord): Promise<void> => {
    const decision = decideHeldBack(receiveCountOf(record), settings);
    if (decision.kind === 'release') return;
    try {
      const claim = parseClaim(record);
      const state = await deps.store.getState(claim.eventId);
      // No event to mark: the message is poison, and is dead-lettered as such when it is tried.
      if (!state) return;
      await deadLetter(record, decision, { state });
    } catch (error) {
      logger.error('could not mark a held-back record dead-lettered', { messageId: record.messageId, error });
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    deps.idempotency.config.registerLambdaContext(context);
    const visibility = new Map<string, number>();
    const batch: MetricPoint[] = [];
    const processor = new SqsFifoPartialProcessorAsync();
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        try {
          return await processRecord(record, context, batch);
        } catch (error) {
          if (error instanceof RecordFailedError) visibility.set(record.messageId, error.visibilitySeconds);
          throw error;
        }
      },
      processor,
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
    publishBatch(batch);

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
      if (refused.length > 0)
        logger.warn('visibility change refused; those messages return after the queue timeout', { refused });
    }
    return response;
  };
};
