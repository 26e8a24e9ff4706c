// Public ids are `<prefix>-<uuid v4>`. Stytch's own `<prefix>-test-<uuid>` / `<prefix>-live-<uuid>`
// forms are well-formed too (they simply are not found here), so code moved from Stytch gets
// USER_NOT_FOUND rather than INVALID_USER_ID. A malformed id is refused before any query.
import { randomUUID } from 'node:crypto';
import { GatewayError, type ErrorCode } from '../errors/error.catalogue';

const ID_PREFIXES = ['project', 'secret', 'user', 'totp', 'recovery', 'session', 'key', 'event', 'public-token', 'device', 'webhook'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const patterns = new Map<IdPrefix, RegExp>();

export function newId(prefix: IdPrefix): string {
  return `${prefix}-${randomUUID()}`;
}

export function isId(prefix: IdPrefix, value: unknown): value is string {
  let pattern = patterns.get(prefix);
  if (!pattern) patterns.set(prefix, (pattern = new RegExp(`^${prefix}-(?:test-|live-)?${UUID}$`, 'i')));
  return typeof value === 'string' && pattern.test(value);
}

/** Whether `value` is shaped like an id of any kind the gateway gives out. */
export function isAnyId(value: unknown): boolean {
  return ID_PREFIXES.some((prefix) => isId(prefix, value));
}

/** Returns `value` when it is a well-formed id of `prefix`, else throws the given catalogue error. */
export function parseId(prefix: IdPrefix, value: unknown, code: ErrorCode): string {
  if (!isId(prefix, value)) throw new GatewayError(code);
  return value;
}
