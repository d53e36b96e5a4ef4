import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

/** The value a provider secret holds: the verifier reads `signingSecrets`. */
export interface ProviderSecretValue {
  readonly signingSecrets: string[];
  /**
   * For providers that sign with a private key (SendGrid), the key our own tooling signs test
   * requests with. Only a development secret has one.
   */
  readonly signingPrivateKey?: string;
}

/** `RELAYFLOW_SECRET_<PROVIDER>`: the provider id upper-cased, `-` changed to `_`. */
export const secretVariableFor = (providerId: string) =>
  `RELAYFLOW_SECRET_${providerId.toUpperCase().replaceAll('-', '_')}`;

/**
 * The local signing secret of a provider: from `RELAYFLOW_SECRET_<PROVIDER>` (comma-separated
 * for several active secrets), else a fresh development secret in the form the provider uses.
 */
export const localSecretFor = (
  providerId: string,
  env: NodeJS.ProcessEnv,
): { value: ProviderSecretValue; source: 'environment' | 'generated' } => {
  const configured = env[secretVariableFor(providerId)];
  if (configured) {
    const signingSecrets = configured
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return { value: { signingSecrets }, source: 'environment' };
  }
  return { value: developmentSecret(providerId), source: 'generated' };
};

const developmentSecret = (providerId: string): ProviderSecretValue => {
  switch (providerId) {
    case 'stripe':
      return { signingSecrets: [`whsec_${randomBytes(24).toString('hex')}`] };
    case 'standard-webhooks':
      return { signingSecrets: [`whsec_${randomBytes(24).toString('base64')}`] };
    case 'postmark':
      return { signingSecrets: [`relayflow:${randomBytes(12).toString('hex')}`] };
    case 'sendgrid': {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      return {
        signingSecrets: [publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
        signingPrivateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      };
    }
    default:
      return { signingSecrets: [randomBytes(24).toString('hex')] };
  }
};

/**
 * A value for a secret the template asks Secrets Manager to generate
 * (`GenerateSecretString`): the template's JSON with the generated key added, or a bare string.
 */
export const generatedSecretString = (spec: {
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
  PasswordLength?: number;
}) => {
  const generated = randomBytes(Math.ceil((spec.PasswordLength ?? 32) / 2))
    .toString('hex')
    .slice(0, spec.PasswordLength ?? 32);
  if (spec.SecretStringTemplate && spec.GenerateStringKey) {
    return JSON.stringify({
      ...(JSON.parse(spec.SecretStringTemplate) as Record<string, unknown>),
      [spec.GenerateStringKey]: generated,
    });
  }
  return generated;
};

/** A JSON object, as a channel secret holds an adapter's credentials. */
export type ChannelCredentialsValue = Readonly<Record<string, string>>;

/** The domain the development senders use: reserved for examples, so nothing real is named. */
const DEV_DOMAIN = 'relayflow.example.com';

/**
 * Development credentials of a channel adapter, in the form its `credentials` schema takes
 * (functions/channels/<via>/README.md), for the local runtime's fakes, which check that
 * credentials are present, never their values. `urls` are the fakes' base URLs by adapter: FCM's
 * `tokenUrl` points at its fake's token endpoint (`<fcm base>/token`), the one credential that is a
 * URL. Undefined for an adapter this does not know (its secret keeps the template's value).
 */
export const developmentCredentials = (
  via: string,
  urls: Readonly<Partial<Record<string, string>>>,
): ChannelCredentialsValue | undefined => {
  const from = `RelayFlow <relayflow@${DEV_DOMAIN}>`;
  switch (via) {
    case 'postmark':
      return { serverToken: randomUUID(), from };
    case 'sendgrid':
      return {
        apiKey: `SG.${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
        from,
      };
    case 'mailgun':
      return {
        apiKey: `${randomBytes(16).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
        domain: `mg.${DEV_DOMAIN}`,
        from: `RelayFlow <relayflow@mg.${DEV_DOMAIN}>`,
      };
    case 'ses':
      // The function's own (local) AWS credentials sign the request: only the sender is needed.
      return { from };
    case 'twilio':
      return {
        accountSid: `AC${randomBytes(16).toString('hex')}`,
        authToken: randomBytes(16).toString('hex'),
        from: '+15550000000',
        whatsappFrom: '+15550000001',
      };
    case 'fcm': {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const tokenBase = urls.fcm;
      return {
        projectId: 'relayflow-local',
        clientEmail: 'relayflow@relayflow-local.iam.gserviceaccount.com',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        ...(tokenBase === undefined ? {} : { tokenUrl: `${tokenBase.replace(/\/+$/, '')}/token` }),
      };
    }
    case 'webhook':
      return { signingSecret: `whsec_${randomBytes(24).toString('base64')}` };
    default:
      return undefined;
  }
};
