import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { RunningEmulator } from '../../../../local/emulators/loopback';
import { SecretsManagerEmulator } from '../../../../local/emulators/secretsmanager';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('Secrets Manager emulator through the AWS SDK v3 client', () => {
  let emulator: SecretsManagerEmulator;
  let running: RunningEmulator;
  let client: SecretsManagerClient;

  beforeEach(async () => {
    emulator = new SecretsManagerEmulator();
    running = await emulator.start();
    client = new SecretsManagerClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await running.stop();
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
  it('returns the AWSCURRENT version of a secret the runtime created', async () => {
    const created = emulator.createSecret({
      Name: 'relayflow/stripe/acme',
      SecretString: '{"secrets":["whsec_1"]}',
    });

    const value = await client.send(new GetSecretValueCommand({ SecretId: 'relayflow/stripe/acme' }));

    expect(value).toMatchObject({
      ARN: created.ARN,
      Name: 'relayflow/stripe/acme',
      VersionId: created.VersionId,
      SecretString: '{"secrets":["whsec_1"]}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(value.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((value.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources
  // (secret ARNs end in the name, a hyphen and six random characters)
  it('names the secret in an ARN of the real format with a six-character suffix', () => {
    const created = emulator.createSecret({ Name: 'relayflow/github', SecretString: 'x' });

    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:relayflow\/github-[A-Za-z0-9]{6}$/,
    );
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html (SecretId: ARN or name)
  it('finds a secret by its full ARN', async () => {
    const created = emulator.createSecret({ Name: 'by-arn', SecretString: 'v' });

    const value = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));

    expect(value.SecretString).toBe('v');
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen
  it('finds a secret by a partial ARN that leaves out the random suffix', async () => {
    const created = emulator.createSecret({ Name: 'by-partial-arn', SecretString: 'v' });
    const partialArn = created.ARN.slice(0, -7);

    const value = await client.send(new GetSecretValueCommand({ SecretId: partialArn }));

    expect(partialArn).toBe('arn:aws:secretsmanager:us-east-1:000000000000:secret:by-partial-arn');
    expect(value.Name).toBe('by-partial-arn');
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html#API_GetSecretValue_Errors
  it('answers ResourceNotFoundException for a secret that does not exist', async () => {
    const attempt = client.send(new GetSecretValueCommand({ SecretId: 'missing' }));

    await expect(attempt).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(attempt).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
  it('replaces the value with a new AWSCURRENT version, which the next read returns', async () => {
    const created = emulator.createSecret({
      Name: 'relayflow/stripe',
      SecretString: '{"signingSecrets":[]}',
    });

    const put = await client.send(
      new PutSecretValueCommand({ SecretId: created.ARN, SecretString: '{"signingSecrets":["whsec_new"]}' }),
    );
    const value = await client.send(new GetSecretValueCommand({ SecretId: 'relayflow/stripe' }));

    expect(put).toMatchObject({ ARN: created.ARN, Name: 'relayflow/stripe', VersionStages: ['AWSCURRENT'] });
    expect(put.VersionId).not.toBe(created.VersionId);
    expect(value).toMatchObject({
      VersionId: put.VersionId,
      SecretString: '{"signingSecrets":["whsec_new"]}',
    });
  });

  it('treats a put repeated with its ClientRequestToken as the same version, and refuses another value under it', async () => {
    emulator.createSecret({ Name: 'relayflow/github', SecretString: '{"signingSecrets":[]}' });
    const token = 'a'.repeat(32);
    const put = () =>
      client.send(
        new PutSecretValueCommand({
          SecretId: 'relayflow/github',
          SecretString: 'one',
          ClientRequestToken: token,
        }),
      );

    expect((await put()).VersionId).toBe(token);
    expect((await put()).VersionId).toBe(token);
    await expect(
      client.send(
        new PutSecretValueCommand({
          SecretId: 'relayflow/github',
          SecretString: 'two',
          ClientRequestToken: token,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceExistsException' });
  });

  it('answers ResourceNotFoundException to a put for a secret that does not exist, and InvalidParameterException to an empty value', async () => {
    emulator.createSecret({ Name: 'exists', SecretString: 'x' });

    await expect(
      client.send(new PutSecretValueCommand({ SecretId: 'missing', SecretString: 'v' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: 'exists', SecretString: '' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#API_CreateSecret_Errors
  it('refuses to create a second secret with the same name', () => {
    emulator.createSecret({ Name: 'dup', SecretString: 'a' });

    expect(() => emulator.createSecret({ Name: 'dup', SecretString: 'b' })).toThrow(
      expect.objectContaining({ code: 'ResourceExistsException' }),
    );
  });

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
  // Only GetSecretValue and PutSecretValue are served over HTTP; the runtime creates secrets in process.
  it.each(['RotateSecret', 'CreateSecret', 'DescribeSecret', 'ListSecrets'])(
    'answers %s with UnknownOperationException instead of hanging',
    async (action) => {
      const response = await fetch(running.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `secretsmanager.${action}` },
        body: '{}',
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
    },
  );

  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html (VersionId, VersionStage)
  it('refuses to read a secret by version, which it does not keep', async () => {
    emulator.createSecret({ Name: 'versioned', SecretString: 'v' });

    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'versioned', VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('counts requests by action', async () => {
    emulator.createSecret({ Name: 'counted', SecretString: 'x' });
    await client.send(new GetSecretValueCommand({ SecretId: 'counted' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'counted' }));

    expect(emulator.counters()).toEqual({ GetSecretValue: 2 });
  });

  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (ThrottlingException is retried)
  it.each(['throttle', 'dropResponse'] as const)(
    'fails the next call with an injected %s, which the SDK retries',
    async (kind) => {
      emulator.createSecret({ Name: kind, SecretString: 'ok' });
      emulator.injectFault('GetSecretValue', { kind, times: 1 });
      const retrying = new SecretsManagerClient({
        endpoint: running.endpoint,
        region: 'us-east-1',
        credentials,
        maxAttempts: 2,
      });

      const value = await retrying.send(new GetSecretValueCommand({ SecretId: kind }));

      retrying.destroy();
      expect(value.SecretString).toBe('ok');
      expect(emulator.counters().GetSecretValue).toBe(2);
    },
  );

  it('fails the next call with an injected AWS error', async () => {
    emulator.createSecret({ Name: 'broken', SecretString: 'ok' });
    emulator.injectFault('GetSecretValue', {
      kind: 'error',
      code: 'InternalServiceError',
      status: 500,
      times: 1,
    });

    await expect(client.send(new GetSecretValueCommand({ SecretId: 'broken' }))).rejects.toMatchObject({
      name: 'InternalServiceError',
    });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'broken' }))).resolves.toMatchObject({
      SecretString: 'ok',
    });
  });

  it('can be stopped and started again, keeping its secrets', async () => {
    emulator.createSecret({ Name: 'before-restart', SecretString: 'v' });
    await running.stop();

    running = await emulator.start();
    client.destroy();
    client = new SecretsManagerClient({
      endpoint: running.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });

    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'before-restart' })),
    ).resolves.toMatchObject({
      SecretString: 'v',
    });
  });
});

// https://docs.powertools.aws.dev/lambda/typescript/latest/features/parameters/#fetching-secrets
describe('Secrets Manager emulator through Powertools Parameters, as the Lambdas read secrets', () => {
  const saved = { ...process.env };
  let emulator: SecretsManagerEmulator;
  let running: RunningEmulator;

  beforeAll(async () => {
    emulator = new SecretsManagerEmulator();
    running = await emulator.start();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: running.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });

  afterAll(async () => {
    process.env = saved;
    clearCaches();
    await running.stop();
  });

  it('returns the parsed JSON of the current version with transform json', async () => {
    emulator.createSecret({
      Name: 'relayflow/webhooks/stripe',
      SecretString: JSON.stringify({ secrets: ['whsec_a', 'whsec_b'] }),
    });

    const secret = await getSecret<{ secrets: string[] }>('relayflow/webhooks/stripe', { transform: 'json' });

    expect(secret).toEqual({ secrets: ['whsec_a', 'whsec_b'] });
    expect(emulator.counters().GetSecretValue).toBe(1);
  });
});
