import type { IntegrationEvent } from '#shared/contract/integration-event';
import type { EventStatus } from '#shared/store/records';
import { PermanentWorkflowError } from '#shared/targets/errors';
import { downstreamKeyOf } from '#shared/targets/index';
import type { Saga } from '#shared/targets/types';
import { aLambdaContext } from '../../helpers/api-gateway';
import { ConsumerHarness, failedIds, HARNESS_SETTINGS } from '../../helpers/consumer-harness';
import { anSqsRecord } from '../../helpers/sqs-events';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/** What an injected failure does to one call of a step or compensation. */
type Injected = 'retryable' | 'permanent' | 'crash';

const STEPS = ['hold-seat', 'charge-card', 'send-ticket'] as const;
const ROUTE = [{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'trip' }] }];
/** Statuses in which the consumer will see the event's message again. */
const IN_FLIGHT: ReadonlySet<EventStatus> = new Set(['QUEUED', 'RETRYING']);

let h: ConsumerHarness;
/** Side effects in the order they happened: `run:<step>` and `undo:<step>`. */
let effects: string[];
/** Per `run:<step>` or `undo:<step>`, the failures its next calls meet (a string: every call). */
let injected: Map<string, Injected | Injected[]>;
/** Calls that hung, as a crashed invocation leaves them. */
let crashed: string[];

const meet = async (call: string): Promise<void> => {
  const plan = injected.get(call);
  const failure = Array.isArray(plan) ? plan.shift() : plan;
  if (failure === 'permanent') throw new PermanentWorkflowError(`${call} refused`);
  if (failure === 'retryable') throw new Error(`${call} unavailable`);
  if (failure === 'crash') {
    crashed.push(call);
    // An invocation that crashes (or times out) never comes back.
    await new Promise<never>(() => undefined);
  }
};

/** A three-step saga whose every step and compensation can be made to fail. */
const trip = (): Saga => ({
  emits: ['trip.ticket_sent'],
  steps: STEPS.map((name) => ({
    name,
    run: async (_event, ctx) => {
      await meet(`run:${name}`);
      effects.push(`run:${name}`);
      if (name === 'send-ticket') await ctx.emit('trip.ticket_sent', { seat: '12A' });
    },
    compensate: async () => {
      await meet(`undo:${name}`);
      effects.push(`undo:${name}`);
    },
  })),
});

beforeAll(async () => {
  h = await ConsumerHarness.start();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.reset();
  effects = [];
  injected = new Map();
  crashed = [];
  h.workflows.set('trip', trip());
});

/**
 * Delivers the event's message until the event settles, as SQS would redeliver it after each
 * failed attempt (each message seen again once more). Returns the status after each delivery.
 */
const drive = async (event: IntegrationEvent, consumer = h.consumer(ROUTE)): Promise<EventStatus[]> => {
  const statuses: EventStatus[] = [];
  for (let receive = 1; receive <= 10; receive += 1) {
    await h.run(consumer, [anSqsRecord(event, { receiveCount: receive })]);
    const status = (await h.store.getState(event.id))?.status ?? 'RECEIVED';
    statuses.push(status);
    if (!IN_FLIGHT.has(status)) break;
  }
  return statuses;
};

const timelineOf = async (event: IntegrationEvent) =>
  ((await h.store.getState(event.id))?.audit ?? [])
    .filter((entry) => entry.by === 'consumer')
    .map((entry) => `${entry.action}${entry.status ? ` ${entry.status}` : ''}`);

describe('workflows as sagas', () => {
  it('runs every step once, in order, resuming after the last completed step when a later one is retried', async () => {
    const event = await h.stored();
    injected.set('run:send-ticket', ['retryable']);

    expect(await drive(event)).toEqual(['RETRYING', 'PROCESSED']);
    expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'run:send-ticket']);
  });

  it.each([
    ['the first step', 'hold-seat', [], 'DEAD_LETTERED'],
    ['the second step', 'charge-card', ['undo:hold-seat'], 'COMPENSATED'],
    ['the last step', 'send-ticket', ['undo:charge-card', 'undo:hold-seat'], 'COMPENSATED'],
  ])(
    'undoes the steps completed before %s fails for good, in reverse order, once each',
    async (_name, failing, undone, final) => {
      const event = await h.stored();
      injected.set(`run:${failing}`, 'permanent');

      const statuses = await drive(event);

      const ran = STEPS.slice(0, STEPS.indexOf(failing as (typeof STEPS)[number])).map((s) => `run:${s}`);
      expect(effects).toEqual([...ran, ...undone]);
      expect(statuses.at(-1)).toBe(final);
    },
  );

  it('ends COMPENSATED with the decision, each compensation and the outcome in the timeline', async () => {
    const event = await h.stored();
    injected.set('run:send-ticket', 'permanent');

    await drive(event);

    const state = await h.store.getState(event.id);
    expect(state?.status).toBe('COMPENSATED');
    expect(await timelineOf(event)).toEqual([
      'compensating RETRYING',
      'compensated',
      'compensated',
      'compensated COMPENSATED',
    ]);
    const consumerEntries = state?.audit.filter((entry) => entry.by === 'consumer') ?? [];
    expect(consumerEntries[0]?.detail).toMatch(
      /^attempt 1: workflow-rejected: .*send-ticket.*; undoing 2 completed steps$/,
    );
    expect(consumerEntries.slice(1, 3).map((entry) => entry.detail)).toEqual([
      'workflow trip: step charge-card undone',
      'workflow trip: step hold-seat undone',
    ]);
    expect(consumerEntries[3]?.detail).toMatch(/undone: charge-card, hold-seat/);
    // Ended, not failed: nothing waits in the dead-letter queue.
    expect(h.sentTo('dlq.fifo')).toEqual([]);
  });

  it('compensates once the last attempt of a step that keeps failing is spent', async () => {
    const event = await h.stored();
    injected.set('run:send-ticket', 'retryable');

    const statuses = await drive(event);

    // Attempts 1 and 2 retry; attempt 3, the last, decides to compensate; the next undoes.
    expect(statuses).toEqual(['RETRYING', 'RETRYING', 'RETRYING', 'COMPENSATED']);
    expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'undo:charge-card', 'undo:hold-seat']);
  });

  it('retries a failed compensation without repeating the compensations already done', async () => {
    const event = await h.stored();
    injected.set('run:send-ticket', 'permanent');
    injected.set('undo:hold-seat', ['retryable', 'retryable']);

    const statuses = await drive(event);

    expect(statuses).toEqual(['RETRYING', 'RETRYING', 'RETRYING', 'COMPENSATED']);
    expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'undo:charge-card', 'undo:hold-seat']);
  });

  it('resumes a compensation after a consumer crash mid-way from what its records say is left', async () => {
    const event = await h.stored();
    injected.set('run:send-ticket', 'permanent');
    injected.set('undo:hold-seat', ['crash']);
    const consumer = h.consumer(ROUTE);
    await h.run(consumer, [anSqsRecord(event)]);

    // The invocation compensating dies after undoing charge-card, in the middle of hold-seat.
    void h.run(
      consumer,
      [anSqsRecord(event, { receiveCount: 2 })],
      aLambdaContext({ getRemainingTimeInMillis: () => 300 }),
    );
    for (let waited = 0; crashed.length === 0 && waited < 5000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    // SQS shows the message again once its visibility runs out; the crashed run's claim has expired by then.
    await new Promise((r) => setTimeout(r, 400));
    await h.run(h.consumer(ROUTE), [anSqsRecord(event, { receiveCount: 3 })]);

    expect(crashed).toEqual(['undo:hold-seat']);
    expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'undo:charge-card', 'undo:hold-seat']);
    expect((await h.store.getState(event.id))?.status).toBe('COMPENSATED');
    const key = downstreamKeyOf(event.id, 'workflow:trip');
    expect((await h.recordsOf(event.id)).filter((sk) => sk.startsWith('SAGA#')).sort()).toEqual(
      [
        `SAGA#${key}#COMPENSATE`,
        `SAGA#${key}#DONE#charge-card`,
        `SAGA#${key}#DONE#hold-seat`,
        `SAGA#${key}#UNDONE#charge-card`,
        `SAGA#${key}#UNDONE#hold-seat`,
      ].sort(),
    );
  });

  it.each([
    ['fails for good', 'permanent' as const, ['RETRYING', 'COMPENSATION_FAILED']],
    [
      'keeps failing past its attempts',
      'retryable' as const,
      ['RETRYING', 'RETRYING', 'RETRYING', 'COMPENSATION_FAILED'],
    ],
  ])(
    'ends COMPENSATION_FAILED, in the dead-letter queue, when a compensation %s',
    async (_name, failure, expected) => {
      const event = await h.stored();
      injected.set('run:send-ticket', 'permanent');
      injected.set('undo:hold-seat', failure);

      expect(await drive(event)).toEqual(expected);

      const state = await h.store.getState(event.id);
      expect(state?.lastError).toMatch(
        /^compensation-(rejected|failed): compensating step hold-seat of workflow trip failed/,
      );
      expect((await timelineOf(event)).at(-1)).toBe('compensation-failed COMPENSATION_FAILED');
      expect(h.sentTo('dlq.fifo')).toEqual([event.id]);
      expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'undo:charge-card']);
    },
  );

  it('resumes a failed compensation when the event is replayed, undoing only what is left', async () => {
    const event = await h.stored();
    injected.set('run:send-ticket', 'permanent');
    injected.set('undo:hold-seat', ['permanent']);
    await drive(event);
    // What a replay from the dead-letter queue does: the same run, its attempts counted afresh.
    await h.store.transition(
      event.id,
      ['COMPENSATION_FAILED'],
      'QUEUED',
      { at: new Date().toISOString(), action: 'replayed', by: 'replay', status: 'QUEUED' },
      { attempts: 0 },
    );

    expect(await drive(event)).toEqual(['COMPENSATED']);
    expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'undo:charge-card', 'undo:hold-seat']);
  });

  it('keeps a one-step workflow as it was: its step has its target’s key, and a failure dead-letters', async () => {
    const keys: string[] = [];
    h.workflows.set('plain', (_event, ctx) => {
      keys.push(ctx.idempotencyKey);
      return Promise.reject(new PermanentWorkflowError('bad data'));
    });
    const event = await h.stored();

    await h.run(h.consumer([{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'plain' }] }]), [
      anSqsRecord(event),
    ]);

    expect(keys).toEqual([downstreamKeyOf(event.id, 'workflow:plain')]);
    const state = await h.store.getState(event.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toBe('workflow-rejected: workflow plain failed: bad data');
    expect((await h.recordsOf(event.id)).filter((sk) => sk.startsWith('SAGA#'))).toEqual([]);
  });
});

describe('ctx.emit', () => {
  it('publishes a step’s event once across retries, with the emitting event as its cause', async () => {
    const event = await h.stored({ depth: 2 });
    // The step emits, then fails: its retry emits again, which ingest takes as a duplicate.
    h.workflows.set('notify', {
      emits: ['trip.ticket_sent'],
      steps: [
        {
          name: 'notify',
          run: async (_event, ctx) => {
            await ctx.emit('trip.ticket_sent', { seat: '12A' });
            await meet('run:notify');
          },
        },
      ],
    });
    injected.set('run:notify', ['retryable']);
    const route = [{ match: { type: 'payment.*' }, targets: [{ kind: 'workflow', name: 'notify' }] }];

    expect(await drive(event, h.consumer(route))).toEqual(['RETRYING', 'PROCESSED']);

    // One event, stored once; the retry's duplicate publish re-sends its claim check under the
    // same deduplication id (decision 0045), which the FIFO queue drops.
    const emitted = [...new Set(h.sentTo('main.fifo'))];
    expect(emitted).toHaveLength(1);
    expect(new Set(h.deduplicationIdsTo('main.fifo'))).toEqual(new Set(emitted));
    const state = await h.store.getState(emitted[0] ?? '');
    expect(state).toMatchObject({ provider: 'internal', type: 'trip.ticket_sent', tenant: event.tenant });
    const payload = await h.store.getPayload(emitted[0] ?? '');
    expect(payload?.event?.data).toEqual({ seat: '12A' });
    expect(payload?.event?.entity).toEqual(event.entity);
    expect(payload?.request.headers['x-relayflow-origin']).toBe(
      JSON.stringify({ kind: 'workflow', causationId: event.id, depth: 3 }),
    );
  });

  it('refuses, for good, to emit a type the workflow does not declare', async () => {
    const event = await h.stored();
    h.workflows.set('loose', {
      emits: [],
      steps: [{ name: 'say', run: (_event, ctx) => ctx.emit('anything.at_all', {}) }],
    });

    await h.run(h.consumer([{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'loose' }] }]), [
      anSqsRecord(event),
    ]);

    const state = await h.store.getState(event.id);
    expect(state?.status).toBe('DEAD_LETTERED');
    expect(state?.lastError).toMatch(/emits anything\.at_all, which is not in its emits/);
    expect(h.sentTo('main.fifo')).toEqual([]);
  });
});

describe('causation depth', () => {
  it('quarantines an event deeper than maxCausationDepth as a cycle and runs nothing of its route', async () => {
    const cause = 'ev_cause';
    const deep = await h.stored({ depth: 9, causationId: cause }, { depth: 9, causationId: cause });
    const limit = await h.stored({ depth: 8, causationId: cause });

    const response = await h.run(h.consumer(ROUTE), [anSqsRecord(deep), anSqsRecord(limit)]);

    expect(failedIds(response)).toEqual([]);
    expect(effects).toEqual(['run:hold-seat', 'run:charge-card', 'run:send-ticket']);
    const state = await h.store.getState(deep.id);
    expect(state?.status).toBe('QUARANTINED');
    expect(state?.lastError).toBe(
      'cycle: causation depth 9 exceeds maxCausationDepth 8; emitted by ev_cause',
    );
    expect(state?.audit.at(-1)).toMatchObject({
      action: 'quarantined',
      by: 'consumer',
      status: 'QUARANTINED',
    });
    expect((await h.recordsOf(deep.id)).sort()).toEqual(['PAYLOAD', 'STATE']);
    expect((await h.store.getState(limit.id))?.status).toBe('PROCESSED');
  });

  it('stops a loop of emitting workflows at maxCausationDepth, quarantining the first event past it', async () => {
    const ticks: string[] = [];
    h.workflows.set('echo', {
      emits: ['loop.tick'],
      steps: [
        {
          name: 'echo',
          run: async (event, ctx) => {
            ticks.push(event.id);
            await ctx.emit('loop.tick', {});
          },
        },
      ],
    });
    const consumer = h.consumer([{ match: { type: '*' }, targets: [{ kind: 'workflow', name: 'echo' }] }], {
      settings: { ...HARNESS_SETTINGS, maxCausationDepth: 2 },
    });
    const origin = await h.stored();

    // Each event's message, then the message of the event it emitted, as the queue would hand them over.
    const chain = [origin.id];
    for (let hop = 0; hop < 5; hop += 1) {
      const state = await h.store.getState(chain.at(-1) ?? '');
      if (!state) break;
      await h.run(consumer, [
        anSqsRecord({
          id: state.eventId,
          correlationId: state.correlationId,
          tenant: state.tenant,
          provider: state.provider,
          entity: { kind: state.entityKind, id: state.entityId },
        }),
      ]);
      const next = h.sentTo('main.fifo').find((id) => !chain.includes(id));
      if (!next) break;
      chain.push(next);
    }

    expect(ticks).toEqual(chain.slice(0, 3));
    expect(chain).toHaveLength(4);
    const last = await h.store.getState(chain[3] ?? '');
    expect(last?.status).toBe('QUARANTINED');
    expect(last?.lastError).toBe(
      `cycle: causation depth 3 exceeds maxCausationDepth 2; emitted by ${chain[2] ?? ''}`,
    );
  });

  it('judges the stored event’s own depth when its state carries none', async () => {
    const deep = await h.stored({ depth: 12 });

    await h.run(h.consumer(ROUTE), [anSqsRecord(deep)]);

    expect(effects).toEqual([]);
    expect((await h.store.getState(deep.id))?.lastError).toBe(
      'cycle: causation depth 12 exceeds maxCausationDepth 8',
    );
  });
});
