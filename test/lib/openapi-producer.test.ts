import { resolve } from 'node:path';
import { z } from 'zod';
import { DomainEventInputSchema } from '#shared/producer/contract';
import { parseConfig } from '../../lib/config';
import { stackApiDocument } from '../../lib/openapi';
import { aConfig } from '../helpers/stack';

const ROOT = resolve(__dirname, '..', '..');

interface Operation {
  operationId: string;
  security: unknown[];
  requestBody: { content: { 'application/json': { examples: Record<string, { value: unknown }> } } };
  responses: Record<string, { content?: { 'application/json': { example?: unknown } } }>;
}
interface Document {
  paths: Record<string, { post: Operation; parameters?: unknown[] }>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
}

const document = stackApiDocument({ config: parseConfig(aConfig()), root: ROOT }) as unknown as Document;
const publish = document.paths['/events']?.post;

describe('the OpenAPI document of the producer API', () => {
  it('describes /events and /events/{tenant}, signed with SigV4', () => {
    expect([publish?.operationId, document.paths['/events/{tenant}']?.post.operationId]).toEqual([
      'publishEvents',
      'publishTenantEvents',
    ]);
    expect(publish?.security).toEqual([{ sigv4: [] }]);
    expect(document.components.securitySchemes.sigv4).toMatchObject({
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
  });

  it("takes the contract's schema for an event, as zod writes it", () => {
    const { $schema: _dialect, ...contract } = z.toJSONSchema(DomainEventInputSchema, { io: 'input' });

    expect(document.components.schemas.DomainEvent).toMatchObject(contract);
  });

  it("gives the internal provider's fixtures as examples, answered as the producer answers them", () => {
    const examples = publish?.requestBody.content['application/json'].examples ?? {};
    const accepted = publish?.responses['202']?.content?.['application/json'].example as {
      events: { outcome: string; error?: string }[];
    };

    expect(Object.keys(examples)).toEqual(['batch', 'order-paid']);
    expect(accepted.events.map((e) => e.outcome)).toEqual(['accepted', 'accepted', 'rejected']);
    expect(accepted.events[2]?.error).toBe('entity: Invalid input: expected object, received undefined');
  });

  it('documents every answer of a publish', () => {
    expect(Object.keys(document.paths['/events/{tenant}']?.post.responses ?? {})).toEqual([
      '200',
      '202',
      '400',
      '403',
      '404',
      '413',
      '429',
      '500',
      '503',
    ]);
    expect(Object.keys(publish?.responses ?? {})).not.toContain('404');
  });
});
