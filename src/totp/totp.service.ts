// TOTP enrollment, authentication and recovery. Every verification attempt spends one lockout attempt,
// is recorded in the audit trail (src/verification), and every success is decided by one conditional UPDATE, so the rules hold across
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
import { User } from '../users/user.entity';
import { UserNotFoundError } from '../users/user.errors';
import type { UserService } from '../users/user.service';
import { parseUserId } from '../users/user.service';
import type { NewFactor, SessionService } from '../sessions/session.service';
import type { SessionCaller } from '../graphql/caller.types';
import type { VerificationAttempt, VerificationAttemptService, VerifyFactor } from '../verification/verification-attempt.service';
import { Totp } from './totp.entity';
import { RecoveryCode } from './recovery-code.entity';
import type { AuthenticateTotpInput, CreateTotpInput, RecoverTotpInput } from './totp.inputs';
import { CreateTotpPayload, type AuthenticatePayload, type TotpRecoveryCodes } from './totp.types';
import * as otp from './otp.generator';
import * as qr from './qr.generator';
import * as recovery from './recovery-code.generator';
import { insertRecoveryCodes } from './recovery-code.store';
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
 * How far before processing a request's arrival stamp may place the time step a code is verified at: enough for
 * queueing under load (p99 is well under a second), far too little to keep a step open for a code
 * that leaks later (a step lasts 30 s).
 */
export const MAX_ARRIVAL_LAG_MS = 5_000;

export interface ProjectRef {
  readonly projectId: string;
  readonly name: string;
}

/** Where a verification attempt comes from: the request (for the audit trail and arrival-time verification) and its caller. */
export interface VerificationOptions {
  readonly requestId?: string | null;
  /** When the request's body arrived (see `authenticate`); recovery codes ignore it. */
  readonly receivedAtMs?: number | null;
  /**
   * A session caller (a browser): its session, already resolved from its Bearer credential when the
   * request arrived, is the one the factor is added to; it is not looked up again.
   */
  readonly caller?: SessionCaller | null;
}

export class TotpService {
  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly hasher: KeyedHasher,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly verification: VerificationAttemptService,
    private readonly clock: Clock,
    private readonly options: { retrievableRecoveryCodes: boolean },
  ) {}

  async create(project: ProjectRef, input: CreateTotpInput): Promise<CreateTotpPayload> {
    const userId = parseUserId(input.userId);
    // Its bounds are checked on the input (totp.inputs.ts).
    const minutes = input.expirationMinutes ?? EXPIRATION_MINUTES.default;
    const nowMs = this.clock.now();
    const secret = otp.newSecret();
    const recoveryCodes = recovery.newRecoveryCodes();
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
    const base32 = otp.encodeBase32(secret);

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
      return { user, otpauthUri: qr.otpauthUri({ issuer: project.name, account, secret: base32 }) };
    });
    return new CreateTotpPayload({ totpId: totp.totpId, secret: base32, otpauthUri, recoveryCodes, userId, user });
  }

  /**
   * `receivedAtMs` is when the request's body arrived (the HTTP layer stamps it before anything
   * queues), bounded to MAX_ARRIVAL_LAG_MS before now: the code is verified against that moment's time step, as RFC 6238 §5.2 frames the window (the delay
   * between the code's generation and its arrival), so time spent waiting inside the gateway cannot
   * age a code out. The window itself stays ±STEP_WINDOW_STEPS (an unverified TOTP also gets the transit
   * grace, otp.generator.ts); everything else (expiry, lockout, audit,
   * the session) uses the time of processing.
   */
  async authenticate(projectId: string, input: AuthenticateTotpInput, { requestId = null, receivedAtMs = null, caller = null }: VerificationOptions = {}): Promise<AuthenticatePayload> {
    const userId = parseUserId(input.userId);
    // Separators dropped first (code.format.ts); a code still malformed spends no attempt.
    const code = otp.readTotpCode(input.totpCode);
    if (code === null) {
      throw new InvalidTotpCodeError(
        recovery.readRecoveryCode(input.totpCode)
          ? { message: 'This is a recovery code, not a TOTP code; send it to recoverTotp.', details: { reason: 'recovery_code_given' } }
          : undefined,
      );
    }
    const nowMs = this.clock.now();
    const totp = await this.currentTotp(projectId, userId, {});
    if (!totp.verified && totp.expiresAt.getTime() <= nowMs) throw new TotpExpiredError();
    const session = await this.sessions.forAttempt(projectId, userId, input, caller);
    // Verified before the transaction (pure CPU); the outcome only counts once the attempt is spent.
    // Never later than now, and never earlier than MAX_ARRIVAL_LAG_MS before it, whatever the stamp says.
    const verifiedAtMs = receivedAtMs === null ? nowMs : Math.min(nowMs, Math.max(receivedAtMs, nowMs - MAX_ARRIVAL_LAG_MS));
    const grace = totp.verified ? 0 : otp.TRANSIT_GRACE_MS;
    const step = otp.matchStep(this.envelope.decrypt(totp.secretCiphertext, totp.totpId), code, verifiedAtMs, grace);

    const factor: NewFactor = { type: 'totp', deliveryMethod: 'authenticator_app', totpId: totp.totpId };
    return this.attempt({ projectId, userId, requestId, nowMs, session, factor }, async (m) => {
      if (step === null) return new UnableToAuthenticateTotpError();
      // RFC 6238 §5.2: a verifier must not accept the same code twice. The row only moves forward,
      // so of any number of concurrent requests with this code exactly one sees affected = 1.
      const won = await sql(m, ADVANCE_STEP, [step, nowMs, totp.totpId, step]);
      if (won.affected === 1) return factor;
      await this.requireTotp(m, totp.totpId);
      return new TotpCodeAlreadyAuthenticatedError();
    });
  }

  async recover(projectId: string, input: RecoverTotpInput, { requestId = null, caller = null }: VerificationOptions = {}): Promise<AuthenticatePayload> {
    const userId = parseUserId(input.userId);
    // Separators and letter case dropped, look-alikes read as Crockford does (code.format.ts); a code
    // still malformed spends no attempt.
    const forms = recovery.readRecoveryCode(input.recoveryCode);
    if (forms === null) {
      throw new InvalidRecoveryCodeError(
        otp.readTotpCode(input.recoveryCode) !== null
          ? { message: 'This is a TOTP code, not a recovery code; send it to authenticateTotp.', details: { reason: 'totp_code_given' } }
          : undefined,
      );
    }
    const nowMs = this.clock.now();
    const totp = await this.currentTotp(projectId, userId, { verifiedOnly: true });
    const session = await this.sessions.forAttempt(projectId, userId, input, caller);

    const factor: NewFactor = { type: 'recovery_codes', deliveryMethod: 'recovery_code', totpId: totp.totpId };
    return this.attempt({ projectId, userId, requestId, nowMs, session, factor }, async (m) => {
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
    const codes = recovery.newRecoveryCodes();
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

  /** One verification attempt (VerificationAttemptService), answered as the mutation's payload. */
  private async attempt(attempt: VerificationAttempt, verify: VerifyFactor): Promise<AuthenticatePayload> {
    const { user, session } = await this.verification.verify(attempt, verify);
    return {
      userId: attempt.userId,
      totpId: attempt.factor.totpId!,
      user,
      session: session?.session ?? null,
      sessionToken: session?.sessionToken ?? null,
      sessionJwt: session?.sessionJwt ?? null,
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
   * Inside an attempt, after it failed to spend the TOTP or code it verified: TOTP_NOT_FOUND (rolling the
   * attempt back) when that TOTP was deleted or replaced since the request read it, not an outcome on
   * a factor that no longer exists. Runs under the user's row lock, which deleteTotp and createTotp
   * take too, so the answer is settled.
   */
  private async requireTotp(m: EntityManager, totpId: string): Promise<void> {
    const { rows } = await sql(m, 'SELECT 1 AS found FROM totps WHERE id = ?', [totpId]);
    if (!rows.length) throw new TotpNotFoundError();
  }

  private async insertRecoveryCodes(m: EntityManager, totpId: string, codes: string[]): Promise<void> {
    await insertRecoveryCodes(m, { hasher: this.hasher, envelope: this.envelope, retrievable: this.options.retrievableRecoveryCodes }, totpId, codes);
  }

  private async describeCodes(m: EntityManager, totp: Pick<Totp, 'totpId' | 'verified'>): Promise<TotpRecoveryCodes> {
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
