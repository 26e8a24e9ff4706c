// Per-user throttling of TOTP and recovery-code guesses (NIST SP 800-63B §5.2.2; OWASP ASVS 2.2.1).
// State lives in the users row, never in process memory, so every process and every request shape
// (aliases, batches, parallel connections) draws from the same budget.
import type { EntityManager } from 'typeorm';
import type { Config } from '../config';
import { User } from './user.entity';
import { UserLockLimitReachedError } from './user.errors';
import type { GatewayError } from '../errors/error.catalogue';

export class LockoutService {
  constructor(private readonly config: Config['lockout']) {}

  /**
   * Spends one attempt before the guess is judged, in one conditional UPDATE. Returns false when the
   * user is locked. The attempt that reaches the threshold sets the lock at once, so a burst of
   * parallel guesses gets at most `maxAttempts` judged; a success then lifts it via `reset`.
   * A lock that has run out starts a fresh count.
   */
  async reserveAttempt(manager: EntityManager, projectId: string, userId: string, nowMs: number): Promise<boolean> {
    const next = 'CASE WHEN locked_until IS NULL THEN failed_attempts + 1 ELSE 1 END';
    const result = await manager
      .createQueryBuilder()
      .update(User)
      .set({
        failedAttempts: () => next,
        lockedUntil: () => `CASE WHEN ${next} >= :maxAttempts THEN CAST(:lockUntil AS BIGINT) ELSE NULL END`,
      })
      .where('id = :userId AND project_id = :projectId AND (locked_until IS NULL OR locked_until <= :now)')
      .setParameters({ userId, projectId, now: nowMs, maxAttempts: this.config.maxAttempts, lockUntil: nowMs + this.config.durationSeconds * 1000 })
      .execute();
    return result.affected === 1;
  }

  /** A success clears the count (and a lock the same attempt provisionally set). */
  async reset(manager: EntityManager, userId: string): Promise<void> {
    await manager.update(User, { userId }, { failedAttempts: 0, lockedUntil: null });
  }

  async lockedError(manager: EntityManager, userId: string): Promise<GatewayError> {
    const user = await manager.findOne(User, { where: { userId }, select: { userId: true, lockedUntil: true } });
    return new UserLockLimitReachedError({ details: { lockExpiresAt: user?.lockedUntil?.toISOString() ?? null } });
  }
}
