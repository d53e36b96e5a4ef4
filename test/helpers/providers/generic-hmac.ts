import { createHmac } from 'node:crypto';
import type { WebhookRequest } from '#shared/providers/types';
import {
  genericHmacOptionsSchema,
  type GenericHmacOptions,
  type GenericHmacOptionsInput,
} from '#shared/providers/generic-hmac/index';

export const ALGORITHMS = ['sha256', 'sha512', 'sha1'] as const;
export const ENCODINGS = ['hex', 'base64'] as const;

/**
 * Test oracle, written apart from the provider: the HMAC of exactly these bytes, as node:crypto
 * gives it. Tests assemble the signed bytes themselves, spelled out per scenario.
 */
export const oracleSignature = (
  algorithm: (typeof ALGORITHMS)[number],
  encoding: (typeof ENCODINGS)[number],
  secret: string,
  content: Buffer,
): string => createHmac(algorithm, secret).update(content).digest(encoding);

/**
 * A sender whose id comes from a header. The header is unsigned unless the test signs `{id}`, so
 * the default declares `unsignedIdentity`: these options serve tests of verifying and reading, and
 * options.test.ts covers the refusal of an unsigned id.
 */
export const genericOptions = (input: Partial<GenericHmacOptionsInput> = {}): GenericHmacOptions =>
  genericHmacOptionsSchema.parse({
    signatureHeader: 'x-signature',
    id: { header: 'x-event-id' },
    type: { jsonPath: 'type' },
    unsignedIdentity: true,
    ...input,
  });

export const aGenericRequest = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/acme',
  path: '/webhooks/acme',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', 'x-event-id': 'evt_1' },
  body: Buffer.from(JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } })),
  sourceIp: '192.0.2.1',
  ...overrides,
});
