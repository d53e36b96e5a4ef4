import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { RelayFlowConfig } from '../config';
import { apiDocument, serversOf, webhookApi } from './document';
import { INTERNAL_PROVIDER_ID } from '../../functions/providers/internal/index';
import { readFixtures } from './fixtures';
import { producerApi } from './producer';
import { API_DOCUMENT_FILE } from './serve';

const PackageSchema = z.object({ version: z.string().min(1) });

const DESCRIPTION = [
  "The webhook API of a RelayFlow stack: one route per enabled provider, and one per provider and tenant. Each is served by the provider's own verifier, which checks the signature over the exact bytes received, stores the event and queues it.",
  'Answers: 202 when an event is new, 200 when it was already known (never 409: providers retry any non-2xx), 401 when the request is not authentic, 404 for an unknown tenant, 405 for another method than POST, 413 for a body above the limit, 503 when the provider must retry. API Gateway answers a path naming no enabled provider (404), a throttled request (429), a body over 10 MB (413) and a verifier that crashed or timed out (500) itself, without X-Correlation-Id. The webhook API never answers 400: a correctly signed body that cannot be read is quarantined and answered 202.',
  'The same API serves the producer API: POST /events (and /events/{tenant}), where your own applications publish domain events, signed with AWS Signature Version 4 (IAM authorization). Each event of a body is checked on its own and answered with its outcome.',
].join('\n\n');

/** What the API description of a synthesized stack is built from. */
export interface ApiDocumentInput {
  readonly config: RelayFlowConfig;
  /** The stack's region, when synthesis knows it. */
  readonly region?: string;
  /** RelayFlow's folder: package.json and the providers' fixtures. */
  readonly root: string;
}

/** The OpenAPI 3.1 document of a stack: the webhook API of its configuration. */
export const stackApiDocument = ({ config, region, root }: ApiDocumentInput) =>
  apiDocument(
    {
      title: `RelayFlow webhook API (${config.stackName})`,
      version: PackageSchema.parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).version,
      description: DESCRIPTION,
      servers: serversOf(config, region),
    },
    [
      webhookApi({
        config,
        fixtures: readFixtures(
          root,
          config.enabledProviders.map((p) => p.id),
        ),
      }),
      producerApi({
        config,
        fixtures: readFixtures(root, [INTERNAL_PROVIDER_ID]).get(INTERNAL_PROVIDER_ID) ?? [],
      }),
    ],
  );

/** Writes the document into a synthesized assembly (`cdk.out/openapi.json`), where `npm start` serves it. */
export const writeApiDocument = (outdir: string, input: ApiDocumentInput): void =>
  writeFileSync(join(outdir, API_DOCUMENT_FILE), `${JSON.stringify(stackApiDocument(input), null, 2)}\n`);
