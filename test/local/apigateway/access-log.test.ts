import { accessLogFormatter, type AccessLogEntry } from '../../../local/apigateway';

const entry: AccessLogEntry = {
  requestId: 'JkT1sbX2IAMEbvw=',
  sourceIp: '::ffff:203.0.113.7',
  requestTime: '2026-12-07T09:05:03.250Z',
  method: 'POST',
  path: '/webhooks/stripe',
  routeKey: 'POST /webhooks/stripe',
  status: 202,
  responseLength: 41,
  latencyMs: 12.6,
  integrationLatencyMs: 10.2,
};

describe("the stage's access log", () => {
  it('writes each $context variable of the format with the value of the request', () => {
    const format = JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      time: '$context.requestTime',
      epoch: '$context.requestTimeEpoch',
      route: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      integration: '$context.integrationLatency',
      bytes: '$context.responseLength',
    });

    expect(JSON.parse(accessLogFormatter(format)(entry))).toEqual({
      requestId: 'JkT1sbX2IAMEbvw=',
      ip: '203.0.113.7',
      time: '07/Dec/2026:09:05:03 +0000',
      epoch: '1796634303250',
      route: 'POST /webhooks/stripe',
      status: '202',
      latency: '13',
      integration: '10',
      bytes: '41',
    });
  });

  it('writes - where the request has no value, as API Gateway does', () => {
    const format = '$context.routeKey $context.integrationLatency $context.integrationErrorMessage';

    expect(
      accessLogFormatter(format)({ ...entry, routeKey: undefined, integrationLatencyMs: undefined }),
    ).toBe('- - -');
    expect(accessLogFormatter(format)({ ...entry, integrationError: 'Integration timeout' })).toBe(
      'POST /webhooks/stripe 10 Integration timeout',
    );
  });

  it('refuses a format with a variable it does not know when the stack starts, naming it', () => {
    expect(() => accessLogFormatter('$context.status $context.authorizer.claims.sub')).toThrow(
      /\$context\.authorizer\.claims\.sub, which the local runtime does not know/,
    );
  });
});
