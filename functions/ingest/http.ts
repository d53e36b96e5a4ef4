import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { summarize, type IngestOutcome } from '#shared/ingest/ingest';
import type { WebhookRequest } from '#shared/providers/types';

const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD', 'utf8');

/**
 * True when the body holds U+FFFD, the mark of bytes that were not UTF-8 and were replaced on
 * the way (API Gateway hands text content types over as strings). Such a body can no longer
 * match its signature; saying so saves an operator from hunting for a wrong secret.
 */
export const looksTranscoded = (body: Buffer): boolean => body.includes(REPLACEMENT_CHARACTER);

/**
 * Builds the provider's view of the request from an HTTP API (payload 2.0) event. The body is
 * decoded to the exact bytes received. URL-signed providers sign the URL they call, so it is
 * rebuilt as they saw it: from the domain name the request arrived on (HTTP APIs serve HTTPS
 * only, on 443), unless a configured base URL says the provider calls another one (CloudFront,
 * or a custom domain mapped under a path, which `rawPath` leaves out).
 */
export const toWebhookRequest = (
  event: APIGatewayProxyEventV2,
  publicBaseUrl: string | undefined,
): WebhookRequest => {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const base = (publicBaseUrl ?? `https://${event.requestContext.domainName}`).replace(/\/+$/, '');
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    url: `${base}${event.rawPath}${query}`,
    path: event.rawPath,
    rawQueryString: event.rawQueryString ?? '',
    headers,
    body:
      event.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
    sourceIp: event.requestContext.http.sourceIp,
  };
};

export const jsonResponse = (
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const RETRY_LATER = { message: 'Temporarily unavailable; please retry.' };

/**
 * The answer to a delivery. Failures of our own answer 503 so that the provider retries, and say
 * nothing about what failed; an unfinished delivery answers 503 for the same reason.
 */
export const answerOf = (
  outcome: IngestOutcome,
  correlationId: string,
): APIGatewayProxyStructuredResultV2 => {
  const headers = { 'x-correlation-id': correlationId };
  switch (outcome.kind) {
    case 'rejected':
      return jsonResponse(outcome.status, { message: outcome.message }, headers);
    case 'no-secrets':
    case 'unavailable':
      return jsonResponse(503, RETRY_LATER, headers);
    case 'failed':
      return jsonResponse(500, { message: 'Internal error.' }, headers);
    case 'ingested':
    case 'unfinished': {
      const { outcomes, listed } = summarize(outcome.items);
      return jsonResponse(
        outcome.kind === 'ingested' ? outcome.status : 503,
        {
          correlationId: outcome.correlationId,
          outcomes,
          ...(listed ? { events: listed.map((item) => ({ id: item.eventId, outcome: item.outcome })) } : {}),
        },
        { 'x-correlation-id': outcome.correlationId },
      );
    }
  }
};
