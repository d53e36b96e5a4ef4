import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { publishEvents, type DomainEvent, type PublishOptions } from '#shared/producer/client';
import { scheduleTickKey } from '#shared/producer/contract';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import { startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { aScheduleTick } from '../helpers/producer';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(240_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sink = new Sink();
let e2e: RunningE2e;
let dir: string;
let stateFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relayflow-producer-'));
  stateFile = join(dir, 'local.json');
  e2e = await startE2eRuntime({ stateFile });
  await sink.start(e2e.sinkPort);
});
afterAll(async () => {
  await e2e.runtime.stop();
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
});

const producerUrl = () => e2e.runtime.outputs.ProducerUrl ?? '';
const publish = (events: DomainEvent | DomainEvent[], options: Partial<PublishOptions> = {}) =>
  publishEvents(events, { url: producerUrl(), region: 'us-east-1', credentials, ...options });
const idOf = (type: string, key: string, tenant = 'default') =>
  eventIdOf(idempotencyKeyOf(tenant, 'internal', type, key));

/** What the sink received of an event, as routed events (`provider` is part of the delivery). */
const delivered = (eventId: string) =>
  sink.to('/sink').filter((d) => d.event.id === eventId) as unknown as {
    event: { id: string; provider: string; type: string; entity: unknown; data: unknown };
  }[];
const arrives = (eventIds: readonly string[]) =>
  eventually(() => eventIds.every((id) => delivered(id).length > 0), 30_000);

describe('domain events through the local runtime', () => {
  it('refuses an unsigned request 403 {"message":"Forbidden"}, as API Gateway does', async () => {
    const response = await fetch(producerUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order.paid', entity: { kind: 'order', id: 'o-1' }, data: {} }),
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toBe('{"message":"Forbidden"}');
  });

  it('accepts a signed batch partially, each event answered, and routes the valid ones as provider internal', async () => {
    const result = await publish([
      {
        type: 'order.paid',
        entity: { kind: 'order', id: 'o-100' },
        data: { amount: 4200 },
        idempotencyKey: 'o-100-paid',
      },
      { type: 'order paid', entity: { kind: 'order', id: 'o-100' }, data: {} },
      { type: 'order.shipped', entity: { kind: 'order', id: 'o-100' }, data: { carrier: 'ups' } },
    ]);

    expect(result.status).toBe(202);
    expect(result.events.map((e) => e.outcome)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(result.events[1]?.error).toMatch(/^type: /);
    const generated = result.events[2]?.idempotencyKey ?? '';
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const ids = [idOf('order.paid', 'o-100-paid'), idOf('order.shipped', generated)];
    expect(result.events.map((e) => e.eventId)).toEqual([ids[0], undefined, ids[1]]);
    expect(await arrives(ids)).toBe(true);
    expect(ids.map((id) => delivered(id)[0]?.event)).toEqual([
      expect.objectContaining({
        provider: 'internal',
        type: 'order.paid',
        entity: { kind: 'order', id: 'o-100' },
      }),
      expect.objectContaining({ provider: 'internal', type: 'order.shipped', data: { carrier: 'ups' } }),
    ]);
  });

  it('answers a publish retried with the same keys as duplicates, and delivers nothing twice', async () => {
    const events: DomainEvent[] = [
      {
        type: 'invoice.issued',
        entity: { kind: 'invoice', id: 'in-7' },
        data: {},
        idempotencyKey: 'in-7-issued',
      },
      {
        type: 'invoice.sent',
        entity: { kind: 'invoice', id: 'in-7' },
        data: {},
        idempotencyKey: 'in-7-sent',
      },
    ];
    const first = await publish(events);
    const ids = first.events.map((e) => e.eventId ?? '');
    expect(await arrives(ids)).toBe(true);

    const again = await publish(events);

    expect(again.status).toBe(200);
    expect(again.events.map((e) => [e.outcome, e.eventId])).toEqual(ids.map((id) => ['duplicate', id]));
    expect(await eventually(() => ids.some((id) => delivered(id).length > 1), 2_000)).toBe(false);
  });

  it('publishes an event put on a configured bus, keyed by its EventBridge id', async () => {
    const eventBridge = new EventBridgeClient({
      endpoint: e2e.runtime.endpoints.eventbridge,
      region: 'us-east-1',
      credentials,
    });
    const put = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'orders',
            Source: 'com.example.shop',
            DetailType: 'Order Placed',
            Detail: JSON.stringify({ orderId: 'o-555', total: 12 }),
          },
        ],
      }),
    );
    const id = idOf('Order_Placed', put.Entries?.[0]?.EventId ?? '');

    expect(await arrives([id])).toBe(true);
    expect(delivered(id)[0]?.event).toMatchObject({
      provider: 'internal',
      type: 'Order_Placed',
      entity: { kind: 'order', id: 'o-555' },
      data: { orderId: 'o-555', total: 12 },
    });
  });

  it('makes one event of a schedule tick delivered twice', async () => {
    const tick = aScheduleTick({
      name: 'e2e-hourly',
      scheduledTime: '2025-06-01T13:00:00Z',
      type: 'clock.hourly',
    });
    const producer = e2e.runtime.outputs.ProducerFunctionName ?? '';

    const outcomes = [
      await e2e.runtime.lambda.invoke(producer, tick),
      await e2e.runtime.lambda.invoke(producer, tick),
    ];

    const id = idOf('clock.hourly', scheduleTickKey('e2e-hourly', '2025-06-01T13:00:00Z'));
    expect(
      outcomes.map((o) =>
        'result' in o ? (o.result as { events: { outcome: string }[] }).events[0]?.outcome : o,
      ),
    ).toEqual(['accepted', 'duplicate']);
    expect(await arrives([id])).toBe(true);
    expect(delivered(id)[0]?.event).toMatchObject({
      type: 'clock.hourly',
      entity: { kind: 'schedule', id: 'e2e-hourly' },
    });
    expect(await eventually(() => delivered(id).length > 1, 2_000)).toBe(false);
  });

  it('relayflow emit --local signs with the local credentials and prints each outcome', async () => {
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ plan: 'pro' }));
    const stdout: string[] = [];
    const stderr: string[] = [];
    const deps: CliDependencies = {
      connect: (options) => connect({ ...options, localStateFile: stateFile }),
      output: { out: (text) => stdout.push(text), err: (text) => stderr.push(text), interactive: false },
      now: () => new Date(),
      sleep: () => Promise.resolve(),
      fetch,
      projectRoot: join(__dirname, '..', '..'),
      loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
    };
    const argv = [
      '--local',
      'emit',
      'customer.upgraded',
      '--entity',
      'customer:cus_9',
      '--data',
      `@${join(dir, 'data.json')}`,
      '--key',
      'cus_9-pro',
    ];

    const first = await runCli(argv, deps);
    const again = await runCli(argv, deps);

    const id = idOf('customer.upgraded', 'cus_9-pro');
    expect([first, again, stderr]).toEqual([0, 0, []]);
    expect(stdout[0]).toMatch(
      new RegExp(`^POST ${producerUrl()} → 202  correlation id \\S+\\n.*\\naccepted +cus_9-pro +${id}$`),
    );
    expect(stdout[1]).toMatch(/→ 200 .*\n.*\nduplicate +cus_9-pro/);
    expect(await arrives([id])).toBe(true);
    expect(delivered(id)[0]?.event).toMatchObject({ provider: 'internal', data: { plan: 'pro' } });
  });
});
