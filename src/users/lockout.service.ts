// Per-user throttling of TOTP and recovery-code guesses (NIST SP 800-63B §5.2.2; OWASP ASVS 2.2.1).
// State lives in the users row, never in process memory, so every process and every request shape
// (aliases, batches, parallel connections) draws from the same budget.
import type { EntityManager } from 'typeorm';
import type { Config } from '../config';
import { User } from './user.entity';
import { UserLockLimitReachedError, UserNotFoundError } from './user.errors';
import type { GatewayError } from '../errors/error.catalogue';
import { sql } from '../db/sql';

/** The attempt number this guess would be: a lock that has run out starts a fresh count. */
const NEXT_ATTEMPT = 'CASE WHEN locked_until IS NULL THEN failed_attempts + 1 ELSE 1 END';
// Parameters: max attempts, lock deadline, user id, project id, now. (PostgreSQL needs the cast to
// type the deadline inside CASE.)
const RESERVE_ATTEMPT = `UPDATE users SET
    failed_attempts = ${NEXT_ATTEMPT},
    locked_until = CASE WHEN ${NEXT_ATTEMPT} >= ? THEN CAST(? AS BIGINT) ELSE NULL END
  WHERE id = ? AND project_id = ? AND (locked_until IS NULL OR locked_until <= ?)`;

export class LockoutService {
  constructor(private readonly config: Config['lockout']) {}

  /**
   * Spends one attempt before the guess is judged, in one conditional UPDATE. Returns false when the
   * user is locked. The attempt that reaches the threshold sets the lock at once, so a burst of
   * parallel guesses gets at most `maxAttempts` judged; a success then lifts it via `reset`.
   * A lock that has run out starts a fresh count.
   */
  async reserveAttempt(manager: EntityManager, projectId: string, userId: string, nowMs: number): Promise<boolean> {
    const { affected } = await sql(manager, RESERVE_ATTEMPT, [this.config.maxAttempts, nowMs + this.config.durationSeconds * 1000, userId, projectId, nowMs]);
    return affected === 1;
  }

  /** A success clears the count (and a lock the same attempt provisionally set). */
  async reset(manager: EntityManager, userId: string): Promise<void> {
    await sql(manager, 'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?', [userId]);
  }

  async lockedError(manager: EntityManager, userId: string): Promise<GatewayError> {
    const user = await manager.findOne(User, { where: { userId }, select: { userId: true, lockedUntil: true } });
    // No row: the user was deleted after the request found them, so it is not a lock.
    if (!user) return new UserNotFoundError();
    return new UserLockLimitReachedError({ details: { lockExpiresAt: user.lockedUntil?.toISOString() ?? null } });
  }
}
