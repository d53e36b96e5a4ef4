import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  builtInProviders,
  resolveProvider,
  type ProviderDeclaration,
  type ResolvedEntry,
} from '../../functions/providers/registry';
import { formatIssue } from '../../functions/providers/types';
import { publishOne } from './emit';
import type { DomainEvent } from '../../functions/producer/client';
import { CliError, type Environment } from '../environment';
import { json } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { nearest } from '../suggest';

const SecretSchema = z.object({
  signingSecrets: z.array(z.string().min(1)).min(1),
  signingPrivateKey: z.string().min(1).optional(),
});
const FixtureSchema = z.object({
  headers: z.record(z.string(), z.string()).default({}),
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]),
});

/** `standard-webhooks` → `StandardWebhooks`, as lib/constructs/ingest-api.ts names the outputs. */
const outputId = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

/** A fixture name in the provider's folder, a fixture file, or a plain JSON body file. */
export const loadRequest = (
  root: string,
  provider: string,
  fixture: string | undefined,
): { name: string; headers: Record<string, string>; body: Buffer } => {
  const folder = join(root, 'functions', 'providers', provider, 'fixtures');
  let file: string;
  if (fixture && existsSync(resolve(fixture))) file = resolve(fixture);
  else {
    const names = existsSync(folder)
      ? readdirSync(folder)
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
    const name = fixture ?? names[0]?.replace(/\.json$/, '');
    if (!name)
      throw new CliError(
        `No fixtures for ${provider}; pass a file: relayflow send ${provider} ./payload.json.`,
      );
    if (!names.includes(`${name}.json`)) {
      throw new CliError(
        `No fixture ${name} for ${provider} (and no such file); fixtures: ${names.map((n) => n.replace(/\.json$/, '')).join(', ') || 'none'}.`,
      );
    }
    file = join(folder, `${name}.json`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(`${file} is not JSON.`);
  }
  const asFixture = FixtureSchema.safeParse(parsed);
  if (asFixture.success && typeof parsed === 'object' && parsed !== null && 'body' in parsed) {
    const { headers, body } = asFixture.data;
    return { name: file, headers, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) };
  }
  return {
    name: file,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(parsed)),
  };
};

/** The provider as the registry resolves it: a built-in one, or a generic sender from the configuration. */
export const resolvedFor = async (deps: CliDependencies, provider: string): Promise<ResolvedEntry> => {
  let declaration: ProviderDeclaration | undefined;
  if (Object.hasOwn(builtInProviders, provider)) declaration = { id: provider, kind: 'builtin', options: {} };
  else {
    const senders = (await deps.loadConfig()).enabledProviders.filter((p) => p.kind === 'generic-hmac');
    declaration = senders.find((p) => p.id === provider);
    if (!declaration) {
      const known = [...Object.keys(builtInProviders), ...senders.map((p) => p.id)];
      const guesses = nearest(provider, known);
      throw new CliError(
        guesses.length > 0
          ? `Unknown provider '${provider}'; did you mean ${guesses.map((g) => `'${g}'`).join(' or ')}?`
          : `Unknown provider '${provider}': not built in, and no genericHmac sender of the configuration has that id (known: ${known.join(', ')}).`,
      );
    }
  }
  const resolved = resolveProvider(declaration);
  if (!resolved.success)
    throw new CliError(`${provider}: ${resolved.issues.map((issue) => formatIssue([], issue)).join('; ')}.`);
  return resolved.data;
};

/**
 * The URL a local verifier checks a URL-signing provider's signature against. It rebuilds the URL
 * as on AWS, from the domain API Gateway reports (the Host without its port) under https, so a
 * request posted to `http://127.0.0.1:3000/webhooks/hubspot` must be signed for
 * `https://127.0.0.1/webhooks/hubspot`.
 */
const verifiedUrlOf = (posted: string): string => {
  const url = new URL(posted);
  return `https://${url.hostname}${url.pathname}${url.search}`;
};

/**
 * A provider the stack does not serve has no webhook URL output: it was off in the configuration
 * the stack was deployed (or npm start started) with, so the fix is the configuration, not a
 * newer RelayFlow.
 */
const checkEnabled = (env: Environment, entry: ResolvedEntry, tenant: string | undefined) => {
  const where = env.local ? 'the local runtime' : `stack ${env.stackName}`;
  const apply = env.local ? 'restart npm start' : 'deploy with npx cdk deploy';
  if (env.outputs[`WebhookUrl${outputId(entry.id)}`] === undefined) {
    throw new CliError(
      entry.kind === 'builtin'
        ? `${entry.id} is not enabled in ${where}; enable it in relayflow.config.ts (providers: { ${/^[a-z]\w*$/i.test(entry.id) ? entry.id : `'${entry.id}'`}: {} }) and ${apply}.`
        : `${entry.id} is declared in the configuration but not enabled in ${where}; ${apply} to enable it.`,
    );
  }
  if (tenant && env.outputs[`WebhookUrl${outputId(entry.id)}${outputId(tenant)}`] === undefined) {
    throw new CliError(
      `Tenant ${tenant} is not in ${where}; add it to tenants in relayflow.config.ts and ${apply}.`,
    );
  }
};

/** What the webhook answered a signed request. */
export interface SendAnswer {
  readonly url: string;
  readonly status: number;
  readonly correlationId?: string;
  readonly body: string;
}

/**
 * Signs `request` as `entry`'s provider does, with the stack's secret for it (the tenant's own
 * when it has one), and posts it to the provider's webhook URL, or to `options.url`.
 */
export const signAndPost = async (
  deps: Pick<CliDependencies, 'fetch' | 'now'>,
  env: Environment,
  entry: ResolvedEntry,
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Buffer },
  options: { readonly url?: string; readonly tenant?: string },
): Promise<SendAnswer> => {
  const provider = entry.id;
  checkEnabled(env, entry, options.tenant);
  const suffix = options.tenant ? outputId(options.tenant) : '';
  const url = options.url ?? env.output(`WebhookUrl${outputId(provider)}${suffix}`);
  const secretId =
    (options.tenant && env.outputs[`Secret${outputId(provider)}${suffix}`]) ||
    env.output(`Secret${outputId(provider)}`);
  const value = await env.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  let secret: z.infer<typeof SecretSchema>;
  try {
    secret = SecretSchema.parse(JSON.parse(value.SecretString ?? ''));
  } catch {
    throw new CliError(
      `Secret ${secretId} is not {"signingSecrets": ["..."]}; put ${provider}'s signing secret there.`,
    );
  }
  const key = entry.signingKey === 'private-key' ? secret.signingPrivateKey : secret.signingSecrets[0];
  if (!key) {
    throw new CliError(
      `Secret ${secretId} has no signingPrivateKey: ${provider} signs with a private key that only a development secret holds.`,
    );
  }
  const signed = entry.sign(
    { url: env.local ? verifiedUrlOf(url) : url, headers: request.headers, body: request.body },
    key,
    deps.now(),
  );
  const response = await deps.fetch(url, {
    method: 'POST',
    headers: { ...request.headers, ...signed.headers },
    body: signed.body,
  });
  const correlationId = response.headers.get('x-correlation-id') ?? undefined;
  return {
    url,
    status: response.status,
    ...(correlationId ? { correlationId } : {}),
    body: await response.text(),
  };
};

/** The channels `send message` publishes a `notify.<channel>` domain event for. */
const MESSAGE_CHANNELS = ['email', 'sms', 'whatsapp', 'push'] as const;

/**
 * `send message <channel> --to <recipient>`: publishes the domain event `notify.<channel>` that
 * the shipped configuration routes to a message target (relayflow.config.ts), so that one command
 * shows send → receipt → `relayflow messages show`.
 */
const sendMessage = async (
  deps: CliDependencies,
  globals: () => GlobalOptions,
  channel: string | undefined,
  options: { to?: string; tenant?: string; text?: string },
) => {
  if (!channel || !(MESSAGE_CHANNELS as readonly string[]).includes(channel))
    throw new CliError(
      `send message takes a channel: ${MESSAGE_CHANNELS.join(', ')} (send message email --to you@example.com).`,
    );
  if (!options.to) throw new CliError(`send message ${channel} needs --to <recipient>.`);
  const text = options.text ?? 'Hello from RelayFlow.';
  const event: DomainEvent = {
    type: `notify.${channel}`,
    entity: { kind: 'recipient', id: options.to },
    data: { to: options.to, subject: text, text, title: text },
  };
  const env = await deps.connect(globals());
  const { url, result } = await publishOne(deps, env, event, options.tenant);
  const [published] = result.events;
  if (globals().json) deps.output.out(json({ url, ...result }));
  else
    deps.output.out(
      [
        `POST ${url} → ${result.status}  notify.${channel} ${published?.outcome ?? ''} as event ${published?.eventId ?? '?'}`,
        `The route sends it as one ${channel} message; follow it with relayflow messages list --tenant ${options.tenant ?? 'default'}${env.local ? ' --local' : ''}.`,
      ].join('\n'),
    );
  if (published?.outcome === 'rejected')
    throw new CliError(`The event was refused: ${published.error ?? 'no reason given'}.`);
};

export const registerSend = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  program
    .command('send <provider> [fixture]')
    .description(
      'Sign a provider fixture (or a JSON file) with the configured secret and post it to the webhook URL; `send message <channel> --to <recipient>` triggers a message instead',
    )
    .option('--url <url>', "post here instead of the stack's WebhookUrl<Provider> output")
    .option('--tenant <id>', "post to the tenant's URL (and sign with its secret when it has its own)")
    .option('--to <recipient>', 'send message: the recipient (an address, an E.164 number, a device token)')
    .option('--text <text>', 'send message: the text (and subject, title)')
    .action(
      async (
        provider: string,
        fixture: string | undefined,
        options: { url?: string; tenant?: string; to?: string; text?: string },
      ) => {
        if (provider === 'message') {
          await sendMessage(deps, globals, fixture, options);
          return;
        }
        const entry = await resolvedFor(deps, provider);
        const request = loadRequest(deps.projectRoot, provider, fixture);
        const env = await deps.connect(globals());
        const { url, status, correlationId, body } = await signAndPost(deps, env, entry, request, options);
        if (globals().json) {
          deps.output.out(json({ url, fixture: request.name, status, correlationId, body }));
        } else {
          deps.output.out(
            `POST ${url} → ${status}${correlationId ? `  correlation id ${correlationId}` : ''}\n${body}`,
          );
        }
        if (status < 200 || status > 299) throw new CliError(`The webhook answered ${status}.`);
      },
    );
};
