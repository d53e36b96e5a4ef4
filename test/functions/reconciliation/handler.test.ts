import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createReconcileHandler, ReconcileRequestError } from '../../../functions/reconciliation/handler';
import type { ReconciliationReport } from '../../../functions/reconciliation/report';
import { verifierEnv } from '../../helpers/verifier-env';

/*
 * The reconcile Lambda's edge: what a schedule or `relayflow reconcile run` invokes it with. The
 * run itself is tested in run.test.ts and end to end in test/e2e/reconciliation.test.ts.
 */

const dynamodb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);

const STRIPE_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:stripe-api';

/** The secrets provider caches values by ARN for the process: each test names its own secret. */
const environment = (secretArn = STRIPE_SECRET): NodeJS.ProcessEnv => ({
  ...verifierEnv(),
  RECONCILIATION: JSON.stringify({
    providers: {
      stripe: {
        lookbackMs: 2 * 86_400_000,
        entities: [],
        options: {},
        webhook: { kind: 'builtin', options: {} },
        secrets: { default: secretArn },
        receipts: false,
      },
    },
    receiptDeadlinesMs: {
      email: 3_600_000,
      sms: 900_000,
      whatsapp: 900_000,
      push: 900_000,
      webhook: 900_000,
    },
  }),
  RELAYFLOW_PROVIDER_API_URL_STRIPE: 'http://127.0.0.1:9/stripe',
});

const context = { getRemainingTimeInMillis: () => 290_000 } as unknown as Context;

beforeEach(() => {
  dynamodb.reset();
  secrets.reset();
  sqs.reset();
  dynamodb.on(GetCommand).resolves({});
  dynamodb.on(UpdateCommand).resolves({});
  dynamodb.on(PutCommand).resolves({});
});

describe('the reconcile handler refuses what is not a reconciliation request', () => {
  const handler = createReconcileHandler(environment());

  it.each([
    ['a string', 'run stripe'],
    ['no provider', { tenant: 'default' }],
    ['an unknown field', { provider: 'stripe', force: true }],
    ['a since that is not a date', { provider: 'stripe', since: 'yesterday' }],
    ['a dry run that is not a boolean', { provider: 'stripe', dryRun: 'yes' }],
  ])('%s', async (_name, event) => {
    await expect(handler(event, context)).rejects.toThrow(ReconcileRequestError);
    await expect(handler(event, context)).rejects.toThrow(/^not a reconciliation request/);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('names the reconciled providers for one that is not', async () => {
    await expect(handler({ provider: 'shopify' }, context)).rejects.toThrow(
      'shopify is not reconciled by this stack (reconciled: stripe)',
    );
  });

  it('names the reconciled tenants for one that is not', async () => {
    await expect(handler({ provider: 'stripe', tenant: 'acme' }, context)).rejects.toThrow(
      'stripe is not reconciled for tenant acme (tenants: default)',
    );
  });
});

describe('the reconcile handler reports, not crashes, when it cannot run', () => {
  it('an empty credentials secret is a report line; nothing is checked, ingested or leased', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '' });
    const handler = createReconcileHandler(environment());
    const report: ReconciliationReport = await handler({ provider: 'stripe' }, context);
    expect(report.checked).toBe(0);
    expect(report.errors).toEqual([
      expect.stringMatching(
        /^stripe: the API credentials could not be read — .*ReconciliationSecretStripe.*nothing was checked$/,
      ),
    ]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(0);
    // The report is kept, so `relayflow reconcile report` shows why the run did nothing.
    expect(dynamodb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('a second run while the first holds the lease does nothing and says so', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ apiKey: 'rk_test_0123456789abcdef' }) });
    dynamodb
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const handler = createReconcileHandler(environment(`${STRIPE_SECRET}-leased`));
    const report = await handler({ provider: 'stripe' }, context);
    expect(report.errors).toEqual([
      'stripe: another run of stripe (tenant default) is in progress; this one did nothing',
    ]);
    expect(report.checked).toBe(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
