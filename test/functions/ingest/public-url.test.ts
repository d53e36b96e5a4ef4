import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createIngestHandler } from '#shared/ingest/handler';
import { hubspotDefinition } from '#shared/providers/hubspot/index';
import { twilioDefinition } from '#shared/providers/twilio/index';
import type { WebhookRequest } from '#shared/providers/types';
import { aLambdaContext, anHttpApiEvent } from '../../helpers/api-gateway';
import { aSignedHubspotRequest, HUBSPOT_SECRET, hubspotFixture } from '../../helpers/providers/hubspot';
import { aSignedTwilioRequest, STATUS_CALLBACK, TWILIO_TOKEN } from '../../helpers/providers/twilio';
import { verifierEnv } from '../../helpers/verifier-env';

/*
 * HubSpot and Twilio sign the full URL they call. Without `publicBaseUrl` the verifier rebuilds it
 * from the domain name API Gateway received the request on, so a stack verifies them from its
 * first deploy; a configured `publicBaseUrl` (CloudFront, a custom domain mapped under a path)
 * still wins.
 */

const DOMAIN = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);

const ENV = verifierEnv({
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/main.fifo',
});

type Handler = ReturnType<typeof createIngestHandler>;

/** A verifier built as the stack builds it, with `PUBLIC_BASE_URL` only when `publicBaseUrl` is configured. */
const verifierFor = (
  definition: Parameters<typeof createIngestHandler>[0],
  id: string,
  publicBaseUrl?: string,
): Handler => {
  const saved = { ...process.env };
  Object.assign(process.env, ENV, { PROVIDER_ID: id, SECRET_ARN: `arn:secret:${id}` });
  if (publicBaseUrl === undefined) delete process.env.PUBLIC_BASE_URL;
  else process.env.PUBLIC_BASE_URL = publicBaseUrl;
  try {
    return createIngestHandler(definition);
  } finally {
    process.env = saved;
  }
};

/** The event API Gateway hands the verifier for a request received on `DOMAIN`. */
const received = (
  request: WebhookRequest,
  options: Parameters<typeof anHttpApiEvent>[1] = {},
): APIGatewayProxyEventV2 => {
  const event = anHttpApiEvent(request, options);
  return { ...event, requestContext: { ...event.requestContext, domainName: DOMAIN } };
};

const invoke = async (handler: Handler, event: APIGatewayProxyEventV2) =>
  (await handler(event, aLambdaContext())) as APIGatewayProxyStructuredResultV2 & {
    headers: Record<string, string>;
  };

const hubspotBody = JSON.stringify(hubspotFixture('contact-batch').body);

let hubspot: Handler;
let twilio: Handler;
let hubspotBehindCloudFront: Handler;

beforeAll(() => {
  hubspot = verifierFor(hubspotDefinition, 'hubspot');
  twilio = verifierFor(twilioDefinition, 'twilio');
  hubspotBehindCloudFront = verifierFor(hubspotDefinition, 'hubspot', 'https://hooks.example.com');
});

beforeEach(() => {
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    SecretString: JSON.stringify({
      signingSecrets: [input.SecretId.endsWith('twilio') ? TWILIO_TOKEN : HUBSPOT_SECRET],
    }),
  }));
  dynamo.onAnyCommand().resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: '' })),
    Failed: [],
  }));
  s3.onAnyCommand().resolves({});
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  s3.reset();
  secrets.reset();
});

describe('the URL a URL-signed provider signed, without publicBaseUrl', () => {
  it("verifies HubSpot's official signature over https://<domainName>/webhooks/hubspot", async () => {
    const request = aSignedHubspotRequest({
      body: hubspotBody,
      timestamp: Date.now(),
      url: `https://${DOMAIN}/webhooks/hubspot`,
    });

    const response = await invoke(hubspot, received(request));

    expect(response.statusCode).toBe(202);
  });

  it("verifies HubSpot's official signature over a tenant's URL", async () => {
    const request = aSignedHubspotRequest({
      body: hubspotBody,
      timestamp: Date.now(),
      url: `https://${DOMAIN}/webhooks/hubspot`,
      signedUrl: `https://${DOMAIN}/webhooks/hubspot/acme`,
    });

    const response = await invoke(hubspot, received(request, { tenant: 'acme' }));

    expect(response.statusCode).toBe(202);
  });

  it("verifies Twilio's official signature over https://<domainName>/webhooks/twilio", async () => {
    const request = aSignedTwilioRequest({
      pairs: STATUS_CALLBACK,
      url: `https://${DOMAIN}/webhooks/twilio`,
    });

    const response = await invoke(twilio, received(request, { base64: true }));

    expect(response.statusCode).toBe(202);
  });

  it('refuses a signature over another domain, with its correlation id', async () => {
    const request = aSignedHubspotRequest({
      body: hubspotBody,
      timestamp: Date.now(),
      url: `https://${DOMAIN}/webhooks/hubspot`,
      signedUrl: 'https://elsewhere.example.com/webhooks/hubspot',
    });

    const response = await invoke(hubspot, received(request));

    expect(response.statusCode).toBe(401);
    expect(response.headers['x-correlation-id']).toMatch(/.{8,}/);
  });
});

describe('a configured publicBaseUrl', () => {
  it('wins over the domain name API Gateway saw', async () => {
    const signedFor = (url: string) =>
      aSignedHubspotRequest({
        body: hubspotBody,
        timestamp: Date.now(),
        url: `https://${DOMAIN}/webhooks/hubspot`,
        signedUrl: url,
      });

    const forPublicUrl = await invoke(
      hubspotBehindCloudFront,
      received(signedFor('https://hooks.example.com/webhooks/hubspot')),
    );
    const forApiDomain = await invoke(
      hubspotBehindCloudFront,
      received(signedFor(`https://${DOMAIN}/webhooks/hubspot`)),
    );

    expect(forPublicUrl.statusCode).toBe(202);
    expect(forApiDomain.statusCode).toBe(401);
  });
});
