import { createHash } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  resolveProvider,
  type ProviderDeclaration,
  type ResolvedEntry,
} from '../../functions/providers/registry';
import { formatIssue } from '../../functions/providers/types';
import { CliError, type Environment } from '../environment';
import { json, table } from '../format';
import type { CliDependencies, GlobalOptions } from '../program';
import { resolvedFor } from './send';

/** What a provider secret holds (lib/constructs/provider-secrets.ts); the verifiers read `signingSecrets`. */
const SecretDocumentSchema = z.object({
  signingSecrets: z.array(z.string()),
  signingPrivateKey: z.string().min(1).optional(),
});
type SecretDocument = z.infer<typeof SecretDocumentSchema>;

/** How long a verifier keeps a secret it read (SECRETS_MAX_AGE_SECONDS in lib/constructs/ingest-api.ts). */
const PICKUP = 'within 5 minutes';

/**
 * Names a secret without showing it: 8 hex digits of a salted SHA-256, enough to tell a
 * provider's few active secrets apart and too short to confirm a guess of a strong secret.
 */
export const fingerprintOf = (value: string): string =>
  createHash('sha256').update(`relayflow:secret-fingerprint:${value}`).digest('hex').slice(0, 8);

/** `standard-webhooks` → `StandardWebhooks`, as lib/constructs/ingest-api.ts names the outputs. */
export const outputId = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

/** The variable `relayflow urls` suggests for `--from-env`: RELAYFLOW_SECRET_<PROVIDER>[_<TENANT>]. */
export const secretVariableFor = (provider: string, tenant?: string) =>
  ['RELAYFLOW_SECRET', provider, ...(tenant ? [tenant] : [])]
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_');

/**
 * A provider as the registry resolves it: with the options the configuration gives it when
 * `configured` has it (`relayflow urls`), else as `relayflow send` resolves it (a built-in's
 * secret format does not depend on its options; a generic sender's comes from the configuration).
 */
export const entryFor = async (
  deps: CliDependencies,
  provider: string,
  configured?: ReadonlyMap<string, ProviderDeclaration>,
): Promise<ResolvedEntry> => {
  const declaration = configured?.get(provider);
  if (!declaration) return resolvedFor(deps, provider);
  const resolved = resolveProvider(declaration);
  if (!resolved.success)
    throw new CliError(`${provider}: ${resolved.issues.map((issue) => formatIssue([], issue)).join('; ')}.`);
  return resolved.data;
};

/** The stack's secret for a provider, or for one of its tenants. */
export interface SecretTarget {
  readonly provider: string;
  readonly tenant?: string;
  /** The secret's name (the `Secret<Provider>[<Tenant>]` output). */
  readonly secretId: string;
  /** True when the tenant has no secret of its own and uses the provider's (dedicatedSecrets: false). */
  readonly shared: boolean;
}

/** Where a provider's (or tenant's) signing secret is, from the stack's outputs. */
export const secretTargetOf = (
  env: Environment,
  provider: string,
  tenant: string | undefined,
): SecretTarget => {
  const where = env.local ? 'the local runtime' : `stack ${env.stackName}`;
  const apply = env.local ? 'restart npm start' : 'deploy with npx cdk deploy';
  const own = env.outputs[`Secret${outputId(provider)}`];
  if (own === undefined || env.outputs[`WebhookUrl${outputId(provider)}`] === undefined)
    throw new CliError(
      `${provider} is not enabled in ${where}; enable it in relayflow.config.ts and ${apply}.`,
    );
  if (!tenant || tenant === 'default') return { provider, secretId: own, shared: false };
  if (env.outputs[`WebhookUrl${outputId(provider)}${outputId(tenant)}`] === undefined)
    throw new CliError(
      `Tenant ${tenant} is not in ${where}; add it to tenants in relayflow.config.ts and ${apply}.`,
    );
  const dedicated = env.outputs[`Secret${outputId(provider)}${outputId(tenant)}`];
  return dedicated === undefined
    ? { provider, tenant, secretId: own, shared: true }
    : { provider, tenant, secretId: dedicated, shared: false };
};

const labelOf = (target: SecretTarget) =>
  target.tenant ? `${target.provider} (tenant ${target.tenant})` : target.provider;

/** The command that names the same secret: `stripe --tenant acme`. */
const argumentsOf = (target: SecretTarget) =>
  `${target.provider}${target.tenant && !target.shared ? ` --tenant ${target.tenant}` : ''}`;

/** A secret is written to its own secret only: a shared one serves the default URL and other tenants. */
const writable = (target: SecretTarget): SecretTarget => {
  if (target.shared)
    throw new CliError(
      `Tenant ${target.tenant} shares ${target.provider}'s secret (dedicatedSecrets: false); change it without --tenant, which changes it for every tenant that shares it.`,
    );
  return target;
};

const readDocument = async (env: Environment, target: SecretTarget): Promise<SecretDocument | undefined> => {
  const value = await env.secrets.send(new GetSecretValueCommand({ SecretId: target.secretId }));
  try {
    return SecretDocumentSchema.parse(JSON.parse(value.SecretString ?? ''));
  } catch {
    return undefined;
  }
};

const readableDocument = async (env: Environment, target: SecretTarget): Promise<SecretDocument> => {
  const document = await readDocument(env, target);
  if (!document)
    throw new CliError(
      `Secret ${target.secretId} is not {"signingSecrets": [...]}; replace it with relayflow secrets set ${argumentsOf(target)}.`,
    );
  return document;
};

/**
 * Keeps a development secret's private key (`relayflow send` signs SendGrid requests with it)
 * only while its public half is still active: a key that no longer matches would sign requests
 * the verifier refuses.
 */
const withSecrets = (entry: ResolvedEntry, previous: SecretDocument | undefined, secrets: string[]) => {
  const privateKey = previous?.signingPrivateKey;
  const publicKey = privateKey ? entry.setup.secret.publicKeyOf?.(privateKey) : undefined;
  return {
    signingSecrets: secrets,
    ...(privateKey && publicKey !== undefined && secrets.includes(publicKey)
      ? { signingPrivateKey: privateKey }
      : {}),
  };
};

const writeDocument = (env: Environment, target: SecretTarget, document: SecretDocument) =>
  env.secrets.send(
    new PutSecretValueCommand({ SecretId: target.secretId, SecretString: JSON.stringify(document) }),
  );

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface ValueOptions {
  readonly fromEnv?: string;
  readonly stdin?: boolean;
}

const readProcessStdin = async (): Promise<string> => {
  if (process.stdin.isTTY)
    throw new CliError(
      '--stdin reads a pipe (printf %s "$SECRET" | relayflow secrets …); typed at a terminal, the value would be shown.',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * The new value, from an environment variable or standard input (never an argument, which the
 * shell history and the process list would keep), in the form it is stored. Surrounding
 * whitespace (a pasted newline) is dropped. No message quotes it.
 */
const newValue = async (deps: CliDependencies, entry: ResolvedEntry, options: ValueOptions) => {
  if (Boolean(options.fromEnv) === Boolean(options.stdin))
    throw new CliError(
      'Give the secret with --from-env <VARIABLE> or --stdin (one of them): a value on the command line would stay in the shell history.',
    );
  let raw: string | undefined;
  if (options.fromEnv) {
    const name = options.fromEnv;
    raw = (deps.env ?? process.env)[name];
    // The value typed where its variable's name goes must not be printed back.
    if (raw === undefined)
      throw new CliError(
        ENV_NAME.test(name) && entry.setup.secret.parse(name) === undefined
          ? `Environment variable ${name} is not set.`
          : '--from-env takes the name of an environment variable, and what it was given looks like a secret; nothing was written (remove it from your shell history).',
      );
  } else raw = await (deps.readStdin ?? readProcessStdin)();
  const value = raw.trim();
  if (value === '')
    throw new CliError(
      `${options.fromEnv ? `Environment variable ${options.fromEnv}` : 'Standard input'} is empty.`,
    );
  const parsed = entry.setup.secret.parse(value);
  if (parsed === undefined)
    throw new CliError(
      `The value given for ${entry.id} is not ${entry.setup.secret.expected}; nothing was written.`,
    );
  return parsed;
};

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Where a secret to retire is named: a position in the list (1 is the newest) or a fingerprint. */
const positionOf = (document: SecretDocument, target: SecretTarget, which: string): number => {
  const fingerprints = document.signingSecrets.map(fingerprintOf);
  const count = fingerprints.length;
  if (/^\d{1,3}$/.test(which)) {
    const position = Number(which);
    if (position < 1 || position > count)
      throw new CliError(
        `${labelOf(target)} has ${plural(count, 'active secret')}; --retire takes a position from 1 to ${count} or a fingerprint (relayflow secrets list ${argumentsOf(target)}).`,
      );
    return position;
  }
  // Anything else may be the value itself, pasted by mistake: it is not printed back.
  if (!/^[0-9a-f]{8}$/i.test(which))
    throw new CliError(
      `--retire takes a fingerprint (8 hex digits) or a position, as relayflow secrets list ${argumentsOf(target)} shows them.`,
    );
  const index = fingerprints.indexOf(which.toLowerCase());
  if (index < 0)
    throw new CliError(
      `No active secret of ${labelOf(target)} has fingerprint ${which} (active: ${fingerprints.join(', ') || 'none'}).`,
    );
  return index + 1;
};

const VALUE_HELP = {
  fromEnv: 'read the value from this environment variable',
  stdin: 'read the value from standard input (a pipe)',
};

const ROTATE_HELP = `
Rotating a signing secret without refusing a delivery:
  1. relayflow secrets rotate <provider> --add --from-env NEW_SECRET
     The new secret goes first and the others stay active; verifiers read it ${PICKUP}.
  2. Switch the provider to the new secret in its dashboard (Stripe: roll the endpoint secret,
     keeping the old one valid for a while).
  3. Watch the secretIndex of new events (relayflow events show <id>): 0 is the new secret.
     observability.secretRetirement raises OldSecretUsed when an older one still verifies
     deliveries after the date you set.
  4. relayflow secrets list <provider> shows each secret's position and fingerprint; retire the
     old one by either of them: relayflow secrets rotate <provider> --retire <fingerprint|position>

The last active secret cannot be retired. Values are read from an environment variable or from
standard input and are never printed: a fingerprint (8 hex digits of a salted SHA-256) names each.`;

export const registerSecrets = (program: Command, deps: CliDependencies, globals: () => GlobalOptions) => {
  const secrets = program
    .command('secrets')
    .description("Set, list and rotate the providers' signing secrets (values are never printed)");

  const target = async (provider: string, tenant: string | undefined) => {
    const entry = await entryFor(deps, provider);
    const env = await deps.connect(globals());
    return { entry, env, target: secretTargetOf(env, provider, tenant) };
  };

  secrets
    .command('set <provider>')
    .description(
      "Put a provider's signing secret in the stack's secret for it, checked against the provider's format; it replaces any active one",
    )
    .option('--tenant <id>', "the tenant's own secret (a tenant with dedicatedSecrets: true)")
    .option('--from-env <variable>', VALUE_HELP.fromEnv)
    .option('--stdin', VALUE_HELP.stdin, false)
    .action(async (provider: string, options: ValueOptions & { tenant?: string }) => {
      const entry = await entryFor(deps, provider);
      const value = await newValue(deps, entry, options);
      const env = await deps.connect(globals());
      const to = writable(secretTargetOf(env, provider, options.tenant));
      const previous = await readDocument(env, to);
      const replaced = (previous?.signingSecrets ?? []).map(fingerprintOf);
      await writeDocument(env, to, withSecrets(entry, previous, [value]));
      const fingerprint = fingerprintOf(value);
      if (globals().json) {
        deps.output.out(json({ provider, tenant: to.tenant, secret: to.secretId, fingerprint, replaced }));
        return;
      }
      deps.output.out(
        `${to.secretId} now holds ${labelOf(to)}'s signing secret ${fingerprint}; verifiers use it ${PICKUP}.${
          replaced.length > 0
            ? ` It replaced ${plural(replaced.length, 'secret')} (${replaced.join(', ')}).`
            : ''
        }`,
      );
    });

  secrets
    .command('list <provider>')
    .description("List a provider's active signing secrets by position and fingerprint, newest first")
    .option('--tenant <id>', "the tenant's own secret")
    .action(async (provider: string, options: { tenant?: string }) => {
      const { entry, env, target: of } = await target(provider, options.tenant);
      const document = await readableDocument(env, of);
      const rows = document.signingSecrets.map((secret, index) => ({
        position: index + 1,
        fingerprint: fingerprintOf(secret),
        format: entry.setup.secret.parse(secret) === undefined ? 'unexpected' : 'ok',
      }));
      if (globals().json) {
        deps.output.out(
          json({ provider, tenant: of.tenant, secret: of.secretId, shared: of.shared, secrets: rows }),
        );
        return;
      }
      if (rows.length === 0) {
        deps.output.out(
          `${of.secretId} holds no signing secret for ${labelOf(of)}: its deliveries are answered 503 until you run relayflow secrets set ${argumentsOf(of)} --from-env <VARIABLE>.`,
        );
        return;
      }
      deps.output.out(
        [
          `${of.secretId}: ${plural(rows.length, 'active signing secret')} of ${labelOf(of)}${of.shared ? ' (shared with the provider: dedicatedSecrets false)' : ''}, newest first; an event's secretIndex is its position - 1.`,
          table(
            ['POSITION', 'FINGERPRINT', 'FORMAT'],
            rows.map((row) => [row.position, row.fingerprint, row.format]),
          ),
        ].join('\n'),
      );
    });

  secrets
    .command('rotate <provider>')
    .description(
      'Add a new signing secret ahead of the active ones, or retire one (by fingerprint or position)',
    )
    .option('--tenant <id>', "the tenant's own secret")
    .option('--add', 'add the value given by --from-env or --stdin as the newest secret', false)
    .option(
      '--retire <fingerprint|position>',
      'remove one active secret, named as relayflow secrets list shows it',
    )
    .option('--from-env <variable>', VALUE_HELP.fromEnv)
    .option('--stdin', VALUE_HELP.stdin, false)
    .addHelpText('after', ROTATE_HELP)
    .action(
      async (
        provider: string,
        options: ValueOptions & { tenant?: string; add: boolean; retire?: string },
      ) => {
        if (options.add === (options.retire !== undefined))
          throw new CliError(
            'Give --add (with --from-env or --stdin) or --retire <fingerprint|position>: one step of the rotation at a time.',
          );
        const entry = await entryFor(deps, provider);
        const value = options.add ? await newValue(deps, entry, options) : undefined;
        const env = await deps.connect(globals());
        const of = writable(secretTargetOf(env, provider, options.tenant));
        const document = await readableDocument(env, of);
        const fingerprints = document.signingSecrets.map(fingerprintOf);
        if (value !== undefined) {
          const fingerprint = fingerprintOf(value);
          const existing = document.signingSecrets.indexOf(value);
          if (existing >= 0)
            throw new CliError(
              `That secret is already active for ${labelOf(of)} at position ${existing + 1} (${fingerprint}); nothing was written.`,
            );
          await writeDocument(env, of, withSecrets(entry, document, [value, ...document.signingSecrets]));
          if (globals().json) {
            deps.output.out(
              json({
                provider,
                tenant: of.tenant,
                secret: of.secretId,
                added: fingerprint,
                active: [fingerprint, ...fingerprints],
              }),
            );
            return;
          }
          deps.output.out(
            `Added ${fingerprint} to ${labelOf(of)} as position 1 of ${document.signingSecrets.length + 1}; verifiers use it ${PICKUP}. Switch ${provider} to the new secret, then retire the old one: relayflow secrets rotate ${argumentsOf(of)} --retire ${fingerprints[0] ?? '<fingerprint>'}`,
          );
          return;
        }
        const position = positionOf(document, of, options.retire ?? '');
        const retired = fingerprints[position - 1] ?? '';
        if (document.signingSecrets.length === 1)
          throw new CliError(
            `${retired} is the only active secret of ${labelOf(of)}; retiring it would refuse every delivery (add its successor first with relayflow secrets rotate ${argumentsOf(of)} --add).`,
          );
        const kept = document.signingSecrets.filter((_, index) => index !== position - 1);
        await writeDocument(env, of, withSecrets(entry, document, kept));
        const active = kept.map(fingerprintOf);
        if (globals().json) {
          deps.output.out(json({ provider, tenant: of.tenant, secret: of.secretId, retired, active }));
          return;
        }
        deps.output.out(
          `Retired ${retired} from ${labelOf(of)}; ${plural(active.length, 'secret')} active (${active.join(', ')}). Verifiers stop accepting it ${PICKUP}.`,
        );
      },
    );
};
