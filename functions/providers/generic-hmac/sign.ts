import { signedContentOf, digestOf } from './verify';
import type { GenericHmacOptions } from './schemas';

/**
 * Builds the signer of one generic sender: the returned function gives the lower-cased headers
 * to add (signature, and timestamp when the sender signs one). When the signed content uses
 * `{id}`, the id header must already be in `req.headers`.
 * @throws Error when the signed content needs an id header that `req.headers` lacks.
 */
export const createGenericHmacSigner =
  (options: GenericHmacOptions) =>
  (
    req: { url: string; headers: Record<string, string>; body: Buffer },
    secret: string,
    now: Date,
  ): Record<string, string> => {
    const added: Record<string, string> = {};
    const timestamp = options.timestamp;
    if (timestamp !== undefined) {
      const value = timestamp.unit === 'seconds' ? Math.floor(now.getTime() / 1000) : now.getTime();
      added[timestamp.header.toLowerCase()] = String(value);
    }
    const headers = Object.fromEntries(
      Object.entries({ ...req.headers, ...added }).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const content = signedContentOf({ headers, body: req.body }, options);
    if (!content.ok) throw new Error(content.missing);
    added[options.signatureHeader.toLowerCase()] =
      `${options.prefix ?? ''}${digestOf(options, secret, content.bytes)}`;
    return added;
  };
