import { useSyncExternalStore } from 'react';

/** A tiny history-API router: three pages need no routing library. */
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export type Route =
  | { page: 'home' }
  | { page: 'session'; sessionId: string }
  | { page: 'join'; token: string }
  | { page: 'invite'; code: string }
  | { page: 'not-found' };

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'home' };
  const session = /^\/s\/([^/]+)\/?$/.exec(pathname);
  if (session?.[1]) return { page: 'session', sessionId: decodeURIComponent(session[1]) };
  const join = /^\/join\/([^/]+)\/?$/.exec(pathname);
  if (join?.[1]) return { page: 'join', token: decodeURIComponent(join[1]) };
  const invite = /^\/invite\/([^/]+)\/?$/.exec(pathname);
  if (invite?.[1]) return { page: 'invite', code: decodeURIComponent(invite[1]) };
  return { page: 'not-found' };
}
