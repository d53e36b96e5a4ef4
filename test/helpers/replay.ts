import { correlationIdFrom } from '#shared/contract/correlation-id';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { ManualClock, SqsEmulator, type RunningServer } from '../../local/emulators/sqs';
import { ingestWebhook, type IngestDependencies, type IngestSettings } from '#shared/ingest/ingest';
import type { NormalizedItem, Provider, ProviderOptions, WebhookRequest } from '#shared/providers/types';
import { DeadLetterQueue } from '#shared/operator/dead-letter-queue';
import { EventQueries } from '#shared/operator/event-queries';
import { EventQueue } from '#shared/queue/event-queue';
import { EventStore } from '#shared/store/event-store';
import { RawBodies } from '#shared/store/raw-bodies';
import type { EventStatus } from '#shared/store/records';
import { AuditLog } from '#shared/replay/audit-log';
import type { Normalizer } from '#shared/replay/renormalize';
import {
  DEFAULT_SETTINGS,
  parseReplayState,
  planReplay,
  replayBatch,
  type ReplayDependencies,
  type ReplaySettings,
} from '#shared/replay/replay';
import type { ReplayInput } from '#shared/replay/request';
import type { ReplayState } from '#shared/replay/state';
import { startEventTable, type LocalEventTable } from './event-table';

export const EXECUTION_ID = 'arn:aws:states:us-east-1:000000000000:execution:Replay:test-run';

/** A webhook the fake `acme` provider understands: one JSON event per request. */
export interface AcmeEvent {
  readonly id: string;
  readonly type: string;
  readonly customer?: string;
  readonly at?: string;
}

/** Reads `{id, type, customer, at}`; `broken` simulates a normalizer that cannot read the body yet. */
export const acmeNormalize = (request: Pick<WebhookRequest, 'body'>, broken = false): NormalizedItem[] => {
  const body = JSON.parse(request.body.toString('utf8')) as AcmeEvent;
  if (broken)
    return [
      { kind: 'unreadable', reason: 'unknown payload version', externalId: body.id, providerType: body.type },
    ];
  return [
    {
      kind: 'event',
      draft: {
        providerType: body.type,
        externalId: body.id,
        type: `acme.${body.type}`,
        ...(body.customer ? { entity: { kind: 'customer', id: body.customer } } : {}),
        ...(body.at ? { occurredAt: body.at } : {}),
        data: { ...body },
      },
    },
  ];
};

/** A provider that verifies everything and whose normalizer the test can break and fix. */
export const acmeProvider = (normalizer: { broken: boolean }, id = 'acme'): Provider<ProviderOptions> => ({
  id,
  verify: () => ({ ok: true, secretIndex: 0, signature: Buffer.alloc(0) }),
  normalize: (request) => acmeNormalize(request, normalizer.broken),
  identityFromUnsignedHeaders: () => false,
  signatureHeaders: () => [],
});

export interface ReplayHarness {
  readonly table: LocalEventTable;
  readonly sqs: SqsEmulator;
  readonly clock: ManualClock;
  readonly sqsClient: SQSClient;
  readonly mainQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly store: EventStore;
  readonly queries: EventQueries;
  /** The normalizer replay runs for `acme`; set `broken` to simulate the bug and its fix. */
  readonly acme: { broken: boolean };
  readonly deps: ReplayDependencies;
  /** Ingests one acme webhook through the real ingest, which stores and enqueues it. */
  ingest(event: AcmeEvent, options?: { tenant?: string; provider?: string }): Promise<string>;
  /** Moves every message on the main queue to the DLQ through the redrive policy, as failed receives do. */
  deadLetterAll(): Promise<void>;
  /** Sets an event's status as the consumer would. */
  mark(eventId: string, status: EventStatus): Promise<void>;
  stop(): Promise<void>;
}

let queueCounter = 0;

export const startReplayHarness = async (): Promise<ReplayHarness> => {
  const table = await startEventTable();
  const clock = new ManualClock(Date.parse('2025-06-01T12:00:00.000Z'));
  const sqs = new SqsEmulator({ clock });
  const server: RunningServer = await sqs.start();
  const sqsClient = new SQSClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  queueCounter += 1;
  const dlq = await sqsClient.send(
    new CreateQueueCommand({
      QueueName: `replay-dlq-${queueCounter}.fifo`,
      Attributes: { FifoQueue: 'true' },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl ?? '';
  const dlqArn = `arn:aws:sqs:us-east-1:000000000000:replay-dlq-${queueCounter}.fifo`;
  const main = await sqsClient.send(
    new CreateQueueCommand({
      QueueName: `replay-main-${queueCounter}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        VisibilityTimeout: '180',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
      },
    }),
  );
  const mainQueueUrl = main.QueueUrl ?? '';
  const store = new EventStore(table.documentClient, { tableName: table.tableName, retentionDays: 30 });
  const queries = new EventQueries(table.documentClient, table.tableName);
  const queue = new EventQueue(sqsClient, mainQueueUrl);
  // Never called: every test body is small enough to be stored inline.
  const rawBodies = new RawBodies(
    new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
    'unused',
  );
  const acme = { broken: false };
  const normalizer: Normalizer = { normalize: (request) => acmeNormalize(request, acme.broken) };
  const now = () => new Date(clock.now());
  const deps: ReplayDependencies = {
    store,
    queries,
    auditLog: new AuditLog(table.documentClient, table.tableName),
    queue,
    deadLetters: new DeadLetterQueue(sqsClient, deadLetterQueueUrl),
    rawBodies,
    normalizers: { acme: normalizer, acme2: normalizer },
    now,
  };
  const ingestDeps: IngestDependencies = {
    store,
    rawBodies,
    queue,
    secretsFor: () => Promise.resolve(['secret']),
    now,
  };
  const ingestSettings: IngestSettings = {
    tenants: new Set(['default', 'beta']),
    maxBodyBytes: 1_000_000,
    inlineBodyMaxBytes: 64 * 1024,
    ingestLeaseSeconds: 30,
  };
  let delivery = 0;

  return {
    table,
    sqs,
    clock,
    sqsClient,
    mainQueueUrl,
    deadLetterQueueUrl,
    store,
    queries,
    acme,
    deps,
    ingest: async (event, options = {}) => {
      delivery += 1;
      const provider = options.provider ?? 'acme';
      const body = Buffer.from(JSON.stringify(event));
      const receivedAt = ingestDeps.now();
      const result = await ingestWebhook(
        ingestDeps,
        ingestSettings,
        acmeProvider(acme, provider),
        { toleranceSeconds: 300 },
        {
          tenant: options.tenant,
          correlationId: correlationIdFrom({ 'x-correlation-id': `delivery-${delivery}` }, receivedAt),
          receivedAt,
          request: {
            method: 'POST',
            url: `https://hooks.example.com/webhooks/${provider}`,
            path: `/webhooks/${provider}`,
            rawQueryString: '',
            headers: { 'content-type': 'application/json' },
            body,
            sourceIp: '203.0.113.1',
          },
        },
      );
      if (result.kind !== 'ingested' || !result.items[0])
        throw new Error(`ingest refused the event: ${JSON.stringify(result)}`);
      return result.items[0].eventId;
    },
    deadLetterAll: async () => {
      // maxReceiveCount is 1: a message received once and released is moved by the next receive.
      for (;;) {
        const received = await receiveAll(sqsClient, mainQueueUrl, 0);
        if (received.length === 0) break;
      }
    },
    mark: async (eventId, status) => {
      const state = await store.getState(eventId);
      if (!state) throw new Error(`no event ${eventId}`);
      await store.transition(eventId, [state.status], status, {
        at: now().toISOString(),
        action: status.toLowerCase(),
        by: 'consumer',
        status,
      });
    },
    stop: async () => {
      sqsClient.destroy();
      sqs.close();
      await server.stop();
      await table.stop();
    },
  };
};

/** Receives until the queue returns nothing, holding messages for `visibilitySeconds` (at least 1, or it never ends). */
export const receiveAll = async (
  client: SQSClient,
  queueUrl: string,
  visibilitySeconds = 60,
): Promise<Message[]> => {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    if (!Messages || Messages.length === 0) return all;
    all.push(...Messages);
  }
};

/** The event ids named by messages' claim checks, in order. */
export const eventIdsOf = (messages: readonly Message[]): string[] =>
  messages.map((m) => (JSON.parse(m.Body ?? '{}') as { eventId: string }).eventId);

/** Runs a replay the way the state machine does: plan, then batches while more remain. */
export const runReplay = async (
  deps: ReplayDependencies,
  input: ReplayInput,
  settings: ReplaySettings = DEFAULT_SETTINGS,
): Promise<ReplayState> => {
  let state = await planReplay(deps, settings, input);
  if (state.request.dryRun) return state;
  for (let iteration = 0; state.more; iteration += 1) {
    if (iteration > 1000) throw new Error('replay did not end');
    // Through JSON, as Step Functions passes the state between tasks.
    state = await replayBatch(
      deps,
      settings,
      parseReplayState(JSON.parse(JSON.stringify(state))),
      EXECUTION_ID,
    );
  }
  return state;
};

/** Every item of the table, sorted, for before/after comparisons. */
export const tableSnapshot = async (table: LocalEventTable) => {
  const { Items } = await table.documentClient.send(new ScanCommand({ TableName: table.tableName }));
  return (Items ?? []).map((item) => JSON.stringify(item)).sort();
};
