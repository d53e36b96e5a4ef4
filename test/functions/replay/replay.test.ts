import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { queueDepth as depthOf } from '#shared/operator/dead-letter-queue';
import type { DeadLetter } from '#shared/operator/dead-letter-queue';
import { DeadLetterQueue } from '#shared/operator/dead-letter-queue';
import { deduplicationIdOf, type EventQueue } from '#shared/queue/event-queue';
import type { ReplayInput } from '#shared/replay/request';
import {
  EXECUTION_ID,
  eventIdsOf,
  receiveAll,
  runReplay,
  startReplayHarness,
  tableSnapshot,
  type ReplayHarness,
} from '../../helpers/replay';

let h: ReplayHarness;

beforeEach(async () => {
  h = await startReplayHarness();
});

afterEach(async () => {
  await h.stop();
});

const REASON = 'incident 42: target was down';

/** Ingests events, dead-letters them all and marks them DEAD_LETTERED, as the consumer would. */
const deadLettered = async (
  ...events: { id: string; type?: string; customer?: string; tenant?: string; provider?: string }[]
) => {
  const ids: string[] = [];
  for (const e of events) {
    ids.push(
      await h.ingest(
        { id: e.id, type: e.type ?? 'invoice.paid', customer: e.customer },
        { tenant: e.tenant, provider: e.provider },
      ),
    );
  }
  await h.deadLetterAll();
  for (const id of ids) await h.mark(id, 'DEAD_LETTERED');
  return ids;
};

describe('replay from the dead-letter queue', () => {
  it('keeps the DLQ message when the re-send fails, and deletes it once a later replay re-sends', async () => {
    const [id = ''] = await deadLettered({ id: 'evt_1' });
    h.sqs.injectFault('SendMessage', { kind: 'error', code: 'InvalidParameterValue', times: 1 });

    const failed = await runReplay(h.deps, { reason: REASON, dryRun: false });

    expect(failed.summary).toMatchObject({ replayed: 0, failed: 1 });
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.deadLetterQueueUrl))).toEqual([id]);
    expect((await h.store.getState(id))?.status).toBe('DEAD_LETTERED');
    h.clock.advance(61_000);

    const retried = await runReplay(h.deps, { reason: REASON, dryRun: false });

    expect(retried.summary).toMatchObject({ replayed: 1, failed: 0 });
    expect(await receiveAll(h.sqsClient, h.deadLetterQueueUrl)).toEqual([]);
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl))).toEqual([id]);
  });

  it('after a crash between the re-send and the DLQ delete, a second replay deletes the message without sending again', async () => {
    const [id = ''] = await deadLettered({ id: 'evt_1' });
    // The first replay re-sends and marks QUEUED, then dies before its delete: the message
    // stays in flight until its visibility timeout ends.
    class CrashingDeadLetters extends DeadLetterQueue {
      private crashed = false;
      override delete(_message: DeadLetter): Promise<void> {
        this.crashed = true;
        return Promise.reject(new Error('Lambda timed out'));
      }
      override async release(messages: readonly DeadLetter[]): Promise<void> {
        if (!this.crashed) await super.release(messages);
      }
    }
    const crashing = { ...h.deps, deadLetters: new CrashingDeadLetters(h.sqsClient, h.deadLetterQueueUrl) };
    await runReplay(crashing, { reason: REASON, dryRun: false });
    h.clock.advance(301_000);

    const second = await runReplay(h.deps, { reason: REASON, dryRun: false });

    expect(second.summary).toMatchObject({
      replayed: 0,
      skipped: 1,
      skippedReasons: { 'already-queued': 1 },
    });
    expect(await receiveAll(h.sqsClient, h.deadLetterQueueUrl)).toEqual([]);
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl))).toEqual([id]);
    const state = await h.store.getState(id);
    expect(state?.sends).toBe(2);
    expect(state?.audit.map((a) => a.action).filter((a) => a.startsWith('replay'))).toEqual([
      'replayed',
      'replay-skipped',
    ]);
  });

  it('delivers a replay sent within five minutes of the original, with a fresh deduplication id', async () => {
    const [id = ''] = await deadLettered({ id: 'evt_1' });

    await runReplay(h.deps, { reason: REASON, dryRun: false });

    const delivered = await receiveAll(h.sqsClient, h.mainQueueUrl);
    expect(eventIdsOf(delivered)).toEqual([id]);
    expect(delivered[0]?.Attributes?.MessageDeduplicationId).toBe(deduplicationIdOf(id, 2));
    // The control: SQS still remembers the original id, so a replay reusing it would be dropped.
    const group = delivered[0]?.Attributes?.MessageGroupId;
    await h.sqsClient.send(
      new SendMessageCommand({
        QueueUrl: h.mainQueueUrl,
        MessageBody: 'again',
        MessageGroupId: group,
        MessageDeduplicationId: id,
      }),
    );
    expect(await depthOf(h.sqsClient, h.mainQueueUrl)).toEqual({ visible: 0, inFlight: 1 });
  });

  it("keeps the original order of an entity's events across batches", async () => {
    const ids = await deadLettered(
      { id: 'a1', customer: 'cus_a' },
      { id: 'b1', customer: 'cus_b' },
      { id: 'a2', customer: 'cus_a' },
      { id: 'a3', customer: 'cus_a' },
      { id: 'b2', customer: 'cus_b' },
      { id: 'a4', customer: 'cus_a' },
    );
    const [a1, b1, a2, a3, b2, a4] = ids;

    const result = await runReplay(h.deps, { reason: REASON, dryRun: false, ratePerSecond: 2 });

    expect(result.summary).toMatchObject({ replayed: 6, batches: 4 });
    const delivered = await receiveAll(h.sqsClient, h.mainQueueUrl);
    const inGroup = (customer: string) =>
      eventIdsOf(delivered.filter((m) => m.Attributes?.MessageGroupId?.endsWith(`customer:${customer}`)));
    expect(inGroup('cus_a')).toEqual([a1, a2, a3, a4]);
    expect(inGroup('cus_b')).toEqual([b1, b2]);
  });

  it('replays only matching messages and leaves the others visible in the DLQ', async () => {
    const [keep1, replay1, keep2, replay2] = await deadLettered(
      { id: 'k1', type: 'invoice.created', customer: 'cus_a' },
      { id: 'r1', type: 'invoice.paid', customer: 'cus_a' },
      { id: 'k2', type: 'invoice.created', customer: 'cus_b' },
      { id: 'r2', type: 'invoice.paid' },
    );

    const result = await runReplay(h.deps, {
      reason: REASON,
      dryRun: false,
      filter: { type: 'acme.invoice.paid' },
    });

    expect(result.summary).toMatchObject({ replayed: 2, skipped: 0, failed: 0 });
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl)).sort()).toEqual(
      [replay1, replay2].sort(),
    );
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.deadLetterQueueUrl)).sort()).toEqual(
      [keep1, keep2].sort(),
    );
  });

  it('stops at the limit and leaves the rest in the DLQ', async () => {
    const ids = await deadLettered({ id: 'e1' }, { id: 'e2' }, { id: 'e3' }, { id: 'e4' }, { id: 'e5' });

    const result = await runReplay(h.deps, { reason: REASON, dryRun: false, limit: 3, ratePerSecond: 2 });

    expect(result.summary).toMatchObject({ replayed: 3, handled: 3 });
    const replayed = eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl));
    const left = eventIdsOf(await receiveAll(h.sqsClient, h.deadLetterQueueUrl));
    expect(replayed).toHaveLength(3);
    expect([...replayed, ...left].sort()).toEqual([...ids].sort());
  });

  it("audits every replayed event with the operator's reason and the execution id", async () => {
    const [id = ''] = await deadLettered({ id: 'evt_1' });

    await runReplay(h.deps, { reason: REASON, dryRun: false });

    const entry = (await h.store.getState(id))?.audit.at(-1);
    expect(entry).toMatchObject({ action: 'replayed', by: 'replay', status: 'QUEUED' });
    expect(entry?.detail).toContain(REASON);
    expect(entry?.detail).toContain(EXECUTION_ID);
  });
});

describe('a dry run', () => {
  it('changes neither the store nor the queues', async () => {
    await deadLettered({ id: 'e1', customer: 'cus_a' }, { id: 'e2', customer: 'cus_a' }, { id: 'e3' });
    const tableBefore = await tableSnapshot(h.table);
    const counters = h.sqs.counters();

    const plan = await runReplay(h.deps, { reason: REASON });

    expect(plan.plan).toMatchObject({ matching: 3, selected: 3, truncated: false });
    expect(plan.plan.sample).toHaveLength(3);
    expect(await tableSnapshot(h.table)).toEqual(tableBefore);
    const after = h.sqs.counters();
    expect(after.SendMessage ?? 0).toBe(counters.SendMessage ?? 0);
    expect(after.DeleteMessage ?? 0).toBe(counters.DeleteMessage ?? 0);
    expect(await receiveAll(h.sqsClient, h.mainQueueUrl)).toEqual([]);
    const dlq = eventIdsOf(await receiveAll(h.sqsClient, h.deadLetterQueueUrl));
    expect(dlq).toHaveLength(3);
  });

  it('of the store changes nothing either', async () => {
    await deadLettered({ id: 'e1' }, { id: 'e2' });
    const tableBefore = await tableSnapshot(h.table);

    const plan = await runReplay(h.deps, { reason: REASON, source: 'store' });

    expect(plan.plan.matching).toBe(2);
    expect(await tableSnapshot(h.table)).toEqual(tableBefore);
    expect(await receiveAll(h.sqsClient, h.mainQueueUrl)).toEqual([]);
  });
});

describe('replay from the store', () => {
  it('skips a HELD event: only a resume releases it, in its entity’s order', async () => {
    const id = await h.ingest({ id: 'evt_held', type: 'invoice.paid' });
    await receiveAll(h.sqsClient, h.mainQueueUrl).then(() => h.clock.advance(181_000));
    await h.mark(id, 'HELD');

    const skipped = await runReplay(h.deps, {
      reason: REASON,
      dryRun: false,
      source: 'store',
      force: true,
      filter: { eventIds: [id] },
    });

    expect(skipped.summary).toMatchObject({ replayed: 0, skipped: 1, skippedReasons: { held: 1 } });
    expect(await receiveAll(h.sqsClient, h.mainQueueUrl)).toEqual([]);
    expect((await h.store.getState(id))?.status).toBe('HELD');
  });

  it('skips a PROCESSED event unless forced', async () => {
    const id = await h.ingest({ id: 'evt_done', type: 'invoice.paid' });
    await receiveAll(h.sqsClient, h.mainQueueUrl).then(() => h.clock.advance(181_000));
    await h.deadLetterAll();
    await h.mark(id, 'PROCESSED');

    const skipped = await runReplay(h.deps, {
      reason: REASON,
      dryRun: false,
      source: 'store',
      filter: { eventIds: [id] },
    });

    expect(skipped.summary).toMatchObject({
      replayed: 0,
      skipped: 1,
      skippedReasons: { 'already-processed': 1 },
    });
    expect(await receiveAll(h.sqsClient, h.mainQueueUrl)).toEqual([]);
    expect((await h.store.getState(id))?.audit.at(-1)?.action).toBe('replay-skipped');

    const forced = await runReplay(h.deps, {
      reason: REASON,
      dryRun: false,
      source: 'store',
      force: true,
      filter: { eventIds: [id] },
    });

    expect(forced.summary).toMatchObject({ replayed: 1, skipped: 0 });
    expect(eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl))).toEqual([id]);
    expect((await h.store.getState(id))?.status).toBe('QUEUED');
  });

  it('never leaves a forced event QUEUED without a message when the consumer takes it before it is marked', async () => {
    const id = await h.ingest({ id: 'evt_race', type: 'invoice.paid' });
    await h.deadLetterAll();
    await h.mark(id, 'PROCESSED');
    // A consumer as fast as possible: it handles the message the moment it is sent, dropping it
    // if the event is still in a final status (as the real consumer does).
    const seenByConsumer: string[] = [];
    const racingQueue = {
      send: async (message: Parameters<EventQueue['send']>[0]) => {
        const result = await h.deps.queue.send(message);
        const state = await h.store.getState(message.claim.eventId);
        seenByConsumer.push(state?.status ?? 'missing');
        if (state && state.status !== 'PROCESSED' && state.status !== 'STALE') await h.mark(id, 'PROCESSED');
        return result;
      },
    } as EventQueue;

    const result = await runReplay(
      { ...h.deps, queue: racingQueue },
      { reason: REASON, dryRun: false, source: 'store', force: true, filter: { eventIds: [id] } },
    );

    expect(result.summary).toMatchObject({ replayed: 1 });
    expect(seenByConsumer).toEqual(['RECEIVED']);
    const state = await h.store.getState(id);
    expect(state?.status).toBe('PROCESSED');
    expect(state?.audit.map((a) => a.action).slice(-3)).toEqual(['replay-started', 'processed', 'replayed']);
  });

  it('records the run it forces on the event, with its replay-started entry, before the message is sent', async () => {
    const id = await h.ingest({ id: 'evt_forced', type: 'invoice.paid' });
    await h.deadLetterAll();
    await h.mark(id, 'PROCESSED');
    const sends = (await h.store.getState(id))?.sends ?? 0;
    const atSend: { claimRun?: number; state: unknown }[] = [];
    const watchingQueue = {
      send: async (message: Parameters<EventQueue['send']>[0]) => {
        atSend.push({ claimRun: message.claim.run, state: await h.store.getState(message.claim.eventId) });
        return h.deps.queue.send(message);
      },
    } as EventQueue;

    await runReplay(
      { ...h.deps, queue: watchingQueue },
      { reason: REASON, dryRun: false, source: 'store', force: true, filter: { eventIds: [id] } },
    );

    expect(atSend).toEqual([
      {
        claimRun: sends + 1,
        state: expect.objectContaining({
          status: 'RECEIVED',
          run: sends + 1,
          audit: expect.arrayContaining([expect.objectContaining({ action: 'replay-started' })]),
        }),
      },
    ]);
    expect(await h.store.getState(id)).toMatchObject({ status: 'QUEUED', sends: sends + 1, run: sends + 1 });
  });

  it('selects exactly the events matching tenant, provider, type and time window, up to the limit', async () => {
    const t0 = h.clock.now();
    const early = await deadLettered({ id: 'early', type: 'invoice.paid' });
    h.clock.advance(60_000);
    const since = new Date(h.clock.now()).toISOString();
    const [m1, m2, m3] = await deadLettered(
      { id: 'm1', type: 'invoice.paid' },
      { id: 'm2', type: 'invoice.voided' },
      { id: 'm3', type: 'invoice.paid' },
    );
    const others = await deadLettered(
      { id: 'o1', type: 'charge.failed' },
      { id: 'o2', type: 'invoice.paid', tenant: 'beta' },
      { id: 'o3', type: 'invoice.paid', provider: 'acme2' },
    );
    h.clock.advance(60_000);
    const until = new Date(h.clock.now()).toISOString();
    const late = await deadLettered({ id: 'late', type: 'invoice.paid' });
    expect(t0).toBeLessThan(Date.parse(since));
    const filter = { tenant: 'default', provider: 'acme', type: 'acme.invoice.*', since, until };

    const plan = await runReplay(h.deps, { reason: REASON, source: 'store', filter });
    const result = await runReplay(h.deps, {
      reason: REASON,
      dryRun: false,
      source: 'store',
      filter,
      limit: 2,
    });

    expect(plan.plan.sample.map((s) => s.eventId)).toEqual([m1, m2, m3]);
    expect(result.summary).toMatchObject({ replayed: 2, handled: 2 });
    const replayed = eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl));
    expect(replayed).toEqual([m1, m2]);
    for (const id of [...early, m3, ...others, ...late])
      expect((await h.store.getState(id ?? ''))?.status).toBe('DEAD_LETTERED');
  });

  it('refuses to select PROCESSED events by status alone', async () => {
    await expect(
      runReplay(h.deps, { reason: REASON, source: 'store', statuses: ['PROCESSED'] }),
    ).rejects.toThrow(/PROCESSED events are not indexed by status/);
  });

  it("replays one entity's events in the order they happened", async () => {
    const ids: string[] = [];
    for (const [n, minute] of [
      [1, '01'],
      [2, '02'],
      [3, '03'],
    ] as const) {
      ids.push(
        await h.ingest({
          id: `o${n}`,
          type: 'order.updated',
          customer: 'cus_z',
          at: `2025-06-01T10:${minute}:00.000Z`,
        }),
      );
    }
    await h.deadLetterAll();
    for (const id of ids) await h.mark(id, 'DEAD_LETTERED');

    await runReplay(h.deps, {
      reason: REASON,
      dryRun: false,
      source: 'store',
      ratePerSecond: 1,
      filter: { provider: 'acme', entity: 'customer:cus_z' },
    });

    expect(eventIdsOf(await receiveAll(h.sqsClient, h.mainQueueUrl))).toEqual(ids);
  });
});

describe('renormalize', () => {
  it('recovers a QUARANTINED event once its normalizer is fixed', async () => {
    h.acme.broken = true;
    const id = await h.ingest({ id: 'evt_q', type: 'invoice.paid', customer: 'cus_q' });
    expect((await h.store.getState(id))?.status).toBe('QUARANTINED');
    const input: ReplayInput = { reason: REASON, dryRun: false, source: 'store', statuses: ['QUARANTINED'] };

    const withoutRenormalize = await runReplay(h.deps, input);
    const stillBroken = await runReplay(h.deps, { ...input, renormalize: true });
    h.acme.broken = false;
    const fixed = await runReplay(h.deps, { ...input, renormalize: true });

    expect(withoutRenormalize.summary.skippedReasons).toEqual({ quarantined: 1 });
    expect(stillBroken.summary.skippedReasons).toEqual({ 'still-unreadable': 1 });
    expect(fixed.summary).toMatchObject({ replayed: 1 });
    const payload = await h.store.getPayload(id);
    expect(payload?.event).toMatchObject({
      id,
      type: 'acme.invoice.paid',
      entity: { kind: 'customer', id: 'cus_q' },
    });
    expect((await h.store.getState(id))?.status).toBe('QUEUED');
    const delivered = await receiveAll(h.sqsClient, h.mainQueueUrl);
    expect(eventIdsOf(delivered)).toEqual([id]);
    expect(delivered[0]?.Attributes?.MessageGroupId).toBe('default#acme#customer:cus_q');
  });
});
