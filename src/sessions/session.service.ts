// Session lifecycle: an opaque token (stored as a keyed hash) plus short-lived signed JWTs
// (session-jwt.signer.ts), started, extended, listed and revoked here.
import { randomBytes } from 'node:crypto';
import { In, MoreThan, type EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { insertParts, insertStatement } from '../db/row-mapper';
import { sql } from '../db/sql';
import type { KeyedHasher } from '../crypto/keyed-hash';
import type { Clock } from '../common/clock';
import { MINUTE_MS } from '../common/clock';
import { isId, newId } from '../common/ids';
import { jsonByteLength } from '../common/json';
import { CUSTOM_CLAIMS_MAX_BYTES } from '../constants/session.constants';
import { mergeCustomClaims } from './session.claims';
import { GatewayError } from '../errors/error.catalogue';
import { enforce, ownSession } from '../graphql/caller.policy';
import type { SessionCaller, SessionCredential } from '../graphql/caller.types';
import type { UserService } from '../users/user.service';
import { parseUserId } from '../users/user.service';
import type { AuditService } from '../audit/audit.service';
import type { ActiveKey, SigningKeyService } from './signing-key.service';
import { SessionJwtSigner } from './session-jwt.signer';
import { AuthenticationFactor, Session } from './session.entity';
import type { AuthenticateSessionInput, SessionArgumentsInput, RevokeSessionInput, CreateSessionInput } from './session.inputs';
import type { ProjectRef } from '../projects/project.service';
import { assuranceLevelOf, assuranceShortfall } from './assurance.rules';
import type { AuthenticateSessionPayload, CreateSessionPayload, IssuedSession, Me } from './session.types';
import {
  CustomClaimsTooLargeError,
  InvalidSessionDurationError,
  SessionNotFoundError,
  shortfallError,
  TooManySessionArgumentsError,
} from './session.errors';

const SESSION_TOKEN_BYTES = 32;

/** What an authenticating mutation will do with a session once its factor is proven. */
type SessionPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'create'; readonly durationMinutes: number; readonly customClaims: Record<string, unknown> }
  | {
      readonly kind: 'extend';
      readonly sessionId: string;
      readonly sessionToken: string | null;
      readonly durationMinutes: number | null;
      /** A session caller's own session: its duration may end the session sooner, never later. */
      readonly shortenOnly: boolean;
      readonly customClaims: Record<string, unknown> | null;
    };

/** A factor recorded on a session, and the session as it now stands (its token only when new or given). */
export interface RecordedFactor {
  readonly session: Session;
  readonly sessionToken: string | null;
}

/**
 * The new session row of a successful attempt written as one statement
 * (src/verification/attempt.statement.ts): the escaped table and columns, their values in order, and
 * what `AttemptSession.record` would have answered.
 */
export interface NewSessionRow {
  readonly table: string;
  readonly columns: readonly string[];
  readonly params: unknown[];
  readonly recorded: RecordedFactor;
}

/**
 * The session side of one verification attempt (src/verification/verification-attempt.service.ts),
 * the one interface through which an attempt touches sessions. Its plan is settled and its signing
 * key loaded when it is made (`SessionService.forAttempt`); inside the attempt's transaction, after
 * the user's row, it locks and checks the session (`holdLive`) and records the proven factor
 * (`record`); after the commit, `issue` signs the session JWT with no I/O.
 */
export interface AttemptSession {
  /** Whether a successful attempt starts a new session (rather than extending one, or none). */
  readonly startsSession: boolean;
  /**
   * The id the session a successful attempt starts will have, or null when it starts none: chosen
   * before the transaction, so the attempt's events (the `session.created` webhook) can name it.
   */
  readonly newSessionId: string | null;
  /** Why the session can no longer take the factor (SESSION_NOT_FOUND, CUSTOM_CLAIMS_TOO_LARGE), or null. */
  holdLive(manager: EntityManager, nowMs: number): Promise<GatewayError | null>;
  /** Records the proven factor on the new or existing session; null when the attempt asked for none. */
  record(manager: EntityManager, factor: NewFactor, nowMs: number): Promise<RecordedFactor | null>;
  /**
   * Whether the plan needs neither `holdLive` nor an existing row (no session, or a new one), so an
   * attempt may write it inside one statement with `newRow` instead of `record`.
   */
  readonly writesNewRowOnly: boolean;
  /** Only when `writesNewRowOnly`: the row `record` would insert for `factor`, built without I/O; null for no session. */
  newRow(manager: EntityManager, factor: NewFactor, nowMs: number): NewSessionRow | null;
  /** After the commit: the session with a fresh JWT, or null when none was asked for. */
  issue(recorded: RecordedFactor | null): Promise<IssuedSession | null>;
}

/** What `touch` records on a session besides the access. */
interface SessionChanges {
  readonly durationMinutes: number | null;
  readonly shortenOnly?: boolean;
  readonly customClaims: Record<string, unknown> | null;
  readonly factor: AuthenticationFactor | null;
}

export type NewFactor = Omit<AuthenticationFactor, 'lastAuthenticatedAt'>;

/** The first factor of a session the project's backend starts (createSession). */
const EXTERNAL_FACTOR: NewFactor = { type: 'external', deliveryMethod: 'backend', totpId: null };

/** A compact JWS has three base64url parts; a session token (base64url) has no dot. */
const looksLikeJwt = (credential: string) => credential.split('.').length === 3;

export class SessionService {
  /** Signs the session JWTs this service issues and reads session ids back out of presented ones. */
  private readonly jwt: SessionJwtSigner;

  constructor(
    private readonly db: Database,
    private readonly hasher: KeyedHasher,
    private readonly keys: SigningKeyService,
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    /** publicUrl: PUBLIC_URL or null; the JWT issuer follows from it (./jwt-issuer.ts). */
    private readonly options: { publicUrl: string | null; jwtLifetimeSeconds: number },
  ) {
    this.jwt = new SessionJwtSigner(keys, clock, options);
  }

  /**
   * Validates the session arguments and finds the session they name (or, for a session caller, takes
   * its own, resolved when its request arrived); writes nothing. Every refusal that depends on the
   * request is made here, before the code is verified: for an existing session that includes the size
   * of its claims once the new ones are merged in (CUSTOM_CLAIMS_TOO_LARGE). The session is locked and
   * checked again inside the verification attempt's transaction (holdLive).
   */
  async plan(projectId: string, userId: string, args: SessionArgumentsInput, caller: SessionCaller | null = null): Promise<SessionPlan> {
    const durationMinutes = this.parseDuration(args.sessionDurationMinutes);
    const customClaims = this.parseClaims(args.sessionCustomClaims);
    if (caller) {
      const own = enforce(ownSession(caller, userId, args));
      if (customClaims) this.mergedClaims(await this.claimsOf(projectId, own.sessionId), customClaims);
      return { kind: 'extend', ...own, durationMinutes, customClaims };
    }
    if (args.sessionToken == null && args.sessionJwt == null) {
      if (durationMinutes === null) {
        if (customClaims) {
          throw new GatewayError('BAD_USER_INPUT', {
            errorType: 'custom_claims_without_session',
            message: 'sessionCustomClaims needs sessionDurationMinutes or an existing session.',
            details: { field: 'sessionCustomClaims' },
          });
        }
        return { kind: 'none' };
      }
      return { kind: 'create', durationMinutes, customClaims: mergeCustomClaims({}, customClaims ?? {}) };
    }
    const session = await this.resolve(projectId, args);
    if (session.userId !== userId) throw new SessionNotFoundError();
    if (customClaims) this.mergedClaims(session.customClaims, customClaims);
    return { kind: 'extend', sessionId: session.sessionId, sessionToken: args.sessionToken ?? null, durationMinutes, shortenOnly: false, customClaims };
  }

  /**
   * The session side of a verification attempt for `userId`: validates the session arguments and
   * finds the session they name (`plan`, refusing before anything is verified), and loads the signing
   * key a session JWT will need (`prepare`), both before the attempt's transaction.
   */
  async forAttempt(projectId: string, userId: string, args: SessionArgumentsInput, caller: SessionCaller | null): Promise<AttemptSession> {
    const plan = await this.plan(projectId, userId, args, caller);
    const key = await this.prepare(projectId, plan);
    const newSessionId = plan.kind === 'create' ? newId('session') : null;
    return {
      startsSession: plan.kind === 'create',
      newSessionId,
      holdLive: (manager, nowMs) => this.holdLive(manager, plan, nowMs),
      record: (manager, factor, nowMs) => this.applyFactor(manager, plan, projectId, userId, factor, nowMs, newSessionId),
      writesNewRowOnly: plan.kind !== 'extend',
      newRow: (manager, factor, nowMs) => {
        if (plan.kind === 'extend') throw new TypeError('an extended session is recorded with record(), not newRow()');
        if (plan.kind === 'none') return null;
        const recorded = this.newSession(plan, projectId, userId, factor, nowMs, newSessionId);
        return { ...insertParts(manager, Session, recorded.session), recorded };
      },
      issue: async (recorded) => (recorded && key ? this.issue(key, projectId, recorded) : null),
    };
  }

  /** Inside the caller's transaction: records the factor on a new (with id `newSessionId`, if chosen) or existing session. */
  private async applyFactor(
    manager: EntityManager,
    plan: SessionPlan,
    projectId: string,
    userId: string,
    factor: NewFactor,
    nowMs: number,
    newSessionId: string | null = null,
  ): Promise<RecordedFactor | null> {
    if (plan.kind === 'none') return null;
    if (plan.kind === 'create') {
      const recorded = this.newSession(plan, projectId, userId, factor, nowMs, newSessionId);
      // Raw SQL: every authentication with a session lands here (src/db/sql.ts says why).
      const insert = insertStatement(manager, Session, recorded.session);
      await sql(manager, insert.text, insert.params);
      return recorded;
    }
    const proven = Object.assign(new AuthenticationFactor(), factor, { lastAuthenticatedAt: new Date(nowMs) });
    const session = await this.touch(manager, plan.sessionId, nowMs, { ...plan, factor: proven });
    return { session, sessionToken: plan.sessionToken };
  }

  /**
   * A new session with `factor` as its first factor and a fresh token (stored as its keyed hash), not
   * yet written; its id is `sessionId` when the attempt chose one in advance (its audit event names it).
   */
  private newSession(plan: Extract<SessionPlan, { kind: 'create' }>, projectId: string, userId: string, factor: NewFactor, nowMs: number, sessionId: string | null): RecordedFactor {
    const now = new Date(nowMs);
    const sessionToken = randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
    const session = Object.assign(new Session(), {
      sessionId: sessionId ?? newId('session'),
      projectId,
      userId,
      tokenHash: this.hasher.hash(sessionToken),
      startedAt: now,
      lastAccessedAt: now,
      expiresAt: new Date(nowMs + plan.durationMinutes * MINUTE_MS),
      authenticationFactors: [Object.assign(new AuthenticationFactor(), factor, { lastAuthenticatedAt: now })],
      customClaims: plan.customClaims,
    });
    return { session, sessionToken };
  }

  /**
   * Inside the caller's transaction, after the user's row: locks the session an `extend` plan names
   * (PostgreSQL; SQLite's write transaction already excludes every other writer) and answers why the
   * plan can no longer be carried out, or null: SESSION_NOT_FOUND for a session revoked or expired
   * since `plan`, CUSTOM_CLAIMS_TOO_LARGE when claims stored since `plan` make the merge too large.
   * An attempt asks before its code is verified, so such a refusal comes before any outcome and spends nothing.
   * (The user first: deleteUser locks the user, then its sessions.)
   */
  private async holdLive(manager: EntityManager, plan: SessionPlan, nowMs: number): Promise<GatewayError | null> {
    if (plan.kind !== 'extend') return null;
    const session = await manager.findOne(Session, { where: { sessionId: plan.sessionId }, select: { sessionId: true, expiresAt: true, customClaims: true }, lock: this.db.rowLock });
    if (!session || session.expiresAt.getTime() <= nowMs) return new SessionNotFoundError();
    try {
      if (plan.customClaims) this.mergedClaims(session.customClaims, plan.customClaims);
    } catch (error) {
      if (error instanceof GatewayError) return error;
      throw error;
    }
    return null;
  }

  /**
   * Loads (or creates) the project's signing key when `plan` will issue a session, and returns it for
   * `issue`. Called before the verification attempt's transaction: a key that cannot be loaded fails the request
   * before it has written anything, and nothing after the commit touches the database again. The key
   * is the one scheduled to sign at this moment (SigningKeyService); one that stops signing while the
   * transaction runs stays in the JWKS for a rotation period, so its JWT verifies.
   */
  private async prepare(projectId: string, plan: SessionPlan): Promise<ActiveKey | null> {
    return plan.kind === 'none' ? null : this.keys.signingKey(projectId);
  }

  /** After the commit: the session with a fresh JWT, signed with the key `prepare` loaded (no I/O). */
  private async issue(key: ActiveKey, projectId: string, applied: RecordedFactor): Promise<IssuedSession> {
    return { ...applied, sessionJwt: await this.jwt.sign(key, projectId, applied.session) };
  }

  /**
   * authenticateSession: the live session a token or JWT names, extended and with new claims when
   * asked, and a fresh JWT. Step-up (src/sessions/assurance.rules.ts): refused, before anything is
   * written, with SECOND_FACTOR_REQUIRED when the session is below `requireAssurance` (default: AAL2
   * under the project's REQUIRED mfaPolicy, else AAL1) and with FACTOR_TOO_OLD when the newest factor
   * meeting it is older than `maxFactorAgeSeconds`.
   */
  async authenticate(project: Pick<ProjectRef, 'projectId' | 'mfaPolicy'>, args: AuthenticateSessionInput): Promise<AuthenticateSessionPayload> {
    const { projectId } = project;
    const durationMinutes = this.parseDuration(args.sessionDurationMinutes);
    const customClaims = this.parseClaims(args.sessionCustomClaims);
    const found = await this.resolve(projectId, args);
    const level = args.requireAssurance ?? (project.mfaPolicy === 'REQUIRED' ? 'AAL2' : 'AAL1');
    const shortfall = assuranceShortfall(found.authenticationFactors, { level, maxFactorAgeSeconds: args.maxFactorAgeSeconds }, this.clock.now());
    if (shortfall) throw shortfallError(shortfall);
    // Loaded before the write and used after it, so nothing after the commit touches the database.
    const key = await this.keys.signingKey(projectId);
    const nowMs = this.clock.now();
    const { session, user } = await this.db.write(async (m) => ({
      session: await this.touch(m, found.sessionId, nowMs, { durationMinutes, customClaims, factor: null }),
      user: await this.users.require(m, projectId, found.userId),
    }));
    return { session, user, sessionToken: args.sessionToken ?? null, sessionJwt: await this.jwt.sign(key, projectId, session) };
  }

  /**
   * createSession: the project's backend vouches for a first factor it proved itself, as Stytch's
   * frontend SDKs expect a session to exist before the browser enrolls a second factor.
   */
  async start(projectId: string, input: CreateSessionInput, requestId: string | null = null): Promise<CreateSessionPayload> {
    const userId = parseUserId(input.userId);
    const durationMinutes = this.parseDuration(input.sessionDurationMinutes);
    if (durationMinutes === null) throw new InvalidSessionDurationError();
    const customClaims = mergeCustomClaims({}, this.parseClaims(input.sessionCustomClaims) ?? {});
    // Loaded before the write and used after it, so nothing after the commit touches the database.
    const key = await this.keys.signingKey(projectId);
    const nowMs = this.clock.now();
    const { applied, user } = await this.db.write(async (m) => {
      // Held until the session row is in: a concurrent deleteUser waits and takes it along (cascade),
      // or has already committed and this answers USER_NOT_FOUND, never a foreign-key failure.
      await this.users.lock(m, projectId, userId);
      const user = await this.users.require(m, projectId, userId);
      const applied = (await this.applyFactor(m, { kind: 'create', durationMinutes, customClaims }, projectId, userId, EXTERNAL_FACTOR, nowMs))!;
      await this.audit.record(m, { projectId, userId, type: 'session', outcome: 'created', requestId, occurredAtMs: nowMs, sessionId: applied.session.sessionId });
      return { applied, user };
    });
    const issued = await this.issue(key, projectId, applied);
    return { userId, user, session: issued.session, sessionToken: issued.sessionToken!, sessionJwt: issued.sessionJwt };
  }

  /**
   * The live session a bearer credential (session token or session JWT) names in this project, or
   * null. Unlike `authenticateSession` (a backend asking), a Bearer JWT past its 5-minute `exp` is
   * refused: a JWT forwarded to other services must not stay a key to this API for the session's life.
   */
  async callerOf(project: Pick<ProjectRef, 'projectId' | 'mfaPolicy'>, bearer: string): Promise<SessionCaller | null> {
    const credential: SessionCredential = looksLikeJwt(bearer) ? { sessionJwt: bearer } : { sessionToken: bearer };
    try {
      const session = await this.resolve(project.projectId, credential, true);
      return {
        sessionId: session.sessionId,
        userId: session.userId,
        credential,
        factors: session.authenticationFactors.map((f) => f.type),
        assuranceLevel: assuranceLevelOf(session.authenticationFactors),
        mfaPolicy: project.mfaPolicy,
        expiresAtMs: session.expiresAt.getTime(),
      };
    } catch (error) {
      if (error instanceof SessionNotFoundError) return null;
      throw error;
    }
  }

  /** `me`: the caller's user and session as they are now. */
  async me(projectId: string, caller: SessionCaller): Promise<Me> {
    const now = new Date(this.clock.now());
    return this.db.read(async (m) => {
      const session = await m.findOne(Session, { where: { sessionId: caller.sessionId, projectId, expiresAt: MoreThan(now) } });
      if (!session) throw new SessionNotFoundError();
      return { userId: session.userId, user: await this.users.require(m, projectId, session.userId), session };
    });
  }

  async revoke(projectId: string, input: RevokeSessionInput, requestId: string | null = null): Promise<string> {
    const given = [input.sessionId, input.sessionToken, input.sessionJwt].filter((v) => v != null).length;
    if (given > 1) throw new TooManySessionArgumentsError({ message: 'Give one of sessionId, sessionToken or sessionJwt.' });
    let sessionId: string;
    if (input.sessionId != null) {
      if (!isId('session', input.sessionId)) throw new GatewayError('INVALID_SESSION_ID');
      sessionId = input.sessionId;
    } else {
      sessionId = (await this.resolve(projectId, input)).sessionId;
    }
    const nowMs = this.clock.now();
    const revoked = await this.db.write(async (m) => {
      const session = await m.findOne(Session, { where: { sessionId, projectId }, select: { sessionId: true, userId: true } });
      // Of concurrent revocations of one session only the one that deletes the row records it.
      if (!session || !(await m.delete(Session, { sessionId, projectId })).affected) return false;
      await this.audit.record(m, { projectId, userId: session.userId, type: 'session', outcome: 'revoked', requestId, occurredAtMs: nowMs, sessionId });
      return true;
    });
    if (!revoked) throw new SessionNotFoundError();
    return sessionId;
  }

  async list(projectId: string, userId: unknown): Promise<Session[]> {
    const id = parseUserId(userId);
    const now = new Date(this.clock.now());
    return this.db.read(async (m) => {
      await this.users.require(m, projectId, id);
      return m.find(Session, { where: { projectId, userId: id, expiresAt: MoreThan(now) }, order: { startedAt: 'ASC' } });
    });
  }

  /** The live session named by a token or a JWT of this project; both at once is refused. */
  private async resolve(projectId: string, args: { sessionToken?: string | null; sessionJwt?: string | null }, unexpiredJwt = false): Promise<Session> {
    if (args.sessionToken != null && args.sessionJwt != null) throw new TooManySessionArgumentsError();
    const now = new Date(this.clock.now());
    let where: Record<string, unknown>;
    if (args.sessionToken != null) {
      where = { tokenHash: In(this.hasher.candidates(args.sessionToken)) };
    } else if (args.sessionJwt != null) {
      where = { sessionId: await this.jwt.sessionIdFromJwt(projectId, args.sessionJwt, unexpiredJwt) };
    } else {
      throw new GatewayError('BAD_USER_INPUT', {
        errorType: 'session_argument_required',
        message: 'Give sessionToken or sessionJwt.',
        details: { field: 'sessionToken' },
      });
    }
    const session = await this.db.read((m) => m.findOne(Session, { where: { ...where, projectId, expiresAt: MoreThan(now) } }));
    if (!session) throw new SessionNotFoundError();
    return session;
  }

  /** Locks the row (PostgreSQL) and records an access, a factor, a new expiry or new claims. */
  private async touch(manager: EntityManager, sessionId: string, nowMs: number, changes: SessionChanges): Promise<Session> {
    const { durationMinutes, shortenOnly = false, customClaims, factor } = changes;
    const session = await manager.findOne(Session, { where: { sessionId }, lock: this.db.rowLock });
    if (!session || session.expiresAt.getTime() <= nowMs) throw new SessionNotFoundError();
    session.lastAccessedAt = new Date(nowMs);
    if (durationMinutes !== null) {
      // Checked against the row as locked now, at the time of processing, so neither a queued request
      // nor an expiry the backend changed meanwhile lets a session caller outlive its session.
      const requested = nowMs + durationMinutes * MINUTE_MS;
      if (!shortenOnly || requested < session.expiresAt.getTime()) session.expiresAt = new Date(requested);
    }
    // A null value deletes that top-level key (Stytch's rule, src/sessions/session.claims.ts). Checked
    // again here for authenticateSession; a verification attempt has had it checked under this lock (holdLive).
    if (customClaims) session.customClaims = this.mergedClaims(session.customClaims, customClaims);
    if (factor) {
      session.authenticationFactors = [
        ...session.authenticationFactors.filter((f) => !(f.type === factor.type && f.deliveryMethod === factor.deliveryMethod)),
        factor,
      ];
    }
    await manager.update(Session, { sessionId }, {
      lastAccessedAt: session.lastAccessedAt,
      expiresAt: session.expiresAt,
      customClaims: session.customClaims as never,
      authenticationFactors: session.authenticationFactors as never,
    });
    return session;
  }

  /** The claims of a live session of this project (for `plan`'s size check), or SESSION_NOT_FOUND. */
  private async claimsOf(projectId: string, sessionId: string): Promise<Record<string, unknown>> {
    const now = new Date(this.clock.now());
    const session = await this.db.read((m) => m.findOne(Session, { where: { sessionId, projectId, expiresAt: MoreThan(now) }, select: { sessionId: true, customClaims: true } }));
    if (!session) throw new SessionNotFoundError();
    return session.customClaims;
  }

  /** `existing` with `update` merged in (session.claims.ts); CUSTOM_CLAIMS_TOO_LARGE when the result exceeds CUSTOM_CLAIMS_MAX_BYTES. */
  private mergedClaims(existing: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
    const merged = mergeCustomClaims(existing, update);
    if (jsonByteLength(merged) > CUSTOM_CLAIMS_MAX_BYTES) throw new CustomClaimsTooLargeError();
    return merged;
  }

  // The bounds of both (SESSION_DURATION_MINUTES, reserved names, CUSTOM_CLAIMS_MAX_BYTES) are
  // checked on the inputs (session.inputs.ts), for GraphQL and REST alike.
  private parseDuration(minutes: number | null | undefined): number | null {
    return minutes ?? null;
  }

  private parseClaims(claims: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
    return claims ?? null;
  }
}
