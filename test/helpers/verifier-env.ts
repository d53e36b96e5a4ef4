/**
 * The environment the stack gives a verifier Lambda (functions/ingest/config.ts reads it), with test
 * values; `overrides` replace or add variables (PROVIDER_ID, SECRET_ARN, PUBLIC_BASE_URL, …).
 */
export const verifierEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  PROVIDER_OPTIONS: '{}',
  TENANTS: '["acme"]',
  TENANT_SECRET_ARNS: '{}',
  EVENT_TABLE: 'events',
  RAW_BUCKET: 'raw',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/main.fifo',
  MAX_BODY_BYTES: '65536',
  INLINE_BODY_MAX_BYTES: '2048',
  RETENTION_DAYS: '30',
  INGEST_LEASE_SECONDS: '30',
  SECRETS_MAX_AGE_SECONDS: '300',
  POWERTOOLS_METRICS_NAMESPACE: 'RelayFlowTest',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  ...overrides,
});
