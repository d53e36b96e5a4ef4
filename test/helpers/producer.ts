import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ScheduleTick } from '#shared/producer/contract';

/** The environment the ProducerApi construct gives the producer function, with test values. */
export const producerEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  TENANTS: '["acme"]',
  EVENT_TABLE: 'events',
  RAW_BUCKET: 'raw',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/main.fifo',
  MAX_BODY_BYTES: '65536',
  INLINE_BODY_MAX_BYTES: '2048',
  RETENTION_DAYS: '30',
  INGEST_LEASE_SECONDS: '30',
  POWERTOOLS_METRICS_NAMESPACE: 'RelayFlowTest',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  ...overrides,
});

export const A_PRINCIPAL = 'arn:aws:sts::123456789012:assumed-role/orders-service/i-0abc';

/** An IAM-authorized producer API request (payload 2.0), as API Gateway hands it over. */
export const aProducerRequest = (
  body: unknown,
  options: {
    tenant?: string;
    method?: string;
    principal?: string | null;
    headers?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 => {
  const path = options.tenant ? `/events/${options.tenant}` : '/events';
  const principal = options.principal === undefined ? A_PRINCIPAL : options.principal;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: options.tenant ? 'ANY /events/{tenant}' : 'ANY /events',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api',
      http: {
        method: options.method ?? 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: 'ANY',
      stage: '$default',
      time: '01/Jun/2025:12:00:00 +0000',
      timeEpoch: 1_748_779_200_000,
    },
    ...(options.tenant ? { pathParameters: { tenant: options.tenant } } : {}),
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  };
  if (principal === null) return event;
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: {
        iam: {
          accessKey: 'ASIA0000000000000000',
          accountId: '123456789012',
          callerId: 'AROA0000000000000000:i-0abc',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: principal,
          userId: 'AROA0000000000000000:i-0abc',
        },
      },
    } as APIGatewayProxyEventV2['requestContext'],
  };
};

/** What an event source's rule hands the producer function (its input template, filled in). */
export const anEventSourceDelivery = (
  detail: Record<string, unknown>,
  overrides: { id?: string; detailType?: string; source?: Record<string, unknown> } = {},
) => ({
  relayflowEventSource: { bus: 'orders', ...overrides.source },
  event: {
    version: '0',
    id: overrides.id ?? '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': overrides.detailType ?? 'order.placed',
    source: 'com.example.shop',
    account: '123456789012',
    time: '2025-06-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  },
});

/** A Scheduler tick, as a schedule's target input gives it. */
export const aScheduleTick = (overrides: Partial<ScheduleTick['relayflowSchedule']> = {}): ScheduleTick => ({
  relayflowSchedule: {
    name: 'nightly-report',
    scheduledTime: '2025-06-01T02:00:00Z',
    type: 'report.due',
    ...overrides,
  },
});
