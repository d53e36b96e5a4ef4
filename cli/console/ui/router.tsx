import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  readonly path: string;
  readonly params: URLSearchParams;
}

const current = (): Location => ({
  path: window.location.pathname,
  params: new URLSearchParams(window.location.search),
});

const listeners = new Set<() => void>();

/** Set by a move to another page (not by a page rewriting its own address), cleared by the page that takes focus. */
let moved = false;

/** Whether the page now showing was reached by navigating inside the app; true once per move. */
export const takeMove = (): boolean => {
  const was = moved;
  moved = false;
  return was;
};

/** Moves to `href` inside the page (history entry, no reload); every `useLocation` re-renders. */
export const navigate = (href: string, options: { readonly replace?: boolean } = {}): void => {
  if (options.replace) window.history.replaceState(null, '', href);
  else {
    window.history.pushState(null, '', href);
    moved = true;
  }
  for (const listener of listeners) listener();
};

/** The address bar: paths are the app's state, so every view can be pasted into a ticket. */
export const useLocation = (): Location => {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    const back = () => {
      moved = true;
      update();
    };
    listeners.add(update);
    window.addEventListener('popstate', back);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', back);
    };
  }, []);
  return location;
};

interface LinkProps {
  readonly href: string;
  readonly children: ComponentChildren;
  readonly class?: string;
  readonly 'aria-current'?: 'page';
  readonly 'aria-label'?: string;
}

/** A real link (it opens in a new tab, copies, and works by keyboard) that navigates in place on a plain click. */
export const Link = ({ href, children, ...rest }: LinkProps) => (
  <a
    {...rest}
    href={href}
    onClick={(event) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(href);
    }}
  >
    {children}
  </a>
);

/** `/events/abc` against `/events/:id` → `{ id: 'abc' }`; undefined when it does not match. */
export const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (pattern === '/' ? path !== '/' : want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
};
