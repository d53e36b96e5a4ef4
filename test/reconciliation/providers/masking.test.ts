import type { ApiContext, ProviderApi } from '../../../functions/reconciliation/contract';
import { ProviderApiError } from '../../../functions/reconciliation/contract';
import { mailgunApi } from '../../../functions/reconciliation/providers/mailgun';
import { postmarkApi } from '../../../functions/reconciliation/providers/postmark';
import { twilioApi } from '../../../functions/reconciliation/providers/twilio';

/**
 * A provider that quotes the credential it refused must not put it in our error: the run writes
 * errors into its report and logs, which operators paste into tickets.
 */
const cases: readonly {
  readonly api: ProviderApi<unknown>;
  readonly credentials: Record<string, string>;
  readonly secret: string;
}[] = [
  {
    api: twilioApi,
    credentials: {
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      authToken: 'tw-token-0123456789',
      from: '+15005550006',
    },
    secret: 'tw-token-0123456789',
  },
  {
    api: twilioApi,
    credentials: {
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      apiKeySid: 'SK0123456789abcdef0123456789abcdef',
      apiKeySecret: 'tw-key-secret-987654',
      from: '+15005550006',
    },
    secret: 'tw-key-secret-987654',
  },
  {
    api: postmarkApi,
    credentials: { serverToken: 'pm-server-token-24680', from: 'billing@example.com' },
    secret: 'pm-server-token-24680',
  },
  {
    api: mailgunApi,
    credentials: { apiKey: 'key-mailgun-13579', domain: 'mg.example.com', from: 'billing@mg.example.com' },
    secret: 'key-mailgun-13579',
  },
];

const refusing =
  (secret: string): typeof fetch =>
  () =>
    Promise.resolve(
      new Response(JSON.stringify({ message: `Invalid credentials: ${secret} was refused`, code: 20003 }), {
        status: 401,
        headers: { 'content-type': 'application/json' },
      }),
    );

describe('reconciliation provider APIs mask a credential the provider quotes back', () => {
  it.each(cases.map((c) => [`${c.api.provider} (${Object.keys(c.credentials).join(', ')})`, c] as const))(
    '%s',
    async (_name, { api, credentials, secret }) => {
      const ctx: ApiContext<unknown> = {
        credentials: api.credentials.parse(credentials),
        fetch: refusing(secret),
        baseUrl: 'http://127.0.0.1:9',
      };
      const now = new Date('2026-12-07T00:00:00Z');
      const error = await api
        .listSent(
          { since: new Date(now.getTime() - 3_600_000), until: now },
          { domain: 'mg.example.com' },
          ctx,
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ProviderApiError);
      const refused = error as ProviderApiError;
      expect(refused.errorClass).toBe('unauthorized');
      expect(refused.retryable).toBe(false);
      expect(refused.message).not.toContain(secret);
      expect(refused.message).toContain('***');
    },
  );
});
