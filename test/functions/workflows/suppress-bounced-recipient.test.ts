import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SPEC_VERSION, type IntegrationEvent } from '#shared/contract/integration-event';
import { mailgunOptionsSchema } from '#shared/providers/mailgun/index';
import { normalizeMailgun } from '#shared/providers/mailgun/normalize';
import { postmarkOptionsSchema } from '#shared/providers/postmark/index';
import { normalizePostmark } from '#shared/providers/postmark/normalize';
import { sendgridOptionsSchema } from '#shared/providers/sendgrid/index';
import { normalizeSendgrid } from '#shared/providers/sendgrid/normalize';
import type { NormalizedItem, WebhookRequest } from '#shared/providers/types';
import { eventIdOf, idempotencyKeyOf } from '#shared/store/records';
import { PermanentWorkflowError } from '#shared/targets/errors';
import type { DeliveryContext } from '#shared/targets/types';
import { bareAddress, suppressBouncedRecipient } from '#shared/workflows/suppress-bounced-recipient';
import { DynamoDbSuppressionList, suppressionKey } from '#shared/workflows/suppression-list';
import { startEventTable, type LocalEventTable } from '../../helpers/event-table';
import { anIntegrationEvent } from '../../helpers/sqs-events';

const PROVIDERS = path.join(__dirname, '../../../functions/providers');

/** A provider's documented bounce sample, through its own normalizer, as the canonical event. */
const bounceFrom = (
  provider: string,
  fixture: string,
  normalize: (request: WebhookRequest) => NormalizedItem[],
): IntegrationEvent => {
  const { headers, body } = JSON.parse(
    readFileSync(path.join(PROVIDERS, provider, 'fixtures', `${fixture}.json`), 'utf8'),
  ) as {
    headers: Record<string, string>;
    body: unknown;
  };
  const items = normalize({
    method: 'POST',
    url: `https://hooks.example.com/webhooks/${provider}`,
    path: `/webhooks/${provider}`,
    rawQueryString: '',
    headers,
    body: Buffer.from(JSON.stringify(body)),
    sourceIp: '203.0.113.1',
  });
  const item = items.find((i) => i.kind === 'event' && i.draft.type === 'email.bounced');
  if (!item || item.kind !== 'event')
    throw new Error(`${provider}/${fixture} normalizes to no email.bounced event`);
  const { draft } = item;
  const idempotencyKey = idempotencyKeyOf('acme', provider, draft.providerType, draft.externalId);
  return {
    specVersion: SPEC_VERSION,
    id: eventIdOf(idempotencyKey),
    idempotencyKey,
    tenant: 'acme',
    provider,
    type: draft.type,
    providerType: draft.providerType,
    externalId: draft.externalId,
    entity: draft.entity ?? { kind: 'event', id: 'x' },
    occurredAt: draft.occurredAt ?? new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    correlationId: 'corr-bounce-1234',
    data: draft.data,
  };
};

const BOUNCES = [
  [
    'postmark',
    bounceFrom('postmark', 'bounce', (r) => normalizePostmark(r, postmarkOptionsSchema.parse({}))),
  ],
  [
    'sendgrid',
    bounceFrom('sendgrid', 'bounce', (r) => normalizeSendgrid(r, sendgridOptionsSchema.parse({}))),
  ],
  [
    'mailgun',
    bounceFrom('mailgun', 'permanent-fail', (r) => normalizeMailgun(r, mailgunOptionsSchema.parse({}))),
  ],
] as const;

const ctx: DeliveryContext = {
  idempotencyKey: 'rf_bounce',
  correlationId: 'corr-bounce-1234',
  logger: new Logger({ logLevel: 'SILENT' }),
  rawBody: () => Promise.resolve(Buffer.alloc(0)),
};

let table: LocalEventTable;
let workflow: ReturnType<typeof suppressBouncedRecipient>;

beforeAll(async () => {
  table = await startEventTable('suppressions');
  workflow = suppressBouncedRecipient(new DynamoDbSuppressionList(table.documentClient, table.tableName));
});

afterAll(async () => {
  await table.stop();
});

const suppression = async (tenant: string, address: string) =>
  (
    await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: suppressionKey(tenant, address) }),
    )
  ).Item;

describe('suppress-bounced-recipient workflow', () => {
  it.each(BOUNCES)('suppresses the bounced recipient of a %s bounce', async (provider, event) => {
    await workflow(event, ctx);

    const address = bareAddress(String(event.data.recipient));
    expect(address).toBeDefined();
    expect(await suppression('acme', address ?? '')).toMatchObject({
      provider,
      eventId: event.id,
      tenant: 'acme',
    });
  });

  it('keeps the first bounce when the same address bounces again', async () => {
    const first = anIntegrationEvent({
      tenant: 'beta',
      type: 'email.bounced',
      data: { recipient: 'Ann <Ann@Example.com>', reason: 'mailbox full' },
    });
    const second = anIntegrationEvent({
      tenant: 'beta',
      type: 'email.bounced',
      data: { recipient: 'ann@example.com', reason: 'no such user' },
    });

    await workflow(first, ctx);
    await workflow(second, ctx);

    expect(await suppression('beta', 'ann@example.com')).toMatchObject({
      eventId: first.id,
      reason: 'mailbox full',
    });
  });

  it('suppresses the recipient of a message RelayFlow sent that bounced (message.bounced from a receipt)', async () => {
    const bounced = anIntegrationEvent({
      tenant: 'gamma',
      provider: 'internal',
      type: 'message.bounced',
      data: {
        messageId: 'msg_1',
        channel: 'email',
        via: 'postmark',
        recipient: 'Bob@Example.com',
        status: 'BOUNCED',
        reason: 'unknown user',
      },
    });

    await workflow(bounced, ctx);

    expect(await suppression('gamma', 'bob@example.com')).toMatchObject({
      eventId: bounced.id,
      reason: 'unknown user',
    });
  });

  it('refuses, permanently, an event that is not a bounce or names no address', async () => {
    await expect(
      workflow(anIntegrationEvent({ type: 'email.delivered', data: { recipient: 'a@b.c' } }), ctx),
    ).rejects.toThrow(PermanentWorkflowError);
    await expect(
      workflow(anIntegrationEvent({ type: 'email.bounced', data: { recipient: 'nobody' } }), ctx),
    ).rejects.toThrow(PermanentWorkflowError);
  });
});
