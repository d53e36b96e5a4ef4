import { request } from 'node:http';
import { CloudFormationEmulator } from '../../../local/emulators/cloudformation';
import { DynamoDbEmulator } from '../../../local/emulators/dynamodb';
import { EventBridgeEmulator } from '../../../local/emulators/eventbridge';
import { isLoopbackHost, listenOnLoopback, type RunningEmulator } from '../../../local/emulators/loopback';
import { S3Emulator } from '../../../local/emulators/s3';
import { SecretsManagerEmulator } from '../../../local/emulators/secretsmanager';
import { SqsEmulator } from '../../../local/emulators/sqs';
import { StepFunctionsEmulator } from '../../../local/emulators/stepfunctions';

/** Sends a POST with the given Host header, as a browser does for a rebound domain name. */
const postWithHost = (endpoint: string, host: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(endpoint);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: { host, 'content-type': 'application/json' },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end('{}');
  });

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'localhost:4566',
    'LOCALHOST:3000',
    '127.0.0.1',
    '127.0.0.1:65535',
    '[::1]',
    '[::1]:3000',
  ])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'attacker.example',
    'attacker.example:4566',
    'localhost.attacker.example',
    '127.0.0.1.nip.io',
    '127.0.0.2',
    '0.0.0.0:3000',
    '[::2]',
    'localhost:',
    'localhost:3000@attacker.example',
  ])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('the loopback front', () => {
  let server: RunningEmulator;
  const handled: string[] = [];

  beforeAll(async () => {
    server = await listenOnLoopback('Test', 0, (req, res) => {
      handled.push(String(req.headers.host));
      res.end('ok');
      return Promise.resolve();
    });
  });
  afterAll(() => server.stop());

  it('answers 403 naming the refused Host, without handing the request to the emulator', async () => {
    const answer = await postWithHost(server.endpoint, 'rebound.attacker.example');

    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({
      message: expect.stringMatching(
        /local Test emulator answers only requests addressed to localhost.*"rebound\.attacker\.example"/,
      ),
    });
    expect(handled).not.toContain('rebound.attacker.example');
  });

  it('hands requests addressed to a loopback name to the emulator', async () => {
    const port = new URL(server.endpoint).port;

    const answers = await Promise.all(
      [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].map((host) =>
        postWithHost(server.endpoint, host),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  });
});

describe('every emulator refuses a request addressed to another name (DNS rebinding)', () => {
  const emulators: [string, () => { start(): Promise<{ endpoint: string; stop(): Promise<void> }> }][] = [
    ['SQS', () => new SqsEmulator()],
    ['DynamoDB', () => new DynamoDbEmulator()],
    ['S3', () => new S3Emulator()],
    ['Secrets Manager', () => new SecretsManagerEmulator()],
    [
      'Step Functions',
      () => new StepFunctionsEmulator({ invokeLambda: () => Promise.reject(new Error('no Lambda here')) }),
    ],
    ['EventBridge', () => new EventBridgeEmulator()],
    ['CloudFormation', () => new CloudFormationEmulator()],
  ];

  it.each(emulators)('%s', async (_name, create) => {
    const emulator = create();
    const running = await emulator.start();
    try {
      const answer = await postWithHost(running.endpoint, 'attacker.example');

      expect(answer.status).toBe(403);
    } finally {
      await running.stop();
      if (emulator instanceof SqsEmulator) emulator.close();
    }
  });
});
