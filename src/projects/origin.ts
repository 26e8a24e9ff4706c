// Browser origins (RFC 6454): what a project allows, and what a request's `Origin` header names, are
// compared as serialised origins, so `https://App.example.com:443/` and `https://app.example.com`
// are one origin.
import { ORIGIN_MAX_LENGTH } from './project-origin.entity';

const WEB_SCHEMES = new Set(['http:', 'https:']);

/** The serialised origin of `value`, or null unless it is exactly scheme://host[:port] over http(s). */
export function parseOrigin(value: string): string | null {
  if (!value || value.length > ORIGIN_MAX_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (!WEB_SCHEMES.has(url.protocol) || url.username || url.password || url.search || url.hash) return null;
  if (url.pathname !== '/' || /\/.+/.test(value.replace(/^[a-z]+:\/\//i, ''))) return null;
  return url.origin;
}
