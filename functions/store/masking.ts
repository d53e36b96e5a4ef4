import { isSensitiveKey } from '#shared/powertools/redaction';
import { sha256Hex } from '#shared/store/records';

/** What a masked header value starts with; the digest lets an operator match a provider's dashboard. */
export const MASKED_PREFIX = 'masked:sha256:';

/**
 * The headers with every signature or credential value replaced by a short digest of it: the
 * names the provider declares, plus any name that reads as a credential. Stored requests and
 * everything the CLI prints go through this, so that a captured signature cannot be lifted
 * from the store or a terminal and replayed. Values masked before stay as they are.
 */
export const maskSignatureHeaders = (
  headers: Readonly<Record<string, string>>,
  signatureHeaders: readonly string[] = [],
): Record<string, string> => {
  const declared = new Set(signatureHeaders.map((name) => name.toLowerCase()));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) =>
      (declared.has(name.toLowerCase()) || isSensitiveKey(name)) && !value.startsWith(MASKED_PREFIX)
        ? [name, `${MASKED_PREFIX}${sha256Hex(value).slice(0, 16)}`]
        : [name, value],
    ),
  );
};
