import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultHooks } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

/**
 * Secrets Manager emulator: the runtime creates each secret of the template in process, with its
 * value; the verifiers (through Powertools Parameters) and the CLI read it with GetSecretValue,
 * and `relayflow secrets set|rotate` replace it with PutSecretValue. A secret holds one value, its
 * AWSCURRENT version; a put makes a new version and the previous one is forgotten (no
 * AWSPREVIOUS, no staging labels).
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';

const PROTOCOL: AwsJsonProtocol = {
  service: 'Secrets Manager',
  targetPrefix: 'secretsmanager.',
  version: '1.1',
  internalError: 'InternalServiceError',
};

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly secretString: string;
  readonly createdDate: Date;
}

const invalid = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  new AwsError(
    'InvalidParameterException',
    `Invalid parameters: ${issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
  );

const GetSecretValueInput = z.strictObject({ SecretId: z.string().min(1) });
const PutSecretValueInput = z.object({
  SecretId: z.string().min(1),
  SecretString: z.string().min(1).max(65_536),
  ClientRequestToken: z.string().min(32).max(64).optional(),
});

interface GetSecretValueOutput {
  ARN: string;
  Name: string;
  VersionId: string;
  SecretString: string;
  VersionStages: string[];
  CreatedDate: Date;
}

export class SecretsManagerEmulator extends FaultHooks {
  private readonly secrets = new Map<string, Secret>();

  createSecret(input: { Name: string; SecretString: string }): {
    ARN: string;
    Name: string;
    VersionId: string;
  } {
    if (this.secrets.has(input.Name)) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.Name} already exists.`,
      );
    }
    // Secrets Manager appends a hyphen and six random characters to the name in the ARN.
    const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:${input.Name}-${suffix}`,
      name: input.Name,
      versionId: randomUUID(),
      secretString: input.SecretString,
      createdDate: new Date(),
    };
    this.secrets.set(secret.name, secret);
    return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId };
  }

  /** A new AWSCURRENT version; the same ClientRequestToken again is the same version (idempotent). */
  putSecretValue(input: unknown): { ARN: string; Name: string; VersionId: string; VersionStages: string[] } {
    const request = PutSecretValueInput.safeParse(input);
    if (!request.success) throw invalid(request.error.issues);
    const current = this.find(request.data.SecretId);
    const versionId = request.data.ClientRequestToken ?? randomUUID();
    if (versionId === current.versionId && request.data.SecretString !== current.secretString) {
      throw new AwsError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version.",
      );
    }
    const next: Secret = { ...current, versionId, secretString: request.data.SecretString };
    this.secrets.set(current.name, next);
    return { ARN: next.arn, Name: next.name, VersionId: next.versionId, VersionStages: ['AWSCURRENT'] };
  }

  getSecretValue(input: unknown): GetSecretValueOutput {
    const request = GetSecretValueInput.safeParse(input);
    if (!request.success) throw invalid(request.error.issues);
    const secret = this.find(request.data.SecretId);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.secretString,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdDate,
    };
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsJson(
      PROTOCOL,
      {
        GetSecretValue: (input) => this.getSecretValue(input),
        PutSecretValue: (input) => this.putSecretValue(input),
      },
      this.faults,
      options.port,
    );
  }

  private find(secretId: string): Secret {
    // By name, by full ARN, or by the partial ARN that leaves out the random suffix.
    const secret =
      this.secrets.get(secretId) ??
      [...this.secrets.values()].find((s) => s.arn === secretId || s.arn.slice(0, -7) === secretId);
    if (!secret)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }
}
