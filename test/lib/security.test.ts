import { synthStack } from '../helpers/stack';

// One synthesized template with every optional resource present (alarm e-mail, redaction paths).
const { template } = synthStack({
  alarmEmail: 'ops@example.com',
  api: { throttlingRateLimit: 37, throttlingBurstLimit: 74 },
  observability: { piiPaths: ['**.email'] },
});

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
}

const resources = Object.entries(template.toJSON().Resources as Record<string, Resource>);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);

/** Every policy document in the template, with where it sits. */
const policyDocuments = (): {
  where: string;
  kind: 'identity' | 'resource' | 'key' | 'trust';
  statements: Statement[];
}[] => {
  const docs: { where: string; kind: 'identity' | 'resource' | 'key' | 'trust'; statements: Statement[] }[] =
    [];
  const statementsOf = (doc: unknown) => (doc as { Statement?: Statement[] } | undefined)?.Statement ?? [];
  for (const [id, r] of resources) {
    const p = r.Properties;
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push({ where: id, kind: 'identity', statements: statementsOf(p.PolicyDocument) });
    if (r.Type === 'AWS::IAM::Role') {
      docs.push({
        where: `${id} trust`,
        kind: 'trust',
        statements: statementsOf(p.AssumeRolePolicyDocument),
      });
      for (const inline of (p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
        docs.push({
          where: `${id} inline`,
          kind: 'identity',
          statements: statementsOf(inline.PolicyDocument),
        });
      }
    }
    if (['AWS::SQS::QueuePolicy', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy'].includes(r.Type)) {
      docs.push({ where: id, kind: 'resource', statements: statementsOf(p.PolicyDocument) });
    }
    if (r.Type === 'AWS::KMS::Key')
      docs.push({ where: id, kind: 'key', statements: statementsOf(p.KeyPolicy) });
  }
  return docs;
};

const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : ([] as string[]).concat(value);
const allows = () =>
  policyDocuments().flatMap((doc) =>
    doc.statements.filter((s) => s.Effect === 'Allow').map((s) => ({ ...doc, statement: s })),
  );

/**
 * Actions that support no resource-level permissions, so `Resource: *` is the only way to grant
 * them: X-Ray tracing (functions and the replay state machine), and the CloudWatch Logs vended
 * log delivery actions Step Functions needs to log to a log group (AWS Step Functions developer
 * guide, "IAM policies for logging to CloudWatch Logs").
 */
const RESOURCELESS_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // A stream event source mapping's role lists the table's streams before reading one.
  'dynamodb:ListStreams',
]);

describe('least privilege over the synthesized template', () => {
  it('finds the policies it checks', () => {
    const kinds = new Set(policyDocuments().map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['identity', 'key', 'resource', 'trust']);
  });

  it('allows no "*" or "service:*" action anywhere', () => {
    const wildcards = allows().flatMap(({ where, statement }) =>
      listOf(statement.Action)
        .filter((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a))
        .map((a) => `${where}: ${a}`),
    );
    expect(wildcards).toEqual([]);
  });

  it('names every allowed action in full, with no partial wildcard such as "s3:Get*"', () => {
    const partial = allows().flatMap(({ where, statement }) =>
      listOf(statement.Action)
        .filter((a) => a.includes('*'))
        .map((a) => `${where}: ${a}`),
    );
    expect(partial).toEqual([]);
  });

  it('uses no NotAction, which would allow everything it does not name', () => {
    const notActions = allows()
      .filter(({ statement }) => statement.NotAction !== undefined)
      .map(({ where }) => where);
    expect(notActions).toEqual([]);
  });

  it('allows Resource "*" only for actions without resource-level permissions, and in key policies where "*" is the key itself', () => {
    const isStar = (resource: unknown) =>
      resource === '*' || (Array.isArray(resource) && resource.includes('*'));
    const offenders = allows()
      .filter(({ kind, statement }) => kind !== 'key' && isStar(statement.Resource))
      .filter(({ statement }) => !listOf(statement.Action).every((a) => RESOURCELESS_ACTIONS.has(a)))
      .map(({ where, statement }) => `${where}: ${listOf(statement.Action).join(',')}`);
    expect(offenders).toEqual([]);
  });

  it('grants nothing to an anonymous principal in any resource or key policy', () => {
    const open = allows()
      .filter(({ kind }) => kind === 'resource' || kind === 'key')
      .filter(
        ({ statement }) =>
          statement.Principal === '*' || JSON.stringify(statement.Principal).includes('"AWS":"*"'),
      )
      .map(({ where }) => where);
    expect(open).toEqual([]);
  });

  it('lets services use the alarm key and topic only on behalf of this account', () => {
    const servicePrincipals = allows().filter(
      ({ kind, statement }) =>
        (kind === 'key' || kind === 'resource') && JSON.stringify(statement.Principal).includes('"Service"'),
    );
    expect(servicePrincipals.length).toBeGreaterThan(0);
    for (const { where, statement } of servicePrincipals) {
      expect({ where, condition: statement.Condition }).toEqual({
        where,
        condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
    }
  });

  it('lets only Lambda, Step Functions and Firehose (the audit archive) assume our roles, never an account or a user', () => {
    // Firehose assumes the audit archive's delivery role, only for this account (aws:SourceAccount).
    const trusted = new Set(['lambda.amazonaws.com', 'states.amazonaws.com', 'firehose.amazonaws.com']);
    for (const doc of policyDocuments().filter((d) => d.kind === 'trust')) {
      for (const statement of doc.statements) {
        const service = (statement.Principal as { Service?: unknown } | undefined)?.Service;
        expect({
          where: doc.where,
          principal: statement.Principal,
          trusted: typeof service === 'string' && trusted.has(service),
        }).toEqual({
          where: doc.where,
          principal: statement.Principal,
          trusted: true,
        });
      }
    }
  });

  it('attaches no AWS managed policy (each role carries only what it was granted)', () => {
    const managed = ofType('AWS::IAM::Role')
      .filter(([, r]) => r.Properties.ManagedPolicyArns !== undefined)
      .map(([id]) => id);
    expect(managed).toEqual([]);
  });
});

describe('encryption at rest', () => {
  it('encrypts every queue', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [id, q] of queues) {
      expect({
        id,
        encrypted: q.Properties.SqsManagedSseEnabled === true || q.Properties.KmsMasterKeyId !== undefined,
      }).toEqual({ id, encrypted: true });
    }
  });

  it('encrypts every table', () => {
    for (const [id, t] of ofType('AWS::DynamoDB::Table')) {
      expect({ id, sse: t.Properties.SSESpecification }).toEqual({
        id,
        sse: expect.objectContaining({ SSEEnabled: true }),
      });
    }
  });

  it('encrypts every bucket', () => {
    for (const [id, b] of ofType('AWS::S3::Bucket')) {
      expect({ id, encryption: b.Properties.BucketEncryption }).toEqual({
        id,
        encryption: {
          ServerSideEncryptionConfiguration: [
            expect.objectContaining({
              ServerSideEncryptionByDefault: expect.objectContaining({ SSEAlgorithm: expect.any(String) }),
            }),
          ],
        },
      });
    }
  });

  it('encrypts every topic with a key that rotates', () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThan(0);
    for (const [id, t] of topics)
      expect({ id, key: t.Properties.KmsMasterKeyId }).toEqual({ id, key: expect.anything() });
    for (const [id, k] of ofType('AWS::KMS::Key'))
      expect({ id, rotation: k.Properties.EnableKeyRotation }).toEqual({ id, rotation: true });
  });
});

describe('encryption in transit', () => {
  const deniesPlainText = (type: string, targetKey: string, id: string) =>
    ofType(type).some(
      ([, policy]) =>
        JSON.stringify(policy.Properties[targetKey]).includes(id) &&
        (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
          (s) =>
            s.Effect === 'Deny' &&
            JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        ),
    );

  it.each([
    ['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'Queues'],
    ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'Bucket'],
    ['AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'Topics'],
  ])('refuses plain-text access to every %s', (type, policyType, targetKey) => {
    for (const [id] of ofType(type))
      expect({ id, tlsOnly: deniesPlainText(policyType, targetKey, id) }).toEqual({ id, tlsOnly: true });
  });
});

describe('logs', () => {
  it('sets a retention on every log group', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    for (const [id, g] of groups)
      expect({ id, retention: g.Properties.RetentionInDays }).toEqual({ id, retention: expect.any(Number) });
  });

  it('sends every function to a log group of the stack, never to an implicit one without retention', () => {
    const groupIds = new Set(ofType('AWS::Logs::LogGroup').map(([id]) => id));
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const ref = (fn.Properties.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
      expect({ id, inStack: ref !== undefined && groupIds.has(ref) }).toEqual({ id, inStack: true });
    }
  });
});

describe('secrets and the edge', () => {
  /** Settings about secrets that are not secrets themselves. */
  const NOT_SECRET = new Set(['SECRETS_MAX_AGE_SECONDS', 'SECRET_RETIRE_AFTER']);

  it('hands functions secrets only by reference (ARN), never by value', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const variables =
        (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      for (const [name, value] of Object.entries(variables)) {
        if (!/SECRET/.test(name) || NOT_SECRET.has(name)) continue;
        // An intrinsic (Ref, Fn::Join of ARNs) is resolved from the secret resource at deploy; a literal would be a value.
        const byReference = typeof value === 'object' || value === '{}';
        expect({ id, name, byReference }).toEqual({ id, name, byReference: true });
      }
    }
  });

  it('throttles the webhook API stage with the configured rate and burst', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 37, ThrottlingBurstLimit: 74 },
    });
  });

  it('does not try to attach a WAF web ACL to the HTTP API, which AWS WAF cannot protect (docs/decisions/0031)', () => {
    expect(ofType('AWS::WAFv2::WebACLAssociation')).toEqual([]);
  });

  it('retains every table, bucket and queue when a prod stack is deleted', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::SQS::Queue']) {
      for (const [id, r] of ofType(type))
        expect({ id, policy: r.DeletionPolicy }).toEqual({ id, policy: 'Retain' });
    }
  });
});
