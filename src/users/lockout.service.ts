// Per-user throttling of TOTP and recovery-code verification attempts (NIST SP 800-63B §5.2.2; OWASP ASVS 2.2.1).
// State lives in the users row, never in process memory, so every process and every request shape
// (aliases, batches, parallel connections) draws from the same budget. The rule itself (consecutive
// failures survive the end of a lock; escalating locks; a hard limit) is lockout.policy.ts.
import type { EntityManager } from 'typeorm';
import { User } from './user.entity';
import { UserLockLimitReachedError, UserNotFoundError } from './user.errors';
import type { GatewayError } from '../errors/error.catalogue';
import { sql } from '../db/sql';
import { escalationSteps, HARD_LOCK_UNTIL_MS, lockDurationMs, lockView, type LockoutPolicy } from './lockout.policy';

/** The number this attempt would be: the count runs on across locks until a success or unlock. */
const NEXT_ATTEMPT = '(failed_attempts + 1)';
const CLEAR = 'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ? AND project_id = ?';

/**
 * The SET list that spends an attempt: the count, and the lock it reaches (lockout.policy.ts's
 * arithmetic compiled in; only the policy's validated integers are inlined). `now` is the SQL of the
 * time of processing (a placeholder). PostgreSQL needs the cast to type the deadline inside CASE.
 */
export function spendAttemptSet(policy: LockoutPolicy, now: string): { failedAttempts: string; lockedUntil: string } {
  const n = policy.maxAttempts;
  const steps = escalationSteps(policy);
  const capMs = lockDurationMs(policy, steps.length + 1);
  const length = steps.length ? `CASE ${NEXT_ATTEMPT} ${steps.map((ms, i) => `WHEN ${(i + 1) * n} THEN ${ms}`).join(' ')} ELSE ${capMs} END` : String(capMs);
  return {
    failedAttempts: NEXT_ATTEMPT,
    lockedUntil: `CASE
      WHEN ${NEXT_ATTEMPT} >= ${policy.hardLimit} THEN ${HARD_LOCK_UNTIL_MS}
      WHEN ${NEXT_ATTEMPT} % ${n} = 0 THEN CAST(${now} AS BIGINT) + ${length}
      ELSE NULL END`,
  };
}

/** The SQL condition that no lock is in force at `now` (a placeholder): an attempt may be spent. */
export const notLockedAt = (now: string) => `(locked_until IS NULL OR locked_until <= ${now})`;

/**
 * The one conditional UPDATE that spends an attempt (`spendAttemptSet`), so the count, the lock it
 * sets and the check that no lock is in force are one atomic step on SQLite and PostgreSQL alike
 * (PostgreSQL re-evaluates the WHERE on the row a concurrent UPDATE left). Values are bound.
 * Parameters: now, user id, project id, now.
 */
export function reserveAttemptSql(policy: LockoutPolicy): string {
  const set = spendAttemptSet(policy, '?');
  return `UPDATE users SET
    failed_attempts = ${set.failedAttempts},
    locked_until = ${set.lockedUntil}
  WHERE id = ? AND project_id = ? AND ${notLockedAt('?')}`;
}

export class LockoutService {
  private readonly reserveSql: string;

  constructor(readonly policy: LockoutPolicy) {
    this.reserveSql = reserveAttemptSql(policy);
  }

  /**
   * Spends one attempt before the code is verified, in one conditional UPDATE. Returns false when the
   * user is locked. The attempt that reaches a lock sets it at once, so a burst of parallel attempts
   * gets at most `maxAttempts` verified per lock; a success then lifts it via `reset`. The end of a lock
   * leaves the count as it is: the next `maxAttempts` failures set a longer lock.
   */
  async reserveAttempt(manager: EntityManager, projectId: string, userId: string, nowMs: number): Promise<boolean> {
    const { affected } = await sql(manager, this.reserveSql, [nowMs, userId, projectId, nowMs]);
    return affected === 1;
  }

  /** A success clears the count (and a lock the same attempt provisionally set). */
  async reset(manager: EntityManager, userId: string): Promise<void> {
    await sql(manager, 'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?', [userId]);
  }

  /** An administrator's unlock: clears the lock and the count. False when the project has no such user. */
  async unlock(manager: EntityManager, projectId: string, userId: string): Promise<boolean> {
    const { affected } = await sql(manager, CLEAR, [userId, projectId]);
    return affected === 1;
  }

  /**
   * Why reserveAttempt refused: USER_LOCK_LIMIT_REACHED with the lock's end (a lock only an unlock
   * lifts has none and says so), or USER_NOT_FOUND when the project has no such user.
   */
  async lockedError(manager: EntityManager, projectId: string, userId: string, nowMs: number): Promise<GatewayError> {
    // Read within the project: another project's user answers as a missing one, never with its lock
    // (OWASP ASVS 4.2.1: no access to, or oracle on, another tenant's records).
    const user = await manager.findOne(User, { where: { userId, projectId }, select: { userId: true, lockDeadline: true } });
    // No row: the project has no such user (or it was deleted after the request found it), so it is not a lock.
    if (!user) return new UserNotFoundError();
    return lockedErrorAt(user.lockDeadline?.getTime() ?? null, nowMs);
  }
}

/** USER_LOCK_LIMIT_REACHED for a lock ending at `lockedUntilMs` (epoch ms); a lock only an unlock lifts has no end and says so. */
export function lockedErrorAt(lockedUntilMs: number | null, nowMs: number): GatewayError {
  const { isLocked, lockedUntil } = lockView(lockedUntilMs, nowMs);
  if (isLocked && lockedUntil === null) {
    return new UserLockLimitReachedError({
      message: 'Too many consecutive failed attempts; the user stays locked until the project unlocks them (unlockUser).',
      details: { lockExpiresAt: null, unlockRequired: true },
    });
  }
  return new UserLockLimitReachedError({ details: { lockExpiresAt: lockedUntil?.toISOString() ?? null, unlockRequired: false } });
}
