import { startHttpApi } from '../../../local/apigateway';
import type { RunningHttpApi } from '../../../local/apigateway';
import { LambdaService } from '../../../local/lambda';
import { aBundleRoot, aFunctionConfig, writeBundle } from '../lambda/builders';
import { sendRaw } from './http-client';

const WEBHOOK_BUNDLE = `
export const handler = async (event) => {
  if (event.pathParameters.provider === 'broken') throw new TypeError('handler bug');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body ?? '', 'utf8');
  return { statusCode: 202, headers: { 'x-correlation-id': event.requestContext.requestId }, body: JSON.stringify({ bytes: raw.length, provider: event.pathParameters.provider }) };
};
`;

describe('HTTP API emulator in front of the Lambda service', () => {
  let root: ReturnType<typeof aBundleRoot>;
  let lambda: LambdaService;
  let api: RunningHttpApi;

  beforeAll(async () => {
    root = aBundleRoot();
    lambda = new LambdaService({ logSink: () => undefined });
    lambda.register(aFunctionConfig('verifier', writeBundle(root.dir, 'verifier', WEBHOOK_BUNDLE)));
    api = await startHttpApi({
      routes: [
        { routeKey: 'POST /webhooks/{provider}', target: (event) => lambda.invoke('verifier', event) },
      ],
    });
  });

  afterAll(async () => {
    await api.stop();
    await lambda.stop();
    root.cleanup();
  });

  it('delivers the raw bytes to the bundle and returns its structured response', async () => {
    const body = Buffer.from('payload=%E2%9C%93&x=1');

    const response = await sendRaw(api.url, {
      method: 'POST',
      path: '/webhooks/twilio',
      headers: [['content-type', 'application/x-www-form-urlencoded']],
      body,
    });

    expect(response.status).toBe(202);
    expect(response.headers['x-correlation-id']).toBe(response.headers['apigw-requestid']);
    expect(JSON.parse(response.body.toString())).toEqual({ bytes: body.length, provider: 'twilio' });
  });

  it('turns an error thrown by the handler into 500 {"message":"Internal Server Error"}', async () => {
    const response = await sendRaw(api.url, { method: 'POST', path: '/webhooks/broken', body: '{}' });

    expect(response.status).toBe(500);
    expect(response.body.toString()).toBe('{"message":"Internal Server Error"}');
  });
});
