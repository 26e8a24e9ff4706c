// The page's routes live in the URL's fragment (#/users/<id>): they name pages only, never credentials,
// and need no server-side fallback.
import { useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'users' }
  | { readonly page: 'user'; readonly userId: string }
  | { readonly page: 'project' };

function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/');
  if (page === 'users' && id) return { page: 'user', userId: decodeURIComponent(id) };
  if (page === 'users') return { page: 'users' };
  if (page === 'project') return { page: 'project' };
  return { page: 'overview' };
}

export const hrefOf = (route: Route): string => (route.page === 'user' ? `#/users/${encodeURIComponent(route.userId)}` : `#/${route.page}`);

/** The current route, following the fragment as links and the back button change it. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}
