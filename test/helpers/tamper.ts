import fc from 'fast-check';
import type { VerifyResult } from '#shared/providers/types';

/** Returns `bytes` with the byte at `index` (modulo the length) replaced by a different value. */
export const withByteChanged = (bytes: Buffer, index: number, delta: number): Buffer => {
  const changed = Buffer.from(bytes);
  const at = index % changed.length;
  changed[at] = ((changed[at] ?? 0) + 1 + (delta % 255)) % 256;
  return changed;
};

/** Returns `text` with the character at `index` (modulo the length) replaced by a different printable ASCII one. */
export const withCharChanged = (text: string, index: number, delta: number): string => {
  const at = index % text.length;
  const code = text.charCodeAt(at);
  const next = 33 + ((code - 33 + 1 + (delta % 93)) % 94);
  return `${text.slice(0, at)}${String.fromCharCode(next)}${text.slice(at + 1)}`;
};

/**
 * The property every verifier must have: a body signed correctly verifies, and the same request
 * with any one byte of the body changed is refused as a bad signature. `sign` signs a body as the
 * provider would; `verifyBody` verifies that signature with another body in its place.
 */
export const assertEveryByteChangeRejected = <Signed>(
  sign: (body: Buffer) => Signed | Promise<Signed>,
  verifyBody: (signed: Signed, body: Buffer) => VerifyResult | Promise<VerifyResult>,
  options: { readonly bodies?: fc.Arbitrary<Buffer>; readonly numRuns?: number } = {},
): Promise<void> =>
  fc.assert(
    fc.asyncProperty(
      options.bodies ?? fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.nat(),
      fc.nat(),
      async (body, index, delta) => {
        const signed = await sign(body);
        expect(await verifyBody(signed, body)).toMatchObject({ ok: true });
        expect(await verifyBody(signed, withByteChanged(body, index, delta))).toMatchObject({
          ok: false,
          reason: 'signature',
        });
      },
    ),
    { numRuns: options.numRuns ?? 150 },
  );
