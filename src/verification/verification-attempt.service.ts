// One verification attempt of a second factor (a TOTP code, a recovery code or a remembered device's
// token), in one transaction:
// the lockout attempt is spent first, the factor is verified, the outcome is audited, and on success
// the failure count is reset and the factor recorded on the session. The factor-specific check is the
// caller's (`verify`); sessions are reached only through their AttemptSession.
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { GatewayError } from '../errors/error.catalogue';
import type { User } from '../users/user.entity';
import { UserNotFoundError } from '../users/user.errors';
import type { UserService } from '../users/user.service';
import type { LockoutService } from '../users/lockout.service';
import type { AuditService } from '../audit/audit.service';
import type { AuthEventOutcome } from '../audit/auth-event.entity';
import type { AttemptSession, NewFactor, RecordedFactor } from '../sessions/session.service';
import { noopAuthMetrics, type AuthMetrics } from '../observability/metrics';

/** One attempt: whose, with which factor, for which request, and the session it adds the factor to. */
export interface VerificationAttempt {
  readonly projectId: string;
  readonly userId: string;
  readonly requestId: string | null;
  /** The time of processing, in ms since the epoch: lockout, audit and session use it. */
  readonly nowMs: number;
  /** The factor the attempt would prove; `verify` answers it as the session records it. */
  readonly factor: NewFactor;
  readonly session: AttemptSession;
  /** On success only, last in the attempt's transaction (a remembered device issued with the factor). */
  readonly onSuccess?: (manager: EntityManager, nowMs: number) => Promise<void>;
}

/** What a successful attempt answers: the user as committed and the session, signed after the commit. */
export interface VerifiedAttempt {
  readonly user: User;
  /** The factor as `verify` proved it (of several TOTPs, the one that matched). */
  readonly factor: NewFactor;
  readonly session: Awaited<ReturnType<AttemptSession['issue']>>;
}

/**
 * Inside the attempt's transaction, after its lockout attempt is spent: the factor as proven (as the
 * session will record it), or why the attempt fails. Throwing rolls the whole attempt back.
 */
export type VerifyFactor = (manager: EntityManager) => Promise<NewFactor | GatewayError>;

/** How an attempt ended inside its transaction; errors are thrown only after the attempt is committed. */
type Outcome = { ok: true; user: User; factor: NewFactor; recorded: RecordedFactor | null } | { ok: false; error: GatewayError };

export class VerificationAttemptService {
  constructor(
    private readonly db: Database,
    private readonly users: UserService,
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics = noopAuthMetrics,
  ) {}

  /**
   * Runs one attempt, in one transaction: spend a lockout attempt (or stop if locked), let `verify`
   * decide, record the outcome in the audit trail, and on success reset the count and record the
   * factor on the session. A refused attempt commits only its spent attempt and its event; the error
   * is thrown after the commit. An attempt whose session, user or factor is gone by then rolls back
   * instead: there was nothing left to verify against.
   *
   * OWASP ASVS 2.2.1 and NIST SP 800-63B §5.2.2 ask that every verified attempt be counted; so nothing
   * the request itself decides (its session, its claims) may be refused after the outcome, where
   * rolling back would leave a correct code uncounted and unaudited while a wrong one is counted, an
   * oracle. Such refusals are made when the AttemptSession is made and again under the session's lock
   * before `verify` (nothing spent, the same answer for any code). After the outcome the session is
   * checked once more for both outcomes alike: should it refuse there (it cannot while the lock is
   * held), the spent attempt and its audit event are committed and the same error is answered
   * whatever the outcome; a correct code is then spent (RFC 6238 §5.2: never accepted twice) and its
   * attempt stays counted. Nothing after the commit touches the database: the session is signed with
   * the key loaded with the AttemptSession.
   */
  async verify(attempt: VerificationAttempt, verify: VerifyFactor): Promise<VerifiedAttempt> {
    const audited: { outcome?: AuthEventOutcome } = {};
    const outcome = await this.db.write((m) => this.inTransaction(m, attempt, verify, audited));
    // Counted once the outcome is committed, exactly as the audit trail records it.
    if (audited.outcome) this.metrics.authentication(eventType(attempt.factor), audited.outcome);
    if (outcome.ok && attempt.session.startsSession && outcome.recorded) this.metrics.sessionIssued();
    if (!outcome.ok) throw outcome.error;
    return { user: outcome.user, factor: outcome.factor, session: await attempt.session.issue(outcome.recorded) };
  }

  private async inTransaction(m: EntityManager, attempt: VerificationAttempt, verify: VerifyFactor, audited: { outcome?: AuthEventOutcome }): Promise<Outcome> {
    const { projectId, userId, nowMs, factor, session } = attempt;
    // The user row first (reserveAttempt's UPDATE locks it), then the session: the order deleteUser
    // locks them in (the user, then its sessions by cascade), so the two never deadlock. A refusal
    // here (session gone, claims too large, user gone, factor gone) comes before any outcome: it
    // throws and rolls the reserved attempt back, for a right and a wrong code alike.
    const reserved = await this.lockout.reserveAttempt(m, projectId, userId, nowMs);
    const before = await session.holdLive(m, nowMs);
    if (before) throw before;
    const verified = reserved ? await verify(m) : await this.lockout.lockedError(m, projectId, userId, nowMs);
    if (verified instanceof UserNotFoundError) throw verified;
    const refusal = verified instanceof GatewayError ? verified : null;
    audited.outcome = auditOutcome(refusal);
    await this.audit.record(m, {
      projectId,
      userId,
      // A success names the TOTP (of several) whose code or recovery code was proven.
      totpId: refusal ? factor.totpId : (verified as NewFactor).totpId,
      type: eventType(factor),
      outcome: audited.outcome,
      requestId: attempt.requestId,
      occurredAtMs: nowMs,
    });
    // For both outcomes alike (see `verify`): a refusal now commits the spent attempt and its event.
    const after = await session.holdLive(m, nowMs);
    if (after) return { ok: false, error: after };
    if (refusal) return { ok: false, error: refusal };
    await this.lockout.reset(m, userId);
    const proven = verified as NewFactor;
    const recorded = await session.record(m, proven, nowMs);
    await attempt.onSuccess?.(m, nowMs);
    return { ok: true, user: await this.users.require(m, projectId, userId), factor: proven, recorded };
  }
}

/** The audit event type (and metric label) of an attempt with `factor`. */
function eventType(factor: NewFactor): 'totp' | 'recovery_code' | 'device' {
  if (factor.type === 'remembered_device') return 'device';
  return factor.type === 'totp' ? 'totp' : 'recovery_code';
}

/** How an outcome is recorded; a replayed code is its own outcome (OWASP ASVS 2.8.5). */
function auditOutcome(refusal: GatewayError | null): AuthEventOutcome {
  if (!refusal) return 'success';
  if (refusal.code === 'USER_LOCK_LIMIT_REACHED') return 'locked';
  if (refusal.code === 'TOTP_CODE_ALREADY_AUTHENTICATED') return 'replay';
  return 'failure';
}
