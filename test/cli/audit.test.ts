import 'aws-sdk-client-mock-jest';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Environment } from '../../cli/environment';
import type { ArchivedRow } from '#shared/operator/audit-archive';
import { fakeEnvironment, linesOf, runAgainst, type CliStack } from '../helpers/cli-run';

const s3Client = new S3Client({ region: 'us-east-1' });
const athenaClient = new AthenaClient({ region: 'us-east-1' });
const s3 = mockClient(s3Client);
const athena = mockClient(athenaClient);

const OUTPUTS = {
  AuditBucketName: 'relayflow-audit-archive',
  AuditDatabaseName: 'relayflow_audit',
  AuditWorkGroupName: 'relayflow-audit',
};

afterEach(() => {
  s3.reset();
  athena.reset();
});

/** `relayflow <argv>` against a stack with the audit archive's outputs (the runner's now: 2025-06-01T12:00Z). */
const audit = (argv: readonly string[], stack: Partial<CliStack> = {}) => {
  const full: CliStack = { outputs: OUTPUTS, ...stack };
  return runAgainst(full, argv, () =>
    Promise.resolve({ ...fakeEnvironment(full), s3: s3Client, athena: athenaClient } as Environment),
  );
};

const ACCEPTED: ArchivedRow = {
  id: 'row-1',
  v: 1,
  kind: 'audit',
  day: '2025-06-01',
  tenant: 'acme',
  at: '2025-06-01T10:00:00.000Z',
  eventId: 'ev_1',
  correlationId: 'corr-1',
  eventCorrelationId: 'corr-1',
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
};

const REJECTED: ArchivedRow = {
  id: 'row-2',
  v: 1,
  kind: 'rejection',
  day: '2025-06-01',
  tenant: 'acme',
  at: '2025-06-01T10:07',
  provider: 'stripe',
  reason: 'bad_signature',
  sourceIp: '203.0.113.9',
  count: 12,
};

/** The archive as S3 holds it: one plain object of `rows`. */
const anArchiveOf = (rows: readonly ArchivedRow[]) => {
  s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'audit/day=2025-06-01/tenant=acme/a' }] });
  s3.on(GetObjectCommand).resolves({
    Body: {
      transformToByteArray: () =>
        Promise.resolve(Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''))),
    } as never,
  });
};

describe('relayflow audit query: argument errors', () => {
  it.each([
    [
      ['audit', 'query'],
      /^relayflow: Say what to look for: --event <id>, --correlation <id> or --since <time>\.$/,
    ],
    [
      ['audit', 'query', '--event', 'ev_1', '--correlation', 'corr-1'],
      /^relayflow: Give one of --event and --correlation, not both\.$/,
    ],
    [
      ['audit', 'query', '--event', 'ev_1', '--correlation', 'corr-1', '--since', '1d'],
      /^relayflow: Give one of --event and --correlation, not both\.$/,
    ],
    [
      ['audit', 'query', '--since', 'yesterday'],
      /^relayflow: --since must be an ISO 8601 time \(2025-06-01T10:00:00Z\) or a duration back from now \(30m, 2h, 1d\), not "yesterday"\.$/,
    ],
    [
      ['audit', 'query', '--event', 'ev_1', '--since', '2025-13-45'],
      /^relayflow: --since must be an ISO 8601 time .*not "2025-13-45"\.$/,
    ],
  ])('refuses %j with one sentence and exit code 1, before reaching AWS', async (argv, message) => {
    const result = await audit(argv);

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([expect.stringMatching(message)]);
    expect(result.stdout).toBe('');
    expect(result.connects).toBe(0);
  });
});

describe('relayflow audit query', () => {
  it('reads the archive objects of the local runtime, oldest first, rejections in their own words', async () => {
    anArchiveOf([REJECTED, ACCEPTED]);

    const result = await audit(['--local', 'audit', 'query', '--since', '2025-06-01T00:00:00Z'], {
      local: true,
    });

    expect(result.code).toBe(0);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'relayflow-audit-archive',
      Prefix: 'audit/',
    });
    expect(athena).not.toHaveReceivedCommand(StartQueryExecutionCommand);
    const [title, header, ...rows] = linesOf(result.stdout);
    expect(title).toBe('Audit archive: 2 entries for anything since 2025-06-01T00:00:00.000Z, oldest first');
    expect(header?.split(/\s+/)).toEqual(['AT', 'TENANT', 'EVENT', 'BY', 'ACTION', 'STATUS', 'DETAIL']);
    expect(rows[0]?.split(/\s+/)).toEqual([
      '2025-06-01T10:00:00.000Z',
      'acme',
      'ev_1',
      'ingest',
      'accepted',
      'RECEIVED',
    ]);
    expect(rows[1]?.split(/\s{2,}/)).toEqual([
      '2025-06-01T10:07',
      'acme',
      'stripe refused',
      'ingest',
      'bad_signature × 12',
      'from 203.0.113.9',
    ]);
  });

  it('reads the objects of a deployed stack with --objects', async () => {
    anArchiveOf([ACCEPTED]);

    const result = await audit(['--json', 'audit', 'query', '--event', 'ev_1', '--objects']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([ACCEPTED]);
    expect(athena).not.toHaveReceivedCommand(StartQueryExecutionCommand);
  });

  it('queries Athena on a deployed stack, a duration read back from now', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        Rows: [
          {
            Data: [
              { VarCharValue: 'id' },
              { VarCharValue: 'kind' },
              { VarCharValue: 'at' },
              { VarCharValue: 'eventid' },
            ],
          },
          {
            Data: [
              { VarCharValue: 'row-1' },
              { VarCharValue: 'audit' },
              { VarCharValue: ACCEPTED.at },
              { VarCharValue: 'ev_1' },
            ],
          },
        ],
      },
    });

    const result = await audit(['--json', 'audit', 'query', '--correlation', 'corr-1', '--since', '2h']);

    expect(result.code).toBe(0);
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      WorkGroup: 'relayflow-audit',
      QueryString: expect.stringContaining('FROM "relayflow_audit"."audit"'),
      ExecutionParameters: ["'corr-1'", "'corr-1'", "'2025-06-01'", "'2025-06-01T10:00:00.000Z'"],
    });
    expect(JSON.parse(result.stdout)).toEqual([
      expect.objectContaining({ id: 'row-1', kind: 'audit', eventId: 'ev_1', at: ACCEPTED.at }),
    ]);
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  it('says so, and where rows come from, when the archive holds nothing', async () => {
    anArchiveOf([ACCEPTED]);

    const result = await audit(['--local', 'audit', 'query', '--event', 'ev_unknown'], { local: true });

    expect(result.code).toBe(0);
    expect(linesOf(result.stdout)).toEqual([
      expect.stringMatching(
        /^The archive holds nothing for event ev_unknown\. Rows arrive within five minutes/,
      ),
    ]);
  });

  it('refuses with one sentence a stack deployed before the archive', async () => {
    const result = await audit(['audit', 'query', '--event', 'ev_1'], { outputs: {} });

    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([expect.stringMatching(/has no output AuditDatabaseName/)]);
  });
});
