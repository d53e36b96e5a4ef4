import { secretVariableFor } from './dev-secrets';
import type { LocalRuntime } from './runtime';

export interface StartupSummaryOptions {
  /** Print the signing secrets' values, not only their names. @default false */
  readonly showSecrets?: boolean;
  /** Where endpoints and names were written for the CLI. */
  readonly stateFile: string;
}

/** The flag of `npm start` that prints the signing secrets' values. */
export const SHOW_SECRETS_FLAG = '--show-secrets';

type Summarized = Pick<LocalRuntime, 'stackName' | 'startupMs' | 'webhookUrls' | 'secrets' | 'endpoints'>;

/**
 * What `npm start` prints once the runtime is ready. Secrets are named, not shown, unless asked
 * for: a terminal's scrollback, a shared screen or a CI log would otherwise keep them.
 */
export const startupSummary = (runtime: Summarized, options: StartupSummaryOptions): string => {
  const secretLine = (s: Summarized['secrets'][number]) => {
    const label = `${s.provider}${s.tenant ? `/${s.tenant}` : ''}`.padEnd(18);
    const origin =
      s.source === 'generated'
        ? `generated; set ${secretVariableFor(s.provider)} to choose`
        : 'from the environment';
    return options.showSecrets
      ? `  ${label} ${s.secretName}: ${s.value.signingSecrets.join(', ')}  (${origin})`
      : `  ${label} ${s.secretName}  (${origin})`;
  };
  const lines = [
    '',
    `RelayFlow is running locally (stack ${runtime.stackName}, ready ${runtime.startupMs} ms after synthesis).`,
    '',
    'Webhook URLs:',
    ...Object.entries(runtime.webhookUrls).map(([provider, url]) => `  ${provider.padEnd(18)} ${url}`),
    '',
    options.showSecrets
      ? 'Signing secrets in use:'
      : `Signing secrets in use (values hidden; \`npm start -- ${SHOW_SECRETS_FLAG}\` prints them):`,
    ...runtime.secrets.map(secretLine),
    '',
    'Emulated AWS endpoints:',
    ...Object.entries(runtime.endpoints).map(([service, url]) => `  ${service.padEnd(18)} ${url}`),
    '',
    `Endpoints and names: ${options.stateFile}`,
    `The webhook API's description:  ${runtime.endpoints.api}/api-docs`,
    'Send a signed test event:  npx relayflow send stripe --local',
    'Check the stack:  npx relayflow doctor --local',
    'Open the operator console:  npx relayflow console --local',
    'Stop with Ctrl+C.',
    '',
  ];
  return `${lines.join('\n')}\n`;
};
