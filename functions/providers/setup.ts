/**
 * What an operator needs to connect a provider, kept beside its verifier in
 * `functions/providers/<id>/setup.ts`: where its dashboard takes our URL, which events to
 * subscribe to, where it shows the signing secret and what that secret looks like, and what its
 * requests carry. `relayflow urls`, `relayflow secrets` and the OpenAPI document read it through
 * the registry; no verifier imports it.
 */

/** A header a provider sends, as the API description lists it. */
export interface RequestHeader {
  /** As the provider's documentation spells it. */
  readonly name: string;
  readonly description: string;
  /** Whether a request without it can be accepted at all. */
  readonly required: boolean;
}

/** How a body of one media type is shaped. */
export type BodyShape = 'object' | 'array' | 'form';

export interface SecretFormat {
  /** What a value must look like, read after "expected": `whsec_ followed by …`. */
  readonly expected: string;
  /**
   * The value as it is stored (a PEM key becomes its base64 DER, for instance), or undefined when
   * it is not this provider's kind of secret. Never throws and never quotes the value.
   */
  parse(value: string): string | undefined;
  /**
   * For a provider that signs with a private key (SendGrid): the stored public key that a
   * development secret's `signingPrivateKey` belongs to, so that the key is kept only while its
   * public half stays active.
   */
  publicKeyOf?(privateKey: string): string | undefined;
}

export interface ProviderSetup {
  /** Where in the provider's dashboard (or API) the webhook URL goes. */
  readonly dashboard: string;
  /** Event names to subscribe to there: those the normalizer maps to canonical types. */
  readonly events: readonly string[];
  /** What becomes of the events not listed, or how to choose when the sender defines them. */
  readonly otherEvents: string;
  /** The content type to choose in the dashboard, or the one the provider always sends. */
  readonly contentType: string;
  /** Where the provider shows (or the operator chooses) the signing secret. */
  readonly secretSource: string;
  readonly secret: SecretFormat;
  /** How a request is authenticated, in one or two sentences. */
  readonly verification: string;
  /** What the provider's requests carry. */
  readonly request: {
    readonly bodies: Readonly<Record<string, BodyShape>>;
    readonly headers: readonly RequestHeader[];
    /** HTTP basic credentials instead of a signature (Postmark). */
    readonly basicAuth?: boolean;
  };
}

const isControl = (character: string) => {
  const code = character.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
};

/**
 * A secret the operator chose (GitHub's, a generic sender's): any text of at least `minimum`
 * characters without control characters, which a copy from a terminal or a file brings in.
 */
export const chosenSecret =
  (minimum: number) =>
  (value: string): string | undefined =>
    value.length >= minimum && ![...value].some(isControl) ? value : undefined;

/** A value matching `pattern` in full, as is. */
export const matching =
  (pattern: RegExp) =>
  (value: string): string | undefined =>
    pattern.test(value) ? value : undefined;
