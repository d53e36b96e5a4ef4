import * as z from 'zod/mini';
import type { Entity } from '#shared/contract/integration-event';

/**
 * A webhook request as a verifier sees it: the exact bytes received and lower-cased headers.
 * Built by the ingest handler from the API Gateway event; no provider sees AWS event shapes.
 */
export interface WebhookRequest {
  readonly method: string;
  /**
   * The public URL the provider called: the configured public base URL, else `https://` + the
   * domain name API Gateway received the request on; then path + `?` + raw query string (no `?`
   * when the query is empty). URL-signed providers (HubSpot, Twilio) sign it.
   */
  readonly url: string;
  readonly path: string;
  readonly rawQueryString: string;
  /** Lower-cased names. A header sent twice arrives joined with `,` (API Gateway HTTP API format 2.0). */
  readonly headers: Readonly<Record<string, string>>;
  /** Exactly the bytes received, after decoding an `isBase64Encoded` body. */
  readonly body: Buffer;
  readonly sourceIp: string;
}

/** Why a request was refused. `missing` and `signature` and `replayed` answer 401, as does `stale`. */
export type RejectReason =
  'missing' | 'signature' | 'stale' | 'replayed' | 'unauthorized' | 'tenant-mismatch';

export type VerifyResult =
  | {
      readonly ok: true;
      /** Index into the active secrets of the secret that verified the request (rotation tracking). */
      readonly secretIndex: number;
      /**
       * The canonical bytes of the signature that matched (the digest we computed, or the verified
       * asymmetric signature), empty for schemes that sign nothing (basic auth). Together with the
       * verifying secret and the body digest it keys the signed-bytes cache: header spellings of
       * one signature (hex case, entry order) must give the same bytes.
       */
      readonly signature: Buffer;
      /**
       * A one-time value the ingest must record and refuse to see twice within `nonceTtlSeconds`
       * (Mailgun's token). Providers whose ids already deduplicate leave it out.
       */
      readonly nonce?: { readonly value: string; readonly ttlSeconds: number };
    }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export interface VerifyInput<Options> {
  readonly request: WebhookRequest;
  /** Active signing secrets (or keys/credentials) from Secrets Manager, newest first. */
  readonly secrets: readonly string[];
  readonly now: Date;
  readonly options: Options;
}

/** What a provider's normalizer knows of one event; the ingest adds tenant, ids and correlation. */
export interface EventDraft {
  /** The provider's own type name (`payment_intent.succeeded`, `push`, `orders/create`). */
  readonly providerType: string;
  /** The provider's id of this event (Stripe `evt_…`, GitHub delivery id, …). */
  readonly externalId: string;
  /** Canonical type, else `<provider>.<providerType>`. */
  readonly type: string;
  /** The entity whose events must stay in order; absent when the event has none. */
  readonly entity?: Entity;
  /** When the provider says the event happened (ISO 8601); absent when it does not say. */
  readonly occurredAt?: string;
  /** The event's payload as a JSON object (for batch bodies, the element). */
  readonly data: Record<string, unknown>;
  /** A domain event a workflow step emitted: the emitting event's id (provider `internal` only). */
  readonly causationId?: string;
  /** Its depth in a chain of workflow emissions (provider `internal` only); absent is 0. */
  readonly depth?: number;
}

/**
 * One item of a request body. Most providers send one event per request; batch providers
 * (HubSpot, SendGrid) send several, and one unreadable element must not sink the others.
 */
export type NormalizedItem =
  | { readonly kind: 'event'; readonly draft: EventDraft }
  | {
      readonly kind: 'unreadable';
      /** Known when the id could be read although the rest could not; keys the quarantined item. */
      readonly externalId?: string;
      readonly providerType?: string;
      /** Why the normalizer could not read it, for the operator. Never contains secrets. */
      readonly reason: string;
      /** The element, when the body parsed but the element did not match the schema. */
      readonly data?: unknown;
    };

/**
 * A provider: everything RelayFlow knows of one sender's webhooks. Lives in
 * `functions/providers/<id>/`; nothing outside that folder knows its payload shape.
 */
export interface Provider<Options extends ProviderOptions = ProviderOptions> {
  readonly id: string;
  /** Checks the signature over the exact bytes. Pure apart from the clock passed in. */
  verify(input: VerifyInput<Options>): VerifyResult | Promise<VerifyResult>;
  /** Reads the verified body into drafts. Pure; never throws for bad payloads (returns `unreadable`). */
  normalize(request: WebhookRequest, options: Options): NormalizedItem[];
  /**
   * True when an event's id or type is read from something the signature does not cover (GitHub's
   * and Shopify's headers, a generic sender's id header): the ingest then binds the signed bytes
   * to the first event they produced, so that a captured delivery with fresh headers is a
   * duplicate of that event rather than a new one.
   */
  identityFromUnsignedHeaders(options: Options): boolean;
  /** Lower-case names of the headers that carry signatures: stored and shown only masked. */
  signatureHeaders(options: Options): readonly string[];
  /**
   * Where the provider signs a field that names the sender's account (Stripe Connect's `account`),
   * checks it against the tenant whose URL received it; returns why it does not belong there.
   */
  checkTenant?(draft: EventDraft, tenant: string, options: Options): string | undefined;
}

/** Options every provider accepts; providers may extend them. */
export interface ProviderOptions {
  /** Allowed clock difference, both directions, for providers that sign a timestamp. */
  readonly toleranceSeconds: number;
}

/** A schema as the registry needs it: anything with zod's `safeParse` (zod/mini here, zod classic in lib/). */
export interface OptionsSchema<Options> {
  safeParse(
    input: unknown,
  ): { success: true; data: Options } | { success: false; error: { issues: readonly ZodIssueLike[] } };
}
export interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `['routes', 2, 'targets', 0, 'url']` → `routes[2].targets[0].url`, as one writes it in the configuration. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');

/** `providers.stripe` + `toleranceSeconds: …` → `providers.stripe.toleranceSeconds: …`. */
export const formatIssue = (prefix: readonly PropertyKey[], issue: ZodIssueLike): string => {
  const path = formatPath([...prefix, ...issue.path]);
  return path ? `${path}: ${issue.message}` : issue.message;
};

/** `builtin` providers have their own verifier entry; `generic-hmac` senders share one. */
export type ProviderKind = 'builtin' | 'generic-hmac';

/**
 * How a provider is built from its configured options. Each provider folder exports one, for the
 * registry and for its own verifier entry (which imports the folder, never the registry).
 */
export interface ProviderDefinition<Options extends ProviderOptions = ProviderOptions> {
  readonly kind: ProviderKind;
  readonly optionsSchema: OptionsSchema<Options>;
  /** Why `id` cannot name this provider; absent where the id is fixed. */
  idProblems?(id: string): readonly string[];
  /** The provider serving `id`, given options that passed `optionsSchema`. */
  create(id: string, options: Options): Provider<Options>;
}

/** A built-in provider: one fixed id and one provider object, whatever its options. */
export interface BuiltInDefinition<
  Options extends ProviderOptions = ProviderOptions,
> extends ProviderDefinition<Options> {
  readonly kind: 'builtin';
  readonly provider: Provider<Options>;
}

export const builtInDefinition = <Options extends ProviderOptions>(
  provider: Provider<Options>,
  optionsSchema: OptionsSchema<Options>,
): BuiltInDefinition<Options> => ({ kind: 'builtin', provider, optionsSchema, create: () => provider });

/** Where the configuration says a built-in provider's events name their entity: a dot path into `data`. */
export interface EntityOverride {
  readonly kind: string;
  readonly path: string;
}

const EntityOverrideSchema = z.object({
  entity: z.optional(
    z.strictObject({ kind: z.string().check(z.minLength(1)), path: z.string().check(z.minLength(1)) }),
  ),
});

/** A provider ready to verify and normalize: its checked options and its entity override. */
export interface ResolvedProvider<Options extends ProviderOptions = ProviderOptions> {
  readonly provider: Provider<Options>;
  readonly options: Options;
  readonly entityOverride: EntityOverride | undefined;
}

export type Resolution<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly issues: readonly ZodIssueLike[] };

/**
 * Checks a provider's id and configured options against its definition and builds it; lists
 * every problem at once. A generic sender names its entity with its own `entity.jsonPath`
 * option, which its normalizer reads, so only built-in providers take the `entity` override.
 */
export const resolveDefinition = <Options extends ProviderOptions>(
  definition: ProviderDefinition<Options>,
  id: string,
  options: unknown,
): Resolution<ResolvedProvider<Options>> => {
  const issues: ZodIssueLike[] = (definition.idProblems?.(id) ?? []).map((message) => ({
    path: [],
    message,
  }));
  const parsed = definition.optionsSchema.safeParse(options);
  if (!parsed.success) issues.push(...parsed.error.issues);
  const override = definition.kind === 'builtin' ? EntityOverrideSchema.safeParse(options) : undefined;
  if (override && !override.success) issues.push(...override.error.issues);
  if (issues.length > 0 || !parsed.success) return { success: false, issues };
  return {
    success: true,
    data: {
      provider: definition.create(id, parsed.data),
      options: parsed.data,
      entityOverride: override?.data?.entity,
    },
  };
};
