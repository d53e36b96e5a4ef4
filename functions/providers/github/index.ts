import * as z from 'zod/mini';
import { builtInDefinition, type Provider } from '#shared/providers/types';
import { normalizeGithub } from './normalize';
import { verifyGithub } from './verify';

export const githubOptionsSchema = z.object({
  /** Unused: GitHub signs no timestamp. Kept so that every provider's options share the field. */
  toleranceSeconds: z._default(z.int().check(z.positive()), 300),
});
export type GithubOptions = z.infer<typeof githubOptionsSchema>;

/** GitHub repository, organization and App webhooks (`X-Hub-Signature-256`), one event per request. */
export const githubProvider: Provider<GithubOptions> = {
  id: 'github',
  verify: verifyGithub,
  normalize: normalizeGithub,
  // X-GitHub-Delivery and X-GitHub-Event are not signed.
  identityFromUnsignedHeaders: () => true,
  // X-Hub-Signature (SHA-1) is not checked, but it is a signature all the same.
  signatureHeaders: () => ['x-hub-signature-256', 'x-hub-signature'],
};

/** What the registry and the github verifier entry build the provider from. */
export const githubDefinition = builtInDefinition(githubProvider, githubOptionsSchema);
