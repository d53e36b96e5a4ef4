import 'aws-sdk-client-mock-jest';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ArchiveRow } from '#shared/audit/archive-rows';
import { createAuditArchiverHandler } from '#shared/audit/handler';
import {
  REJECTION_SOURCE_PREFIX,
  payloadKey,
  rejectionsKey,
  stateKey,
  type AuditEntry,
} from '#shared/store/records';
import { captureOutput, jsonLines } from '../../helpers/log-capture';

const DELIVERY_STREAM = 'RelayFlow-AuditArchive';
const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/RelayFlow-Events/stream/2025-06-01T00:00:00.000';

const firehose = mockClient(FirehoseClient);

let archiver: ReturnType<typeof createAuditArchiverHandler>;
let sequence = 0;
/** What the last invocation printed: its metrics (the tests' log level is SILENT). */
let printed: Record<string, unknown>[] = [];

/** Invokes the handler, keeping what it prints (Powertools writes metrics and logs to stdout). */
const handler = async (event: DynamoDBStreamEvent) => {
  let response: Awaited<ReturnType<typeof archiver>> | undefined;
  let failure: { error: unknown } | undefined;
  printed = jsonLines(
    await captureOutput(async () => {
      try {
        response = await archiver(event);
      } catch (error) {
        failure = { error };
      }
    }),
  );
  if (failure) throw failure.error;
  return response;
};

beforeAll(() => {
  process.env.DELIVERY_STREAM = DELIVERY_STREAM;
  archiver = createAuditArchiverHandler(new FirehoseClient({ region: 'us-east-1' }));
});

afterAll(() => {
  delete process.env.DELIVERY_STREAM;
});

beforeEach(() => {
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) =>
    Promise.resolve({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_, i) => ({ RecordId: `r-${i}` })),
    }),
  );
});

afterEach(() => {
  firehose.reset();
});

const anEntry = (second: number, action: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  at: `2025-06-01T10:00:${String(second).padStart(2, '0')}.000Z`,
  action,
  by: 'consumer',
  ...overrides,
});

const ACCEPTED = anEntry(0, 'accepted', { by: 'ingest', status: 'RECEIVED' });
const SENT = anEntry(1, 'sent', { status: 'QUEUED' });
const DONE = anEntry(2, 'processed', { status: 'PROCESSED' });

const aStateImage = (eventId: string, audit: readonly AuditEntry[]) => ({
  ...stateKey(eventId),
  eventId,
  tenant: 'acme',
  provider: 'stripe',
  type: 'invoice.paid',
  providerType: 'invoice.paid',
  externalId: 'evt_1',
  entityKind: 'customer',
  entityId: 'cus_1',
  receivedAt: '2025-06-01T10:00:00.000Z',
  correlationId: `corr-${eventId}`,
  status: 'RECEIVED',
  audit,
});

/** A stream record as Lambda delivers it: keys and images in DynamoDB JSON. */
const aStreamRecord = (
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  keys: Record<string, unknown>,
  images: { oldImage?: Record<string, unknown>; newImage?: Record<string, unknown> } = {},
  sequenceNumber = String((sequence += 1)).padStart(21, '0'),
): DynamoDBRecord => ({
  eventID: `e-${sequenceNumber}`,
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  eventSourceARN: STREAM_ARN,
  dynamodb: {
    ApproximateCreationDateTime: 1_748_772_000,
    Keys: marshall(keys) as never,
    ...(images.oldImage
      ? { OldImage: marshall(images.oldImage, { removeUndefinedValues: true }) as never }
      : {}),
    ...(images.newImage
      ? { NewImage: marshall(images.newImage, { removeUndefinedValues: true }) as never }
      : {}),
    SequenceNumber: sequenceNumber,
    SizeBytes: 100,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

const inserted = (eventId: string, audit: readonly AuditEntry[]) =>
  aStreamRecord('INSERT', stateKey(eventId), { newImage: aStateImage(eventId, audit) });

const modified = (eventId: string, before: readonly AuditEntry[], after: readonly AuditEntry[]) =>
  aStreamRecord('MODIFY', stateKey(eventId), {
    oldImage: aStateImage(eventId, before),
    newImage: aStateImage(eventId, after),
  });

const aStreamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/** The rows Firehose received, over every call, in order. */
const archivedRows = (): (ArchiveRow & { id: string })[] =>
  firehose.commandCalls(PutRecordBatchCommand).flatMap((call) =>
    (call.args[0].input.Records ?? []).flatMap((record) =>
      Buffer.from(record.Data ?? new Uint8Array())
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ArchiveRow & { id: string }),
    ),
  );

const actionsArchived = () => archivedRows().map((row) => (row.kind === 'audit' ? row.action : row.reason));

describe('audit archiver handler', () => {
  it('puts the entries of a new state item into the delivery stream', async () => {
    const response = await handler(aStreamEvent(inserted('ev_1', [ACCEPTED])));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 1);
    expect(firehose).toHaveReceivedCommandWith(PutRecordBatchCommand, {
      DeliveryStreamName: DELIVERY_STREAM,
    });
    expect(archivedRows()).toEqual([
      {
        id: expect.any(String),
        v: 1,
        kind: 'audit',
        day: '2025-06-01',
        tenant: 'acme',
        at: ACCEPTED.at,
        eventId: 'ev_1',
        correlationId: 'corr-ev_1',
        eventCorrelationId: 'corr-ev_1',
        provider: 'stripe',
        type: 'invoice.paid',
        providerType: 'invoice.paid',
        externalId: 'evt_1',
        entityKind: 'customer',
        entityId: 'cus_1',
        receivedAt: '2025-06-01T10:00:00.000Z',
        action: 'accepted',
        by: 'ingest',
        status: 'RECEIVED',
      },
    ]);
  });

  it('archives a batch of state and counter changes in stream order, in one call', async () => {
    const counterKeys = rejectionsKey('stripe', 'acme', '2025-06-01T10:07');

    await handler(
      aStreamEvent(
        inserted('ev_1', [ACCEPTED]),
        modified('ev_1', [ACCEPTED], [ACCEPTED, SENT]),
        aStreamRecord('INSERT', counterKeys, {
          newImage: {
            ...counterKeys,
            bad_signature: 2,
            [`${REJECTION_SOURCE_PREFIX}2001:db8::1|bad_signature`]: 2,
            expiresAt: 1_760_000_000,
          },
        }),
        modified('ev_1', [ACCEPTED, SENT], [ACCEPTED, SENT, DONE]),
      ),
    );

    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 1);
    expect(archivedRows()).toEqual([
      expect.objectContaining({ kind: 'audit', action: 'accepted' }),
      expect.objectContaining({ kind: 'audit', action: 'sent', status: 'QUEUED' }),
      expect.objectContaining({
        kind: 'rejection',
        provider: 'stripe',
        tenant: 'acme',
        at: '2025-06-01T10:07',
        sourceIp: '2001:db8::1',
        reason: 'bad_signature',
        count: 2,
      }),
      expect.objectContaining({ kind: 'audit', action: 'processed' }),
    ]);
    expect(printed).toContainEqual(expect.objectContaining({ AuditRowsArchived: 4 }));
  });

  it.each<[string, DynamoDBRecord]>([
    ['a record without keys', { ...inserted('ev_1', [ACCEPTED]), dynamodb: { SequenceNumber: '1' } }],
    [
      'a record without a sequence number',
      (() => {
        const record = inserted('ev_1', [ACCEPTED]);
        delete record.dynamodb?.SequenceNumber;
        return record;
      })(),
    ],
    ['a record without an event name', { ...inserted('ev_1', [ACCEPTED]), eventName: undefined }],
    [
      'a payload item',
      aStreamRecord('INSERT', payloadKey('ev_1'), { newImage: { ...payloadKey('ev_1'), audit: [ACCEPTED] } }),
    ],
    [
      'the REMOVE of an expired state item',
      aStreamRecord('REMOVE', stateKey('ev_1'), { oldImage: aStateImage('ev_1', [ACCEPTED, SENT]) }),
    ],
    ['a MODIFY that appends no entry', modified('ev_1', [ACCEPTED], [ACCEPTED])],
  ])('makes no row and no failure of %s', async (_, record) => {
    const response = await handler(aStreamEvent(record));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(firehose).not.toHaveReceivedCommand(PutRecordBatchCommand);
  });

  it('archives the good records of a batch around one it cannot read', async () => {
    const unreadable = { ...inserted('ev_2', [ACCEPTED]), dynamodb: {} };

    const response = await handler(
      aStreamEvent(inserted('ev_1', [ACCEPTED]), unreadable, inserted('ev_3', [ACCEPTED])),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(archivedRows().map((row) => row.kind === 'audit' && row.eventId)).toEqual(['ev_1', 'ev_3']);
  });

  it('gives the rows of a stream record delivered twice the same ids', async () => {
    const record = modified('ev_1', [ACCEPTED], [ACCEPTED, SENT, DONE]);

    await handler(aStreamEvent(record));
    await handler(aStreamEvent(structuredClone(record)));

    const [first, second] = [archivedRows().slice(0, 2), archivedRows().slice(2)];
    expect(first.map((row) => row.id)).toEqual(second.map((row) => row.id));
    expect(new Set(first.map((row) => row.id)).size).toBe(2);
  });

  it('archives every entry when a later MODIFY comes before an earlier one', async () => {
    const earlier = modified('ev_1', [ACCEPTED], [ACCEPTED, SENT]);
    const later = modified('ev_1', [ACCEPTED, SENT], [ACCEPTED, SENT, DONE]);

    await handler(aStreamEvent(later, earlier));

    expect(actionsArchived().sort()).toEqual(['processed', 'sent']);
  });

  it('archives the latest duplicate delivery once the timeline takes no more of them', async () => {
    const duplicate = (n: number) =>
      anEntry(10 + n, 'duplicate', { by: 'ingest', correlationId: `corr-dup-${n}` });
    const full = [ACCEPTED, duplicate(1), duplicate(2), duplicate(3)];
    const before = { ...aStateImage('ev_1', full), duplicates: 3 };

    await handler(
      aStreamEvent(
        aStreamRecord('MODIFY', stateKey('ev_1'), {
          oldImage: before,
          newImage: { ...before, duplicates: 4, lastDuplicate: duplicate(4) },
        }),
      ),
    );

    expect(archivedRows()).toEqual([
      expect.objectContaining({ action: 'duplicate', correlationId: 'corr-dup-4', eventId: 'ev_1' }),
    ]);
  });

  it('puts again the records Firehose refused, and reports nothing once it takes them', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [{ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }],
      })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'r-1' }] });

    const response = await handler(aStreamEvent(inserted('ev_1', [ACCEPTED])));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 2);
    const [first, second] = firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records);
    expect(second).toEqual(first);
  });

  it('names the first record with a refused row when Firehose keeps refusing, for the stream to resume there', async () => {
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }],
    });
    const noRows = modified('ev_0', [ACCEPTED], [ACCEPTED]);
    const first = inserted('ev_1', [ACCEPTED]);

    const response = await handler(aStreamEvent(noRows, first, inserted('ev_2', [ACCEPTED])));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: first.dynamodb?.SequenceNumber }] });
    // Three attempts, the archiver's default.
    expect(firehose).toHaveReceivedCommandTimes(PutRecordBatchCommand, 3);
  });

  it('fails the invocation when Firehose throws, for the stream to retry the whole batch', async () => {
    firehose.on(PutRecordBatchCommand).rejects(new Error('AccessDeniedException: not authorized'));

    await expect(handler(aStreamEvent(inserted('ev_1', [ACCEPTED])))).rejects.toThrow('not authorized');
  });

  it('refuses to start without DELIVERY_STREAM', () => {
    const saved = process.env.DELIVERY_STREAM;
    delete process.env.DELIVERY_STREAM;
    try {
      expect(() => createAuditArchiverHandler(new FirehoseClient({ region: 'us-east-1' }))).toThrow(
        /DELIVERY_STREAM/,
      );
    } finally {
      process.env.DELIVERY_STREAM = saved;
    }
  });
});
