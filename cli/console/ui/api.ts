import { TOKEN_HEADER, type ApiError } from '../contract';

/**
 * The session token the server wrote into the page. Sent as a header on every call: the server
 * takes a cookie alone for reads only, since a cross-site form would send the cookie too.
 */
const token = (): string =>
  document.querySelector<HTMLMetaElement>('meta[name="relayflow-token"]')?.content ?? '';

/** A call the server refused or failed, with the sentence it gave. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

const isApiError = (value: unknown): value is ApiError =>
  typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string';

const call = async <T>(path: string, init: RequestInit): Promise<T> => {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { ...init.headers, [TOKEN_HEADER]: token(), accept: 'application/json' },
      credentials: 'same-origin',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiFailure(0, 'The console server does not answer: is `relayflow console` still running?');
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    // A call abandoned while its body was read (the page moved on) is not an answer.
    if (init.signal?.aborted) throw error;
    if (response.ok) throw new ApiFailure(response.status, 'The server answered something that is not JSON.');
  }
  if (!response.ok) {
    throw new ApiFailure(
      response.status,
      isApiError(body) ? body.error : `The server answered ${response.status} ${response.statusText}.`,
    );
  }
  // The server answers the contract's shapes (cli/console/contract.ts); it is the edge that validates.
  return body as T;
};

export const getJson = <T>(path: string, signal?: AbortSignal): Promise<T> =>
  call<T>(path, { method: 'GET', signal });

export const postJson = <T>(path: string, body: unknown): Promise<T> =>
  call<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** `?a=1&b=2` from the values that are set, in the order given. */
export const query = (values: Readonly<Record<string, string | undefined>>): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
};
