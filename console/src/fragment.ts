// The page's routes live in the URL's fragment (#/users/<id>): they name pages only, never credentials,
// and need no server-side fallback. Pure (no DOM, no React), so the gateway's unit tests read it.

export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'users' }
  | { readonly page: 'user'; readonly userId: string }
  | { readonly page: 'project' };

/** The percent-decoded fragment segment, or null for a malformed one (decodeURIComponent throws URIError). */
function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The route a fragment names. A link the page cannot read (e.g. bad percent-encoding, RFC 3986 §2.1)
 * opens the nearest page it can rather than throwing while the page starts, which would leave a blank console.
 */
export function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/');
  const userId = page === 'users' && id ? decoded(id) : null;
  if (userId) return { page: 'user', userId };
  if (page === 'users') return { page: 'users' };
  if (page === 'project') return { page: 'project' };
  return { page: 'overview' };
}

export const hrefOf = (route: Route): string => (route.page === 'user' ? `#/users/${encodeURIComponent(route.userId)}` : `#/${route.page}`);
