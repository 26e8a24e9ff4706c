// The offline GraphQL explorer's URLs and caching (src/explorer/).

/** Where its files are served: under /graphql, so a proxy that forwards /graphql forwards them too. */
export const EXPLORER_ASSET_PATH = '/graphql/explorer';
/** A file's name carries this many hex digits of its SHA-256, so a changed file gets a new URL. */
export const EXPLORER_ASSET_HASH_HEX = 16;
/** How long a browser keeps a file (its URL changes with its content): one year, RFC 9111 §5.2.2.1 max-age. */
export const EXPLORER_ASSET_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
