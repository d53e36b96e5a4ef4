import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { listenOnLoopback } from '../loopback';
import { FaultSchedule } from '../fault-schedule';

/**
 * Secrets Manager emulator: the actions RelayFlow uses, over the AWS JSON 1.1 protocol
 * (`X-Amz-Target: secretsmanager.<Action>`), with version staging labels as AWS keeps them.
 */

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

export type SecretsManagerFault =
  | {
      readonly kind: 'error';
      readonly code: string;
      readonly message?: string;
      readonly status?: number;
      readonly times: number;
    }
  | { readonly kind: 'throttle'; readonly times: number }
  | { readonly kind: 'delay'; readonly ms: number; readonly times: number }
  | { readonly kind: 'dropResponse'; readonly times: number };

export interface RunningEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** An AWS error as the SDK sees it: `__type` names the exception, `status` is the HTTP status. */
export class SecretsManagerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

interface SecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: Buffer;
  readonly createdDate: Date;
  stages: Set<string>;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  description?: string;
  readonly createdDate: Date;
  lastChangedDate: Date;
  readonly versions: Map<string, SecretVersion>;
}

const blob = z.union([z.string(), z.instanceof(Uint8Array)]);

const CreateSecretInput = z.object({
  Name: z.string().min(1).max(512),
  ClientRequestToken: z.string().min(32).max(64).optional(),
  Description: z.string().optional(),
  SecretString: z.string().optional(),
  SecretBinary: blob.optional(),
});
export type CreateSecretInput = z.input<typeof CreateSecretInput>;

const PutSecretValueInput = z.object({
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(32).max(64).optional(),
  SecretString: z.string().optional(),
  SecretBinary: blob.optional(),
  VersionStages: z.array(z.string()).min(1).optional(),
});
export type PutSecretValueInput = z.input<typeof PutSecretValueInput>;

const GetSecretValueInput = z.object({
  SecretId: z.string().min(1),
  VersionId: z.string().optional(),
  VersionStage: z.string().optional(),
});
export type GetSecretValueInput = z.input<typeof GetSecretValueInput>;

const DescribeSecretInput = z.object({ SecretId: z.string().min(1) });
export type DescribeSecretInput = z.input<typeof DescribeSecretInput>;

const ListSecretsInput = z.object({
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().optional(),
  Filters: z.array(z.object({ Key: z.string(), Values: z.array(z.string()) })).optional(),
});
export type ListSecretsInput = z.input<typeof ListSecretsInput>;

export interface GetSecretValueOutput {
  ARN: string;
  Name: string;
  VersionId: string;
  SecretString?: string;
  SecretBinary?: Uint8Array;
  VersionStages: string[];
  CreatedDate: Date;
}

export interface SecretListEntry {
  ARN: string;
  Name: string;
  Description?: string;
  CreatedDate: Date;
  LastChangedDate: Date;
  SecretVersionsToStages: Record<string, string[]>;
}

export interface DescribeSecretOutput extends Omit<SecretListEntry, 'SecretVersionsToStages'> {
  VersionIdsToStages: Record<string, string[]>;
}

const actionNames = [
  'CreateSecret',
  'PutSecretValue',
  'GetSecretValue',
  'DescribeSecret',
  'ListSecrets',
] as const;
type ActionName = (typeof actionNames)[number];

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new SecretsManagerError('InvalidParameterException', `Invalid parameters: ${detail}`);
  }
  return result.data;
}

function toBuffer(value: string | Uint8Array | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  // On the wire a blob is base64 text; in process it is bytes.
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}

function sameValue(
  version: SecretVersion,
  secretString: string | undefined,
  secretBinary: Buffer | undefined,
): boolean {
  const sameBinary =
    version.secretBinary === undefined || secretBinary === undefined
      ? version.secretBinary === secretBinary
      : version.secretBinary.equals(secretBinary);
  return version.secretString === secretString && sameBinary;
}

function stagesOf(secret: Secret): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const version of secret.versions.values()) {
    if (version.stages.size > 0) map[version.versionId] = [...version.stages];
  }
  return map;
}

export class SecretsManagerEmulator {
  private readonly secrets = new Map<string, Secret>();
  private readonly requestCounts = new Map<string, number>();
  private readonly faults = new FaultSchedule<SecretsManagerFault>();

  createSecret(input: CreateSecretInput): { ARN: string; Name: string; VersionId?: string } {
    const request = parse(CreateSecretInput, input);
    if (request.SecretString !== undefined && request.SecretBinary !== undefined) {
      throw new SecretsManagerError(
        'InvalidParameterException',
        'You can specify either SecretString or SecretBinary, not both.',
      );
    }
    const existing = this.secrets.get(request.Name);
    if (existing) {
      // A retry with the same ClientRequestToken and value (the SDK fills the token in) is ignored.
      const version =
        request.ClientRequestToken === undefined
          ? undefined
          : existing.versions.get(request.ClientRequestToken);
      if (version && sameValue(version, request.SecretString, toBuffer(request.SecretBinary))) {
        return { ARN: existing.arn, Name: existing.name, VersionId: version.versionId };
      }
      throw new SecretsManagerError(
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
      description: request.Description,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    this.secrets.set(secret.name, secret);
    const secretBinary = toBuffer(request.SecretBinary);
    if (request.SecretString === undefined && secretBinary === undefined)
      return { ARN: secret.arn, Name: secret.name };
    const version = this.addVersion(
      secret,
      request.ClientRequestToken ?? randomUUID(),
      request.SecretString,
      secretBinary,
      [CURRENT],
    );
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
  }

  putSecretValue(input: PutSecretValueInput): {
    ARN: string;
    Name: string;
    VersionId: string;
    VersionStages: string[];
  } {
    const request = parse(PutSecretValueInput, input);
    const secret = this.find(request.SecretId);
    const secretBinary = toBuffer(request.SecretBinary);
    if ((request.SecretString === undefined) === (secretBinary === undefined)) {
      throw new SecretsManagerError(
        'InvalidParameterException',
        'You must provide either SecretString or SecretBinary.',
      );
    }
    const versionId = request.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(versionId);
    if (existing) {
      // A repeated ClientRequestToken is idempotent with the same value and an error with another.
      if (!sameValue(existing, request.SecretString, secretBinary)) {
        throw new SecretsManagerError(
          'ResourceExistsException',
          `A version with the ClientRequestToken ${versionId} already exists with a different value.`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: versionId,
        VersionStages: [...existing.stages],
      };
    }
    const version = this.addVersion(
      secret,
      versionId,
      request.SecretString,
      secretBinary,
      request.VersionStages ?? [CURRENT],
    );
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
    };
  }

  getSecretValue(input: GetSecretValueInput): GetSecretValueOutput {
    const request = parse(GetSecretValueInput, input);
    const secret = this.find(request.SecretId);
    const version = this.findVersion(secret, request.VersionId, request.VersionStage);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: new Uint8Array(version.secretBinary) } : {}),
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  }

  describeSecret(input: DescribeSecretInput): DescribeSecretOutput {
    const secret = this.find(parse(DescribeSecretInput, input).SecretId);
    const { SecretVersionsToStages, ...entry } = this.listEntry(secret);
    return { ...entry, VersionIdsToStages: SecretVersionsToStages };
  }

  listSecrets(input: ListSecretsInput = {}): { SecretList: SecretListEntry[]; NextToken?: string } {
    const request = parse(ListSecretsInput, input);
    const nameFilters = (request.Filters ?? [])
      .filter((filter) => filter.Key === 'name')
      .flatMap((filter) => filter.Values);
    const matching = [...this.secrets.values()]
      .filter(
        (secret) => nameFilters.length === 0 || nameFilters.some((prefix) => secret.name.startsWith(prefix)),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const start =
      request.NextToken === undefined
        ? 0
        : Number.parseInt(Buffer.from(request.NextToken, 'base64url').toString(), 10);
    if (!Number.isInteger(start) || start < 0)
      throw new SecretsManagerError('InvalidNextTokenException', 'The NextToken value is invalid.');
    const end = start + (request.MaxResults ?? 100);
    return {
      SecretList: matching.slice(start, end).map((secret) => this.listEntry(secret)),
      ...(end < matching.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
    };
  }

  /** Requests served over HTTP, by action (faulted requests included). */
  counters(): Record<string, number> {
    return Object.fromEntries(this.requestCounts);
  }

  /**
   * Test hook: the next `times` HTTP requests for `action` fail (`error`, `throttle`), are held
   * for `ms` (`delay`), or take effect and then lose their response (`dropResponse`).
   */
  injectFault(action: string, fault: SecretsManagerFault): void {
    this.faults.add(action, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  start(options: { port?: number } = {}): Promise<RunningEmulator> {
    return listenOnLoopback('Secrets Manager', options.port ?? 0, (req, res) => this.handle(req, res));
  }

  private addVersion(
    secret: Secret,
    versionId: string,
    secretString: string | undefined,
    secretBinary: Buffer | undefined,
    stages: readonly string[],
  ): SecretVersion {
    const replacedCurrent = stages.includes(CURRENT)
      ? [...secret.versions.values()].find((version) => version.stages.has(CURRENT))
      : undefined;
    for (const other of secret.versions.values()) {
      for (const stage of stages) other.stages.delete(stage);
    }
    if (replacedCurrent) {
      // AWSPREVIOUS follows AWSCURRENT: it moves to the version that just lost AWSCURRENT.
      for (const other of secret.versions.values()) other.stages.delete(PREVIOUS);
      replacedCurrent.stages.add(PREVIOUS);
    }
    const version: SecretVersion = {
      versionId,
      secretString,
      secretBinary,
      createdDate: new Date(),
      stages: new Set(stages),
    };
    secret.versions.set(versionId, version);
    secret.lastChangedDate = version.createdDate;
    return version;
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
    throw new SecretsManagerError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    );
  }

  private findVersion(
    secret: Secret,
    versionId: string | undefined,
    versionStage: string | undefined,
  ): SecretVersion {
    const stage = versionId === undefined ? (versionStage ?? CURRENT) : versionStage;
    const version =
      versionId === undefined
        ? [...secret.versions.values()].find(
            (candidate) => stage !== undefined && candidate.stages.has(stage),
          )
        : secret.versions.get(versionId);
    if (!version) {
      const what = versionId === undefined ? `staging label: ${stage ?? CURRENT}` : `VersionId: ${versionId}`;
      throw new SecretsManagerError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for ${what}`,
      );
    }
    if (stage !== undefined && !version.stages.has(stage)) {
      throw new SecretsManagerError(
        'InvalidRequestException',
        `The VersionId ${version.versionId} does not have the staging label ${stage}.`,
      );
    }
    return version;
  }

  private listEntry(secret: Secret): SecretListEntry {
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      CreatedDate: secret.createdDate,
      LastChangedDate: secret.lastChangedDate,
      SecretVersionsToStages: stagesOf(secret),
    };
  }

  private dispatch(action: ActionName, input: unknown): unknown {
    switch (action) {
      case 'CreateSecret':
        return this.createSecret(input as CreateSecretInput);
      case 'PutSecretValue':
        return this.putSecretValue(input as PutSecretValueInput);
      case 'GetSecretValue':
        return this.getSecretValue(input as GetSecretValueInput);
      case 'DescribeSecret':
        return this.describeSecret(input as DescribeSecretInput);
      case 'ListSecrets':
        return this.listSecrets(input as ListSecretsInput);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const action =
      typeof target === 'string' && target.startsWith('secretsmanager.')
        ? target.slice('secretsmanager.'.length)
        : String(target);
    this.requestCounts.set(action, (this.requestCounts.get(action) ?? 0) + 1);

    const fault = this.faults.take(action);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'throttle') return send(res, 400, errorBody('ThrottlingException', 'Rate exceeded'));
    if (fault?.kind === 'error')
      return send(res, fault.status ?? 400, errorBody(fault.code, fault.message ?? `Injected ${fault.code}`));

    if (!(actionNames as readonly string[]).includes(action)) {
      return send(res, 400, errorBody('UnknownOperationException', `Unknown operation ${action}`));
    }
    let body: unknown;
    try {
      body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, errorBody('SerializationException', 'Request body is not valid JSON'));
    }
    try {
      const output = this.dispatch(action as ActionName, body);
      if (fault?.kind === 'dropResponse') {
        req.socket.destroy();
        return;
      }
      send(res, 200, JSON.stringify(output, wireValue));
    } catch (error) {
      if (error instanceof SecretsManagerError)
        return send(res, error.status, errorBody(error.code, error.message));
      send(
        res,
        500,
        errorBody('InternalServiceError', error instanceof Error ? error.message : 'Internal error'),
      );
    }
  }
}

/** JSON 1.1 encodes timestamps as epoch seconds and blobs as base64. */
function wireValue(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'string' && this && typeof this === 'object') {
    // JSON.stringify has already turned a Date into ISO text; the holder still has the Date.
    const original = (this as Record<string, unknown>)[key];
    if (original instanceof Date) return original.getTime() / 1000;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ __type: code, Message: message });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body);
}
