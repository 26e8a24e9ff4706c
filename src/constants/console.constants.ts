// The operator's console's URLs and caching (src/console/).

/** The page: `/console/` (`/console` redirects there, so the page's relative asset URLs resolve under it). */
export const CONSOLE_PATH = '/console';
/** How long a browser keeps a built file (Vite puts its content hash in the name): one year, RFC 9111 §5.2.2.1. */
export const CONSOLE_ASSET_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
