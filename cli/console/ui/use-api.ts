import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, getJson } from './api';

export type Loaded<T> =
  | { readonly state: 'loading'; readonly data?: T }
  | { readonly state: 'ok'; readonly data: T }
  | { readonly state: 'error'; readonly error: ApiFailure; readonly data?: T };

/**
 * GETs `path` (nothing while it is null), again every `pollMs` when given, and again on `reload()`.
 * A poll keeps the last data on screen while it loads, so the page does not flicker.
 */
export const useApi = <T>(
  path: string | null,
  pollMs?: number,
): Loaded<T> & { readonly reload: () => void } => {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  // Kept for the same path only: another event's data must not stand in for this one's.
  const last = useRef<{ path: string; data: T } | undefined>(undefined);

  useEffect(() => {
    if (path === null) return undefined;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const kept = () => (last.current?.path === path ? last.current.data : undefined);
    const load = () => {
      getJson<T>(path, abort.signal).then(
        (data) => {
          if (abort.signal.aborted) return;
          last.current = { path, data };
          setLoaded({ state: 'ok', data });
          if (pollMs) timer = setTimeout(load, pollMs);
        },
        (error: unknown) => {
          if (abort.signal.aborted) return;
          const failure = error instanceof ApiFailure ? error : new ApiFailure(0, String(error));
          setLoaded({ state: 'error', error: failure, data: kept() });
          if (pollMs) timer = setTimeout(load, pollMs);
        },
      );
    };
    setLoaded({ state: 'loading', data: kept() });
    load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, pollMs, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...loaded, reload };
};
