import type * as z from 'zod/mini';
import { ProviderApiError, type ApiContext } from '#shared/reconciliation/contract';
import { parseRateLimitReset, parseRetryAfter, readBodyHead } from '#shared/targets/http';

/**
 * What the reconciliation provider APIs share about calling a provider: an answer that is not
 * 2xx, no answer at all, and a 2xx whose JSON is not what the API documents become the
 * {@link ProviderApiError} the run's retry reads. What a body means stays in each provider's module.
 */

/** How long a provider gets to answer when the caller passes no signal of its own. */
export const DEFAULT_API_TIMEOUT_MS = 15_000;

/** A listing page is large (100 Stripe events of several KB each); anything beyond this is not an API answer. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

const DETAIL_CHARS = 160;

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface ApiCall {
  /** The provider's name as errors show it. */
  readonly provider: string;
  /**
   * Credentials that must never reach an error message, even when the provider quotes them back
   * (Stripe's 401 names the key it refused).
   */
  readonly secrets: readonly string[];
  /** What else looks like a credential in the provider's words (a key it quotes partly masked). */
  readonly mask?: RegExp;
  /** The provider's own words in an error answer's JSON (Stripe's `error.message`). */
  readonly detailOf?: (json: unknown) => string | undefined;
  /**
   * Whether a 403 carrying `Retry-After` or `X-RateLimit-Remaining: 0` is a rate limit rather
   * than a refusal (GitHub's secondary rate limits answer 403).
   */
  readonly rateLimit403?: boolean;
  /** What an unauthorized answer's message ends with, in brackets: where the operator should look. */
  readonly unauthorizedHint?: string;
  /**
   * How long the provider gets to answer when the caller passes no signal of its own.
   * @default DEFAULT_API_TIMEOUT_MS
   */
  readonly timeoutMs?: number;
}

/** One short line of the provider's words, with every credential masked. */
const excerptOf = (text: string, call: ApiCall): string => {
  let line = text.replace(/\s+/g, ' ').trim();
  for (const secret of call.secrets) if (secret !== '') line = line.replaceAll(secret, '***');
  if (call.mask) line = line.replace(call.mask, '***');
  return line.length > DETAIL_CHARS ? `${line.slice(0, DETAIL_CHARS - 1)}…` : line;
};

const providerWords = (call: ApiCall, text: string): string | undefined => {
  if (!call.detailOf) return undefined;
  try {
    return call.detailOf(JSON.parse(text));
  } catch {
    return undefined;
  }
};

/** Seconds to wait before asking again: Retry-After, else a spent rate-limit window's reset. */
const waitOf = (headers: Headers, now: number): number | undefined => {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = parseRateLimitReset(
    headers.get('x-ratelimit-remaining'),
    headers.get('x-ratelimit-reset'),
    now,
  );
  return reset === undefined ? undefined : Math.ceil((reset - now) / 1000);
};

/**
 * The error for an answer that is not 2xx: 401/403 `unauthorized`, 429 (and a rate-limited 403
 * where {@link ApiCall.rateLimit403}) `rate-limited` with the wait the provider asked for,
 * 408 and 5xx `unavailable`, both retryable; any other status `refused` (a wrong id or option,
 * which a retry repeats). `detail` replaces the provider's words (an unauthorized answer's).
 * An unauthorized message ends with the call's {@link ApiCall.unauthorizedHint}.
 */
export const apiError = (call: ApiCall, answer: ApiAnswer, detail?: string): ProviderApiError => {
  const { status, headers } = answer;
  const wait = waitOf(headers, Date.now());
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      call.rateLimit403 === true &&
      (headers.has('retry-after') || headers.get('x-ratelimit-remaining')?.trim() === '0'));
  const words = excerptOf(detail ?? providerWords(call, answer.text) ?? answer.text, call);
  const message = `${call.provider} answered HTTP ${status}${words ? `: ${words}` : ''}`;
  const options = { status, ...(rateLimited && wait !== undefined ? { retryAfterSeconds: wait } : {}) };
  if (rateLimited) return new ProviderApiError('rate-limited', true, message, options);
  if (status === 401 || status === 403) {
    const hint = call.unauthorizedHint === undefined ? '' : ` (${call.unauthorizedHint})`;
    return new ProviderApiError('unauthorized', false, `${message}${hint}`, options);
  }
  if (status === 408 || status >= 500) return new ProviderApiError('unavailable', true, message, options);
  return new ProviderApiError('refused', false, message, options);
};

/** A 2xx answer that is not the JSON the API documents. */
export const malformedAnswer = (call: ApiCall, what: string, cause?: unknown): ProviderApiError =>
  new ProviderApiError('malformed', false, `${call.provider} answered with ${what}`, {
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * Sends a request and reads its answer; no answer (a reset, a refused connection, a timeout) is
 * a retryable `unavailable`. Redirects are not followed: an API that moved is an operator's fix,
 * and following one would send the credentials to a host nobody chose.
 */
export const callApi = async (
  call: ApiCall,
  ctx: Pick<ApiContext<unknown>, 'fetch' | 'signal'>,
  url: string,
  init: { readonly method: 'GET' | 'POST'; readonly headers: Readonly<Record<string, string>> },
): Promise<ApiAnswer> => {
  let response: Response;
  try {
    response = await ctx.fetch(url, {
      method: init.method,
      headers: init.headers,
      redirect: 'manual',
      signal: ctx.signal ?? AbortSignal.timeout(call.timeoutMs ?? DEFAULT_API_TIMEOUT_MS),
    });
  } catch (error) {
    // The abort reason is a DOMException, which is not always an Error of this realm.
    const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new ProviderApiError(
      'unavailable',
      true,
      timedOut ? `no answer from ${call.provider} in time` : `could not reach ${call.provider}`,
      { cause: error },
    );
  }
  const body = await readBodyHead(response, MAX_ANSWER_BYTES);
  return { status: response.status, headers: response.headers, text: body.toString('utf8') };
};

/** Whether an answer is 2xx. */
export const isOk = (answer: ApiAnswer): boolean => answer.status >= 200 && answer.status < 300;

/** Parses a 2xx answer's JSON, or throws `malformed`. */
export const jsonOf = (call: ApiCall, answer: ApiAnswer): unknown => {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch (error) {
    throw malformedAnswer(call, `a body that is not JSON (HTTP ${answer.status})`, error);
  }
};

/** Checks an answer's JSON against the fields a module reads, or throws `malformed` naming the first. */
export const readAnswer = <Schema extends z.ZodMiniType>(
  call: ApiCall,
  schema: Schema,
  json: unknown,
  what: string,
): z.infer<Schema> => {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'unexpected shape';
  throw malformedAnswer(call, `${what} that is not the documented JSON (${where})`);
};

/**
 * Reads an answer as JSON: a non-2xx answer is {@link apiError}, a body that is not JSON or lacks
 * a field `schema` reads is `malformed`. `raw` is the JSON as parsed, for a caller that must keep
 * the provider's own key order (a Stripe event's body).
 */
export const answerJson = <Schema extends z.ZodMiniType>(
  call: ApiCall,
  answer: ApiAnswer,
  schema: Schema,
  what: string,
): { readonly value: z.infer<Schema>; readonly raw: unknown } => {
  if (!isOk(answer)) throw apiError(call, answer);
  const raw = jsonOf(call, answer);
  return { value: readAnswer(call, schema, raw, what), raw };
};

/** GETs a JSON resource and reads it with {@link answerJson}. */
export const getJson = async <Schema extends z.ZodMiniType>(
  call: ApiCall,
  ctx: Pick<ApiContext<unknown>, 'fetch' | 'signal'>,
  url: string,
  headers: Readonly<Record<string, string>>,
  schema: Schema,
  what: string,
): Promise<{ readonly answer: ApiAnswer; readonly value: z.infer<Schema>; readonly raw: unknown }> => {
  const answer = await callApi(call, ctx, url, { method: 'GET', headers });
  return { answer, ...answerJson(call, answer, schema, what) };
};

/** A path under a base URL that may carry a path of its own (a local fake's `/twilio`). */
export const urlOf = (baseUrl: string, path: string): string => `${baseUrl.replace(/\/+$/, '')}${path}`;

/** Whether `at` lies in the window [since, until). */
export const inWindow = (at: number, window: { readonly since: Date; readonly until: Date }): boolean =>
  at >= window.since.getTime() && at < window.until.getTime();
