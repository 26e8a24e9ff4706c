// TOTP enrollment, authentication and recovery. Every verification attempt spends one lockout attempt,
// is recorded in the audit trail (src/verification), and every success is decided by one conditional UPDATE, so the rules hold across
// requests and processes.
import { In, IsNull, type EntityManager } from 'typeorm';
import { DEFAULT_TOTP_PARAMETERS, EXPIRATION_MINUTES } from '../constants/totp.constants';
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
import { enforce, userWithSecondFactor } from '../graphql/caller.policy';
import type { ProjectSettingsService } from '../projects/project-settings.service';
import type { StepClaim, VerificationAttempt, VerificationAttemptService, VerifyFactor } from '../verification/verification-attempt.service';
import type { DeviceToRemember, RememberedDeviceService } from '../remembered-devices/remembered-device.service';
import { Totp } from './totp.entity';
import { RecoveryCode } from './recovery-code.entity';
import type { AuthenticateTotpInput, CreateTotpInput, RecoverTotpInput, RenameTotpInput } from './totp.inputs';
import { AuthenticatePayload, CreateTotpPayload, type RenameTotpPayload, type TotpRecoveryCodes } from './totp.types';
import { compatibilityNote, totpLabel, totpParameters } from './totp-parameters.rules';
import * as otp from './otp.generator';
import * as qr from './qr.generator';
import * as recovery from './recovery-code.generator';
import { insertRecoveryCodes } from './recovery-code.store';
import { NO_EVENTS, type EventSink } from '../webhooks/webhook.outbox';
import {
  ActiveTotpExistsError,
  InvalidRecoveryCodeError,
  InvalidTotpCodeError,
  TotpCodeAlreadyAuthenticatedError,
  TotpExpiredError,
  TotpLimitReachedError,
  TotpNotFoundError,
  UnableToAuthenticateRecoveryCodeError,
  UnableToAuthenticateTotpError,
} from './totp.errors';

// Raw SQL on the authentication path (src/db/sql.ts says why).
// RFC 6238 §5.2: a verifier must not accept the same code twice; `last_step` is in the TOTP's own
// time steps (its period). The same UPDATE records the use. Parameters: step, now, now, totp id, step.
const ADVANCE_STEP =
  'UPDATE totps SET last_step = ?, verified = TRUE, verified_at = COALESCE(verified_at, ?), last_used_at = ? WHERE id = ? AND last_step < ?';
const TOTP_COLUMNS =
  'SELECT id, verified, expires_at, created_at, secret_ciphertext, algorithm, digits, period_seconds FROM totps WHERE user_id = ? AND project_id = ?';
/** Every TOTP of the user, verified ones first, newest first: one SELECT answers every authenticateTotp. */
const USER_TOTPS = `${TOTP_COLUMNS} ORDER BY verified DESC, created_at DESC, id DESC`;
/** The newest verified TOTP, else the newest pending one. */
const CURRENT_TOTP = `${USER_TOTPS} LIMIT 1`;
const VERIFIED_TOTPS = `${TOTP_COLUMNS} AND verified = TRUE ORDER BY created_at DESC, id DESC`;
/**
 * Run when a pending TOTP was just verified: if it is the user's only verified TOTP, their other pending
 * ones go. They were bound while the account had no second factor (a password-only session may create
 * one then), so none may outlive the moment it gets one: binding an authenticator beside a verified one
 * needs that second factor (NIST SP 800-63B §6.1.2.1), which createTotp asks of session callers from
 * now on. Parameters: user id, the verified TOTP's id, user id, the verified TOTP's id.
 */
const CLOSE_ENROLLMENT =
  'DELETE FROM totps WHERE user_id = ? AND id <> ? AND verified = FALSE AND NOT EXISTS (SELECT 1 FROM totps v WHERE v.user_id = ? AND v.verified = TRUE AND v.id <> ?)';

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
  /** The request's User-Agent header: recorded on a device remembered with rememberDeviceDays. */
  readonly userAgent?: string | null;
  /**
   * Whether the answer includes the user (GraphQL: `user` selected; REST always): read inside the
   * attempt's transaction, as committed, and only then. Default true.
   */
  readonly withUser?: boolean;
}

export class TotpService {
  constructor(
    private readonly db: Database,
    private readonly envelope: Envelope,
    private readonly hasher: KeyedHasher,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly verification: VerificationAttemptService,
    private readonly settings: ProjectSettingsService,
    private readonly devices: RememberedDeviceService,
    private readonly clock: Clock,
    private readonly options: { retrievableRecoveryCodes: boolean },
    private readonly events: EventSink = NO_EVENTS,
  ) {}

  /**
   * Enrolls a TOTP with its own label and RFC 6238 parameters (each missing one the project's
   * default). With the project's maxTotpsPerUser at 1 (the default) a verified TOTP refuses it
   * (ACTIVE_TOTP_EXISTS, Stytch parity); above 1 it adds a device until the user holds that many
   * verified ones (TOTP_LIMIT_REACHED). Pending TOTPs count towards the limit too: the oldest pending
   * ones are replaced so the new one fits (replacedPending), so at 1 a new create replaces the pending
   * TOTP exactly as Stytch does, and above 1 several devices can be enrolled before any is verified.
   * A session caller adding a device beside a verified one must have proven a second factor in this
   * session (SECOND_FACTOR_REQUIRED; NIST SP 800-63B §6.1.2.1: binding an additional authenticator
   * needs an authenticated session at the highest level of the existing ones). Bad input
   * (INVALID_TOTP_LABEL, INVALID_TOTP_PARAMETERS) is refused before anything is read or written.
   */
  async create(project: ProjectRef, input: CreateTotpInput, caller: SessionCaller | null = null): Promise<CreateTotpPayload> {
    const userId = parseUserId(input.userId);
    // Its bounds are checked on the input (totp.inputs.ts).
    const minutes = input.expirationMinutes ?? EXPIRATION_MINUTES.default;
    const label = totpLabel(input.label);
    totpParameters(input, DEFAULT_TOTP_PARAMETERS); // refuses a bad value before any I/O
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
      lastUsedAt: null,
      label,
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
      const settings = await this.settings.totpSettings(m, project.projectId);
      Object.assign(totp, totpParameters(input, settings.totpDefaults));
      await this.makeRoom(m, userId, settings.maxTotpsPerUser, caller);
      await insertRow(m, Totp, totp);
      await this.insertRecoveryCodes(m, totp.totpId, recoveryCodes);
      await this.events.enqueue(m, { projectId: project.projectId, userId, occurredAtMs: this.clock.now(), events: [{ type: 'totp.created', data: { userId, totpId: totp.totpId } }] });
      const user = await this.users.require(m, project.projectId, userId);
      const account = user.email ?? user.phoneNumber ?? user.userId;
      return { user, otpauthUri: qr.otpauthUri({ issuer: project.name, account, secret: base32, parameters: totp }) };
    });
    const { algorithm, digits, periodSeconds } = totp;
    return new CreateTotpPayload({
      totpId: totp.totpId,
      secret: base32,
      otpauthUri,
      recoveryCodes,
      userId,
      user,
      label,
      algorithm,
      digits,
      period: periodSeconds,
      compatibility: compatibilityNote(totp),
    });
  }

  /**
   * Inside createTotp's transaction, under the user's row lock: refuses a TOTP beyond the limit
   * (ACTIVE_TOTP_EXISTS at 1, Stytch parity; TOTP_LIMIT_REACHED above), asks a session caller adding a
   * device beside a verified one for a proven second factor, and deletes the pending TOTPs the new one
   * replaces (replacedPending).
   */
  private async makeRoom(m: EntityManager, userId: string, maxTotpsPerUser: number, caller: SessionCaller | null): Promise<void> {
    const existing = await m.find(Totp, { where: { userId }, select: { totpId: true, verified: true }, order: { createdAt: 'ASC', totpId: 'ASC' } });
    const verified = existing.filter((t) => t.verified).length;
    if (verified && maxTotpsPerUser <= 1) throw new ActiveTotpExistsError();
    if (verified >= maxTotpsPerUser) throw new TotpLimitReachedError();
    if (verified) enforce(userWithSecondFactor(caller, userId));
    const replaced = replacedPending(existing, maxTotpsPerUser);
    if (replaced.length) await m.delete(Totp, { totpId: In(replaced) });
  }

  /**
   * `receivedAtMs` is when the request's body arrived (the HTTP layer stamps it before anything
   * queues), bounded to MAX_ARRIVAL_LAG_MS before now: the code is verified against that moment's time step, as RFC 6238 §5.2 frames the window (the delay
   * between the code's generation and its arrival), so time spent waiting inside the gateway cannot
   * age a code out. The window itself stays ±STEP_WINDOW_STEPS (an unverified TOTP also gets the transit
   * grace, otp.generator.ts); everything else (expiry, lockout, audit,
   * the session) uses the time of processing.
   *
   * Several TOTPs (`candidates`): the code is judged against every candidate with its own algorithm,
   * digits and period, with no early exit, and the request spends one lockout attempt however many
   * there are (one budget per user, NIST SP 800-63B §5.2.2). Each TOTP keeps its own replay guard, so a
   * code is accepted once per TOTP. The session factor and the payload name the TOTP that matched.
   * The code that verifies a user's first TOTP also removes their other pending ones (CLOSE_ENROLLMENT).
   */
  async authenticate(projectId: string, input: AuthenticateTotpInput, { requestId = null, receivedAtMs = null, caller = null, userAgent = null, withUser = true }: VerificationOptions = {}): Promise<AuthenticatePayload> {
    const userId = parseUserId(input.userId);
    const totpId = input.totpId == null ? null : parseId('totp', input.totpId, 'INVALID_TOTP_ID');
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
    const { candidates, holdsVerified } = await this.candidates(projectId, userId, totpId, nowMs);
    // A code no candidate could have made (8 digits for 6-digit TOTPs) is malformed: no attempt spent.
    const fitting = candidates.filter((t) => t.digits === code.length);
    if (!fitting.length) throw new InvalidTotpCodeError({ message: wrongLengthMessage(candidates, totpId !== null) });
    const session = await this.sessions.forAttempt(projectId, userId, input, caller);
    const device = input.rememberDeviceDays == null ? null : await this.devices.plan(projectId, userId, input.rememberDeviceDays, { requestId, userAgent });
    // Verified before the transaction (pure CPU); the outcome only counts once the attempt is spent.
    // Never later than now, and never earlier than MAX_ARRIVAL_LAG_MS before it, whatever the stamp says.
    const verifiedAtMs = receivedAtMs === null ? nowMs : Math.min(nowMs, Math.max(receivedAtMs, nowMs - MAX_ARRIVAL_LAG_MS));
    // The transit grace is for a first enrollment only: beside a verified TOTP a pending one signs in.
    const matches = this.matches(fitting, code, verifiedAtMs, holdsVerified ? 0 : otp.TRANSIT_GRACE_MS);

    const factor: NewFactor = { type: 'totp', deliveryMethod: 'authenticator_app', totpId: candidates.length === 1 ? candidates[0].totpId : totpId };
    const verify: VerifyFactor = async (m) => {
      if (!matches.length) return new UnableToAuthenticateTotpError();
      // RFC 6238 §5.2: a verifier must not accept the same code twice. The row only moves forward,
      // so of any number of concurrent requests with this code exactly one sees affected = 1.
      for (const { totp, step } of matches) {
        const won = await sql(m, ADVANCE_STEP, [step, nowMs, nowMs, totp.totpId, step]);
        if (won.affected !== 1) continue;
        if (!totp.verified) await sql(m, CLOSE_ENROLLMENT, [userId, totp.totpId, userId, totp.totpId]);
        return { ...factor, totpId: totp.totpId, verifiedTotp: !totp.verified };
      }
      await this.requireTotp(m, matches.map((match) => match.totp.totpId));
      return new TotpCodeAlreadyAuthenticatedError();
    };
    return this.attempt({ projectId, userId, requestId, nowMs, session, factor, withUser }, device, verify, stepClaim(matches));
  }

  /**
   * The candidates' time steps whose code equals `code` (usually none or one). Every candidate is
   * judged (each with its own parameters and decrypted secret; `graceMs` is the transit grace, given
   * only while the user holds no verified TOTP, so every candidate is pending then), with no early
   * exit, so timing does not reveal which device matched.
   */
  private matches(candidates: readonly Totp[], code: string, verifiedAtMs: number, graceMs: number): Array<{ totp: Totp; step: number }> {
    const found: Array<{ totp: Totp; step: number }> = [];
    for (const totp of candidates) {
      const grace = totp.verified ? 0 : graceMs;
      const step = otp.matchStep(this.envelope.decrypt(totp.secretCiphertext, totp.totpId), code, verifiedAtMs, grace, totp);
      if (step !== null) found.push({ totp, step });
    }
    return found;
  }

  /**
   * The TOTPs a code of this request may belong to, from one SELECT: the one named (TOTP_NOT_FOUND
   * when it is not this user's; TOTP_EXPIRED when pending past its expiry); else every verified TOTP
   * of the user and their pending ones while unexpired (so a second device is verified as the first
   * was, with a code, no id needed); only pending ones, all past their expiry, is TOTP_EXPIRED.
   * `holdsVerified`: whether the user holds a verified TOTP (named or not).
   */
  private async candidates(projectId: string, userId: string, totpId: string | null, nowMs: number): Promise<{ candidates: Totp[]; holdsVerified: boolean }> {
    const rows = await this.db.read(async (m) => {
      const { rows: found } = await sql(m, USER_TOTPS, [userId, projectId]);
      if (!found.length) await this.missingTotp(m, projectId, userId);
      return fromRows(m, Totp, found);
    });
    const live = (t: Totp) => t.verified || t.expiresAt.getTime() > nowMs;
    const holdsVerified = rows.some((t) => t.verified);
    if (totpId !== null) {
      const named = rows.find((t) => t.totpId === totpId);
      if (!named) throw new TotpNotFoundError();
      if (!live(named)) throw new TotpExpiredError();
      return { candidates: [named], holdsVerified };
    }
    const candidates = rows.filter(live);
    if (!candidates.length) throw new TotpExpiredError();
    return { candidates, holdsVerified };
  }

  /**
   * recoverTotp: an unused recovery code of any of the user's verified TOTPs is accepted, whichever
   * device was lost (codes stay per TOTP, as Stytch issues them with each enrollment); the factor names
   * the TOTP whose code was spent.
   */
  async recover(projectId: string, input: RecoverTotpInput, { requestId = null, caller = null, userAgent = null, withUser = true }: VerificationOptions = {}): Promise<AuthenticatePayload> {
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
    const totpIds = await this.verifiedTotpIds(projectId, userId);
    const session = await this.sessions.forAttempt(projectId, userId, input, caller);
    const device = input.rememberDeviceDays == null ? null : await this.devices.plan(projectId, userId, input.rememberDeviceDays, { requestId, userAgent });

    const factor: NewFactor = { type: 'recovery_codes', deliveryMethod: 'recovery_code', totpId: totpIds.length === 1 ? totpIds[0] : null };
    return this.attempt({ projectId, userId, requestId, nowMs, session, factor, withUser }, device, async (m) => {
      // Single use: of concurrent requests with one code, exactly one flips used_at from NULL (the
      // UPDATE re-checks it under the row lock), and the factor names the code it spent.
      const match = await m.findOne(RecoveryCode, {
        where: { totpId: In(totpIds), codeHash: In(forms.flatMap((form) => this.hasher.candidates(form))), usedAt: IsNull() },
        select: { id: true, totpId: true },
      });
      const used = match ? await m.update(RecoveryCode, { id: match.id, usedAt: IsNull() }, { usedAt: new Date(nowMs) }) : undefined;
      if (used?.affected === 1) return { ...factor, totpId: match!.totpId, recoveryCodeId: match!.id };
      await this.requireTotp(m, totpIds);
      return new UnableToAuthenticateRecoveryCodeError();
    });
  }

  /** The ids of the user's verified TOTPs, newest first; TOTP_NOT_FOUND (or USER_NOT_FOUND) when none. */
  private async verifiedTotpIds(projectId: string, userId: string): Promise<string[]> {
    return this.db.read(async (m) => {
      const { rows } = await sql<{ id: string }>(m, VERIFIED_TOTPS, [userId, projectId]);
      if (!rows.length) await this.missingTotp(m, projectId, userId);
      return rows.map((row) => row.id);
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
   * Replaces one TOTP's codes with a new set: the TOTP named (`totpId`, TOTP_NOT_FOUND unless it is
   * this user's), by default the user's newest verified TOTP, else their newest pending one. Under the user's
   * row lock, and with the TOTP read inside the same transaction: of concurrent regenerations each
   * replaces the set the previous one stored, so exactly one set (the last) is ever valid; a TOTP
   * replaced or deleted meanwhile answers TOTP_NOT_FOUND or gets the codes of its successor, never
   * orphan codes.
   */
  async regenerateRecoveryCodes(projectId: string, userId: unknown, totpId: unknown = null): Promise<TotpRecoveryCodes> {
    const id = parseUserId(userId);
    const named = totpId == null ? null : parseId('totp', totpId, 'INVALID_TOTP_ID');
    const codes = recovery.newRecoveryCodes();
    const totp = await this.db.write(async (m) => {
      await this.users.lock(m, projectId, id);
      const current = named ? await this.findUserTotp(m, projectId, id, named) : await this.findCurrentTotp(m, projectId, id);
      await m.delete(RecoveryCode, { totpId: current.totpId });
      await this.insertRecoveryCodes(m, current.totpId, codes);
      await this.events.enqueue(m, { projectId, userId: id, occurredAtMs: this.clock.now(), events: [{ type: 'recovery_codes.regenerated', data: { userId: id, totpId: current.totpId } }] });
      return current;
    });
    return { totpId: totp.totpId, verified: totp.verified, recoveryCodes: codes, remaining: codes.length };
  }

  /**
   * Changes a TOTP's label (totpLabel: INVALID_TOTP_LABEL, nothing written, for a bad one). Under the
   * owner's row lock, as every other write on a user's TOTPs; the owner and the TOTP are answered as
   * the rename committed them.
   */
  async rename(projectId: string, input: RenameTotpInput): Promise<RenameTotpPayload> {
    const id = parseId('totp', input.totpId, 'INVALID_TOTP_ID');
    const label = totpLabel(input.label);
    return this.db.write(async (m) => {
      const owner = await this.lockOwner(m, projectId, id);
      await m.update(Totp, { totpId: id, projectId }, { label });
      const user = await this.users.require(m, projectId, owner);
      const totp = user.totps.find((t) => t.totpId === id);
      if (!totp) throw new TotpNotFoundError();
      return { totpId: id, userId: owner, totp, user };
    });
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
      const owner = await this.lockOwner(m, projectId, id);
      const { affected } = await m.delete(Totp, { totpId: id, projectId });
      if (!affected) throw new TotpNotFoundError();
      // Remembered devices stand on the second factor they were issued after: without a verified TOTP left, they go too.
      if (!(await m.exists(Totp, { where: { userId: owner, verified: true } }))) await this.devices.revocation.revokeRememberedDevices(m, projectId, owner);
      await this.events.enqueue(m, { projectId, userId: owner, occurredAtMs: this.clock.now(), events: [{ type: 'totp.deleted', data: { userId: owner, totpId: id } }] });
      return { totpId: id, userId: owner, user: await this.users.require(m, projectId, owner) };
    });
  }

  /**
   * Inside a write: the owner of TOTP `totpId`, row-locked; TOTP_NOT_FOUND when the project has no
   * such TOTP. The owner first, as every other write on a user's TOTPs (and deleteUser) takes it; a
   * user deleted meanwhile took the TOTP with it.
   */
  private async lockOwner(m: EntityManager, projectId: string, totpId: string): Promise<string> {
    const totp = await m.findOne(Totp, { where: { totpId, projectId }, select: { totpId: true, userId: true } });
    if (!totp) throw new TotpNotFoundError();
    await this.users.lock(m, projectId, totp.userId).catch((error: unknown) => {
      throw error instanceof UserNotFoundError ? new TotpNotFoundError({ cause: error }) : error;
    });
    return totp.userId;
  }

  /**
   * One verification attempt (VerificationAttemptService), answered as the mutation's payload; with
   * `device` (rememberDeviceDays), the device is stored in the attempt's transaction on success; the
   * user as committed when the attempt was asked for it (`withUser`).
   */
  private async attempt(attempt: VerificationAttempt, device: DeviceToRemember | null, verify: VerifyFactor, claim?: StepClaim): Promise<AuthenticatePayload> {
    const { user, session, factor } = await this.verification.verify(device ? { ...attempt, onSuccess: device.store } : attempt, verify, claim);
    const remembered = device?.issued() ?? null;
    const { projectId, userId } = attempt;
    return new AuthenticatePayload(
      {
        userId,
        totpId: factor.totpId!,
        session: session?.session ?? null,
        sessionToken: session?.sessionToken ?? null,
        sessionJwt: session?.sessionJwt ?? null,
        deviceToken: remembered?.deviceToken ?? null,
        rememberedDeviceId: remembered?.rememberedDeviceId ?? null,
      },
      user ?? (() => this.users.get(projectId, userId)),
    );
  }

  /** The user's newest verified TOTP, else their newest pending one; distinguishes a missing user from a missing TOTP. */
  private async findCurrentTotp(m: EntityManager, projectId: string, userId: string): Promise<Totp> {
    const { rows } = await sql(m, CURRENT_TOTP, [userId, projectId]);
    if (!rows.length) await this.missingTotp(m, projectId, userId);
    return fromRows(m, Totp, rows)[0];
  }

  /** The user's TOTP `totpId`; TOTP_NOT_FOUND when it is another user's or none. */
  private async findUserTotp(m: EntityManager, projectId: string, userId: string, totpId: string): Promise<Totp> {
    const totp = await m.findOne(Totp, { where: { totpId, userId, projectId }, select: { totpId: true, verified: true } });
    if (!totp) throw new TotpNotFoundError();
    return totp;
  }

  /** Throws for a user without the TOTP asked for: USER_NOT_FOUND when the user is missing too, else TOTP_NOT_FOUND. */
  private async missingTotp(m: EntityManager, projectId: string, userId: string): Promise<never> {
    const { rows: users } = await sql(m, 'SELECT 1 AS found FROM users WHERE id = ? AND project_id = ?', [userId, projectId]);
    throw users.length ? new TotpNotFoundError() : new UserNotFoundError();
  }

  /**
   * Inside an attempt, after it failed to spend a TOTP or code it verified: TOTP_NOT_FOUND (rolling the
   * attempt back) when none of the TOTPs it judged against exists any more (deleted or replaced since
   * the request read them), not an outcome on factors that no longer exist. Runs under the user's row
   * lock, which deleteTotp and createTotp take too, so the answer is settled.
   */
  private async requireTotp(m: EntityManager, totpIds: readonly string[]): Promise<void> {
    const exists =
      totpIds.length === 1
        ? (await sql(m, 'SELECT 1 AS found FROM totps WHERE id = ?', [totpIds[0]])).rows.length > 0
        : await m.exists(Totp, { where: { totpId: In([...totpIds]) } });
    if (!exists) throw new TotpNotFoundError();
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

/**
 * The judgement of a TOTP code as data (StepClaim), when it can be written as one statement: no
 * match (a wrong code), or one match on a verified TOTP. A match on a pending TOTP (its verification
 * ends the enrollment, CLOSE_ENROLLMENT) or on several TOTPs at once answers undefined: the general
 * transaction decides those.
 */
function stepClaim(matches: ReadonlyArray<{ totp: Totp; step: number }>): StepClaim | undefined {
  if (matches.length > 1 || (matches.length === 1 && !matches[0].totp.verified)) return undefined;
  return {
    match: matches.length ? { totpId: matches[0].totp.totpId, step: matches[0].step } : null,
    wrong: () => new UnableToAuthenticateTotpError(),
    replay: () => new TotpCodeAlreadyAuthenticatedError(),
    gone: () => new TotpNotFoundError(),
  };
}

/**
 * The pending TOTPs a new enrollment replaces: with `existing` in creation order, the oldest unverified
 * ones beyond what the limit leaves room for beside the verified ones and the new TOTP (all of them at
 * a limit of 1, as Stytch replaces an unverified TOTP).
 */
function replacedPending(existing: ReadonlyArray<Pick<Totp, 'totpId' | 'verified'>>, maxTotpsPerUser: number): string[] {
  const pending = existing.filter((t) => !t.verified).map((t) => t.totpId);
  const verified = existing.length - pending.length;
  const room = Math.max(0, maxTotpsPerUser - verified - 1);
  return pending.slice(0, Math.max(0, pending.length - room));
}

/**
 * The message of `INVALID_TOTP_CODE` for a code whose length fits none of `candidates` (non-empty): a
 * code reads as 6 or 8 digits (code.format.ts), so every candidate then has the other length. It names
 * the TOTP the request chose (`named`), else the user's TOTPs (RFC 4226 §5.3: the length is per TOTP).
 */
function wrongLengthMessage(candidates: ReadonlyArray<{ readonly digits: number }>, named: boolean): string {
  return `${named ? "This TOTP's" : "This user's TOTP"} codes are ${candidates[0].digits} digits 0-9; spaces, hyphens and dots between them are ignored.`;
}
