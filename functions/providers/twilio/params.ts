import { bodyHandoff, utf8Text } from '#shared/providers/parsed-body';

/**
 * The form parameters of a body, grouped by name in the order received. Twilio sends
 * `application/x-www-form-urlencoded` in UTF-8, so the bytes are read as UTF-8.
 */
export const formParams = (body: Buffer): Map<string, string[]> => {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(utf8Text(body))) {
    const values = grouped.get(name);
    if (values === undefined) grouped.set(name, [value]);
    else values.push(value);
  }
  return grouped;
};

/** The parameters the verifier parsed to check the signature, for the normalizer to read without parsing again. */
export const twilioBodies = bodyHandoff<ReadonlyMap<string, readonly string[]>>();
