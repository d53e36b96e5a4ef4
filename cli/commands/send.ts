import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import {
  GithubHarnessSendSchema,
  HARNESS_PREFIX,
  LOST_WEBHOOK_AGE_SECONDS,
  StripeHarnessSendSchema,
  type GithubHarnessSend,
  type StripeHarnessSend,
} from '../../local/emulators/provider-apis/harness';
import {
  builtInProviders,
  resolveProvider,
  type ProviderDeclaration,
  type ResolvedEntry,
} from '../../functions/providers/registry';
import { formatIssue } from '../../functions/providers/types';
import { CheckpointStore } from '../../functions/reconciliation/checkpoints';
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

/** The providers whose API fakes the local runtime serves, and so can list a webhook the stack never got. */
const LOSABLE = ['stripe', 'github'] as const;
type Losable = (typeof LOSABLE)[number];

const ProviderApisSchema = z.object({ stripe: z.string().url(), github: z.string().url() });

const HarnessAnswerSchema = {
  stripe: z.object({ id: z.string(), created: z.number(), delivered: z.boolean() }),
  github: z.object({
    deliveryId: z.string(),
    guid: z.string(),
    delivered: z.boolean(),
    deliveredAt: z.string(),
  }),
};
const HarnessRefusalSchema = z.object({ message: z.string() });

const parsedOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** What the harness route takes for the fixture `send` would post: a delivery dropped and dated back. */
const harnessBodyOf = (
  provider: Losable,
  request: {
    readonly name: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: Buffer;
  },
  tenant: string | undefined,
): StripeHarnessSend | GithubHarnessSend => {
  const payload = parsedOrUndefined(request.body.toString('utf8'));
  const common = { drop: true, ...(tenant ? { tenant } : {}) };
  if (provider === 'stripe') {
    // Without its id the fake gives the event a fresh evt_…: two sends are two lost events, not a retry.
    const body = StripeHarnessSendSchema.safeParse({
      ...common,
      event: { ...(typeof payload === 'object' ? payload : {}), id: undefined },
      createdSecondsAgo: LOST_WEBHOOK_AGE_SECONDS,
    });
    if (!body.success)
      throw new CliError(`${request.name} is not a Stripe event (it needs a type and data.object).`);
    return body.data;
  }
  const event = Object.entries(request.headers).find(
    ([name]) => name.toLowerCase() === 'x-github-event',
  )?.[1];
  const body = GithubHarnessSendSchema.safeParse({
    ...common,
    event,
    payload,
    deliveredSecondsAgo: LOST_WEBHOOK_AGE_SECONDS,
  });
  if (!body.success)
    throw new CliError(
      `${request.name} is not a GitHub delivery (it needs an x-github-event header and a JSON object body); use a fixture of functions/providers/github/fixtures.`,
    );
  return body.data;
};

/** The provider API fakes' URLs the local runtime wrote into its state file, which connect read. */
const providerApisOf = (env: Environment) => {
  const apis = ProviderApisSchema.safeParse(env.providerApis);
  if (!apis.success)
    throw new CliError(
      'The local runtime names no provider API fakes in its state file; restart npm start with this version of RelayFlow.',
    );
  return apis.data;
};

const AGO = `${LOST_WEBHOOK_AGE_SECONDS / 60} minutes ago`;

/**
 * `send <provider> --lost`: the local provider fake lists the fixture as sent but never posts it
 * (`POST /_harness/<provider>/send` with `drop`), dated past reconciliation's settle margin, so
 * that `reconcile run` has a lost webhook to find.
 */
const sendLost = async (
  deps: CliDependencies,
  globals: () => GlobalOptions,
  provider: string,
  fixture: string | undefined,
  options: { tenant?: string },
) => {
  if (!(LOSABLE as readonly string[]).includes(provider))
    throw new CliError(
      `--lost works for ${LOSABLE.join(' and ')} only, whose APIs the local runtime fakes; ${provider} cannot lose a webhook locally.`,
    );
  const losable = provider as Losable;
  if (!globals().local)
    throw new CliError("--lost needs --local: only the local runtime's provider fakes can lose a webhook.");
  const entry = await resolvedFor(deps, provider);
  const request = loadRequest(deps.projectRoot, provider, fixture);
  const body = harnessBodyOf(losable, request, options.tenant);
  const env = await deps.connect(globals());
  checkEnabled(env, entry, options.tenant);
  const apis = providerApisOf(env);
  // The harness shares the fakes' port, outside the providers' prefixes.
  const url = new URL(`/${HARNESS_PREFIX}/${losable}/send`, apis[losable]).toString();
  const response = await deps.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = parsedOrUndefined(await response.text());
  if (response.status !== 200) {
    const refusal = HarnessRefusalSchema.safeParse(answer);
    throw new CliError(
      `The ${provider} fake refused the lost webhook (${response.status}): ${refusal.success ? refusal.data.message : 'no reason given.'}`,
    );
  }
  const sent = HarnessAnswerSchema[losable].safeParse(answer);
  if (!sent.success) throw new CliError(`The ${provider} fake answered something that is not a send result.`);
  const lost = sent.data;
  const at = 'id' in lost ? new Date(lost.created * 1000) : new Date(lost.deliveredAt);
  // A run right after a scheduled one (npm start runs one as it starts) pages from a checkpoint
  // already past the lost webhook; --since looks at it again.
  const checkpoint = await new CheckpointStore(env.dynamodb, env.output('EventTableName')).read(
    provider,
    options.tenant ?? 'default',
  );
  const since =
    checkpoint.at !== undefined && Date.parse(checkpoint.at) > at.getTime()
      ? ` --since ${new Date(at.getTime() - 60_000).toISOString()}`
      : '';
  const reconcile = `npx relayflow reconcile run --provider ${provider}${options.tenant ? ` --tenant ${options.tenant}` : ''} --local --dry-run${since}`;
  if (globals().json) {
    deps.output.out(json({ provider, fixture: request.name, ...lost, reconcile }));
    return;
  }
  deps.output.out(
    [
      'id' in lost
        ? `Stripe now lists event ${lost.id} (created ${AGO}); its webhook was never delivered.`
        : `GitHub now lists delivery ${lost.deliveryId} (guid ${lost.guid}, delivered ${AGO}) as failed; it never reached the webhook URL.`,
      `Find it with: ${reconcile}`,
      ...(since === ''
        ? []
        : [`(A run already checked up to ${checkpoint.at}, past it: --since looks again.)`]),
    ].join('\n'),
  );
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
    .addOption(
      new Option(
        '--lost',
        'with --local, stripe and github: the provider fake lists the fixture as sent but never delivers it, for reconcile run to find',
      ).conflicts(['url', 'to', 'text']),
    )
    .action(
      async (
        provider: string,
        fixture: string | undefined,
        options: { url?: string; tenant?: string; to?: string; text?: string; lost?: boolean },
      ) => {
        if (options.lost) {
          await sendLost(deps, globals, provider, fixture, options);
          return;
        }
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
