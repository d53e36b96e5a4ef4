/**
 * A request in the AWS JSON 1.0 framing (POST `/`, `Content-Type: application/x-amz-json-1.0`,
 * `X-Amz-Target: AWSStepFunctions.<Action>`) with the answer left raw, for asserting the wire
 * encoding itself and actions the SDK cannot send.
 */
export async function rawRequest(
  endpoint: string,
  action: string,
  body: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${action}` },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
