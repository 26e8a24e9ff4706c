// How custom claims given to an authentication or session call combine with a session's own:
// Stytch's session_custom_claims rule (https://stytch.com/docs/api/session-auth): "To update a key in
// an existing Session, supply a new value. To delete a key, supply a null value." Only top-level keys
// are merged or deleted; a nested object is replaced whole, nulls inside it kept as given.

/**
 * The claims after applying `update` to `existing` (`{}` for a new session): a top-level `null`
 * deletes the key (on a new session the key is simply absent), any other value sets it. Pure; the
 * inputs are not changed. Keys are defined, never assigned, so no key can reach a prototype setter.
 */
export function mergeCustomClaims(existing: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(existing)) set(key, value);
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else set(key, value);
  }
  return merged;
}
