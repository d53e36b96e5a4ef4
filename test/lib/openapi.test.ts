import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { answerOf } from '#shared/ingest/http';
import { ingestWebhook, type IngestDependencies } from '#shared/ingest/ingest';
import { builtInProviders } from '#shared/providers/registry';
import type { WebhookRequest } from '#shared/providers/types';
import { parseConfig } from '../../lib/config';
import { stackApiDocument, writeApiDocument } from '../../lib/openapi';
import { readFixtures } from '../../lib/openapi/fixtures';
import { aConfig, synthStack } from '../helpers/stack';

const ROOT = resolve(__dirname, '..', '..');

type Json = Record<string, unknown>;
interface Document {
  paths: Record<string, { description?: string; parameters?: unknown[]; post?: Operation }>;
  components: {
    responses: Record<
      string,
      { content: { 'application/json': { examples: Record<string, { value: unknown }> } } }
    >;
    examples: Record<string, { value: unknown }>;
    parameters: Record<string, { schema: Json }>;
  };
  servers: Json[];
  tags: { name: string }[];
}
interface Operation {
  operationId: string;
  parameters: { name?: string; $ref?: string }[];
  requestBody: { content: Record<string, { examples?: Record<string, { $ref: string }> }> };
  responses: Record<string, Json>;
  security?: unknown[];
}

/** Every built-in provider, two tenants (one sharing the provider's secret) and a generic sender. */
const configInput = aConfig({
  providers: Object.fromEntries(Object.keys(builtInProviders).map((id) => [id, {}])),
});
const documentOf = (input = configInput) =>
  stackApiDocument({ config: parseConfig(input), root: ROOT }) as unknown as Document;

/**
 * The schema validator is an ES module that Jest's CommonJS runtime cannot load: it runs in a
 * plain Node process, as its own CLI would.
 */
const validate = (document: unknown): { valid: boolean; errors?: unknown } => {
  const result = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { Validator } from '@seriousme/openapi-schema-validator';
       import { readFileSync } from 'node:fs';
       const validator = new Validator();
       const result = await validator.validate(JSON.parse(readFileSync(0, 'utf8')));
       process.stdout.write(JSON.stringify({ ...result, version: validator.version }));`,
    ],
    { cwd: ROOT, input: JSON.stringify(document), encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { valid: boolean; errors?: unknown };
};

describe('the OpenAPI document of the webhook API', () => {
  const document = documentOf();

  it('is valid OpenAPI 3.1', () => {
    expect(validate(document)).toEqual({ valid: true, version: '3.1' });
  });

  it('describes every webhook route of the synthesized template, with and without tenant', () => {
    const { template } = synthStack({ providers: configInput.providers });
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );

    expect(routeKeys.length).toBeGreaterThanOrEqual(2 * (Object.keys(builtInProviders).length + 1));
    for (const routeKey of routeKeys) {
      const [method, path] = routeKey.split(' ');
      expect(method).toBe('ANY');
      expect(document.paths[path ?? '']?.post).toBeDefined();
    }
    expect(Object.keys(document.paths).sort()).toEqual(routeKeys.map((key) => key.split(' ')[1]).sort());
  });

  it('names the headers each provider sends', () => {
    const headersOf = (path: string) => document.paths[path]?.post?.parameters.map((p) => p.name ?? p.$ref);

    expect(headersOf('/webhooks/stripe')).toEqual([
      'Stripe-Signature',
      '#/components/parameters/CorrelationId',
    ]);
    expect(headersOf('/webhooks/standard-webhooks/{tenant}')).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      '#/components/parameters/CorrelationId',
    ]);
    expect(headersOf('/webhooks/acme-billing')).toEqual([
      'x-acme-signature',
      '#/components/parameters/CorrelationId',
    ]);
    expect(document.paths['/webhooks/postmark']?.post?.security).toEqual([{ basicAuth: [] }]);
  });

  it('gives every fixture of a provider as an example of its request body', () => {
    const fixtures = readFixtures(ROOT, Object.keys(builtInProviders));
    for (const [id, list] of fixtures) {
      const content = document.paths[`/webhooks/${id}`]?.post?.requestBody.content ?? {};
      const referenced = Object.values(content).flatMap((media) => Object.values(media.examples ?? {}));
      expect(referenced.map((example) => example.$ref).sort()).toEqual(
        list.map((fixture) => `#/components/examples/${id}.${fixture.name}`).sort(),
      );
      for (const fixture of list)
        expect(document.components.examples[`${id}.${fixture.name}`]?.value).toEqual(fixture.body);
    }
  });

  it('lists the tenants of the configuration for the tenant routes', () => {
    expect(document.components.parameters.Tenant?.schema).toEqual({ type: 'string', enum: ['acme', 'beta'] });
    expect(document.paths['/webhooks/stripe/{tenant}']?.post?.responses['404']).toEqual({
      $ref: '#/components/responses/UnknownTenant',
    });
    expect(document.paths['/webhooks/stripe']?.post?.responses['404']).toBeUndefined();
  });

  it('documents every answer of a delivery', () => {
    expect(Object.keys(document.paths['/webhooks/stripe/{tenant}']?.post?.responses ?? {})).toEqual([
      '200',
      '202',
      '401',
      '404',
      '413',
      '429',
      '500',
      '503',
    ]);
    expect(document.paths['/webhooks/stripe']?.description).toBe(
      'Any other method is answered 405 {"message":"Only POST is accepted."} by the verifier.',
    );
  });

  it('is served by the configured public base URL when there is one', () => {
    expect(documentOf({ ...configInput, publicBaseUrl: 'https://hooks.example.com/' }).servers).toEqual([
      { url: 'https://hooks.example.com', description: 'publicBaseUrl of the configuration' },
    ]);
  });

  it('is the same from one synthesis to the next', () => {
    expect(JSON.stringify(documentOf())).toBe(JSON.stringify(document));
  });

  it('is written into the assembly directory', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'relayflow-openapi-'));
    try {
      writeApiDocument(outdir, { config: parseConfig(configInput), root: ROOT });

      expect(existsSync(join(outdir, 'openapi.json'))).toBe(true);
      expect(JSON.parse(readFileSync(join(outdir, 'openapi.json'), 'utf8'))).toEqual(document);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("the document's answers", () => {
  const config = parseConfig(configInput);
  const document = documentOf();
  const provider = builtInProviders.stripe!.provider;
  const request = (overrides: Partial<WebhookRequest>): WebhookRequest => ({
    method: 'POST',
    url: 'https://hooks.example.com/webhooks/stripe',
    path: '/webhooks/stripe',
    rawQueryString: '',
    headers: {},
    body: Buffer.from('{}'),
    sourceIp: '203.0.113.10',
    ...overrides,
  });
  /** The ingest refuses these before it reads a secret or the store. */
  const refusal = async (tenant: string | undefined, overrides: Partial<WebhookRequest>) => {
    const outcome = await ingestWebhook(
      {} as IngestDependencies,
      {
        tenants: new Set(['default', ...config.tenants.map((t) => t.id)]),
        maxBodyBytes: config.maxBodyBytes,
        inlineBodyMaxBytes: config.inlineBodyMaxBytes,
        ingestLeaseSeconds: 30,
      },
      provider,
      { toleranceSeconds: 300 },
      { tenant, request: request(overrides), correlationId: 'c-1' },
    );
    return JSON.parse(answerOf(outcome, 'c-1').body ?? '') as unknown;
  };
  const example = (response: string, name: string) =>
    document.components.responses[response]?.content['application/json'].examples[name]?.value;

  it('are the ones the ingest gives for an unknown tenant and a body over the limit', async () => {
    expect(example('UnknownTenant', 'verifier')).toEqual(await refusal('gamma', {}));
    expect(example('TooLarge', 'verifier')).toEqual(
      await refusal(undefined, { body: Buffer.alloc(config.maxBodyBytes + 1) }),
    );
  });

  it('name the answer the ingest gives to another method', async () => {
    expect(document.paths['/webhooks/stripe']?.description).toContain(
      JSON.stringify(await refusal(undefined, { method: 'GET' })),
    );
  });
});
