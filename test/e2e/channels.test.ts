import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MessageStore, type MessageRecord } from '#shared/channels/message-store';
import { messageIdOf } from '#shared/channels/render';
import { publishEvents, type DomainEvent } from '#shared/producer/client';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import { downstreamKeyOf } from '#shared/targets/index';
import { EventStore } from '#shared/store/event-store';
import { connect } from '../../cli/environment';
import { runCli, type CliDependencies } from '../../cli/program';
import { parseConfig } from '../../lib/config';
import { startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

// The first run synthesizes and bundles the end-to-end stack.
jest.setTimeout(300_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sink = new Sink();
let e2e: RunningE2e;
let dir: string;
let messages: MessageStore;
let events: EventStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relayflow-channels-'));
  e2e = await startE2eRuntime({ stateFile: join(dir, 'local.json') });
  await sink.start(e2e.sinkPort);
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
  );
  const settings = { tableName: e2e.runtime.outputs.EventTableName ?? '', retentionDays: 30 };
  messages = new MessageStore(documents, settings);
  events = new EventStore(documents, settings);
});
afterAll(async () => {
  await e2e.runtime.stop();
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Channel = 'email' | 'sms' | 'whatsapp' | 'push';

/** One message the test asks for, and the status its recipient dictates (local/README.md, channel fakes). */
interface Expected {
  readonly channel: Channel;
  readonly to: string;
  readonly status: MessageRecord['status'];
  readonly key: string;
}

/** Publishes the messages' events in batches; resolves with the outcomes that were not `accepted`. */
const publish = (list: readonly Expected[], batch = 25) =>
  (async () => {
    const refused: unknown[] = [];
    for (let i = 0; i < list.length; i += batch) {
      const chunk = list.slice(i, i + batch).map((m, j): DomainEvent => ({
        type: `notify.${m.channel}`,
        entity: { kind: 'user', id: `u${(i + j) % 40}` },
        data: { to: m.to, n: i + j },
        idempotencyKey: m.key,
      }));
      const result = await publishEvents(chunk, {
        url: e2e.runtime.outputs.ProducerUrl ?? '',
        region: 'us-east-1',
        credentials,
      });
      refused.push(...result.events.filter((e) => e.outcome !== 'accepted'));
    }
    return refused;
  })();

/** The message a notify event's route sends: its id derives from the event and the target. */
const messageIdFor = (m: Expected) =>
  messageIdOf(
    downstreamKeyOf(
      eventIdOf(idempotencyKeyOf('default', 'internal', `notify.${m.channel}`, m.key)),
      m.channel,
    ),
  );

const statusesOf = async (list: readonly Expected[]) =>
  new Map((await messages.getMany(list.map(messageIdFor))).map((r) => [r.messageId, r]));

const mismatches = async (list: readonly Expected[]) => {
  const records = await statusesOf(list);
  return list
    .map((m) => ({ to: m.to, channel: m.channel, want: m.status, got: records.get(messageIdFor(m))?.status }))
    .filter((m) => m.want !== m.got);
};

const plan = (prefix: string): Expected[] => {
  const list: Expected[] = [];
  const add = (channel: Channel, to: string, status: MessageRecord['status']) =>
    list.push({ channel, to, status, key: `${prefix}-${list.length}` });
  for (let i = 0; i < 16; i += 1) add('email', `user${i}@example.com`, 'DELIVERED');
  for (let i = 0; i < 4; i += 1) add('email', `bounce+${i}@example.com`, 'BOUNCED');
  for (let i = 0; i < 4; i += 1) add('email', `open+${i}@example.com`, 'OPENED');
  for (let i = 0; i < 16; i += 1) add('sms', `+1555${String(1000 + i).padStart(7, '0')}`, 'DELIVERED');
  for (let i = 0; i < 4; i += 1) add('sms', `+155512${i}0000`, 'FAILED');
  for (let i = 0; i < 12; i += 1) add('whatsapp', `+1555${String(2000 + i).padStart(7, '0')}`, 'DELIVERED');
  for (let i = 0; i < 4; i += 1) add('whatsapp', `+155513${i}0002`, 'OPENED');
  for (let i = 0; i < 16; i += 1) add('push', `device-token-${prefix}-${i}`, 'SENT');
  for (let i = 0; i < 4; i += 1) add('push', `unregistered-${prefix}-${i}`, 'FAILED');
  return list;
};

const cli = async (...argv: string[]) => {
  const out: string[] = [];
  const deps: CliDependencies = {
    connect: (options) => connect({ ...options, localStateFile: join(dir, 'local.json') }),
    output: { out: (text) => out.push(text), err: () => undefined, interactive: false },
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch,
    projectRoot: join(__dirname, '..', '..'),
    loadConfig: () => Promise.resolve(parseConfig({ providers: { stripe: {} } })),
  };
  const code = await runCli(['--local', ...argv], deps);
  return { code, out: out.join('\n') };
};

describe('messages through the local runtime', () => {
  it('npm run send -- message email --to <recipient> sends one, and relayflow messages show follows it to its receipt', async () => {
    const sent = await cli(
      'send',
      'message',
      'email',
      '--to',
      'bounce+walkthrough@example.com',
      '--text',
      'Walkthrough',
    );
    expect(sent.code).toBe(0);
    expect(sent.out).toMatch(/notify\.email accepted as event ev_/);
    const messageIdOfWalkthrough = async () => {
      const listed = await cli('--json', 'messages', 'list', '--tenant', 'default', '--since', '1h');
      const rows = JSON.parse(listed.out) as { messageId: string; to: string; status: string }[];
      return rows.find((r) => r.to.startsWith('b') && r.to.endsWith('@example.com') && r.status === 'BOUNCED')
        ?.messageId;
    };
    expect(await eventually(async () => (await messageIdOfWalkthrough()) !== undefined, 30_000, 500)).toBe(
      true,
    );
    const shown = await cli('messages', 'show', (await messageIdOfWalkthrough()) ?? '');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('BOUNCED');
    expect(shown.out).not.toContain('bounce+walkthrough@example.com');
  });

  it('sends 80 messages over 4 channels; each ends in the status its recipient dictates, and receipts twice or reordered change nothing', async () => {
    const fakes = e2e.runtime.channels;
    fakes.duplicateReceipts();
    fakes.reorderReceipts();
    const list = plan('m80');
    expect(list).toHaveLength(80);
    expect(await publish(list)).toEqual([]);

    expect(await eventually(async () => (await mismatches(list)).length === 0, 120_000, 1000)).toBe(true);
    await fakes.drain();
    await new Promise((r) => setTimeout(r, 2000));
    expect(await mismatches(list)).toEqual([]);
    fakes.duplicateReceipts(false);
    fakes.reorderReceipts(false);

    // Each message went to its provider once: retries and duplicate receipts sent nothing again.
    const sends = new Map<string, number>();
    for (const request of fakes.sent().filter((r) => r.status < 300))
      sends.set(
        (request.to ?? '').replace(/^whatsapp:/, ''),
        (sends.get((request.to ?? '').replace(/^whatsapp:/, '')) ?? 0) + 1,
      );
    // Refused at send (an unregistered device) is never accepted, so it is not counted here.
    const accepted = list.filter((m) => !(m.channel === 'push' && m.status === 'FAILED'));
    expect(accepted.filter((m) => sends.get(m.to) !== 1).map((m) => m.to)).toEqual([]);

    // The receipt of a bounce was published as message.bounced, once.
    const bounced = list.find((m) => m.status === 'BOUNCED');
    const record = (await statusesOf([bounced as Expected])).get(messageIdFor(bounced as Expected));
    expect(record?.timeline.filter((e) => e.action === 'receipt' && e.status === 'BOUNCED')).toHaveLength(1);
    const emitted = await events.getState(
      eventIdOf(
        idempotencyKeyOf('default', 'internal', 'message.bounced', `message.bounced:${record?.messageId}`),
      ),
    );
    expect(emitted?.type).toBe('message.bounced');
  });

  it('never sends twice after a crash between the provider call and the SENT write: the message is held UNCERTAIN', async () => {
    const [message] = [
      { channel: 'sms' as const, to: '+15557771234', status: 'UNCERTAIN' as const, key: 'crash-1' },
    ];
    // The write that records the provider's id fails, after Twilio took the message: more often
    // than the SDK retries on its own, so that the consumer's attempt fails.
    e2e.runtime.emulators.dynamodb.injectFault('PutItem', {
      kind: 'error',
      code: 'InternalServerError',
      status: 500,
      times: 10,
      matching: (request) =>
        String((request as { Item?: { PK?: { S?: string } } }).Item?.PK?.S).startsWith('MSGPID#twilio#'),
    });
    const before = e2e.runtime.channels.sent().filter((r) => r.to === message.to).length;
    expect(await publish([message])).toEqual([]);
    const settled = await eventually(async () => (await mismatches([message])).length === 0, 60_000, 500);
    e2e.runtime.emulators.dynamodb.clearFaults();
    expect(settled).toBe(true);
    expect(e2e.runtime.channels.sent().filter((r) => r.to === message.to).length - before).toBe(1);
    const record = (await statusesOf([message])).get(messageIdFor(message));
    expect(record?.timeline.map((e) => e.action)).toEqual(['sending', 'uncertain']);
  });

  it('backs a failing provider off into DEAD_LETTERED while other messages keep flowing', async () => {
    const down = {
      channel: 'email' as const,
      to: 'down@example.com',
      status: 'SENDING' as const,
      key: 'down-1',
    };
    const healthy = plan('flow')
      .filter((m) => m.status === 'DELIVERED')
      .slice(0, 10);
    expect(await publish([down, ...healthy])).toEqual([]);
    expect(await eventually(async () => (await mismatches(healthy)).length === 0, 60_000, 500)).toBe(true);
    const eventId = eventIdOf(idempotencyKeyOf('default', 'internal', 'notify.email', down.key));
    expect(
      await eventually(
        async () => (await events.getState(eventId))?.status === 'DEAD_LETTERED',
        90_000,
        1000,
      ),
    ).toBe(true);
    const state = await events.getState(eventId);
    expect(state?.attempts).toBe(3);
    expect(e2e.runtime.channels.sent().filter((r) => r.to === down.to).length).toBe(3);
  });
});
