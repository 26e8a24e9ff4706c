// A write whose parent row another request deleted meanwhile fails on its foreign key. That is the
// client's "not found" (the user or TOTP it named is gone), not a fault of the gateway: this maps it
// in one place, for GraphQL and REST alike. Services lock the parent row first, so this is the safety
// net for a write that does not.
import { isForeignKeyViolation } from '../db/database';
import { GatewayError, type ErrorCode } from './error.catalogue';

/** The referenced table, and the catalogue code that says its row is gone. */
const PARENTS: ReadonlyArray<readonly [table: string, code: ErrorCode]> = [
  ['users', 'USER_NOT_FOUND'],
  ['totps', 'TOTP_NOT_FOUND'],
  ['sessions', 'SESSION_NOT_FOUND'],
];

/**
 * The not-found error for a foreign-key violation whose missing parent is known (PostgreSQL names
 * it), else undefined. The driver error stays on `cause`, for the log only.
 */
export function missingParentError(error: unknown): GatewayError | undefined {
  if (!isForeignKeyViolation(error)) return undefined;
  const parent = PARENTS.find(([table]) => isForeignKeyViolation(error, table));
  return parent && new GatewayError(parent[1], { cause: error });
}
