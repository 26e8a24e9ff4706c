// TOTP enrollment, authentication and recovery. Every guess spends one lockout attempt, is recorded in
// the audit trail, and every success is decided by one conditional UPDATE, so the rules hold across
// requests and processes.
import { In, IsNull, type EntityManager } from 'typeorm';
import { EXPIRATION_MINUTES } from '../constants/totp.constants';
import type { Database } from '../db/database';
import { insertRow } from '../db/database';
import { fromRows } from '../db/row-mapper';
import { sql } from '../db/sql';
import type { Envelope } from '../crypto/envelope';
import type { KeyedHasher } from '../crypto/keyed-hash';
import type { Clock } from '../common/clock';
import { MINUTE_MS } from '../common/clock';
import { newId, parseId } from '../common/ids';
import { GatewayError } from '../errors/error.catalogue';
import { User } from '../users/user.entity';
import { UserNotFoundError } from '../users/user.errors';
import type { UserService } from '../users/user.service';
import { parseUserId } from '../users/user.service';
import type { LockoutService } from '../users/lockout.service';
import type { AuditService } from '../audit/audit.service';
import type { AuthEventOutcome } from '../audit/auth-event.entity';
import type { NewFactor, SessionCaller, SessionPlan, SessionService } from '../sessions/session.service';
import type { IssuedSession } from '../sessions/session.types';
import { Totp } from './totp.entity';
import { RecoveryCode } from './recovery-code.entity';
import type { AuthenticateTotpInput, CreateTotpInput, RecoverTotpInput } from './totp.inputs';
import { CreateTotpPayload, type AuthenticatePayload, type TotpRecoveryCodes } from './totp.types';
import * as generator from './totp.generator';
import { noopAuthMetrics, type AuthMetrics } from '../observability/metrics';
import {
  ActiveTotpExistsError,
  InvalidRecoveryCodeError,
  InvalidTotpCodeError,
  TotpCodeAlreadyAuthenticatedError,
  TotpExpiredError,
  TotpNotFoundError,
  UnableToAuthenticateRecoveryCodeError,
  UnableToAuthenticateTotpError,
} from './totp.errors';

// Raw SQL on the authentication path (src/db/sql.ts says why).
// RFC 6238 §5.2: a verifier must not accept the same code twice. Parameters: step, now, totp id, step.
const ADVANCE_STEP = 'UPDATE totps SET last_step = ?, verified = TRUE, verified_at = COALESCE(verified_at, ?) WHERE id = ? AND last_step < ?';
const TOTP_COLUMNS = 'SELECT id, verified, last_step, expires_at, created_at, secret_ciphertext FROM totps WHERE user_id = ? AND project_id = ?';
/** The verified TOTP, else the newest pending one. */
const CURRENT_TOTP = `${TOTP_COLUMNS} ORDER BY verified DESC, created_at DESC LIMIT 1`;
const CURRENT_VERIFIED_TOTP = `${TOTP_COLUMNS} AND verified = TRUE LIMIT 1`;

/**
 * How far before processing a request's arrival stamp may place the judged time step: enough for
 * queueing under load (p99 is well under a second), far too little to keep a step open for a code
 * that leaks later (a step lasts 30 s).
 */
export const MAX_ARRIVAL_LAG_MS = 5_000;

export interface ProjectRef {
  readonly projectId: string;
  readonly name: string;
}

/** How a guess ended inside its transaction; errors are thrown only after the attempt is committed. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

/** Where a guess comes from: the request (for the audit trail and arrival-time judging) and its caller. */
export interface GuessOptions {
  readonly requestId?: string | null;
  /** When the request's body arrived (see `authenticate`); recovery codes ignore it. */
  readonly receivedAtMs?: number | null;
  /**
   * A session caller (a browser): its session, already resolved from its Bearer credential when the
   * request arrived, is the one the factor is added to; it is not looked up again.
   */
  readonly caller?: SessionCaller | null;
}

/** One guess: whose, with which factor, for which request, and what to do with a session on success. */
interface Guess {
  readonly projectId: string;
  readonly userId: string;
  readonly requestId: string | null;
  readonly nowMs: number;
  readonly plan: SessionPlan;
  readonly factor: NewFactor;
}

export class TotpService {
  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly hasher: KeyedHasher,
    private readonly users: UserService,
    private readonly lockout: LockoutService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly options: { retrievableRecoveryCodes: boolean },
    private readonly metrics: AuthMetrics = noopAuthMetrics,
  ) {}

  async create(project: ProjectRef, input: CreateTotpInput): Promise<CreateTotpPayload> {
    const userId = parseUserId(input.userId);
    // Its bounds are checked on the input (totp.inputs.ts).
    const minutes = input.expirationMinutes ?? EXPIRATION_MINUTES.default;
    const nowMs = this.clock.now();
    const secret = generator.newSecret();
    const recoveryCodes = generator.newRecoveryCodes();
    const totp = Object.assign(new Totp(), {
      totpId: newId('totp'),
      projectId: project.projectId,
      userId,
      verified: false,
      lastStep: 0,
      expiresAt: new Date(nowMs + minutes * MINUTE_MS),
      createdAt: new Date(nowMs),
      verifiedAt: null,
    });
    totp.secretCiphertext = this.envelope.encrypt(secret, totp.totpId);
    const base32 = generator.encodeBase32(secret);

    // Everything that can fail happens inside the transaction, so a failed request writes nothing: the
    // URI is built (and bounded, so its QR code is sure to encode) before the commit; only the QR
    // images are drawn after it, on first read (CreateTotpPayload), and they cannot fail.
    const { user, otpauthUri } = await this.db.write(async (m) => {
      // The user row lock serialises concurrent enrollments (and verifications, deletions and
      // regenerations) of one user on PostgreSQL.
      await this.users.lock(m, project.projectId, userId);
      const existing = await m.find(Totp, { where: { userId } });
      if (existing.some((t) => t.verified)) throw new ActiveTotpExistsError();
      if (existing.length) await m.delete(Totp, { userId, verified: false });
      await insertRow(m, Totp, totp);
      await this.insertRecoveryCodes(m, totp.totpId, recoveryCodes);
      const user = await this.users.require(m, project.projectId, userId);
      const account = user.email ?? user.phoneNumber ?? user.userId;
      return { user, otpauthUri: generator.otpauthUri({ issuer: project.name, account, secret: base32 }) };
    });
    return new CreateTotpPayload({ totpId: totp.totpId, secret: base32, otpauthUri, recoveryCodes, userId, user });
  }

  /**
   * `receivedAtMs` is when the request's body arrived (the HTTP layer stamps it before anything
   * queues), bounded to MAX_ARRIVAL_LAG_MS before now: the code is judged against that moment's time step, as RFC 6238 §5.2 frames the window (the delay
   * between the code's generation and its arrival), so time spent waiting inside the gateway cannot
   * age a code out. The window itself stays ±STEP_WINDOW (an unverified TOTP also gets the transit
   * grace, totp.generator.ts); everything else (expiry, lockout, audit,
   * the session) uses the time of processing.
   */
  async authenticate(projectId: string, input: AuthenticateTotpInput, { requestId = null, receivedAtMs = null, caller = null }: GuessOptions = {}): Promise<AuthenticatePayload> {
    const userId = parseUserId(input.userId);
    // Separators dropped first (code.format.ts); a code still malformed spends no attempt.
    const code = generator.readTotpCode(input.totpCode);
    if (code === null) {
      throw new InvalidTotpCodeError(
        generator.readRecoveryCode(input.totpCode)
          ? { message: 'This is a recovery code, not a TOTP code; send it to recoverTotp.', details: { reason: 'recovery_code_given' } }
          : undefined,
      );
    }
    const nowMs = this.clock.now();
    const totp = await this.currentTotp(projectId, userId, {});
    if (!totp.verified && totp.expiresAt.getTime() <= nowMs) throw new TotpExpiredError();
    const plan = await this.sessions.plan(projectId, userId, input, caller);
    // Judged before the transaction (pure CPU); the verdict only counts once the attempt is spent.
    // Never later than now, and never earlier than MAX_ARRIVAL_LAG_MS before it, whatever the stamp says.
    const judgedAtMs = receivedAtMs === null ? nowMs : Math.min(nowMs, Math.max(receivedAtMs, nowMs - MAX_ARRIVAL_LAG_MS));
    const grace = totp.verified ? 0 : generator.TRANSIT_GRACE_MS;
    const step = generator.matchStep(this.envelope.decrypt(totp.secretCiphertext, totp.totpId), code, judgedAtMs, grace);

    const factor: NewFactor = { type: 'totp', deliveryMethod: 'authenticator_app', totpId: totp.totpId };
    return this.attempt({ projectId, userId, requestId, nowMs, plan, factor }, async (m) => {
      if (step === null) return new UnableToAuthenticateTotpError();
      // RFC 6238 §5.2: a verifier must not accept the same code twice. The row only moves forward,
      // so of any number of concurrent requests with this code exactly one sees affected = 1.
      const won = await sql(m, ADVANCE_STEP, [step, nowMs, totp.totpId, step]);
      if (won.affected === 1) return factor;
      await this.requireTotp(m, totp.totpId);
      return new TotpCodeAlreadyAuthenticatedError();
    });
  }

  async recover(projectId: string, input: RecoverTotpInput, { requestId = null, caller = null }: GuessOptions = {}): Promise<AuthenticatePayload> {
    const userId = parseUserId(input.userId);
    // Separators and letter case dropped, look-alikes read as Crockford does (code.format.ts); a code
    // still malformed spends no attempt.
    const forms = generator.readRecoveryCode(input.recoveryCode);
    if (forms === null) {
      throw new InvalidRecoveryCodeError(
        generator.readTotpCode(input.recoveryCode) !== null
          ? { message: 'This is a TOTP code, not a recovery code; send it to authenticateTotp.', details: { reason: 'totp_code_given' } }
          : undefined,
      );
    }
    const nowMs = this.clock.now();
    const totp = await this.currentTotp(projectId, userId, { verifiedOnly: true });
    const plan = await this.sessions.plan(projectId, userId, input, caller);

    const factor: NewFactor = { type: 'recovery_codes', deliveryMethod: 'recovery_code', totpId: totp.totpId };
    return this.attempt({ projectId, userId, requestId, nowMs, plan, factor }, async (m) => {
      // Single use: of concurrent requests with one code, exactly one flips used_at from NULL (the
      // UPDATE re-checks it under the row lock), and the factor names the code it spent.
      const match = await m.findOne(RecoveryCode, {
        where: { totpId: totp.totpId, codeHash: In(forms.flatMap((form) => this.hasher.candidates(form))), usedAt: IsNull() },
        select: { id: true },
      });
      const used = match ? await m.update(RecoveryCode, { id: match.id, usedAt: IsNull() }, { usedAt: new Date(nowMs) }) : undefined;
      if (used?.affected === 1) return { ...factor, recoveryCodeId: match!.id };
      await this.requireTotp(m, totp.totpId);
      return new UnableToAuthenticateRecoveryCodeError();
    });
  }

  async recoveryCodes(projectId: string, userId: unknown): Promise<TotpRecoveryCodes[]> {
    const id = parseUserId(userId);
    return this.db.read(async (m) => {
      const user = await this.users.require(m, projectId, id);
      return Promise.all(user.totps.map((t) => this.describeCodes(m, t)));
    });
  }

  /**
   * Replaces the current TOTP's codes with a new set. Under the user's row lock, and with the TOTP
   * read inside the same transaction: of concurrent regenerations each replaces the set the previous
   * one stored, so exactly one set (the last) is ever valid; a TOTP replaced or deleted meanwhile
   * answers TOTP_NOT_FOUND or gets the codes of its successor, never orphan codes.
   */
  async regenerateRecoveryCodes(projectId: string, userId: unknown): Promise<TotpRecoveryCodes> {
    const id = parseUserId(userId);
    const codes = generator.newRecoveryCodes();
    const totp = await this.db.write(async (m) => {
      await this.users.lock(m, projectId, id);
      const current = await this.findCurrentTotp(m, projectId, id, {});
      await m.delete(RecoveryCode, { totpId: current.totpId });
      await this.insertRecoveryCodes(m, current.totpId, codes);
      return current;
    });
    return { totpId: totp.totpId, verified: totp.verified, recoveryCodes: codes, remaining: codes.length };
  }

  /**
   * Of concurrent deletions of one TOTP exactly one succeeds; the others answer TOTP_NOT_FOUND. The
   * owner, as the deletion leaves them, is read in the same transaction under their row lock and
   * returned: a success is answered from what it committed, never from a later read that a
   * concurrent deleteUser could turn into USER_NOT_FOUND.
   */
  async delete(projectId: string, totpId: unknown): Promise<{ totpId: string; userId: string; user: User }> {
    const id = parseId('totp', totpId, 'INVALID_TOTP_ID');
    return this.db.write(async (m) => {
      const totp = await m.findOne(Totp, { where: { totpId: id, projectId }, select: { totpId: true, userId: true } });
      if (!totp) throw new TotpNotFoundError();
      // The owner first, as every other write on a user's TOTPs (and deleteUser) takes it; a user
      // deleted meanwhile took the TOTP with it.
      await this.users.lock(m, projectId, totp.userId).catch((error: unknown) => {
        throw error instanceof UserNotFoundError ? new TotpNotFoundError({ cause: error }) : error;
      });
      const { affected } = await m.delete(Totp, { totpId: id, projectId });
      if (!affected) throw new TotpNotFoundError();
      return { totpId: id, userId: totp.userId, user: await this.users.require(m, projectId, totp.userId) };
    });
  }

  /**
   * One guess, in one transaction: spend a lockout attempt (or stop if locked), let `judge` decide,
   * record the verdict in the audit trail, and on success clear the count and record the factor on
   * the session. A refused guess commits only its spent attempt and its event; the error is thrown
   * after the commit. A guess whose session, user or TOTP is gone by then rolls back instead: there
   * was nothing left to guess against.
   *
   * OWASP ASVS 2.2.1 and NIST SP 800-63B §5.2.2 ask that every judged guess be counted; so nothing the
   * request itself decides (its session, its claims) may be refused after the verdict, where rolling
   * back would leave a correct guess uncounted and unaudited while a wrong one is counted, an oracle.
   * Such refusals are made in `plan` and again under the session's lock before `judge` (nothing spent,
   * the same answer for any code). After the verdict the session is checked once more for both
   * verdicts alike: should it refuse there (it cannot while the lock is held), the spent attempt and
   * its audit event are committed and the same error is answered whatever the verdict; a correct code
   * is then spent (RFC 6238 §5.2: never accepted twice) and its attempt stays counted.
   * Nothing after the commit touches the database: the session is signed with the key `prepare` loaded.
   */
  /** `judge` answers the proven factor (as the session will record it), or why the guess fails. */
  private async attempt(guess: Guess, judge: (m: EntityManager) => Promise<NewFactor | GatewayError>): Promise<AuthenticatePayload> {
    const { projectId, userId, nowMs, plan, factor } = guess;
    const type = factor.type === 'totp' ? 'totp' : 'recovery_code';
    // Whatever issuing the session needs after the commit is loaded before it.
    const signingKey = await this.sessions.prepare(projectId, plan);
    let verdict: AuthEventOutcome | undefined;
    const outcome = await this.db.write(async (m): Promise<Outcome<{ user: User; applied: Awaited<ReturnType<SessionService['applyFactor']>> }>> => {
      // The user row first (reserveAttempt's UPDATE locks it), then the session: the order deleteUser
      // locks them in (the user, then its sessions by cascade), so the two never deadlock. A refusal
      // here (session gone, claims too large, user gone, TOTP gone) comes before any verdict: it
      // throws and rolls the reserved attempt back, for a right and a wrong code alike.
      const reserved = await this.lockout.reserveAttempt(m, projectId, userId, nowMs);
      const before = await this.sessions.holdLive(m, plan, nowMs);
      if (before) throw before;
      const judged = reserved ? await judge(m) : await this.lockout.lockedError(m, userId, nowMs);
      if (judged instanceof UserNotFoundError) throw judged;
      const refusal = judged instanceof GatewayError ? judged : null;
      verdict = auditOutcome(refusal);
      await this.audit.record(m, {
        projectId,
        userId,
        totpId: factor.totpId,
        type,
        outcome: verdict,
        requestId: guess.requestId,
        occurredAtMs: nowMs,
      });
      // For both verdicts alike (see above): a refusal now commits the spent attempt and its event.
      const after = await this.sessions.holdLive(m, plan, nowMs);
      if (after) return { ok: false, error: after };
      if (refusal) return { ok: false, error: refusal };
      await this.lockout.reset(m, userId);
      const applied = await this.sessions.applyFactor(m, plan, projectId, userId, judged as NewFactor, nowMs);
      return { ok: true, value: { user: await this.users.require(m, projectId, userId), applied } };
    });
    // Counted once the verdict is committed, exactly as the audit trail records it.
    if (verdict) this.metrics.authentication(type, verdict);
    if (outcome.ok && plan.kind === 'create' && outcome.value.applied) this.metrics.sessionIssued();
    if (!outcome.ok) throw outcome.error;
    const { applied } = outcome.value;
    const issued: IssuedSession | null = applied && signingKey ? await this.sessions.issue(signingKey, projectId, applied) : null;
    return {
      userId,
      totpId: factor.totpId!,
      user: outcome.value.user,
      session: issued?.session ?? null,
      sessionToken: issued?.sessionToken ?? null,
      sessionJwt: issued?.sessionJwt ?? null,
    };
  }

  /** The user's verified TOTP, else their pending one; distinguishes a missing user from a missing TOTP. */
  private async currentTotp(projectId: string, userId: string, opts: { verifiedOnly?: boolean }): Promise<Totp> {
    return this.db.read((m) => this.findCurrentTotp(m, projectId, userId, opts));
  }

  private async findCurrentTotp(m: EntityManager, projectId: string, userId: string, opts: { verifiedOnly?: boolean }): Promise<Totp> {
    const { rows } = await sql(m, opts.verifiedOnly ? CURRENT_VERIFIED_TOTP : CURRENT_TOTP, [userId, projectId]);
    if (rows.length) return fromRows(m, Totp, rows)[0];
    const { rows: users } = await sql(m, 'SELECT 1 AS found FROM users WHERE id = ? AND project_id = ?', [userId, projectId]);
    throw users.length ? new TotpNotFoundError() : new UserNotFoundError();
  }

  /**
   * Inside a guess, after it failed to spend the TOTP or code it judged: TOTP_NOT_FOUND (rolling the
   * attempt back) when that TOTP was deleted or replaced since the request read it, not a verdict on
   * a factor that no longer exists. Runs under the user's row lock, which deleteTotp and createTotp
   * take too, so the answer is settled.
   */
  private async requireTotp(m: EntityManager, totpId: string): Promise<void> {
    const { rows } = await sql(m, 'SELECT 1 AS found FROM totps WHERE id = ?', [totpId]);
    if (!rows.length) throw new TotpNotFoundError();
  }

  private async insertRecoveryCodes(m: EntityManager, totpId: string, codes: string[]): Promise<void> {
    const rows = codes.map((code, position) =>
      Object.assign(new RecoveryCode(), {
        id: newId('recovery'),
        totpId,
        codeHash: this.hasher.hash(code),
        codeCiphertext: this.options.retrievableRecoveryCodes ? this.envelope.encrypt(code, totpId) : null,
        position,
        usedAt: null,
      }),
    );
    await insertRow(m, RecoveryCode, rows);
  }

  private async describeCodes(m: EntityManager, totp: Totp): Promise<TotpRecoveryCodes> {
    const unused = await m.find(RecoveryCode, {
      where: { totpId: totp.totpId, usedAt: IsNull() },
      select: { id: true, position: true, codeCiphertext: this.options.retrievableRecoveryCodes },
      order: { position: 'ASC' },
    });
    const recoveryCodes = this.options.retrievableRecoveryCodes
      ? unused.filter((r) => r.codeCiphertext).map((r) => this.envelope.decrypt(r.codeCiphertext!, totp.totpId).toString('utf8'))
      : [];
    return { totpId: totp.totpId, verified: totp.verified, recoveryCodes, remaining: unused.length };
  }
}

/** How a verdict is recorded; a replayed code is its own outcome (OWASP ASVS 2.8.5). */
function auditOutcome(refusal: GatewayError | null): AuthEventOutcome {
  if (!refusal) return 'success';
  if (refusal.code === 'USER_LOCK_LIMIT_REACHED') return 'locked';
  if (refusal.code === 'TOTP_CODE_ALREADY_AUTHENTICATED') return 'replay';
  return 'failure';
}
