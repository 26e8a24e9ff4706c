// One verification attempt of a second factor (a TOTP code, a recovery code or a remembered device's
// token), in one transaction:
// the lockout attempt is spent first, the factor is verified, the outcome is audited, and on success
// the failure count is reset and the factor recorded on the session. The factor-specific check is the
// caller's (`verify`); sessions are reached only through their AttemptSession. On PostgreSQL a TOTP
// attempt whose judgement is given as data (StepClaim) is one statement instead (attempt.statement.ts).
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { GatewayError } from '../errors/error.catalogue';
import { sql } from '../db/sql';
import type { User } from '../users/user.entity';
import { UserNotFoundError } from '../users/user.errors';
import type { UserService } from '../users/user.service';
import { lockedErrorAt, type LockoutService } from '../users/lockout.service';
import type { AuditService, OutboxCandidate } from '../audit/audit.service';
import type { AuthEventOutcome } from '../audit/auth-event.entity';
import { newId } from '../common/ids';
import type { AttemptSession, NewFactor, NewSessionRow, RecordedFactor } from '../sessions/session.service';
import { noopAuthMetrics, type AuthMetrics } from '../observability/metrics';
import { attemptParams, attemptStatement, type StatementOutcome } from './attempt.statement';

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
  /** Whether a success answers the user, read in the attempt's transaction as committed (default: no). */
  readonly withUser?: boolean;
}

/** What a successful attempt answers: the user as committed (when asked for), the factor proven and the session, signed after the commit. */
export interface VerifiedAttempt {
  readonly user: User | null;
  /** The factor as `verify` proved it (of several TOTPs, the one that matched). */
  readonly factor: NewFactor;
  readonly session: Awaited<ReturnType<AttemptSession['issue']>>;
}

/**
 * A factor as `verify` proved it; `verifiedTotp` when the proof also verified (ended the enrollment
 * of) a TOTP that was pending, which its audit event tells the webhook listener (totp.verified).
 */
type ProvenFactor = NewFactor & { readonly verifiedTotp?: boolean };

/**
 * Inside the attempt's transaction, after its lockout attempt is spent: the factor as proven (as the
 * session will record it), or why the attempt fails. Throwing rolls the whole attempt back.
 */
export type VerifyFactor = (manager: EntityManager) => Promise<ProvenFactor | GatewayError>;

/**
 * A TOTP code's judgement as data, for an attempt written as one statement: the VERIFIED TOTP whose
 * code matched and the time step it matched at (null: the code matched none of the candidates), and
 * the refusals the factor answers. A code matching a pending TOTP (its verification also ends the
 * enrollment) or several TOTPs at once takes the general transaction (`verify`'s VerifyFactor).
 */
export interface StepClaim {
  readonly match: { readonly totpId: string; readonly step: number } | null;
  /** The error of a code that matched nothing, of a replayed code, and of a matched TOTP deleted meanwhile. */
  readonly wrong: () => GatewayError;
  readonly replay: () => GatewayError;
  readonly gone: () => GatewayError;
}

/** How an attempt ended inside its transaction; errors are thrown only after the attempt is committed. */
type Outcome = { ok: true; user: User | null; factor: NewFactor; recorded: RecordedFactor | null } | { ok: false; error: GatewayError };

/** The one-statement attempt's answer row (pg returns BIGINT as a string). */
interface StatementRow {
  readonly outcome: StatementOutcome;
  readonly locked_until: string | number | null;
}

export class VerificationAttemptService {
  /** The one-statement attempt's text, with and without a session INSERT and an outbox INSERT (fixed per process: the policy and the tables). */
  private readonly statements = new Map<string, string>();

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
  async verify(attempt: VerificationAttempt, verify: VerifyFactor, claim?: StepClaim): Promise<VerifiedAttempt> {
    // The same rules in one statement where the dialect has data-modifying CTEs and the session plan
    // needs no existing row (none, or a new session): one round trip instead of a transaction's dozen.
    // A remembered device to store on success (rare: asked for explicitly) takes the transaction.
    if (claim && this.db.dialect === 'postgres' && attempt.session.writesNewRowOnly && !attempt.onSuccess) return this.inOneStatement(attempt, claim);
    const audited: { outcome?: AuthEventOutcome } = {};
    const outcome = await this.db.write((m) => this.inTransaction(m, attempt, verify, audited));
    // Counted once the outcome is committed, exactly as the audit trail records it.
    if (audited.outcome) this.metrics.authentication(eventType(attempt.factor), audited.outcome);
    if (outcome.ok && attempt.session.startsSession && outcome.recorded) this.metrics.sessionIssued();
    if (!outcome.ok) throw outcome.error;
    return { user: outcome.user, factor: outcome.factor, session: await attempt.session.issue(outcome.recorded) };
  }

  /**
   * `verify` as one PostgreSQL statement (attempt.statement.ts): the same locks in the same order, the
   * same count, audit event and session row, decided on the rows as locked. USER_NOT_FOUND and the
   * claim's `gone` error commit nothing; every other refusal is thrown after its attempt is committed.
   */
  private async inOneStatement(attempt: VerificationAttempt, claim: StepClaim): Promise<VerifiedAttempt> {
    const { projectId, userId, nowMs, factor, session } = attempt;
    const proven: NewFactor = claim.match ? { ...factor, totpId: claim.match.totpId } : factor;
    const row = claim.match ? session.newRow(this.db.dataSource.manager, proven, nowMs) : null;
    const outbox = this.outboxCandidates(attempt, proven);
    const params = attemptParams(
      { userId, projectId, nowMs, match: claim.match, eventId: newId('event'), refusedTotpId: factor.totpId, requestId: attempt.requestId, eventType: eventType(factor) },
      outbox,
    );
    const text = this.statementText(row, outbox.length > 0);
    const { outcome, lockedUntil, user } = await this.runStatement(attempt, text, row ? [...params, ...row.params] : params);
    if (outcome === 'missing') throw new UserNotFoundError();
    if (outcome === 'gone') throw claim.gone();
    this.metrics.authentication(eventType(factor), outcome);
    if (outcome === 'locked') throw lockedErrorAt(lockedUntil, nowMs);
    if (outcome === 'failure') throw claim.wrong();
    if (outcome === 'replay') throw claim.replay();
    if (session.startsSession && row) this.metrics.sessionIssued();
    return { user, factor: proven, session: await session.issue(row?.recorded ?? null) };
  }

  /**
   * The statement alone (one round trip), or, when the attempt answers the user, the statement and
   * the user's read in one transaction, so the user is read as the statement left them and nothing
   * touches the database after the commit.
   */
  private async runStatement(attempt: VerificationAttempt, text: string, params: unknown[]): Promise<{ outcome: StatementOutcome; lockedUntil: number | null; user: User | null }> {
    const answer = (row: StatementRow, user: User | null = null) => ({
      outcome: row.outcome,
      lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
      user,
    });
    if (!attempt.withUser) return answer((await this.db.atomic<StatementRow>(text, params)).rows[0]);
    return this.db.write(async (m) => {
      const [row] = (await sql<StatementRow>(m, text, params)).rows;
      return answer(row, row.outcome === 'success' ? await this.users.require(m, attempt.projectId, attempt.userId) : null);
    });
  }

  private statementText(row: NewSessionRow | null, outbox: boolean): string {
    const key = `${row !== null}:${outbox}`;
    let text = this.statements.get(key);
    if (!text) this.statements.set(key, (text = attemptStatement(this.lockout.policy, row, outbox)));
    return text;
  }

  /**
   * What the audit trail's listener (the webhook outbox) would enqueue for each outcome the statement
   * may decide, as `inTransaction`'s audit.record would for the one that happens: a success naming the
   * matched TOTP and the session it starts, a failure or a replay naming the refused TOTP. A locked
   * refusal enqueues nothing (src/webhooks/webhook.audit-events.ts).
   */
  private outboxCandidates(attempt: VerificationAttempt, proven: NewFactor): OutboxCandidate[] {
    const { projectId, userId, nowMs, requestId, factor, session } = attempt;
    const base = { projectId, userId, type: eventType(factor), requestId, occurredAtMs: nowMs } as const;
    return this.audit.outboxCandidates([
      { ...base, outcome: 'success', totpId: proven.totpId, sessionId: session.newSessionId },
      { ...base, outcome: 'failure', totpId: factor.totpId },
      { ...base, outcome: 'replay', totpId: factor.totpId },
    ]);
  }

  // A write added to every attempt here must be added to attempt.statement.ts too (and the other way
  // round): on PostgreSQL a TOTP attempt given as a StepClaim never runs this transaction.
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
    const { verifiedTotp = false, ...proven } = (refusal ? factor : verified) as ProvenFactor;
    await this.audit.record(m, {
      projectId,
      userId,
      // A success names the TOTP (of several) whose code or recovery code was proven.
      totpId: proven.totpId,
      verifiedTotp,
      type: eventType(factor),
      outcome: audited.outcome,
      requestId: attempt.requestId,
      occurredAtMs: nowMs,
      // A success that starts a session names it (its session.created webhook); holdLive never refuses a new one.
      sessionId: refusal ? null : session.newSessionId,
    });
    // For both outcomes alike (see `verify`): a refusal now commits the spent attempt and its event.
    const after = await session.holdLive(m, nowMs);
    if (after) return { ok: false, error: after };
    if (refusal) return { ok: false, error: refusal };
    await this.lockout.reset(m, userId);
    const recorded = await session.record(m, proven, nowMs);
    await attempt.onSuccess?.(m, nowMs);
    const user = attempt.withUser ? await this.users.require(m, projectId, userId) : null;
    return { ok: true, user, factor: proven, recorded };
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
