import { readIngestEnvironment } from '#shared/ingest/config';
import { verifierEnv } from '../../helpers/verifier-env';

const ENV = verifierEnv({
  PROVIDER_ID: 'stripe',
  PROVIDER_OPTIONS: '{"toleranceSeconds":60}',
  SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:stripe',
});

describe('the ingest environment', () => {
  it('reads JSON and integers into their types', () => {
    expect(readIngestEnvironment(ENV)).toMatchObject({
      PROVIDER_OPTIONS: { toleranceSeconds: 60 },
      TENANTS: ['acme'],
      MAX_BODY_BYTES: 65536,
    });
  });

  it('names every variable that does not fit in one error', () => {
    const read = () =>
      readIngestEnvironment({ ...ENV, TENANTS: '[acme', RETENTION_DAYS: '0', EVENT_TABLE: '' });

    expect(read).toThrow(
      /ingest environment is invalid[\s\S]*TENANTS[\s\S]*EVENT_TABLE[\s\S]*RETENTION_DAYS/,
    );
  });

  it('refuses an empty number rather than reading it as 0', () => {
    expect(() => readIngestEnvironment({ ...ENV, INGEST_LEASE_SECONDS: '' })).toThrow(/INGEST_LEASE_SECONDS/);
  });
});
