import type { Command } from 'commander';
import type { ProviderDeclaration } from '../../functions/providers/registry';
import type { Environment } from '../environment';
import { json } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { entryFor, outputId, secretVariableFor } from './secrets';

/** What to paste where, for one webhook URL of the stack. */
export interface WebhookUrl {
  readonly provider: string;
  /** Absent for the provider's default URL. */
  readonly tenant?: string;
  readonly url: string;
  readonly dashboard: string;
  readonly events: readonly string[];
  readonly otherEvents: string;
  readonly contentType: string;
  readonly secret: {
    /** The stack's secret that verifies this URL's deliveries. */
    readonly name: string;
    /** True when a tenant uses the provider's secret (dedicatedSecrets: false). */
    readonly shared: boolean;
    readonly source: string;
    readonly expected: string;
  };
  /** The command that puts the secret in place. */
  readonly command: string;
}

const WEBHOOK_PATH = /\/webhooks\/([^/]+)(?:\/([^/]+))?$/;

/** Every `WebhookUrl*` output as provider and tenant, read from the URL (ids may hold dashes). */
const webhookOutputs = (outputs: Readonly<Record<string, string>>) =>
  Object.entries(outputs)
    .filter(([key]) => key.startsWith('WebhookUrl'))
    .flatMap(([, url]) => {
      const match = WEBHOOK_PATH.exec(new URL(url).pathname);
      return match?.[1] ? [{ url, provider: match[1], tenant: match[2] }] : [];
    })
    .sort(
      (a, b) =>
        a.provider.localeCompare(b.provider) ||
        (a.tenant === undefined ? -1 : b.tenant === undefined ? 1 : a.tenant.localeCompare(b.tenant)),
    );

/** The global options an operator passes again to reach the same stack. */
const stackArguments = (env: Environment, options: GlobalOptions) =>
  env.local
    ? ' --local'
    : `${env.stackName === 'RelayFlow' ? '' : ` --stack ${env.stackName}`}${options.region ? ` --region ${options.region}` : ''}`;

const LABEL_WIDTH = 15;
const LINE_WIDTH = 100;

/** `label:` padded, then the text wrapped at word boundaries under it. */
const field = (label: string, text: string) => {
  const indent = ' '.repeat(2 + LABEL_WIDTH);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines
    .map((l, i) => (i === 0 ? `  ${`${label}:`.padEnd(LABEL_WIDTH)}${l}` : `${indent}${l}`))
    .join('\n');
};

const render = (entry: WebhookUrl) =>
  [
    `${entry.provider}${entry.tenant ? ` (tenant ${entry.tenant})` : ''}: ${entry.url}`,
    field('Paste into', entry.dashboard),
    field(
      'Events',
      entry.events.length > 0 ? `${entry.events.join(', ')}; ${entry.otherEvents}` : entry.otherEvents,
    ),
    field('Content type', entry.contentType),
    ...(entry.secret.shared
      ? [
          field(
            'Secret',
            `shared with ${entry.provider}'s default URL (dedicatedSecrets: false): the same secret, set without --tenant`,
          ),
        ]
      : [field('Secret', entry.secret.source), field('Format', entry.secret.expected)]),
    field('Then run', entry.command),
  ].join('\n');

export const registerUrls = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('urls [provider]')
    .description(
      "Print each webhook URL of the stack (per tenant too) with what to paste into the provider's dashboard: events, content type, where the secret is, and the relayflow secrets set command to run",
    )
    .action(async (only: string | undefined) => {
      const options = globals();
      const env = await deps.connect(options);
      // The configuration gives the options the stack was deployed with (a sender's headers, the
      // types mapped for a Standard Webhooks sender); the stack says which providers and tenants exist.
      const configured = new Map<string, ProviderDeclaration>(
        (await deps.loadConfig()).enabledProviders.map((p) => [p.id, p]),
      );
      const found = webhookOutputs(env.outputs).filter((o) => only === undefined || o.provider === only);
      const entries: WebhookUrl[] = [];
      for (const { url, provider, tenant } of found) {
        const { setup } = await entryFor(deps, provider, configured);
        const own = tenant ? env.outputs[`Secret${outputId(provider)}${outputId(tenant)}`] : undefined;
        const shared = tenant !== undefined && own === undefined;
        const secretOf = shared ? undefined : tenant;
        entries.push({
          provider,
          ...(tenant ? { tenant } : {}),
          url,
          dashboard: setup.dashboard,
          events: setup.events,
          otherEvents: setup.otherEvents,
          contentType: setup.contentType,
          secret: {
            name: own ?? env.outputs[`Secret${outputId(provider)}`] ?? '',
            shared,
            source: setup.secretSource,
            expected: setup.secret.expected,
          },
          command: `relayflow${stackArguments(env, options)} secrets set ${provider}${secretOf ? ` --tenant ${secretOf}` : ''} --from-env ${secretVariableFor(provider, secretOf)}`,
        });
      }
      if (options.json) {
        deps.output.out(json(entries));
        return;
      }
      deps.output.out(
        entries.length > 0
          ? entries.map(render).join('\n\n')
          : `Stack ${env.stackName} has no webhook URL${only ? ` for ${only}` : ''}.`,
      );
    });
};
