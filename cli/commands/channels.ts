import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import type { ChannelAdapter } from '../../functions/channels/contract';
import { ADAPTER_IDS, ADAPTER_LOADERS } from '../../functions/channels/registry';
import { CliError, type Environment } from '../environment';
import { json, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { nearest } from '../suggest';
import { outputId } from './secrets';

/** How long the consumer keeps credentials it read (SECRETS_MAX_AGE_SECONDS in lib/constructs/processing.ts). */
const PICKUP = 'within 5 minutes';

/** The README that describes an adapter's credentials JSON. */
const readmeOf = (via: string) => `functions/channels/${via}/README.md`;

/** `ChannelSecret<Via>[<Tenant>]`, as lib/constructs/channel-secrets.ts names the outputs. */
export const channelSecretOutput = (via: string, tenant?: string) =>
  `ChannelSecret${outputId(via)}${tenant ? outputId(tenant) : ''}`;

/** An adapter by id, refused with the nearest id when it is not one (before any AWS call). */
const adapterOf = async (via: string): Promise<ChannelAdapter<unknown>> => {
  const load = Object.hasOwn(ADAPTER_LOADERS, via) ? ADAPTER_LOADERS[via] : undefined;
  if (!load) {
    const near = nearest(via, ADAPTER_IDS);
    throw new CliError(
      `No channel adapter ${via}${near.length > 0 ? `; did you mean ${near.join(' or ')}?` : ''} (adapters: ${ADAPTER_IDS.join(', ')}).`,
    );
  }
  return load();
};

/** The stack's secret for an adapter's credentials, or for a tenant's own. */
export interface ChannelSecretTarget {
  readonly via: string;
  readonly tenant?: string;
  /** The secret's name (the `ChannelSecret<Via>[<Tenant>]` output). */
  readonly secretId: string;
}

const whereOf = (env: Environment) => (env.local ? 'the local runtime' : `stack ${env.stackName}`);
const applyOf = (env: Environment) => (env.local ? 'restart npm start' : 'deploy with npx cdk deploy');

/** Where an adapter's (or a tenant's) credentials are, from the stack's outputs. */
export const channelSecretTargetOf = (
  env: Environment,
  via: string,
  tenant: string | undefined,
): ChannelSecretTarget => {
  const own = env.outputs[channelSecretOutput(via)];
  if (own === undefined)
    throw new CliError(
      `The ${via} channel adapter is not configured in ${whereOf(env)}; add it under channels in relayflow.config.ts (channels: { ${via}: {} }) and ${applyOf(env)}.`,
    );
  if (!tenant || tenant === 'default') return { via, secretId: own };
  const dedicated = env.outputs[channelSecretOutput(via, tenant)];
  if (dedicated === undefined)
    throw new CliError(
      `Tenant ${tenant} has no ${via} credentials of its own in ${whereOf(env)} (it uses ${via}'s); list it in channels.${via}.tenants in relayflow.config.ts and ${applyOf(env)}, or set ${via}'s without --tenant.`,
    );
  return { via, tenant, secretId: dedicated };
};

const labelOf = (target: ChannelSecretTarget) =>
  target.tenant ? `${target.via} (tenant ${target.tenant})` : target.via;

/** What a zod issue carries that a message may say: never the input. */
interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly expected?: string;
  readonly format?: string;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
}

const valueAt = (document: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    document,
  );

const pathOf = (path: readonly PropertyKey[]) =>
  path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');

/**
 * One problem of the document, named by its field path and what the schema wants there: the
 * schema's words, never the value given (zod's own messages may describe it).
 */
export const problemOf = (issue: SchemaIssue, document: unknown): string => {
  const field = pathOf(issue.path);
  const at = (what: string) => (field ? `${field}: ${what}` : what);
  switch (issue.code) {
    case 'invalid_type':
      return at(
        valueAt(document, issue.path) === undefined ? 'missing' : `not a ${issue.expected ?? 'value'}`,
      );
    case 'too_small':
      return at('empty');
    case 'invalid_format':
      return at(issue.format === 'url' ? 'not a URL' : `not ${issue.format ?? 'in its format'}`);
    case 'invalid_value':
      return at(`not one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`);
    case 'unrecognized_keys':
      return at(`unknown fields ${(issue.keys ?? []).join(', ')}`);
    case 'custom':
      // A refinement's message is written in the adapter, about the fields, not their values.
      return field ? `${field}: ${issue.message}` : issue.message;
    default:
      return at('invalid');
  }
};

/** A JSON document's keys, at the top. */
const keysOf = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];

/** What a service account key file names the FCM fields. */
const GOOGLE_KEY_FILE = ['project_id', 'client_email', 'private_key'];

/**
 * Reads the credentials JSON and checks it against the adapter's schema: returns what the
 * consumer will read (the schema's output, without the fields it does not know), or refuses
 * with the problems' field paths. No message quotes the value.
 */
export const checkedCredentials = (
  adapter: ChannelAdapter<unknown>,
  text: string,
  source: string,
): { readonly credentials: Record<string, unknown>; readonly ignored: readonly string[] } => {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes its input: only the position is kept.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new CliError(
      `${source} is not JSON${position === undefined ? '' : ` (at character ${position})`}: ${adapter.id} credentials are a JSON object (${readmeOf(adapter.id)}); nothing was written.`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new CliError(
      `${source} is JSON but not an object: ${adapter.id} credentials are a JSON object (${readmeOf(adapter.id)}); nothing was written.`,
    );
  const parsed = adapter.credentials.safeParse(document);
  if (!parsed.success) {
    const problems = [
      ...new Set(parsed.error.issues.map((issue) => problemOf(issue as SchemaIssue, document))),
    ];
    const keyFile =
      adapter.id === 'fcm' && GOOGLE_KEY_FILE.some((key) => keysOf(document).includes(key))
        ? ' A service account key file names them project_id, client_email, private_key and token_uri: give them as projectId, clientEmail, privateKey and tokenUrl.'
        : '';
    throw new CliError(
      `${source} is not ${adapter.id} credentials (${readmeOf(adapter.id)}): ${problems.join('; ')}; nothing was written.${keyFile}`,
    );
  }
  const credentials = parsed.data as Record<string, unknown>;
  const kept = new Set(keysOf(credentials));
  return { credentials, ignored: keysOf(document).filter((key) => !kept.has(key)) };
};

/** Whether a secret's value is credentials the adapter takes: `{}` (as created) is `empty`. */
export type CredentialsState = 'set' | 'empty' | 'invalid' | 'missing';

const stateOf = async (
  env: Environment,
  adapter: ChannelAdapter<unknown>,
  secretId: string,
): Promise<CredentialsState> => {
  let text: string | undefined;
  try {
    text = (await env.secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return 'missing';
    throw error;
  }
  let document: unknown;
  try {
    document = JSON.parse(text ?? '');
  } catch {
    return 'invalid';
  }
  if (adapter.credentials.safeParse(document).success) return 'set';
  return keysOf(document).length === 0 && typeof document === 'object' && document !== null
    ? 'empty'
    : 'invalid';
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface ValueOptions {
  readonly fromEnv?: string;
  readonly stdin?: boolean;
}

const readProcessStdin = async (): Promise<string> => {
  if (process.stdin.isTTY)
    throw new CliError(
      '--stdin reads a pipe (relayflow channels credentials <via> --stdin < credentials.json); typed at a terminal, the credentials would be shown.',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
};

/** The credentials JSON, from an environment variable or standard input, never an argument. */
const credentialsText = async (
  deps: CliDependencies,
  options: ValueOptions,
): Promise<{ text: string; source: string }> => {
  if (Boolean(options.fromEnv) === Boolean(options.stdin))
    throw new CliError(
      'Give the credentials with --from-env <VARIABLE> or --stdin (one of them): a value on the command line would stay in the shell history.',
    );
  if (options.fromEnv) {
    const name = options.fromEnv;
    // What was typed where the variable's name goes may be the credentials: it is not printed back.
    if (!ENV_NAME.test(name))
      throw new CliError(
        '--from-env takes the name of an environment variable, and what it was given is not one; nothing was written (if it was the credentials, remove them from your shell history).',
      );
    const text = (deps.env ?? process.env)[name];
    if (text === undefined) throw new CliError(`Environment variable ${name} is not set.`);
    if (text.trim() === '') throw new CliError(`Environment variable ${name} is empty.`);
    return { text, source: `Environment variable ${name}` };
  }
  const text = await (deps.readStdin ?? readProcessStdin)();
  if (text.trim() === '') throw new CliError('Standard input is empty.');
  return { text, source: 'Standard input' };
};

/** The outputs' tenants of an adapter: `ChannelSecret<Via><Tenant>`, named as the configuration names them when it can. */
const tenantsOf = (
  outputs: Readonly<Record<string, string>>,
  via: string,
  configured: readonly string[],
): { tenant: string; secretId: string }[] => {
  const prefix = channelSecretOutput(via);
  // A longer adapter id that starts with this one's would claim its own outputs.
  const longer = ADAPTER_IDS.map((id) => channelSecretOutput(id)).filter(
    (other) => other !== prefix && other.startsWith(prefix),
  );
  return Object.entries(outputs)
    .filter(([key]) => key.startsWith(prefix) && key !== prefix && !longer.some((o) => key.startsWith(o)))
    .map(([key, secretId]) => {
      const suffix = key.slice(prefix.length);
      return { tenant: configured.find((t) => outputId(t) === suffix) ?? suffix, secretId };
    })
    .sort((a, b) => a.tenant.localeCompare(b.tenant));
};

const CREDENTIALS_HELP = `
The credentials are a JSON object, as functions/channels/<via>/README.md describes them, read from
standard input or an environment variable (set by your CI or secret store) and never printed:
  relayflow channels credentials postmark --stdin < postmark.json
  relayflow channels credentials twilio --tenant acme --from-env TWILIO_ACME_CREDENTIALS
  jq '{projectId: .project_id, clientEmail: .client_email, privateKey: .private_key, tokenUrl: .token_uri}' \\
    service-account.json | relayflow channels credentials fcm --stdin
They are checked against the adapter's schema first; a refusal names the fields, not their values.
relayflow channels list shows which secrets hold credentials the adapter takes.`;

export const registerChannels = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const channels = program
    .command('channels')
    .description("Set and check the channel adapters' credentials (values are never printed)");

  channels
    .command('credentials <via>')
    .description(
      "Put a channel adapter's credentials (JSON) in the stack's secret for it, checked against the adapter's schema; they replace the ones it holds",
    )
    .option('--tenant <id>', "the tenant's own credentials (a tenant listed in channels.<via>.tenants)")
    .option('--from-env <variable>', 'read the JSON from this environment variable')
    .option('--stdin', 'read the JSON from standard input (a pipe or a file)', false)
    .addHelpText('after', CREDENTIALS_HELP)
    .action(async (via: string, options: ValueOptions & { tenant?: string }) => {
      const adapter = await adapterOf(via);
      const { text, source } = await credentialsText(deps, options);
      const { credentials, ignored } = checkedCredentials(adapter, text, source);
      const env = await deps.connect(globals());
      const to = channelSecretTargetOf(env, via, options.tenant);
      const replaced = (await stateOf(env, adapter, to.secretId)) === 'set';
      await env.secrets.send(
        new PutSecretValueCommand({ SecretId: to.secretId, SecretString: JSON.stringify(credentials) }),
      );
      const fields = Object.keys(credentials);
      if (globals().json) {
        deps.output.out(json({ via, tenant: to.tenant, secret: to.secretId, fields, ignored, replaced }));
        return;
      }
      deps.output.out(
        `${to.secretId} now holds ${labelOf(to)}'s credentials (${fields.join(', ')})${replaced ? ', replacing the ones it held' : ''}; the consumer uses them ${PICKUP}.${
          ignored.length > 0 ? ` Ignored fields the adapter does not read: ${ignored.join(', ')}.` : ''
        }`,
      );
    });

  channels
    .command('list')
    .description(
      'List the configured channel adapters, whether their secrets hold credentials the adapter takes, and their tenants',
    )
    .action(async () => {
      const env = await deps.connect(globals());
      const configured = ADAPTER_IDS.filter((via) => env.outputs[channelSecretOutput(via)] !== undefined);
      // Tenant ids as the configuration spells them (the outputs capitalize them); without a
      // configuration that loads, a tenant is named as its output names it.
      const configTenants: Readonly<Record<string, readonly string[]>> = await Promise.resolve()
        .then(() => deps.loadConfig())
        .then(
          (config) => Object.fromEntries(Object.entries(config.channels).map(([via, c]) => [via, c.tenants])),
          () => ({}),
        );
      const rows = await Promise.all(
        configured.map(async (via) => {
          const adapter = await adapterOf(via);
          const secretId = env.outputs[channelSecretOutput(via)] ?? '';
          const tenants = tenantsOf(env.outputs, via, configTenants[via] ?? []);
          return {
            via,
            channels: adapter.channels,
            secret: secretId,
            credentials: await stateOf(env, adapter, secretId),
            tenants: await Promise.all(
              tenants.map(async (t) => ({
                tenant: t.tenant,
                secret: t.secretId,
                credentials: await stateOf(env, adapter, t.secretId),
              })),
            ),
          };
        }),
      );
      if (globals().json) {
        deps.output.out(
          json(
            rows.map((row) => ({
              via: row.via,
              channels: row.channels,
              secret: row.secret,
              credentials: row.credentials,
              ok: row.credentials === 'set',
              tenants: row.tenants.map((t) => ({ ...t, ok: t.credentials === 'set' })),
            })),
          ),
        );
        return;
      }
      if (rows.length === 0) {
        deps.output.out(
          `No channel adapter is configured in ${whereOf(env)}; add them under channels in relayflow.config.ts (adapters: ${ADAPTER_IDS.join(', ')}) and ${applyOf(env)}.`,
        );
        return;
      }
      const yesNo = (state: CredentialsState) => (state === 'set' ? 'yes' : `no (${state})`);
      const lines = rows.flatMap((row) => [
        [row.via, '', row.channels.join(', '), yesNo(row.credentials), row.secret],
        ...row.tenants.map((t) => [row.via, t.tenant, '', yesNo(t.credentials), t.secret]),
      ]);
      const missing = [
        ...rows.filter((row) => row.credentials !== 'set').map((row) => row.via),
        ...rows.flatMap((row) =>
          row.tenants.filter((t) => t.credentials !== 'set').map((t) => `${row.via} --tenant ${t.tenant}`),
        ),
      ];
      deps.output.out(
        [
          table(['VIA', 'TENANT', 'CHANNELS', 'CREDENTIALS', 'SECRET'], lines),
          ...(missing.length > 0
            ? [
                '',
                `Messages through an adapter without credentials wait and retry; set them with relayflow channels credentials ${missing.length === 1 ? missing[0] : '<via> [--tenant <id>]'} --from-env <VARIABLE>.`,
              ]
            : []),
        ].join('\n'),
      );
    });
};
