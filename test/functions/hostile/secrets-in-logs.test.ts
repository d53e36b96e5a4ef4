import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { logger } from '#shared/powertools/index';
import {
  aSignedRequest,
  anEvent,
  buildTargets,
  mocks,
  resetMocks,
  TENANT,
  withOutput,
} from '../../helpers/hostile';

/**
 * A signing secret stored in the wrong shape (a bare string instead of `{"signingSecrets": [...]}`)
 * must fail closed with a 503 and a log line that says what is wrong, without the secret: JSON.parse
 * quotes its input in its error message, and the handler logs the error it caught.
 */
const targets = buildTargets();

beforeEach(() => resetMocks(targets));
// The suite runs SILENT; these tests read what an operator would see at the most verbose level.
beforeAll(() => logger.setLogLevel('DEBUG'));
afterAll(() => logger.setLogLevel('SILENT'));

describe('a signing secret stored as a bare string', () => {
  it.each(targets.map((target) => [target.id, target] as const))(
    'never reaches the %s verifier’s log output',
    async (_id, target) => {
      const bare = `hooks:${target.secrets[0] ?? 'S3cret'}`;
      mocks.secrets.reset();
      mocks.secrets.on(GetSecretValueCommand).resolves({ SecretString: bare });
      const lines: string[] = [];

      const response = await withOutput(
        (line) => lines.push(line),
        () => target.handler(anEvent(aSignedRequest(target, target.sample.body), { tenant: TENANT })),
      );

      expect((response as { statusCode: number }).statusCode).toBe(503);
      const output = lines.join('\n');
      expect(output).toContain('the secret is not JSON of the form');
      for (const secret of [bare, ...target.secretValues]) expect(output).not.toContain(secret.slice(0, 24));
    },
  );
});
