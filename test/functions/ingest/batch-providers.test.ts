import 'aws-sdk-client-mock-jest';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ingestWebhook,
  type IngestDependencies,
  type IngestResult,
  type IngestSettings,
} from '#shared/ingest/ingest';
import { hubspotOptionsSchema, hubspotProvider } from '#shared/providers/hubspot/index';
import { sendgridOptionsSchema, sendgridProvider } from '#shared/providers/sendgrid/index';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import { stateKey, type AuditEntry, type EventState } from '#shared/store/records';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { aSignedHubspotRequest, HUBSPOT_SECRET, hubspotFixture } from '../../helpers/providers/hubspot';
import {
  aSendgridKeyPair,
  aSignedSendgridRequest,
  sendgridFixtureEvents,
} from '../../helpers/providers/sendgrid';

const BUCKET = 'raw-bodies';
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
let table: LocalEventTable;

beforeAll(async () => {
  table = await startEventTable();
});
afterAll(() => table.stop());
beforeEach(() => {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  sqs.reset();
  s3.reset();
});

const settings: IngestSettings = {
  tenants: new Set(['default']),
  maxBodyBytes: 1_000_000,
  inlineBodyMaxBytes: 64_000,
  ingestLeaseSeconds: 30,
};

const sendgridKeys = aSendgridKeyPair();

const deps = (secrets: readonly string[] = []): IngestDependencies => ({
  store: new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 }),
  rawBodies: new RawBodies(new S3Client({ region: 'us-east-1' }), BUCKET),
  queue: new EventQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.local/main.fifo'),
  secretsFor: () => Promise.resolve(secrets),
  now: () => new Date(),
});

/** A batch provider as these tests drive it: documented elements, a broken one, a signed delivery. */
interface BatchProvider {
  readonly name: string;
  /** A documented element, re-keyed with a fresh external id. */
  element(id: number): Record<string, unknown>;
  /** An element whose id can be read but whose event time cannot. */
  malformed(id: number): Record<string, unknown>;
  /** Signs `body` as the provider does and runs it through the ingest. */
  deliver(body: Buffer, correlationId: string): Promise<IngestResult>;
}

const [hubspotTemplate] = hubspotFixture('contact-batch').body as Record<string, unknown>[];
const [sendgridTemplate] = sendgridFixtureEvents('delivered');

const PROVIDERS: BatchProvider[] = [
  {
    name: 'HubSpot',
    element: (id) => ({ ...hubspotTemplate, eventId: id, objectId: id }),
    malformed: (id) => ({ ...hubspotTemplate, eventId: id, occurredAt: 'yesterday' }),
    deliver: (body, correlationId) => {
      const request = aSignedHubspotRequest({ body: body.toString('utf8'), timestamp: Date.now() });
      return ingestWebhook(
        deps([HUBSPOT_SECRET]),
        settings,
        hubspotProvider,
        hubspotOptionsSchema.parse({}),
        { tenant: undefined, request, correlationId },
      );
    },
  },
  {
    name: 'SendGrid',
    element: (id) => ({
      ...sendgridTemplate,
      sg_event_id: `sg-event-${id}`,
      sg_message_id: `msg${id}.filter0001.16648.5515E0B88.0`,
    }),
    malformed: (id) => ({ ...sendgridTemplate, sg_event_id: `sg-event-${id}`, timestamp: 'yesterday' }),
    deliver: (body, correlationId) => {
      const request = aSignedSendgridRequest({
        keyPair: sendgridKeys,
        body,
        timestamp: String(Math.floor(Date.now() / 1000)),
      });
      return ingestWebhook(
        deps([sendgridKeys.publicKeyBase64]),
        settings,
        sendgridProvider,
        sendgridOptionsSchema.parse({}),
        { tenant: undefined, request, correlationId },
      );
    },
  },
];

let nextId = 700_000_000;
/** External ids unique across the whole file: every test writes to the same table. */
const freshIds = (count: number): number[] => Array.from({ length: count }, () => (nextId += 1));

const jsonBody = (elements: readonly unknown[]): Buffer => Buffer.from(JSON.stringify(elements), 'utf8');

const ingested = (result: IngestResult) => {
  if (result.kind !== 'ingested')
    throw new Error(`expected an ingested result, got ${JSON.stringify(result)}`);
  return result;
};

const stateOf = async (eventId: string): Promise<EventState | undefined> =>
  (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: stateKey(eventId) })))
    .Item as EventState | undefined;

const auditActions = (state: EventState | undefined): string[] =>
  (state?.audit ?? []).map((entry: AuditEntry) => entry.action);

const enqueuedEventIds = (): string[] =>
  [
    ...sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.MessageBody),
    ...sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageBody)),
  ].map((body) => (JSON.parse(body ?? '{}') as { eventId: string }).eventId);

const itemKeys = async (prefix?: string): Promise<string[]> => {
  const scan = await table.documentClient.send(
    new ScanCommand({
      TableName: table.tableName,
      ...(prefix
        ? { FilterExpression: 'begins_with(PK, :prefix)', ExpressionAttributeValues: { ':prefix': prefix } }
        : {}),
    }),
  );
  return (scan.Items ?? []).map((item) => `${String(item.PK)}|${String(item.SK)}`);
};

describe.each(PROVIDERS)('ingest of $name batches against the event table (dynalite)', (provider) => {
  it('stores and enqueues only the new element of a batch that repeats two seen ones, answering 202', async () => {
    const [a = 0, b = 0, c = 0, d = 0] = freshIds(4);
    const first = ingested(
      await provider.deliver(jsonBody([a, b, c].map(provider.element)), 'corr-batch-first'),
    );
    const [seenA, seenB] = first.items;
    const seenBefore = await Promise.all([seenA, seenB].map((item) => stateOf(item?.eventId ?? '')));
    sqs.resetHistory();

    const second = ingested(
      await provider.deliver(jsonBody([a, b, d].map(provider.element)), 'corr-batch-second'),
    );

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.items.map((item) => item.outcome)).toEqual(['duplicate', 'duplicate', 'accepted']);
    const newId = second.items[2]?.eventId ?? '';
    expect(enqueuedEventIds()).toEqual([newId]);
    expect(await stateOf(newId)).toMatchObject({ status: 'QUEUED', correlationId: 'corr-batch-second' });
    const seenAfter = await Promise.all([seenA, seenB].map((item) => stateOf(item?.eventId ?? '')));
    // Nothing changes for the seen elements but their timelines, which record the duplicate delivery.
    expect(seenAfter).toEqual(
      seenBefore.map((state) => ({
        ...state,
        audit: [
          ...(state?.audit as unknown[]),
          expect.objectContaining({
            action: 'duplicate',
            correlationId: 'corr-batch-second',
            detail: 'answered 202',
          }),
        ],
        duplicates: 1,
      })),
    );
  });

  it('answers 200 and enqueues nothing for a batch of only already-seen elements', async () => {
    const elements = freshIds(3).map(provider.element);
    await provider.deliver(jsonBody(elements), 'corr-seen-first');
    sqs.resetHistory();

    const again = ingested(await provider.deliver(jsonBody([elements[2], elements[0]]), 'corr-seen-again'));

    expect(again.status).toBe(200);
    expect(again.items.map((item) => item.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('answers 200 to an empty array and stores and enqueues nothing', async () => {
    const before = await itemKeys();

    const result = ingested(await provider.deliver(jsonBody([]), 'corr-empty'));

    expect(result.status).toBe(200);
    expect(result.items).toEqual([]);
    expect(await itemKeys()).toEqual(before);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });

  it('puts an oversized batch in S3 once and points every event payload at that object', async () => {
    // Random padding does not compress, so the gzipped body really exceeds the inline limit.
    const elements = freshIds(3).map((id) => ({
      ...provider.element(id),
      padding: randomBytes(30_000).toString('base64'),
    }));
    const body = jsonBody(elements);
    expect(gzipSync(body).length).toBeGreaterThan(settings.inlineBodyMaxBytes);
    const rawItemsBefore = await itemKeys('RAW#');

    const result = ingested(await provider.deliver(body, 'corr-oversized'));

    expect(result.status).toBe(202);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(gunzipSync(put?.Body as Buffer).equals(body)).toBe(true);
    const store = deps().store;
    const payloads = await Promise.all(result.items.map((item) => store.getPayload(item.eventId)));
    expect(payloads.map((payload) => payload?.raw)).toEqual(
      Array.from({ length: 3 }, () => ({ kind: 's3', bucket: BUCKET, key: put?.Key })),
    );
    expect(payloads.map((payload) => payload?.rawBody)).toEqual([undefined, undefined, undefined]);
    expect(await itemKeys('RAW#')).toEqual(rawItemsBefore);
    expect(enqueuedEventIds()).toEqual(result.items.map((item) => item.eventId));
  });

  it('quarantines only the malformed element and queues the others of the same batch', async () => {
    const [first = 0, broken = 0, last = 0] = freshIds(3);

    const result = ingested(
      await provider.deliver(
        jsonBody([provider.element(first), provider.malformed(broken), provider.element(last)]),
        'corr-malformed',
      ),
    );

    expect(result.status).toBe(202);
    expect(result.items.map((item) => item.outcome)).toEqual(['accepted', 'quarantined', 'accepted']);
    const states = await Promise.all(result.items.map((item) => stateOf(item.eventId)));
    expect(states.map((state) => state?.status)).toEqual(['QUEUED', 'QUARANTINED', 'QUEUED']);
    expect(states.map(auditActions)).toEqual([
      ['accepted', 'enqueued'],
      ['quarantined'],
      ['accepted', 'enqueued'],
    ]);
    const [queuedFirst, quarantined, queuedLast] = result.items;
    expect(enqueuedEventIds()).toEqual([queuedFirst?.eventId, queuedLast?.eventId]);
    expect(enqueuedEventIds()).not.toContain(quarantined?.eventId);
  });

  it('stores the raw body of a batch once, in one RAW# item shared by all its events', async () => {
    const body = jsonBody(freshIds(3).map(provider.element));
    const rawItemsBefore = await itemKeys('RAW#');

    const result = ingested(await provider.deliver(body, 'corr-raw-once'));

    const rawItemsAdded = (await itemKeys('RAW#')).filter((key) => !rawItemsBefore.includes(key));
    expect(rawItemsAdded).toHaveLength(1);
    const [rawPk = ''] = rawItemsAdded.map((key) => key.split('|')[0]);
    const store = deps().store;
    const payloads = await Promise.all(result.items.map((item) => store.getPayload(item.eventId)));
    expect(payloads.map((payload) => payload?.raw)).toEqual(
      Array.from({ length: 3 }, () => ({ kind: 'item', pk: rawPk })),
    );
    expect(payloads.map((payload) => payload?.rawBody)).toEqual([undefined, undefined, undefined]);
    expect((await store.getRawItem(rawPk))?.body?.equals(body)).toBe(true);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });
});
