import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startHttpApi } from '../../../local/apigateway';
import type { AccessLogEntry, IntegrationOutcome, RunningHttpApi } from '../../../local/apigateway';
import { sendRaw } from './http-client';

/** An integration that records the events it receives and answers with a scripted outcome. */
function aRecordingTarget(outcome: IntegrationOutcome = { result: { statusCode: 202, body: 'accepted' } }) {
  const events: APIGatewayProxyEventV2[] = [];
  let next = outcome;
  return {
    events,
    answer(value: IntegrationOutcome): void {
      next = value;
    },
    target: (event: APIGatewayProxyEventV2): Promise<IntegrationOutcome> => {
      events.push(event);
      return Promise.resolve(next);
    },
  };
}

function onlyEvent(events: readonly APIGatewayProxyEventV2[]): APIGatewayProxyEventV2 {
  expect(events).toHaveLength(1);
  return events[0] as APIGatewayProxyEventV2;
}

describe('HTTP API emulator (payload format 2.0)', () => {
  let api: RunningHttpApi;
  let webhook: ReturnType<typeof aRecordingTarget>;
  let fallback: ReturnType<typeof aRecordingTarget>;
  let accessLog: AccessLogEntry[];

  beforeEach(async () => {
    webhook = aRecordingTarget();
    fallback = aRecordingTarget({ result: 'fallback' });
    accessLog = [];
    api = await startHttpApi({
      routes: [
        { routeKey: 'POST /webhooks/{provider}', target: webhook.target },
        { routeKey: 'POST /webhooks/{provider}/{tenant}', target: webhook.target },
        { routeKey: 'GET /pets/dog', target: fallback.target },
        { routeKey: 'GET /pets/{proxy+}', target: fallback.target },
      ],
      maxBodyBytes: 1024,
      accessLog: (entry) => accessLog.push(entry),
    });
  });

  afterEach(async () => {
    await api.stop();
  });

  describe('request event', () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    it('passes a binary body base64-encoded with isBase64Encoded true', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));

      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: [['Content-Type', 'application/octet-stream']],
        body: bytes,
      });

      const event = onlyEvent(webhook.events);
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64').equals(bytes)).toBe(true);
    });

    // Observed on live HTTP APIs: only text/*, JSON, XML and JavaScript arrive as text.
    it('passes a form-encoded body base64-encoded, byte for byte', async () => {
      const form = 'Body=Hello+w%C3%B6rld&From=%2B15550001111';

      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/twilio',
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
        body: form,
      });

      const event = onlyEvent(webhook.events);
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? '', 'base64').toString('utf8')).toBe(form);
    });

    it('passes a JSON body with unicode as the exact UTF-8 text', async () => {
      const json = '{"name":"Zoë 🚀","note":"ünïcödé — 漢字"}';

      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: [['Content-Type', 'application/json; charset=utf-8']],
        body: json,
      });

      const event = onlyEvent(webhook.events);
      expect(event.isBase64Encoded).toBe(false);
      expect(event.body).toBe(json);
    });

    it('omits the body of a request without one', async () => {
      await sendRaw(api.url, { method: 'GET', path: '/pets/cat' });

      const event = onlyEvent(fallback.events);
      expect(event).not.toHaveProperty('body');
      expect(event.isBase64Encoded).toBe(false);
    });

    // Format 2.0: "Duplicate headers are combined with commas and included in the headers field."
    it('lower-cases header names and joins a header sent twice with a comma', async () => {
      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/github',
        headers: [
          ['X-Hub-Signature-256', 'sha256=abc'],
          ['X-Custom', 'first'],
          ['x-custom', 'second'],
        ],
        body: '{}',
      });

      const event = onlyEvent(webhook.events);
      expect(event.headers['x-hub-signature-256']).toBe('sha256=abc');
      expect(event.headers['x-custom']).toBe('first,second');
      expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    });

    // Format 2.0: duplicate query strings are combined with commas; parameters are URL-decoded.
    it('keeps rawQueryString as sent and decodes queryStringParameters, joining duplicates', async () => {
      const query = 'a=1&a=2&name=J%C3%BCrgen+M&flag&plus=%2B&a=3';

      await sendRaw(api.url, {
        method: 'POST',
        path: `/webhooks/stripe?${query}`,
        body: '{}',
        headers: [['content-type', 'application/json']],
      });

      const event = onlyEvent(webhook.events);
      expect(event.rawQueryString).toBe(query);
      expect(event.queryStringParameters).toEqual({ a: '1,2,3', name: 'Jürgen M', flag: '', plus: '+' });
    });

    // Format 2.0: cookie headers move to the cookies field.
    it('moves cookies out of the headers into the cookies array', async () => {
      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: [
          ['Cookie', 'session=abc; theme=dark'],
          ['Cookie', 'lang=en'],
        ],
        body: '{}',
      });

      const event = onlyEvent(webhook.events);
      expect(event.cookies).toEqual(['session=abc', 'theme=dark', 'lang=en']);
      expect(event.headers).not.toHaveProperty('cookie');
    });

    it('fills pathParameters (decoded) and the matched routeKey', async () => {
      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/shopify/acme%20co',
        body: '{}',
        headers: [['content-type', 'application/json']],
      });

      const event = onlyEvent(webhook.events);
      expect(event.routeKey).toBe('POST /webhooks/{provider}/{tenant}');
      expect(event.requestContext.routeKey).toBe('POST /webhooks/{provider}/{tenant}');
      expect(event.pathParameters).toEqual({ provider: 'shopify', tenant: 'acme co' });
      expect(event.rawPath).toBe('/webhooks/shopify/acme co');
    });

    it('builds requestContext as the $default stage does, with the id of the apigw-requestid header', async () => {
      const response = await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/stripe',
        headers: [
          ['User-Agent', 'Stripe/1.0'],
          ['content-type', 'application/json'],
        ],
        body: '{}',
      });

      const event = onlyEvent(webhook.events);
      expect(event.version).toBe('2.0');
      expect(event.requestContext).toMatchObject({
        accountId: '000000000000',
        apiId: api.apiId,
        domainName: '127.0.0.1',
        stage: '$default',
        requestId: response.headers['apigw-requestid'],
        http: {
          method: 'POST',
          path: '/webhooks/stripe',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'Stripe/1.0',
        },
      });
      expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
      expect(event.headers).toMatchObject({
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-port': String(api.port),
      });
    });
    it('takes domainName from the Host header without its port, as a tunnel or custom domain delivers it', async () => {
      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/hubspot',
        headers: [['Host', 'abc123.ngrok.app']],
        body: '[]',
      });
      await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/hubspot',
        headers: [['Host', 'hooks.example.com:8443']],
        body: '[]',
      });

      expect(webhook.events.map((event) => event.requestContext)).toEqual([
        expect.objectContaining({ domainName: 'abc123.ngrok.app', domainPrefix: 'abc123' }),
        expect.objectContaining({ domainName: 'hooks.example.com', domainPrefix: 'hooks' }),
      ]);
    });
  });

  describe('routing', () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
    it('prefers a literal route over a greedy one for the same path', async () => {
      await sendRaw(api.url, { path: '/pets/dog' });
      await sendRaw(api.url, { path: '/pets/dog/food' });

      expect(fallback.events.map((event) => event.routeKey)).toEqual(['GET /pets/dog', 'GET /pets/{proxy+}']);
      expect(fallback.events[1]?.pathParameters).toEqual({ proxy: 'dog/food' });
    });

    it('answers 404 {"message":"Not Found"} when no route matches, including another method on a known path', async () => {
      const unknownPath = await sendRaw(api.url, { method: 'POST', path: '/nope', body: '{}' });
      const wrongMethod = await sendRaw(api.url, { method: 'GET', path: '/webhooks/stripe' });

      // API Gateway answers these itself: the request id is their only id, as on AWS.
      for (const response of [unknownPath, wrongMethod]) {
        expect(response.status).toBe(404);
        expect(response.body.toString()).toBe('{"message":"Not Found"}');
        expect(response.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9+/]{15}=$/);
      }
      expect(webhook.events).toHaveLength(0);
    });

    it('sends what no other route matches to $default', async () => {
      const target = aRecordingTarget({ result: { ok: true } });
      const withDefault = await startHttpApi({ routes: [{ routeKey: '$default', target: target.target }] });
      try {
        const response = await sendRaw(withDefault.url, { method: 'DELETE', path: '/anything/at/all' });

        expect(response.status).toBe(200);
        expect(onlyEvent(target.events)).toMatchObject({ routeKey: '$default', rawPath: '/anything/at/all' });
      } finally {
        await withDefault.stop();
      }
    });

    it('answers 413 {"message":"Request Entity Too Large"} above the payload limit without invoking', async () => {
      const response = await sendRaw(api.url, {
        method: 'POST',
        path: '/webhooks/stripe',
        body: Buffer.alloc(1025, 'a'),
      });

      expect(response.status).toBe(413);
      expect(response.body.toString()).toBe('{"message":"Request Entity Too Large"}');
      expect(webhook.events).toHaveLength(0);
    });
  });

  describe('response mapping', () => {
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response
    it('uses statusCode, headers, cookies and body of a structured result', async () => {
      webhook.answer({
        result: {
          statusCode: 201,
          headers: { 'X-Correlation-Id': 'c-1', 'content-type': 'application/json' },
          cookies: ['a=1; Secure', 'b=2'],
          body: '{"id":7}',
        },
      });

      const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe', body: '{}' });

      expect(response.status).toBe(201);
      expect(response.headers['x-correlation-id']).toBe('c-1');
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['set-cookie']).toEqual(['a=1; Secure', 'b=2']);
      expect(response.body.toString()).toBe('{"id":7}');
    });

    it('decodes a base64 body when the result sets isBase64Encoded', async () => {
      const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
      webhook.answer({
        result: {
          statusCode: 200,
          headers: { 'content-type': 'application/octet-stream' },
          body: bytes.toString('base64'),
          isBase64Encoded: true,
        },
      });

      const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe', body: '{}' });

      expect(response.body.equals(bytes)).toBe(true);
    });

    it('defaults the content type of a structured result to text/plain', async () => {
      webhook.answer({ result: { statusCode: 200, body: 'plain' } });

      const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe', body: '{}' });

      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body.toString()).toBe('plain');
    });

    // Knowledge center "api-gateway-status-codes-http-api": without statusCode, API Gateway assumes 200 JSON.
    it.each([
      ['a string', 'Hello from Lambda!', 'Hello from Lambda!'],
      ['an object', { message: 'hi', body: 'not a field' }, '{"message":"hi","body":"not a field"}'],
      ['null', null, 'null'],
    ])('infers 200 application/json from %s returned without statusCode', async (_label, result, body) => {
      webhook.answer({ result });

      const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe', body: '{}' });

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.body.toString()).toBe(body);
    });

    it('answers 500 {"message":"Internal Server Error"} for a Lambda error', async () => {
      webhook.answer({ error: { errorType: 'Error', errorMessage: 'boom' } });

      const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe', body: '{}' });

      expect(response.status).toBe(500);
      expect(response.body.toString()).toBe('{"message":"Internal Server Error"}');
      expect(accessLog[0]).toMatchObject({ status: 500, integrationError: 'boom' });
    });

    it('answers 500 for a malformed result (statusCode with a non-string body)', async () => {
      webhook.answer({ result: { statusCode: 200, body: { not: 'a string' } } });

      const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe', body: '{}' });

      expect(response.status).toBe(500);
    });

    it('answers 503 {"message":"Service Unavailable"} when the integration outlives its timeout', async () => {
      const entries: AccessLogEntry[] = [];
      const slow = await startHttpApi({
        accessLog: (entry) => entries.push(entry),
        routes: [
          {
            routeKey: 'ANY /{proxy+}',
            target: () => new Promise((resolve) => setTimeout(() => resolve({ result: 'late' }), 300)),
          },
        ],
        integrationTimeoutMs: 50,
      });
      try {
        const response = await sendRaw(slow.url, { path: '/x' });

        expect(response.status).toBe(503);
        expect(response.body.toString()).toBe('{"message":"Service Unavailable"}');
        expect(entries).toEqual([
          expect.objectContaining({ status: 503, integrationError: 'Integration timeout' }),
        ]);
      } finally {
        await slow.stop();
      }
    });
  });

  it('writes one access log entry per request with status and latency', async () => {
    const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/stripe?x=1', body: '{}' });
    await sendRaw(api.url, { path: '/missing' });

    expect(accessLog).toHaveLength(2);
    expect(accessLog[0]).toMatchObject({
      requestId: response.headers['apigw-requestid'],
      method: 'POST',
      path: '/webhooks/stripe',
      routeKey: 'POST /webhooks/{provider}',
      status: 202,
    });
    expect(accessLog[0]?.latencyMs).toBeGreaterThan(0);
    expect(accessLog[1]).toMatchObject({ path: '/missing', status: 404, routeKey: undefined });
  });
});
