import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod/mini';
import { InfrastructureError } from '#shared/errors';
import { readJsonSecret } from '#shared/secrets/json-secret';
import { ChannelError, type ChannelAdapter } from '#shared/channels/contract';

/** What the Processing construct tells the consumer of its channel adapters (lib/constructs/channel-secrets.ts). */
export const ChannelsEnvironmentSchema = z.object({
  /** The stack's webhook base URL: status callbacks are posted under it. */
  webhookBaseUrl: z.string().check(z.minLength(1)),
  adapters: z.record(
    z.string(),
    z.object({
      secretArn: z.string().check(z.minLength(1)),
      tenants: z.record(z.string(), z.string()),
      baseUrl: z.optional(z.string()),
    }),
  ),
});
export type ChannelsEnvironment = z.infer<typeof ChannelsEnvironmentSchema>;

/**
 * The variable that points an adapter at another API (`RELAYFLOW_CHANNEL_URL_POSTMARK`), as
 * `AWS_ENDPOINT_URL_<SERVICE>` does for AWS clients: the local runtime's fakes, or a proxy.
 */
export const channelUrlVariable = (via: string) => `RELAYFLOW_CHANNEL_URL_${via.toUpperCase()}`;

/** An adapter's API base URL: the variable, else the configuration, else its provider's own. */
export const baseUrlOf =
  (channels: ChannelsEnvironment, env: NodeJS.ProcessEnv) =>
  (adapter: ChannelAdapter<unknown>): string =>
    env[channelUrlVariable(adapter.id)] ?? channels.adapters[adapter.id]?.baseUrl ?? adapter.defaultBaseUrl;

/**
 * Reads an adapter's credentials for a tenant: the tenant's own secret when it has one, else the
 * adapter's. A secret that is empty or not what the adapter takes is a retryable failure that
 * names the command to fix it: the message waits (within its retries) for the operator.
 */
export const credentialsReader =
  (
    channels: ChannelsEnvironment,
    secrets: Pick<SecretsProvider, 'get'>,
    adapterOf: (via: string) => Promise<ChannelAdapter<unknown> | undefined>,
    maxAgeSeconds: number,
  ) =>
  async (via: string, tenant: string): Promise<unknown> => {
    const config = channels.adapters[via];
    const adapter = await adapterOf(via);
    if (!config || !adapter)
      throw new ChannelError('channel-unknown', false, `no channel adapter ${via} in this stack`);
    const own = Object.hasOwn(config.tenants, tenant) ? config.tenants[tenant] : undefined;
    try {
      return await readJsonSecret(secrets, own ?? config.secretArn, adapter.credentials, {
        maxAgeSeconds,
        expected: `${via} credentials (functions/channels/${via}/README.md)`,
      });
    } catch (error) {
      if (!(error instanceof InfrastructureError)) throw error;
      throw new ChannelError(
        'credentials-missing',
        true,
        `${via} credentials${own ? ` of tenant ${tenant}` : ''} are missing or invalid (${error.message}); set them with relayflow channels credentials ${via}${own ? ` --tenant ${tenant}` : ''}`,
        { cause: error },
      );
    }
  };

/** Where a provider posts a tenant's status callbacks: the stack's own webhook URL for that provider. */
export const statusCallbackUrlOf =
  (channels: ChannelsEnvironment) =>
  (via: string, tenant: string): string =>
    `${channels.webhookBaseUrl}/webhooks/${via}${tenant === 'default' ? '' : `/${tenant}`}`;
