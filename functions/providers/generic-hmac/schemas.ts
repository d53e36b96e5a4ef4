import * as z from 'zod/mini';
import { parseJsonPath } from './json-path';

/** RFC 9110 token: what a header name may contain. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN_PLACEHOLDERS: ReadonlySet<string> = new Set(['timestamp', 'body', 'id']);

const headerName = (what: string) =>
  z
    .string({ error: `${what} must be a header name` })
    .check(
      z.regex(HEADER_NAME, { error: `${what} must be a header name (letters, digits, -_ and similar)` }),
    );

const jsonPath = (what: string) =>
  z.string({ error: `${what} must be a dot path such as data.object.id` }).check(
    z.refine((path) => parseJsonPath(path) !== undefined, {
      error: `${what} must be a dot path such as data.object.id, with no empty segment and no __proto__, constructor or prototype`,
    }),
  );

const nonEmpty = (what: string) =>
  z
    .string({ error: `${what} must be a non-empty string` })
    .check(z.minLength(1, { error: `${what} must be a non-empty string` }));

const seconds = (what: string) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .check(
      z.int({ error: `${what} must be a whole number of seconds` }),
      z.positive({ error: `${what} must be greater than 0` }),
    );

const unit = (what: string) =>
  z._default(
    z.enum(['seconds', 'milliseconds'], { error: `${what} must be seconds or milliseconds` }),
    'seconds',
  );

/** Placeholder names used by a signed-content template, in order. */
export const placeholdersOf = (template: string): string[] =>
  [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');

const signedContent = z.string({ error: 'timestamp.signedContent must be a template string' }).check(
  z.superRefine((template, ctx) => {
    const names = placeholdersOf(template);
    const unknown = names.filter((name) => !KNOWN_PLACEHOLDERS.has(name));
    if (unknown.length > 0) {
      ctx.issues.push({
        code: 'custom',
        input: template,
        message: `timestamp.signedContent has unknown placeholder(s) ${unknown.map((name) => `{${name}}`).join(', ')}; use {timestamp}, {body}, {id}`,
      });
    }
    if (names.filter((name) => name === 'body').length !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: template,
        message: 'timestamp.signedContent must contain {body} exactly once',
      });
    }
    if (!names.includes('timestamp')) {
      ctx.issues.push({
        code: 'custom',
        input: template,
        message: 'timestamp.signedContent must contain {timestamp}, else the timestamp is not signed',
      });
    }
  }),
);

const optionsObject = z.strictObject(
  {
    /** Header carrying the signature (case-insensitive). */
    signatureHeader: headerName('signatureHeader'),
    algorithm: z._default(
      z.enum(['sha256', 'sha512', 'sha1'], { error: 'algorithm must be sha256, sha512 or sha1' }),
      'sha256',
    ),
    encoding: z._default(z.enum(['hex', 'base64'], { error: 'encoding must be hex or base64' }), 'hex'),
    /** Text before the signature in the header (`sha256=`); a header without it is rejected. */
    prefix: z.optional(nonEmpty('prefix')),
    /** Present when the sender signs a timestamp; without it the HMAC covers the raw body only. */
    timestamp: z.optional(
      z.strictObject(
        {
          header: headerName('timestamp.header'),
          signedContent: z._default(signedContent, '{timestamp}.{body}'),
          /** Overrides the top-level `toleranceSeconds` when set. */
          toleranceSeconds: z.optional(seconds('timestamp.toleranceSeconds')),
          unit: unit('timestamp.unit'),
        },
        {
          error:
            'timestamp must be an object { header, signedContent?, toleranceSeconds?, unit? } with no other keys',
        },
      ),
    ),
    /** Where the sender's event id (the deduplication id) is. */
    id: z.union(
      [
        z.strictObject({ header: headerName('id.header') }),
        z.strictObject({ jsonPath: jsonPath('id.jsonPath') }),
      ],
      {
        error: 'id must be { header: "<name>" } or { jsonPath: "<dot.path>" }',
      },
    ),
    /** Where the sender's event type is, or one fixed value for senders of a single type. */
    type: z.union(
      [
        z.strictObject({ header: headerName('type.header') }),
        z.strictObject({ jsonPath: jsonPath('type.jsonPath') }),
        z.strictObject({ value: nonEmpty('type.value') }),
      ],
      { error: 'type must be { header: "<name>" }, { jsonPath: "<dot.path>" } or { value: "<type>" }' },
    ),
    /** The entity whose events stay in order. */
    entity: z.optional(
      z.strictObject(
        { kind: nonEmpty('entity.kind'), jsonPath: jsonPath('entity.jsonPath') },
        { error: 'entity must be { kind, jsonPath } with no other keys' },
      ),
    ),
    /** Event time: an ISO 8601 string, or a number in `unit` since the epoch. */
    occurredAt: z.optional(
      z.strictObject(
        { jsonPath: jsonPath('occurredAt.jsonPath'), unit: unit('occurredAt.unit') },
        { error: 'occurredAt must be { jsonPath, unit? } with no other keys' },
      ),
    ),
    toleranceSeconds: z._default(seconds('toleranceSeconds'), 300),
    /**
     * Accepts an id or type read from a header the signature does not cover. Such a sender's
     * captured delivery can be resent with a fresh id or another type; the ingest then binds the
     * signed bytes to the first event they produced, and the CDK app warns at synth.
     */
    unsignedIdentity: z._default(z.boolean({ error: 'unsignedIdentity must be true or false' }), false),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown option(s): ${issue.keys.join(', ')}`
        : 'generic HMAC options must be an object',
  },
);

type ParsedOptions = z.output<typeof optionsObject>;

/** Whether the signature covers the id header: only when the signed content includes `{id}`. */
const idHeaderIsSigned = (options: Pick<ParsedOptions, 'timestamp'>): boolean =>
  options.timestamp !== undefined && placeholdersOf(options.timestamp.signedContent).includes('id');

/** The identity fields (`id`, `type`) read from a header that the signature does not cover. */
export const unsignedIdentityFields = (
  options: Pick<ParsedOptions, 'id' | 'type' | 'timestamp'>,
): ('id' | 'type')[] => [
  ...('header' in options.id && !idHeaderIsSigned(options) ? (['id'] as const) : []),
  ...('header' in options.type ? (['type'] as const) : []),
];

/** Options of one generic HMAC sender, as a team declares it in the RelayFlow config. */
export const genericHmacOptionsSchema = optionsObject.check(
  z.superRefine((options, ctx) => {
    if (!options.unsignedIdentity) {
      for (const field of unsignedIdentityFields(options)) {
        ctx.issues.push({
          code: 'custom',
          input: options,
          path: [field],
          message:
            field === 'id'
              ? 'the id header is not covered by the signature (only a timestamp.signedContent with {id} signs it), so a captured delivery could be resent as a new event; use id: { jsonPath }, sign {id}, or set unsignedIdentity: true'
              : 'a type header is never covered by the signature, so a captured delivery could be resent as another type; use type: { jsonPath } or { value }, or set unsignedIdentity: true',
        });
      }
    }
    const template = options.timestamp?.signedContent;
    if (template !== undefined && placeholdersOf(template).includes('id') && !('header' in options.id)) {
      ctx.issues.push({
        code: 'custom',
        input: options,
        path: ['timestamp', 'signedContent'],
        message:
          'timestamp.signedContent uses {id}, which needs id: { header } (the body is not read before it is verified)',
      });
    }
  }),
);

export type GenericHmacOptions = z.output<typeof genericHmacOptionsSchema>;
/** What a team writes in the config, before defaults. */
export type GenericHmacOptionsInput = z.input<typeof genericHmacOptionsSchema>;
