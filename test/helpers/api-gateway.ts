import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { WebhookRequest } from '#shared/providers/types';

/** An HTTP API (payload 2.0) event carrying `request`, as API Gateway hands it to a verifier. */
export const anHttpApiEvent = (
  request: WebhookRequest,
  options: { tenant?: string; base64?: boolean; providerPath?: string } = {},
): APIGatewayProxyEventV2 => {
  const rawPath = options.tenant ? `${request.path}/${options.tenant}` : request.path;
  return {
    version: '2.0',
    routeKey: `ANY ${options.tenant ? `${request.path}/{tenant}` : request.path}`,
    rawPath,
    rawQueryString: request.rawQueryString,
    headers: { ...request.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api',
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: 'ANY',
      stage: '$default',
      time: '01/Jun/2025:12:00:00 +0000',
      timeEpoch: 1_748_779_200_000,
    },
    ...(options.tenant ? { pathParameters: { tenant: options.tenant } } : {}),
    body: options.base64 ? request.body.toString('base64') : request.body.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
};

export const aLambdaContext = (overrides: Partial<Context> = {}): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'relayflow-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:relayflow-test',
  memoryLimitInMB: '512',
  awsRequestId: 'aws-request-1',
  logGroupName: '/aws/lambda/relayflow-test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
  ...overrides,
});
