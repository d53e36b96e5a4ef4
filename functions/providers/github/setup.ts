import { chosenSecret, type ProviderSetup } from '#shared/providers/setup';

/**
 * GitHub: a repository, organization or App webhook. GitHub does not issue the secret: the
 * operator types one into the webhook's settings, and GitHub asks for a random string with high
 * entropy, so a short one is refused.
 */
export const githubSetup: ProviderSetup = {
  dashboard:
    'the repository or organization: Settings → Webhooks → Add webhook, this URL as the Payload URL, SSL verification enabled (a GitHub App: its settings → Webhook URL)',
  // The events the normalizer gives a canonical type (code.push, code.pull_request.<action>…).
  events: ['push', 'pull_request', 'issues', 'release'],
  otherEvents: 'any other event you select is stored as github.<event>',
  contentType: 'application/json (application/x-www-form-urlencoded works too)',
  secretSource:
    'the Secret field of the same webhook form: GitHub does not issue one; type a random string, such as the output of openssl rand -hex 32',
  secret: {
    expected:
      'a webhook secret of at least 16 characters without control characters (GitHub asks for a random string, such as the output of openssl rand -hex 32)',
    parse: chosenSecret(16),
  },
  verification:
    'X-Hub-Signature-256 is sha256= and the hex HMAC-SHA256 of the body, keyed with the webhook secret. GitHub signs no timestamp and not its headers: a resent capture is a duplicate of the event its bytes first produced.',
  request: {
    bodies: { 'application/json': 'object', 'application/x-www-form-urlencoded': 'form' },
    headers: [
      { name: 'X-Hub-Signature-256', description: 'sha256=<hex HMAC-SHA256 of the body>', required: true },
      { name: 'X-GitHub-Event', description: 'the event name (push, pull_request…)', required: true },
      { name: 'X-GitHub-Delivery', description: 'the delivery id (a GUID)', required: true },
    ],
  },
};
