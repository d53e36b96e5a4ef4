import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { EventQueue } from '#shared/queue/event-queue';
import { decideGate, type Pause } from '#shared/flow/pauses';
import { releaseHeld } from '#shared/flow/release';
import type { IntegrationEvent } from '#shared/contract/integration-event';
import { ConsumerHarness, failedIds } from '../../helpers/consumer-harness';
import { anSqsRecord } from '../../helpers/sqs-events';

const aPause = (overrides: Partial<Pause> = {}): Pause => ({
  scope: 'target',
  id: 'ledger',
  state: 'paused',
  reason: 'ledger maintenance',
  by: 'ops',
  at: '2026-12-07T00:00:00.000Z',
  effectiveAt: '2026-12-07T00:00:06.000Z',
  holds: 0,
  history: [],
  ...overrides,
});

const NOW = new Date('2026-12-07T00:01:00.000Z');
const event = { id: 'e2', provider: 'stripe', tenant: 'acme' };
const route = { id: 'payments', targets: [{ id: 'ledger' }] } as never;

describe('decideGate', () => {
  it('holds an event in a paused scope, and lets it pass once the pause resumes', () => {
    expect(decideGate([aPause()], [], event, [], route, NOW)).toEqual({
      kind: 'hold',
      pauseKey: 'target#ledger',
      because: 'paused',
    });
    expect(decideGate([aPause({ state: 'resuming' })], [], event, [], route, NOW)).toEqual({ kind: 'pass' });
    expect(decideGate([aPause({ state: 'ended' })], [], event, [], route, NOW)).toEqual({ kind: 'pass' });
  });

  it('holds nothing until the pause takes effect, once every consumer has read it', () => {
    const justWritten = new Date('2026-12-07T00:00:03.000Z');
    expect(decideGate([aPause()], [], event, [], route, justWritten)).toEqual({ kind: 'pass' });
  });

  it.each([
    [{ scope: 'provider', id: 'stripe' }, true],
    [{ scope: 'provider', id: 'github' }, false],
    [{ scope: 'tenant', id: 'acme' }, true],
    [{ scope: 'route', id: 'payments' }, true],
    [{ scope: 'route', id: 'refunds' }, false],
    [{ scope: 'target', id: 'crm' }, false],
  ] as const)('scope %o covers the event: %s', (scope, held) => {
    expect(decideGate([aPause(scope)], [], event, [], route, NOW).kind).toBe(held ? 'hold' : 'pass');
  });

  it('holds an event behind a held event of its entity, whatever its own scope, until it is released', () => {
    const lists = [{ pauseKey: 'target#ledger', groupId: 'g', events: ['e1'] }];
    const resuming = [aPause({ state: 'resuming' })];
    expect(decideGate(resuming, lists, { ...event, tenant: 'other' }, [], undefined, NOW)).toEqual({
      kind: 'hold',
      pauseKey: 'target#ledger',
      because: 'behind',
    });
    const listed = [{ pauseKey: 'target#ledger', groupId: 'g', events: ['e1', 'e2'] }];
    expect(decideGate(resuming, listed, event, ['target#ledger'], undefined, NOW)).toEqual({ kind: 'pass' });
    // A consumer that still thinks it paused does not hold what it released.
    expect(decideGate([aPause()], listed, event, ['target#ledger'], route, NOW)).toEqual({ kind: 'pass' });
    // Listed but not released: a hold that did not finish carries on.
    expect(decideGate(resuming, listed, event, [], undefined, NOW).kind).toBe('hold');
  });
});

/** An HTTP target that records what it got, per entity, and answers `status()`. */
const startTarget = async (status: () => number) => {
  const received: { entity: string; id: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const code = status();
      if (code < 300) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as IntegrationEvent;
        received.push({ entity: body.entity.id, id: body.id });
      }
      response.writeHead(code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe('pause, hold and resume in the consumer', () => {
  let harness: ConsumerHarness;
  beforeAll(async () => {
    harness = await ConsumerHarness.start();
  });
  afterAll(() => harness.stop());
  beforeEach(() => harness.reset());

  /** The claim checks the release sent, as the records the queue would deliver, in send order. */
  const resent = (): SQSRecord[] =>
    harness.sqsMock
      .commandCalls(SendMessageCommand)
      .filter((call) => call.args[0].input.QueueUrl === 'main.fifo')
      .map((call) => {
        const input = call.args[0].input;
        const claim = JSON.parse(input.MessageBody ?? '{}') as IntegrationEvent & { eventId: string };
        return anSqsRecord(
          {
            id: claim.eventId,
            correlationId: claim.correlationId,
            tenant: 'default',
            provider: 'stripe',
            entity: { kind: 'customer', id: 'x' },
          },
          { groupId: input.MessageGroupId },
        );
      });

  const release = (pauseKey: string) =>
    releaseHeld(
      {
        pauses: harness.pauses,
        store: harness.store,
        queue: new EventQueue(harness.sqs, 'main.fifo'),
        now: () => new Date(),
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
      },
      pauseKey,
      { ratePerSecond: 100, by: 'ops', pollMs: 10, timeoutMs: 5000 },
    );

  it('holds a paused target’s events without an attempt, then delivers them once, in order, on resume', async () => {
    const target = await startTarget(() => 200);
    try {
      const consumer = harness.consumer([
        {
          id: 'payments',
          match: { type: 'payment.*' },
          targets: [{ kind: 'http', id: 'ledger', url: target.url }],
        },
      ]);
      await harness.pauses.pause('target', 'ledger', {
        at: new Date().toISOString(),
        action: 'paused',
        by: 'ops',
        reason: 'ledger maintenance',
      });
      const events: IntegrationEvent[] = [];
      for (const [entity, n] of [
        ['cus_a', 3],
        ['cus_b', 2],
      ] as const)
        for (let i = 0; i < n; i += 1)
          events.push(
            await harness.stored(
              { entity: { kind: 'customer', id: entity }, occurredAt: `2026-12-07T00:00:0${i}.000Z` },
              { attempts: 1 },
            ),
          );
      const response = await harness.run(
        consumer,
        events.map((e) => anSqsRecord(e)),
      );
      expect(failedIds(response)).toEqual([]);
      expect(target.received).toEqual([]);
      for (const e of events) {
        const state = await harness.store.getState(e.id);
        expect(state).toMatchObject({ status: 'HELD', heldBy: 'target#ledger', attempts: 1 });
        expect(state?.audit.at(-1)).toMatchObject({
          action: 'held',
          detail: expect.stringContaining('no attempt made'),
        });
      }

      // Resumed: an event of a held entity that arrives meanwhile waits behind the held ones.
      expect(
        await harness.pauses.startResume('target#ledger', {
          at: new Date().toISOString(),
          action: 'resume-started',
          by: 'ops',
        }),
      ).toBe(true);
      const late = await harness.stored({ entity: { kind: 'customer', id: 'cus_a' } });
      await harness.run(consumer, [anSqsRecord(late)]);
      expect(await harness.store.getState(late.id)).toMatchObject({
        status: 'HELD',
        heldBy: 'target#ledger',
      });

      const releasing = release('target#ledger');
      // The queue delivers what the release sent, as SQS would, while the release waits for it.
      let fed = 0;
      for (const deadline = Date.now() + 5000; fed < events.length + 1 && Date.now() < deadline;) {
        const records = resent();
        if (records.length > fed) await harness.run(consumer, records.slice(fed));
        fed = records.length;
        await new Promise((r) => setTimeout(r, 20));
      }
      const outcome = await releasing;
      expect(outcome).toMatchObject({ ended: true, released: events.length + 1 });

      const ids = (entity: string) => target.received.filter((r) => r.entity === entity).map((r) => r.id);
      expect(ids('cus_a')).toEqual([...events.slice(0, 3).map((e) => e.id), late.id]);
      expect(ids('cus_b')).toEqual(events.slice(3).map((e) => e.id));
      expect(target.received).toHaveLength(events.length + 1);
      for (const e of events) {
        const state = await harness.store.getState(e.id);
        expect(state).toMatchObject({ status: 'PROCESSED', released: ['target#ledger'] });
        expect(state?.heldBy).toBeUndefined();
      }
      const pause = await harness.pauses.get('target#ledger');
      expect(pause?.state).toBe('ended');
      expect(pause?.history.map((h) => h.action)).toEqual(['paused', 'resume-started', 'ended']);
      expect(await harness.pauses.listsOf('target#ledger')).toEqual([]);
    } finally {
      await target.stop();
    }
  });

  it('lets other targets’ events run while one target is paused', async () => {
    const target = await startTarget(() => 200);
    try {
      const consumer = harness.consumer([
        {
          match: { type: 'payment.*', tenant: 'acme' },
          targets: [{ kind: 'http', id: 'crm', url: target.url }],
        },
        { match: { type: 'payment.*' }, targets: [{ kind: 'http', id: 'ledger2', url: target.url }] },
      ]);
      await harness.pauses.pause('target', 'ledger2', {
        at: new Date().toISOString(),
        action: 'paused',
        by: 'ops',
        reason: 'x',
      });
      const acme = await harness.stored({ tenant: 'acme' });
      const other = await harness.stored();
      await harness.run(consumer, [anSqsRecord(acme), anSqsRecord(other)]);
      expect(target.received.map((r) => r.id)).toEqual([acme.id]);
      expect((await harness.store.getState(other.id))?.status).toBe('HELD');
    } finally {
      await target.stop();
    }
  });

  it('disables a target after its failures in a row, holds the failing event and what follows', async () => {
    let status = 503;
    const target = await startTarget(() => status);
    try {
      const consumer = harness.consumer([
        {
          match: { type: 'payment.*' },
          targets: [
            {
              kind: 'http',
              id: 'flaky',
              url: target.url,
              autoDisable: { consecutiveFailures: 2 },
              circuitBreakerThreshold: 100,
            },
          ],
        },
      ]);
      const first = await harness.stored({ entity: { kind: 'customer', id: 'cus_f1' } });
      const second = await harness.stored({ entity: { kind: 'customer', id: 'cus_f2' } });
      const third = await harness.stored({ entity: { kind: 'customer', id: 'cus_f3' } });
      // First failure: retried as usual.
      expect(failedIds(await harness.run(consumer, [anSqsRecord(first)]))).toHaveLength(1);
      expect((await harness.store.getState(first.id))?.status).toBe('RETRYING');
      // Second failure trips the rule: this event is held, not retried.
      expect(failedIds(await harness.run(consumer, [anSqsRecord(second)]))).toEqual([]);
      expect(await harness.store.getState(second.id)).toMatchObject({
        status: 'HELD',
        heldBy: 'target#flaky',
      });
      const pause = await harness.pauses.get('target#flaky');
      expect(pause).toMatchObject({ state: 'paused', by: 'auto-disable', reason: '2 failures in a row' });
      // Later events and the retry of the first are held without calling the target.
      expect(
        failedIds(await harness.run(consumer, [anSqsRecord(first, { receiveCount: 2 }), anSqsRecord(third)])),
      ).toEqual([]);
      expect((await harness.store.getState(first.id))?.status).toBe('HELD');
      expect((await harness.store.getState(third.id))?.status).toBe('HELD');
      expect(target.received).toEqual([]);

      status = 200;
      await harness.pauses.startResume('target#flaky', {
        at: new Date().toISOString(),
        action: 'resume-started',
        by: 'ops',
      });
      harness.sqsMock.resetHistory();
      const releasing = release('target#flaky');
      for (let i = 0; i < 50 && resent().length < 3; i += 1) await new Promise((r) => setTimeout(r, 20));
      await harness.run(consumer, resent());
      expect((await releasing).ended).toBe(true);
      expect(target.received.map((r) => r.id).sort()).toEqual([first.id, second.id, third.id].sort());
      // The first event keeps the attempt it made before the target was disabled.
      expect(await harness.store.getState(first.id)).toMatchObject({ status: 'PROCESSED', attempts: 1 });
    } finally {
      await target.stop();
    }
  });

  it('takes finished events off the front of a hold list, the right ones, and drops an emptied list', async () => {
    for (const id of ['e0', 'e1', 'e2', 'e3']) await harness.pauses.appendHold('tenant#lists', 'g1', id);
    expect(await harness.pauses.dropFront('tenant#lists', 'g1', ['e1', 'e0'])).toBe(false);
    expect(await harness.pauses.dropFront('tenant#lists', 'g1', ['e0', 'e1'])).toBe(true);
    expect(await harness.pauses.listsOf('tenant#lists')).toEqual([
      { pauseKey: 'tenant#lists', groupId: 'g1', events: ['e2', 'e3'] },
    ]);
    expect(await harness.pauses.dropFront('tenant#lists', 'g1', ['e2', 'e3'])).toBe(true);
    expect(await harness.pauses.listsOf('tenant#lists')).toEqual([]);
  });

  it('does not hold when the pause ended between the consumer’s read and its hold', async () => {
    const target = await startTarget(() => 200);
    try {
      const consumer = harness.consumer([
        { match: { type: 'payment.*' }, targets: [{ kind: 'http', id: 'gone', url: target.url }] },
      ]);
      await harness.pauses.pause('target', 'gone', {
        at: new Date().toISOString(),
        action: 'paused',
        by: 'ops',
        reason: 'x',
      });
      await harness.pauses.startResume('target#gone', {
        at: new Date().toISOString(),
        action: 'resume-started',
        by: 'ops',
      });
      const pause = await harness.pauses.get('target#gone');
      await harness.pauses.end(
        'target#gone',
        pause?.holds ?? 0,
        { at: new Date().toISOString(), action: 'ended', by: 'ops' },
        new Date(),
      );
      // The commit is the pause's condition: a hold list without an active pause holds nothing.
      expect(await harness.pauses.commitHold('target#gone')).toBe(false);
      const e = await harness.stored({ entity: { kind: 'customer', id: 'cus_gone' } });
      await harness.run(consumer, [anSqsRecord(e)]);
      expect((await harness.store.getState(e.id))?.status).toBe('PROCESSED');
    } finally {
      await target.stop();
    }
  });
});
