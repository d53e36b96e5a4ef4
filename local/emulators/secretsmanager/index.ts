import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError, serveAwsJson, type AwsJsonProtocol } from '../aws-json';
import { FaultSchedule, type EmulatorFault } from '../fault-schedule';
import type { RunningEmulator } from '../loopback';

/**
 * Secrets Manager emulator: what the runtime (CreateSecret, DescribeSecret, PutSecretValue, in
 * process) and the verifiers (GetSecretValue, over HTTP through Powertools Parameters) call.
 * A secret has one value, its AWSCURRENT version; nothing reads older versions.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const CURRENT = 'AWSCURRENT';

const PROTOCOL: AwsJsonProtocol = {
  service: 'Secrets Manager',
  targetPrefix: 'secretsmanager.',
  version: '1.1',
  internalError: 'InternalServiceError',
};

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly createdDate: Date;
  lastChangedDate: Date;
  versionId?: string;
  secretString?: string;
}

const token = z.string().min(32).max(64).optional();

const CreateSecretInput = z.object({
  Name: z.string().min(1).max(512),
  ClientRequestToken: token,
  Description: z.string().optional(),
  SecretString: z.string().optional(),
});
export type CreateSecretInput = z.input<typeof CreateSecretInput>;

const PutSecretValueInput = z.object({
  SecretId: z.string().min(1),
  ClientRequestToken: token,
  SecretString: z.string(),
});
export type PutSecretValueInput = z.input<typeof PutSecretValueInput>;

const SecretIdInput = z.object({ SecretId: z.string().min(1) });
export type GetSecretValueInput = z.input<typeof SecretIdInput>;
export type DescribeSecretInput = z.input<typeof SecretIdInput>;

export interface GetSecretValueOutput {
  ARN: string;
  Name: string;
  VersionId: string;
  SecretString: string;
  VersionStages: string[];
  CreatedDate: Date;
}

export interface DescribeSecretOutput {
  ARN: string;
  Name: string;
  Description?: string;
  CreatedDate: Date;
  LastChangedDate: Date;
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new AwsError('InvalidParameterException', `Invalid parameters: ${detail}`);
  }
  return result.data;
}

export class SecretsManagerEmulator {
  private readonly secrets = new Map<string, Secret>();
  private readonly faults = new FaultSchedule();

  createSecret(input: CreateSecretInput): { ARN: string; Name: string; VersionId?: string } {
    const request = parse(CreateSecretInput, input);
    const existing = this.secrets.get(request.Name);
    if (existing) {
      // A retry with the same ClientRequestToken and value (the SDK fills the token in) is ignored.
      if (
        existing.versionId !== undefined &&
        existing.versionId === request.ClientRequestToken &&
        existing.secretString === request.SecretString
      ) {
        return { ARN: existing.arn, Name: existing.name, VersionId: existing.versionId };
      }
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${request.Name} already exists.`,
      );
    }
    const now = new Date();
    // Secrets Manager appends a hyphen and six random characters to the name in the ARN.
    const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:${request.Name}-${suffix}`,
      name: request.Name,
      ...(request.Description !== undefined ? { description: request.Description } : {}),
      createdDate: now,
      lastChangedDate: now,
    };
    this.secrets.set(secret.name, secret);
    if (request.SecretString === undefined) return { ARN: secret.arn, Name: secret.name };
    secret.versionId = request.ClientRequestToken ?? randomUUID();
    secret.secretString = request.SecretString;
    return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId };
  }

  /** Makes `SecretString` the current value. */
  putSecretValue(input: PutSecretValueInput): {
    ARN: string;
    Name: string;
    VersionId: string;
    VersionStages: string[];
  } {
    const request = parse(PutSecretValueInput, input);
    const secret = this.find(request.SecretId);
    const versionId = request.ClientRequestToken ?? randomUUID();
    // A repeated ClientRequestToken is idempotent with the same value and an error with another.
    if (secret.versionId === versionId && secret.secretString !== request.SecretString) {
      throw new AwsError(
        'ResourceExistsException',
        `A version with the ClientRequestToken ${versionId} already exists with a different value.`,
      );
    }
    if (secret.versionId !== versionId) {
      secret.versionId = versionId;
      secret.secretString = request.SecretString;
      secret.lastChangedDate = new Date();
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [CURRENT] };
  }

  getSecretValue(input: GetSecretValueInput): GetSecretValueOutput {
    const secret = this.find(parse(SecretIdInput, input).SecretId);
    if (secret.versionId === undefined || secret.secretString === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${CURRENT}`,
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.secretString,
      VersionStages: [CURRENT],
      CreatedDate: secret.lastChangedDate,
    };
  }

  describeSecret(input: DescribeSecretInput): DescribeSecretOutput {
    const secret = this.find(parse(SecretIdInput, input).SecretId);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      CreatedDate: secret.createdDate,
      LastChangedDate: secret.lastChangedDate,
    };
  }

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return this.faults.counters();
  }

  /** Test hook for the next HTTP requests of `action`; see {@link EmulatorFault}. */
  injectFault(action: string, fault: EmulatorFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return serveAwsJson(
      PROTOCOL,
      {
        CreateSecret: (input) => this.createSecret(input as CreateSecretInput),
        PutSecretValue: (input) => this.putSecretValue(input as PutSecretValueInput),
        GetSecretValue: (input) => this.getSecretValue(input as GetSecretValueInput),
        DescribeSecret: (input) => this.describeSecret(input as DescribeSecretInput),
      },
      this.faults,
      options.port,
    );
  }

  private find(secretId: string): Secret {
    const byName = this.secrets.get(secretId);
    if (byName) return byName;
    if (secretId.startsWith('arn:')) {
      // A full ARN names one secret; a partial ARN (without "-" and the six random characters) also works.
      for (const secret of this.secrets.values()) {
        if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
      }
    }
    throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }
}
