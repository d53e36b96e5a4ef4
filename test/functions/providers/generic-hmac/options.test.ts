import {
  GenericHmacConfigError,
  createGenericHmacProvider,
  genericHmacOptionsSchema,
  identityWarnings,
  parseGenericHmacOptions,
} from '#shared/providers/generic-hmac/index';
import { genericOptions } from '../../../helpers/providers/generic-hmac';

const problemsOf = (id: string, raw: unknown): readonly string[] => {
  try {
    parseGenericHmacOptions(id, raw);
  } catch (error) {
    if (error instanceof GenericHmacConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('generic HMAC options', () => {
  it('applies the defaults to a minimal declaration', () => {
    const options = parseGenericHmacOptions('acme', {
      signatureHeader: 'X-Sig',
      id: { jsonPath: 'id' },
      type: { value: 'ping' },
    });

    expect(options).toEqual({
      signatureHeader: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      id: { jsonPath: 'id' },
      type: { value: 'ping' },
      toleranceSeconds: 300,
      unsignedIdentity: false,
    });
  });

  it('applies the timestamp defaults', () => {
    const options = genericHmacOptionsSchema.parse({
      signatureHeader: 'x-sig',
      id: { jsonPath: 'id' },
      type: { jsonPath: 'type' },
      timestamp: { header: 'x-ts' },
    });

    expect(options.timestamp).toEqual({
      header: 'x-ts',
      signedContent: '{timestamp}.{body}',
      unit: 'seconds',
    });
  });

  it('lists every problem of a bad declaration in one readable error', () => {
    const problems = problemsOf('Acme Corp', {
      signatureHeader: 'x sig',
      algorithm: 'md5',
      encoding: 'base32',
      id: { jsonPath: 'data.__proto__.id' },
      type: { header: 'x-type', value: 'ping' },
      entity: { kind: 'customer' },
      toleranceSeconds: -1,
      tolerance: 5,
    });

    expect(problems).toEqual([
      'id must be lower-case letters, digits and dashes (it names the route and the event types)',
      'signatureHeader: signatureHeader must be a header name (letters, digits, -_ and similar)',
      'algorithm: algorithm must be sha256, sha512 or sha1',
      'encoding: encoding must be hex or base64',
      'id.jsonPath: id.jsonPath must be a dot path such as data.object.id, with no empty segment and no __proto__, constructor or prototype',
      'type: type must be { header: "<name>" }, { jsonPath: "<dot.path>" } or { value: "<type>" }',
      'entity.jsonPath: entity.jsonPath must be a dot path such as data.object.id',
      'toleranceSeconds: toleranceSeconds must be greater than 0',
      'unknown option(s): tolerance',
    ]);
  });

  it('lists every problem of a signed-content template', () => {
    const problems = problemsOf('acme', {
      signatureHeader: 'x-sig',
      id: { jsonPath: 'id' },
      type: { value: 'ping' },
      timestamp: { header: 'x-ts', signedContent: '{ts}:{payload}', unit: 'minutes' },
    });

    expect(problems).toEqual([
      'timestamp.signedContent: timestamp.signedContent has unknown placeholder(s) {ts}, {payload}; use {timestamp}, {body}, {id}',
      'timestamp.signedContent: timestamp.signedContent must contain {body} exactly once',
      'timestamp.signedContent: timestamp.signedContent must contain {timestamp}, else the timestamp is not signed',
      'timestamp.unit: timestamp.unit must be seconds or milliseconds',
    ]);
  });

  it('refuses an {id} placeholder when the id is read from the body', () => {
    const problems = problemsOf('acme', {
      signatureHeader: 'x-sig',
      id: { jsonPath: 'id' },
      type: { value: 'ping' },
      timestamp: { header: 'x-ts', signedContent: '{id}.{timestamp}.{body}' },
    });

    expect(problems).toEqual([
      'timestamp.signedContent: timestamp.signedContent uses {id}, which needs id: { header } (the body is not read before it is verified)',
    ]);
  });

  it('reports the required options that are absent', () => {
    const problems = problemsOf('acme', {});

    expect(problems).toEqual([
      'signatureHeader: signatureHeader must be a header name',
      'id: id must be { header: "<name>" } or { jsonPath: "<dot.path>" }',
      'type: type must be { header: "<name>" }, { jsonPath: "<dot.path>" } or { value: "<type>" }',
    ]);
  });

  it('refuses a declaration that is not an object', () => {
    expect(problemsOf('acme', 'sha256')).toEqual(['generic HMAC options must be an object']);
  });

  it('makes the factory throw the same listing for a bad declaration', () => {
    const bad = { ...genericOptions(), algorithm: 'md5' } as unknown as Parameters<
      typeof createGenericHmacProvider
    >[1];

    expect(() => createGenericHmacProvider('acme', bad)).toThrow(
      /Generic HMAC provider "acme" is misconfigured:\n- algorithm: algorithm must be sha256, sha512 or sha1/,
    );
  });

  describe('identity the signature does not cover', () => {
    const UNSIGNED_ID =
      'id: the id header is not covered by the signature (only a timestamp.signedContent with {id} signs it), so a captured delivery could be resent as a new event; use id: { jsonPath }, sign {id}, or set unsignedIdentity: true';
    const UNSIGNED_TYPE =
      'type: a type header is never covered by the signature, so a captured delivery could be resent as another type; use type: { jsonPath } or { value }, or set unsignedIdentity: true';

    it.each([
      ['without a timestamp', undefined],
      ['with a signed content that leaves out {id}', { header: 'x-ts', signedContent: '{timestamp}.{body}' }],
    ])('refuses an id header %s', (_case, timestamp) => {
      expect(
        problemsOf('acme', {
          signatureHeader: 'x-sig',
          id: { header: 'x-id' },
          type: { value: 'ping' },
          timestamp,
        }),
      ).toEqual([UNSIGNED_ID]);
    });

    it('refuses a type header even when the id header is signed', () => {
      const problems = problemsOf('acme', {
        signatureHeader: 'x-sig',
        id: { header: 'x-id' },
        type: { header: 'x-type' },
        timestamp: { header: 'x-ts', signedContent: '{id}.{timestamp}.{body}' },
      });

      expect(problems).toEqual([UNSIGNED_TYPE]);
    });

    it('lists both an unsigned id and an unsigned type', () => {
      expect(
        problemsOf('acme', { signatureHeader: 'x-sig', id: { header: 'x-id' }, type: { header: 'x-type' } }),
      ).toEqual([UNSIGNED_ID, UNSIGNED_TYPE]);
    });

    it.each([
      ['an id from the body', { id: { jsonPath: 'id' }, type: { jsonPath: 'type' } }],
      [
        'an id header the signed content includes',
        {
          id: { header: 'x-id' },
          type: { value: 'ping' },
          timestamp: { header: 'x-ts', signedContent: '{id}.{timestamp}.{body}' },
        },
      ],
    ])('accepts %s, which the signature covers', (_case, declaration) => {
      const options = parseGenericHmacOptions('acme', { signatureHeader: 'x-sig', ...declaration });

      expect([
        createGenericHmacProvider('acme', options).identityFromUnsignedHeaders(options),
        identityWarnings('acme', options),
      ]).toEqual([false, []]);
    });

    it('accepts unsigned identity headers when declared, marks the provider and warns at synth', () => {
      const options = parseGenericHmacOptions('acme', {
        signatureHeader: 'x-sig',
        id: { header: 'x-id' },
        type: { header: 'x-type' },
        unsignedIdentity: true,
      });

      expect(createGenericHmacProvider('acme', options).identityFromUnsignedHeaders(options)).toBe(true);
      expect(identityWarnings('acme', options)).toEqual([
        expect.stringMatching(
          /^Generic HMAC provider "acme": its event id and type come from a header the signature does not cover/,
        ),
      ]);
    });

    it('says that unsignedIdentity is needless when the id and type are signed', () => {
      const options = parseGenericHmacOptions('acme', {
        signatureHeader: 'x-sig',
        id: { jsonPath: 'id' },
        type: { jsonPath: 'type' },
        unsignedIdentity: true,
      });

      expect([
        createGenericHmacProvider('acme', options).identityFromUnsignedHeaders(options),
        identityWarnings('acme', options),
      ]).toEqual([
        false,
        [expect.stringContaining('unsignedIdentity is set but its id and type are signed')],
      ]);
    });

    it('refuses an unsignedIdentity that is not a boolean', () => {
      expect(
        problemsOf('acme', {
          signatureHeader: 'x-sig',
          id: { jsonPath: 'id' },
          type: { value: 'ping' },
          unsignedIdentity: 'yes',
        }),
      ).toEqual(['unsignedIdentity: unsignedIdentity must be true or false']);
    });
  });

  it('masks its configured signature header, in lower case', () => {
    const options = genericOptions({ signatureHeader: 'X-Acme-Signature' });

    expect(createGenericHmacProvider('acme', options).signatureHeaders(options)).toEqual([
      'x-acme-signature',
    ]);
  });

  it('names the provider after its declared id', () => {
    expect(createGenericHmacProvider('billing-hooks', genericOptions()).id).toBe('billing-hooks');
  });
});
