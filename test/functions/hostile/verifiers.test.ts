import fc from 'fast-check';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  aRequest,
  aSignedRequest,
  anEvent,
  buildTargets,
  CLIENT_STATUSES,
  deeplyNested,
  MAX_BODY_BYTES,
  REJECTED_STATUSES,
  resetHistory,
  resetMocks,
  TENANT,
  withOutput,
  writeCounts,
  type HostileTarget,
  type WriteCounts,
} from '../../helpers/hostile';

// Modest runs keep the suite well under a minute; `bench/fuzz.ts` runs the long soak.
const RUNS = 20;
const targets = buildTargets();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
beforeEach(() => resetMocks(targets));

interface Outcome {
  readonly status: number;
  readonly writes: WriteCounts;
  readonly lines: readonly string[];
}

const send = async (target: HostileTarget, event: APIGatewayProxyEventV2): Promise<Outcome> => {
  resetHistory();
  const lines: string[] = [];
  const response = (await withOutput(
    (line) => lines.push(line),
    () => target.handler(event),
  )) as APIGatewayProxyStructuredResultV2 & { statusCode: number };
  return { status: response.statusCode, writes: writeCounts(), lines };
};

/**
 * The invariants of every answer to a client: never 5xx (our storage never failed here), a
 * rejection writes nothing but at most one bounded counter update, no log line leaks a secret,
 * every output line is one JSON document (no forged log lines), no unhandled rejection, and
 * Object.prototype untouched.
 */
const assertClientAnswer = (target: HostileTarget, outcome: Outcome) => {
  expect({ status: outcome.status, isClientAnswer: CLIENT_STATUSES.has(outcome.status) }).toEqual({
    status: outcome.status,
    isClientAnswer: true,
  });
  if (REJECTED_STATUSES.has(outcome.status)) {
    const { puts, otherUpdates, sends, objects } = outcome.writes;
    expect({ puts, otherUpdates, sends, objects }).toEqual({
      puts: 0,
      otherUpdates: 0,
      sends: 0,
      objects: 0,
    });
    expect(outcome.writes.rejectionUpdates).toBeLessThanOrEqual(1);
  }
  const output = outcome.lines.join('\n');
  for (const secret of target.secretValues) expect(output).not.toContain(secret);
  for (const line of outcome.lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  expect(unhandled).toEqual([]);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
};

/** Puts `members` first into a JSON object body (or its first element), or appends `formFields` to a form body. */
const spliced = (sample: string, members: string, formFields: string): string => {
  const text = sample.trimStart();
  if (text.startsWith('{')) return text.replace(/^\{/, `{${members}`);
  if (text.startsWith('[')) return text.replace(/^\[\s*\{/, `[{${members}`);
  return `${sample}&${formFields}`;
};

const headerName = fc.string({ minLength: 1, maxLength: 24 });
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\r\n', 'a\r\nx-injected: 1', '\u0000', '\uD800'),
);

describe.each(targets.map((t) => [t.id, t] as const))(
  'the %s verifier under hostile input',
  (_id, target) => {
    it('answers random bytes with random headers as a client fault and stores nothing', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 2048 }),
          fc.dictionary(headerName, headerValue, { maxKeys: 8 }),
          fc.array(headerValue, {
            minLength: target.signatureHeaders.length,
            maxLength: target.signatureHeaders.length,
          }),
          fc.boolean(),
          async (body, headers, signatureValues, base64) => {
            const own = Object.fromEntries(
              target.signatureHeaders.map((name, i) => [name, signatureValues[i] ?? '']),
            );
            const request = aRequest(target, {
              body: Buffer.from(body),
              headers: { ...target.sample.headers, ...headers, ...own },
            });

            const outcome = await send(target, anEvent(request, { base64 }));

            assertClientAnswer(target, outcome);
            expect({ status: outcome.status, rejected: REJECTED_STATUSES.has(outcome.status) }).toEqual({
              status: outcome.status,
              rejected: true,
            });
          },
        ),
        { numRuns: RUNS },
      );
    });

    it('survives wrong and mixed encodings and invalid UTF-8, signed or not', async () => {
      const encodings = fc.constantFrom<(b: Buffer) => Buffer>(
        (b) => Buffer.from(b.toString('utf8'), 'utf16le'),
        (b) => Buffer.from(b.toString('utf8'), 'latin1'),
        (b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]),
        (b) =>
          Buffer.concat([
            b.subarray(0, Math.floor(b.length / 2)),
            Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff]),
            b.subarray(Math.floor(b.length / 2)),
          ]),
        (b) => Buffer.from(b.toString('utf8').replace(/"/g, '\uD800"'), 'utf8'),
      );
      await fc.assert(
        fc.asyncProperty(
          encodings,
          fc.boolean(),
          fc.constantFrom('utf-8', 'utf-16', 'iso-8859-1', 'bogus'),
          async (encode, signed, charset) => {
            const body = encode(target.sample.body);
            const headers = {
              'content-type': `${target.sample.headers['content-type'] ?? 'application/json'}; charset=${charset}`,
            };
            const request = signed
              ? aSignedRequest(target, body, headers)
              : aRequest(target, { body, headers: { ...target.sample.headers, ...headers } });

            assertClientAnswer(target, await send(target, anEvent(request, { base64: true })));
          },
        ),
        { numRuns: RUNS },
      );
    });

    it.each([
      ['an empty body, unsigned', () => aRequest(target, { body: Buffer.alloc(0) })],
      ['an empty body, signed', () => aSignedRequest(target, Buffer.alloc(0))],
      ['a body of only whitespace, signed', () => aSignedRequest(target, Buffer.from(' \r\n\t '))],
      ['JSON null, signed', () => aSignedRequest(target, Buffer.from('null'))],
      ['a JSON string, signed', () => aSignedRequest(target, Buffer.from('"hello"'))],
      ['a huge JSON number, signed', () => aSignedRequest(target, Buffer.from('1e999999'))],
    ])('answers %s as a client, never 5xx', async (_what, build) => {
      assertClientAnswer(target, await send(target, anEvent(build(), { base64: true })));
    });

    it('answers a body one byte over the limit 413 before reading a secret or writing anything', async () => {
      const outcome = await send(
        target,
        anEvent(aSignedRequest(target, Buffer.alloc(MAX_BODY_BYTES + 1, 0x20)), { base64: true }),
      );

      expect(outcome.status).toBe(413);
      expect(outcome.writes.secretReads).toBe(0);
      assertClientAnswer(target, outcome);
    });

    it('takes a validly signed body at the limit without a 5xx', async () => {
      const padded = Buffer.concat([
        target.sample.body,
        Buffer.alloc(MAX_BODY_BYTES - target.sample.body.length - 256, 0x20),
      ]);

      assertClientAnswer(
        target,
        await send(target, anEvent(aSignedRequest(target, padded), { base64: true })),
      );
    });

    it.each([
      ['arrays', 'array'],
      ['objects', 'object'],
    ] as const)('rejects unsigned JSON nested 10,000 levels deep in %s', async (_what, kind) => {
      assertClientAnswer(
        target,
        await send(target, anEvent(aRequest(target, { body: Buffer.from(deeplyNested(10_000, kind)) }))),
      );
    });

    it('answers validly signed JSON nested 10,000 levels deep in arrays as a client', async () => {
      assertClientAnswer(
        target,
        await send(target, anEvent(aSignedRequest(target, Buffer.from(deeplyNested(10_000, 'array'))))),
      );
    });

    it('answers validly signed JSON nested 10,000 levels deep in objects as a client', async () => {
      assertClientAnswer(
        target,
        await send(target, anEvent(aSignedRequest(target, Buffer.from(deeplyNested(10_000, 'object'))))),
      );
    });

    it('answers a valid signed event carrying a field nested 10,000 levels deep as a client', async () => {
      const body = Buffer.from(
        spliced(
          target.sample.body.toString('utf8'),
          `"deep":${deeplyNested(10_000, 'object')},`,
          `deep=${encodeURIComponent(deeplyNested(2_000, 'array'))}`,
        ),
      );

      assertClientAnswer(target, await send(target, anEvent(aSignedRequest(target, body))));
    });

    it('keeps __proto__ and constructor keys as data: no prototype is polluted, signed or not', async () => {
      const body = Buffer.from(
        spliced(
          target.sample.body.toString('utf8'),
          '"__proto__":{"polluted":"yes","toString":"x"},"constructor":{"prototype":{"polluted":"yes"}},',
          '__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__.polluted=yes',
        ),
      );
      const headers = { __proto__: 'yes', constructor: 'yes', 'x-polluted': 'yes' };

      assertClientAnswer(
        target,
        await send(
          target,
          anEvent(aRequest(target, { body }), { rawHeaders: { ...target.sample.headers, ...headers } }),
        ),
      );
      assertClientAnswer(target, await send(target, anEvent(aSignedRequest(target, body, headers))));
    });

    it('answers duplicated signature headers (joined by API Gateway) and CR/LF in header values as a client', async () => {
      const valid = aSignedRequest(target, target.sample.body);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            ...(target.signatureHeaders.length > 0 ? target.signatureHeaders : ['content-type']),
          ),
          fc.constantFrom<(v: string) => string>(
            (v) => `${v},${v}`,
            (v) => `${v},garbage`,
            (v) => `garbage,${v}`,
            (v) => `${v}\r\n${v}`,
            (v) => `${v}\r\nx-injected: 1`,
            (v) => ` ${v} `,
          ),
          async (name, mangle) => {
            const headers = { ...valid.headers, [name]: mangle(valid.headers[name] ?? '') };

            assertClientAnswer(target, await send(target, anEvent({ ...valid, headers })));
          },
        ),
        { numRuns: RUNS },
      );
    });

    it('answers an unknown tenant 404 and any method but POST 405, storing nothing', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .string({ minLength: 1, maxLength: 30 })
            .filter((t) => t.trim().length > 0 && t !== TENANT && t !== 'default'),
          fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post '),
          async (tenant, method) => {
            const signed = aSignedRequest(target, target.sample.body);

            const unknownTenant = await send(target, anEvent(signed, { tenant }));
            const wrongMethod = await send(target, anEvent({ ...signed, method }));

            expect([unknownTenant.status, wrongMethod.status]).toEqual([404, 405]);
            assertClientAnswer(target, unknownTenant);
            assertClientAnswer(target, wrongMethod);
          },
        ),
        { numRuns: RUNS },
      );
    });
  },
);
