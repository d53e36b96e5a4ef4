import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { executeApiSigner } from '#shared/producer/sigv4';
import { startHttpApi, type RunningHttpApi } from '../../../local/apigateway';
import { sendRaw } from './http-client';

// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
// and the knowledge center's "api-gateway-iam-signature-mismatch" for the answers.
const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };
const NOW = new Date('2025-06-01T12:00:00Z');

describe('AWS_IAM authorization of a local HTTP API route', () => {
  let api: RunningHttpApi;
  const events: APIGatewayProxyEventV2[] = [];

  beforeAll(async () => {
    api = await startHttpApi({
      routes: [
        {
          routeKey: 'ANY /events',
          authorization: 'AWS_IAM',
          target: (event) => {
            events.push(event);
            return Promise.resolve({ result: { statusCode: 202, body: 'published' } });
          },
        },
        {
          routeKey: 'ANY /open',
          target: () => Promise.resolve({ result: { statusCode: 200, body: 'open' } }),
        },
      ],
      now: () => NOW,
    });
  });
  afterAll(() => api.stop());
  beforeEach(() => {
    events.length = 0;
  });

  /** Signs a POST as the SDK does, at `signedAt`; returns the headers to send. */
  const signed = async (
    body: string,
    options: {
      credentials?: typeof LOCAL;
      region?: string;
      signedAt?: Date;
      path?: string;
      query?: Record<string, string>;
    } = {},
  ) => {
    const url = new URL(api.url);
    const request = await executeApiSigner(options.credentials ?? LOCAL, options.region ?? 'us-east-1').sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: options.path ?? '/events',
        query: options.query ?? {},
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      },
      { signingDate: options.signedAt ?? NOW },
    );
    return Object.entries<string>(request.headers);
  };

  const post = (headers: readonly (readonly [string, string])[], body: string, path = '/events') =>
    sendRaw(api.url, { method: 'POST', path, headers, body });

  const message = (body: Buffer) => (JSON.parse(body.toString()) as { message: string }).message;

  it('answers an unsigned request 403 {"message":"Forbidden"}, as API Gateway does, without calling the target', async () => {
    const response = await post([['content-type', 'application/json']], '{}');

    expect(response.status).toBe(403);
    expect(response.body.toString()).toBe('{"message":"Forbidden"}');
    expect(events).toEqual([]);
  });

  it('passes a request signed with the local credentials, carrying the signer as authorizer.iam', async () => {
    const response = await post(await signed('{"a":1}'), '{"a":1}');

    expect(response.status).toBe(202);
    expect((events[0]?.requestContext as { authorizer?: unknown }).authorizer).toEqual({
      iam: {
        accessKey: 'local',
        accountId: '000000000000',
        callerId: 'local',
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: 'arn:aws:iam::000000000000:user/local',
        userId: 'local',
      },
    });
  });

  it('checks the query string too', async () => {
    const headers = await signed('{}', { path: '/events', query: { tag: 'a b', n: '1' } });

    expect((await post(headers, '{}', '/events?n=1&tag=a%20b')).status).toBe(202);
    expect((await post(headers, '{}', '/events?n=2&tag=a%20b')).status).toBe(403);
  });

  it.each([
    [
      'another secret',
      () => signed('{}', { credentials: { accessKeyId: 'local', secretAccessKey: 'wrong' } }),
      '{}',
      /^The request signature we calculated does not match the signature you provided\./,
    ],
    [
      'another body than the signed one',
      () => signed('{"amount":1}'),
      '{"amount":1000}',
      /^The request signature we calculated does not match/,
    ],
    [
      'unknown credentials',
      () => signed('{}', { credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } }),
      '{}',
      /^The security token included in the request is invalid\.$/,
    ],
    [
      'another region',
      () => signed('{}', { region: 'eu-west-1' }),
      '{}',
      /^Credential should be scoped to a valid region\.$/,
    ],
    [
      'a signature more than five minutes old',
      () => signed('{}', { signedAt: new Date(NOW.getTime() - 6 * 60_000) }),
      '{}',
      /^Signature expired: 20250601T115400Z is now earlier than 20250601T115500Z \(20250601T120000Z - 5 min\.\)$/,
    ],
  ])('refuses a request signed with %s, 403 with the reason', async (_name, sign, body, reason) => {
    const response = await post(await sign(), body);

    expect(response.status).toBe(403);
    expect(message(response.body)).toMatch(reason);
    expect(events).toEqual([]);
  });

  it('refuses a payload hash header that is not the body’s, though signed', async () => {
    const url = new URL(api.url);
    const request = await executeApiSigner(LOCAL, 'us-east-1').sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/events',
        query: {},
        headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        body: '{}',
      },
      { signingDate: NOW },
    );

    const response = await post(Object.entries<string>(request.headers), '{"forged":true}');

    expect(response.status).toBe(403);
  });

  it('leaves a route without authorization open', async () => {
    expect((await sendRaw(api.url, { method: 'GET', path: '/open' })).status).toBe(200);
  });
});
