/**
 * Serialised size of a JSON value in bytes, or Infinity when it cannot be serialised (e.g. nesting
 * deep enough to overflow the stack): callers compare it with a limit, and such input is over any.
 */
export function jsonByteLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}
