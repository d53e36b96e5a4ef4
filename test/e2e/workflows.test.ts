import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { dunningAccountKey } from '#shared/workflows/dunning-accounts';
import { E2E_SECRETS, startE2eRuntime, type RunningE2e } from '../helpers/local-runtime';
import { eventually, Sink } from '../helpers/sink';

jest.setTimeout(300_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const FIXTURE = join(__dirname, '../../functions/providers/stripe/fixtures/invoice.payment_failed.json');
const stripe = new Stripe('sk_test_e2e');
const sink = new Sink();
let e2e: RunningE2e;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  e2e = await startE2eRuntime();
  await sink.start(e2e.sinkPort);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: e2e.runtime.endpoints.dynamodb, region: 'us-east-1', credentials }),
  );
});
afterAll(async () => {
  await e2e.runtime.stop();
  await sink.stop();
});

const itemOf = async (key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName: e2e.runtime.outputs.EventTableName, Key: key }))).Item;

describe('workflows on the local runtime', () => {
  it('runs the dunning saga for a signed Stripe invoice.payment_failed, and delivers the reminder it emits through its route', async () => {
    const { body } = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
      body: { data: { object: Record<string, unknown> } };
    };
    const sent = JSON.stringify({
      ...body,
      id: 'evt_e2e_dunning_1',
      data: { ...body.data, object: { ...body.data.object, customer: 'cus_e2e_dunning' } },
    });

    const response = await fetch(`${e2e.runtime.endpoints.api}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stripe.webhooks.generateTestHeaderString({
          payload: sent,
          secret: E2E_SECRETS.stripe,
        }),
      },
      body: sent,
    });
    expect(response.status).toBe(202);
    const { events } = (await response.json()) as { events: { id: string }[] };

    const reminder = () => sink.to('/sink').find((d) => d.event.type === 'dunning.reminder_requested');
    expect(await eventually(() => reminder() !== undefined, 60_000)).toBe(true);
    expect(reminder()?.event).toMatchObject({
      entity: { id: 'cus_e2e_dunning' },
      provider: 'internal',
      causationId: events[0]?.id,
      depth: 1,
      data: {
        account: 'cus_e2e_dunning',
        invoiceId: 'in_1MoqxGLgUG5tbmjcJeILGSau',
        amountDue: 1000,
        currency: 'usd',
      },
    });
    expect(await itemOf(dunningAccountKey('default', 'cus_e2e_dunning'))).toMatchObject({
      status: 'past_due',
      markedBy: events[0]?.id,
    });
    expect(await itemOf({ PK: `EVT#${events[0]?.id ?? ''}`, SK: 'STATE' })).toMatchObject({
      status: 'PROCESSED',
    });
    expect(sink.to('/sink').filter((d) => d.event.type === 'invoice.payment_failed')).toEqual([]);
  });
});
