import { generateKeyPairSync, randomBytes } from 'node:crypto';

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
