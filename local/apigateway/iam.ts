import { createHash, timingSafeEqual } from 'node:crypto';
import { executeApiSigner, EXECUTE_API } from '../../functions/producer/sigv4';
import { splitTarget } from './event';

/**
 * AWS_IAM authorization of a route, as API Gateway applies it before the integration runs: the
 * request must carry a SigV4 signature (Authorization header) made for `execute-api` in the API's
 * region with known credentials, over the method, path, query, signed headers and the exact body,
 * dated within five minutes. The signature is rebuilt with `@smithy/signature-v4` from what was
 * received and compared in constant time.
 *
 * The answers are API Gateway's (AWS knowledge center "api-gateway-iam-signature-mismatch" and
 * "api-gateway-403-error"): 403 `{"message":"Forbidden"}` for an unsigned request, "The security
 * token included in the request is invalid." for unknown credentials, "The request signature we
 * calculated does not match the signature you provided. …" for a wrong one. Presigned URLs
 * (signature in the query) are not served: nothing of ours makes them.
 */

/** Credentials the local API accepts: the local runtime's own (every local client uses them). */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export const LOCAL_CREDENTIALS: readonly LocalCredentials[] = [
  { accessKeyId: 'local', secretAccessKey: 'local' },
];

export interface IamSettings {
  readonly credentials: readonly LocalCredentials[];
  readonly accountId: string;
  readonly region: string;
}

export interface SignedRequest {
  readonly method: string;
  /** The request target exactly as received. */
  readonly target: string;
  /** Node's `rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** `requestContext.authorizer` of an IAM-authorized request (payload format 2.0). */
export interface IamAuthorizer {
  readonly iam: {
    readonly accessKey: string;
    readonly accountId: string;
    readonly callerId: string;
    readonly cognitoIdentity: null;
    readonly principalOrgId: string | null;
    readonly userArn: string;
    readonly userId: string;
  };
}

export type IamVerdict =
  | { readonly ok: true; readonly authorizer: IamAuthorizer }
  | { readonly ok: false; readonly message: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SKEW_MS = 5 * 60_000;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const refuse = (message: string): IamVerdict => ({ ok: false, message });

const amzDateOf = (value: string | undefined): Date | undefined => {
  const parts = value === undefined ? null : AMZ_DATE.exec(value);
  if (!parts) return undefined;
  const [, y, mo, d, h, mi, s] = parts.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(at.getTime()) ? undefined : at;
};

const compact = (at: Date) => `${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

/** Header values by lower-case name; a header sent twice is one value joined with commas, as SigV4 reads it. */
const headersOf = (rawHeaders: readonly string[]): Map<string, string> => {
  const headers = new Map<string, string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = (rawHeaders[index + 1] ?? '').trim();
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return headers;
};

const decode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Query parameters decoded, a repeated name as a list: what the signer canonicalizes. */
const queryOf = (rawQueryString: string): Record<string, string | string[]> => {
  const query: Record<string, string | string[]> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decode(pair.slice(equals + 1));
    const earlier = query[name];
    query[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return query;
};

/** Checks the request's SigV4 signature; on success, the `authorizer.iam` API Gateway adds to the event. */
export const verifyIamRequest = async (
  request: SignedRequest,
  settings: IamSettings,
  now: Date,
): Promise<IamVerdict> => {
  const headers = headersOf(request.rawHeaders);
  const authorization = headers.get('authorization');
  if (authorization === undefined) return refuse('Forbidden');
  const parts = AUTHORIZATION.exec(authorization);
  if (!parts)
    return refuse(
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters, as SigV4 (AWS4-HMAC-SHA256) writes them.",
    );
  const [, accessKeyId = '', scopeDate = '', region = '', service = '', signedList = '', signature = ''] =
    parts;
  const credentials = settings.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credentials) return refuse('The security token included in the request is invalid.');
  if (region !== settings.region) return refuse('Credential should be scoped to a valid region.');
  if (service !== EXECUTE_API)
    return refuse(`Credential should be scoped to correct service: '${EXECUTE_API}'.`);
  const signedAt = amzDateOf(headers.get('x-amz-date'));
  if (!signedAt || compact(signedAt).slice(0, 8) !== scopeDate) return refuse(MISMATCH);
  if (signedAt.getTime() < now.getTime() - SKEW_MS)
    return refuse(
      `Signature expired: ${compact(signedAt)} is now earlier than ${compact(new Date(now.getTime() - SKEW_MS))} (${compact(now)} - 5 min.)`,
    );
  if (signedAt.getTime() > now.getTime() + SKEW_MS)
    return refuse(
      `Signature not yet current: ${compact(signedAt)} is still later than ${compact(new Date(now.getTime() + SKEW_MS))} (${compact(now)} + 5 min.)`,
    );
  const signedHeaders = signedList.split(';');
  if (!signedHeaders.includes('host') || signedHeaders.some((name) => !headers.has(name)))
    return refuse(MISMATCH);
  // A declared payload hash is signed, so it must be the body's: else any body would pass under it.
  const declaredHash = headers.get('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex'))
    return refuse(MISMATCH);

  const { encodedPath, rawQueryString } = splitTarget(request.target);
  const host = headers.get('host') ?? '';
  const rebuilt = await executeApiSigner(credentials, settings.region).sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path: encodedPath,
      query: queryOf(rawQueryString),
      headers: Object.fromEntries(signedHeaders.map((name) => [name, headers.get(name) ?? ''])),
      body: request.body,
    },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(rebuilt.headers.authorization))?.[1] ?? '';
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature)))
    return refuse(MISMATCH);
  return {
    ok: true,
    authorizer: {
      iam: {
        accessKey: accessKeyId,
        accountId: settings.accountId,
        callerId: accessKeyId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${settings.accountId}:user/${accessKeyId}`,
        userId: accessKeyId,
      },
    },
  };
};
