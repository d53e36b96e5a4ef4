import { isAscii, isUtf8 } from 'node:buffer';
import type { WebhookRequest } from './types';

/** A body as a normalizer reads it: the value parsed, or nothing when the bytes do not parse. */
export type ParsedBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/**
 * The text of bytes read as UTF-8, U+FFFD in place of sequences that are not. ASCII, which most
 * bodies are, reads the same as Latin-1: copied rather than decoded.
 */
export const utf8Text = (bytes: Buffer): string =>
  isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');

/**
 * The text of bytes that are UTF-8, else undefined rather than U+FFFD in place of the others; a
 * leading byte order mark is dropped, as a TextDecoder drops it. Validated in place and decoded
 * once, which costs less than a fatal TextDecoder.
 */
export const strictUtf8 = (bytes: Buffer): string | undefined => {
  // ASCII reads the same as Latin-1, and holds no byte order mark.
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return undefined;
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
};

/** JSON in strict UTF-8. */
export const parseUtf8Json = (bytes: Buffer): ParsedBody => {
  const text = strictUtf8(bytes);
  if (text === undefined) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

/**
 * A body that a verifier had to parse (its signature is inside it, or covers its parsed
 * parameters), handed to the normalizer of the same request: the ingest verifies, then
 * normalizes, one request object. Taken once, so that a request normalized again (replay builds
 * its own) parses afresh; held weakly, so that a request never normalized (refused as a replay,
 * say) leaves nothing behind.
 */
export interface BodyHandoff<Body> {
  keep(request: WebhookRequest, body: Body): void;
  take(request: WebhookRequest): Body | undefined;
}

export const bodyHandoff = <Body>(): BodyHandoff<Body> => {
  const bodies = new WeakMap<WebhookRequest, Body>();
  return {
    keep: (request, body) => {
      bodies.set(request, body);
    },
    take: (request) => {
      const body = bodies.get(request);
      bodies.delete(request);
      return body;
    },
  };
};
