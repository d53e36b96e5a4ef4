import { ChannelError } from '#shared/channels/contract';
import { parseRetryAfter, readBodyHead } from '#shared/targets/http';

/**
 * What the channel adapters share about calling a provider's HTTP API: a call that fails to get
 * an answer, and an answer that is not 2xx, become the {@link ChannelError} the consumer's retry
 * rules read. What an answer's body means stays in each adapter's folder.
 */

/** How long a provider gets to answer when the caller passes no signal of its own. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/** Longest excerpt of an error answer kept in the error (it ends up in the message's timeline and logs). */
const DETAIL_CHARS = 160;

/** A provider's answer, its body read up to the targets' limit. */
export interface ProviderAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface ProviderCall {
  readonly fetch: typeof fetch;
  /** The provider's name as errors show it. */
  readonly provider: string;
  readonly signal?: AbortSignal;
  /** Most of the answer read; the targets' limit unless a listing (a `find`) needs more. */
  readonly maxAnswerBytes?: number;
}

/**
 * Sends a request and reads its answer. No answer (a reset, a timeout) is a retryable
 * `network` or `timeout` error: the provider may or may not have taken the message, which the
 * caller's SENDING record already allows for. Redirects are not followed: an API that moved is
 * an operator's fix, and following one would resend the body to a host nobody chose.
 */
export const callProvider = async (
  call: ProviderCall,
  url: string,
  init: Omit<RequestInit, 'signal' | 'redirect'>,
): Promise<ProviderAnswer> => {
  let response: Response;
  try {
    response = await call.fetch(url, {
      ...init,
      redirect: 'manual',
      signal: call.signal ?? AbortSignal.timeout(DEFAULT_PROVIDER_TIMEOUT_MS),
    });
  } catch (error) {
    // The abort reason is a DOMException, which is not always an Error of this realm.
    const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new ChannelError(
      timedOut ? 'timeout' : 'network',
      true,
      timedOut ? `no answer from ${call.provider} in time` : `could not reach ${call.provider}`,
      { cause: error },
    );
  }
  const body = await readBodyHead(response, call.maxAnswerBytes);
  return { status: response.status, headers: response.headers, text: body.toString('utf8') };
};

/** A path under a base URL that may carry a path of its own (a local fake's `/postmark`). */
export const urlOf = (baseUrl: string, path: string): string => `${baseUrl.replace(/\/+$/, '')}${path}`;

export const isOk = (answer: ProviderAnswer) => answer.status >= 200 && answer.status < 300;

/** Statuses worth another attempt: the provider is overloaded, slow or broken, not refusing us. */
export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** The JSON of an answer, or undefined when it has none (an HTML error page from a proxy). */
export const jsonOf = (answer: ProviderAnswer): unknown => {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return undefined;
  }
};

/** Text as one short line, for an error message. */
export const excerptOf = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > DETAIL_CHARS ? `${line.slice(0, DETAIL_CHARS - 1)}…` : line;
};

/**
 * The error for an answer that is not 2xx. Retryable for 408, 429 and 5xx, with the answer's
 * Retry-After; otherwise permanent. `errorClass` defaults to `http-<status>`, which a route's
 * `retryOn` can name; `detail` is the provider's own words, else an excerpt of the answer.
 */
export const answerError = (
  provider: string,
  answer: ProviderAnswer,
  options: {
    readonly errorClass?: string;
    readonly detail?: string;
    readonly now?: number;
    /** The provider's hint when it sends none in Retry-After (SendGrid's X-RateLimit-Reset). */
    readonly retryAfterSeconds?: number;
  } = {},
): ChannelError => {
  const retryable = isRetryableStatus(answer.status);
  const detail = excerptOf(options.detail ?? answer.text);
  return new ChannelError(
    options.errorClass ?? `http-${answer.status}`,
    retryable,
    `${provider} answered HTTP ${answer.status}${detail ? `: ${detail}` : ''}`,
    {
      retryAfterSeconds: retryable
        ? (parseRetryAfter(answer.headers.get('retry-after'), options.now ?? Date.now()) ??
          options.retryAfterSeconds)
        : undefined,
    },
  );
};

/**
 * A 2xx answer the adapter cannot read: the provider took the request, so its outcome is as
 * unknown as a timeout's (`unreadable-answer`, retryable), and a retry must ask (`find`) or
 * follow `onUncertain` rather than send again.
 */
export const unreadableAnswer = (provider: string, what: string): ChannelError =>
  new ChannelError('unreadable-answer', true, `${provider} took the request but its answer ${what}`);
