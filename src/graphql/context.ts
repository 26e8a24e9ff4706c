import type { FastifyBaseLogger } from 'fastify';
import type { ContainerType } from 'type-graphql';
import type { ProjectRef } from '../projects/project.service';
import type { SessionCaller } from '../sessions/session.service';
import { isId } from '../common/ids';
import { GatewayError, UnauthorizedCredentialsError as Unauthorized } from '../errors/error.catalogue';

export interface GatewayContext {
  /** The calling project, or null when the credentials are missing or wrong. */
  readonly project: ProjectRef | null;
  /** Set for a session caller (public token + session); null for a project secret or no credentials. */
  readonly session: SessionCaller | null;
  /** The message an unauthenticated caller gets, when it is not the default's "send project credentials". */
  readonly refusal?: string;
  readonly requestId: string;
  /** When the HTTP request arrived (src/common/arrival.ts): the moment a TOTP code is judged at. */
  readonly receivedAtMs?: number;
  /** The client's address: the peer's, or behind TRUSTED_PROXIES the one X-Forwarded-For names. */
  readonly clientIp?: string;
  /** The TCP peer's address (the rate limits' fallback when `clientIp` is not an IP address). */
  readonly peerIp?: string;
  readonly log: FastifyBaseLogger;
  /** This server's resolver instances (per server, never module-global). */
  readonly container: ContainerType;
}

/** The project of an authenticated request; @auth has already refused anonymous ones. */
export function projectOf(ctx: GatewayContext): ProjectRef {
  if (!ctx.project) throw unauthorized(ctx.refusal);
  return ctx.project;
}

/** The session caller of a field that only sessions may call (`me`). */
export function sessionOf(ctx: GatewayContext): SessionCaller {
  if (!ctx.session) throw unauthorized();
  return ctx.session;
}

/** 401 for the HTTP response (Apollo lifts `extensions.http` into the status and strips it). */
export function unauthorized(message?: string): InstanceType<typeof Unauthorized> {
  return new Unauthorized({ message, details: { http: { status: 401 } } });
}

/**
 * A session caller acts only for its own user. Another well-formed user id answers exactly as a
 * missing user does (as across projects: no oracle for which ids exist); a malformed one is left for
 * the service to refuse as INVALID_USER_ID.
 */
function ownUserId<T>(ctx: GatewayContext, userId: T): T {
  if (ctx.session && isId('user', userId) && userId !== ctx.session.userId) throw new GatewayError('USER_NOT_FOUND');
  return userId;
}

/** `ownUserId` for an input object carrying `userId`. */
export function ownInput<T extends { userId: string }>(ctx: GatewayContext, input: T): T {
  ownUserId(ctx, input.userId);
  return input;
}

/** Factors that prove the user, not just the customer's backend (createSession's `external`). */
const SECOND_FACTORS = new Set(['totp', 'recovery_codes']);

/**
 * Session arguments of an authenticating mutation: a session caller's factor always lands on its own
 * session (the one in `Authorization`), so naming another one is refused. Custom claims are the
 * backend's alone (it trusts them; Stytch's frontend SDKs cannot set them either). A lifetime is
 * accepted, as Stytch's frontend SDKs send `session_duration_minutes` with every authenticate, but it
 * may only shorten the session: one that would end later than the session's expiry changes nothing
 * (SessionService applies that rule to the row it locks).
 */
export function ownSessionInput<
  T extends { userId: string; sessionToken?: string | null; sessionJwt?: string | null; sessionDurationMinutes?: number | null; sessionCustomClaims?: object | null },
>(ctx: GatewayContext, input: T): T {
  ownInput(ctx, input);
  const caller = ctx.session;
  if (!caller) return input;
  if (input.sessionToken != null || input.sessionJwt != null) {
    throw new GatewayError('TOO_MANY_SESSION_ARGUMENTS', { message: 'A session caller adds factors to its own session: leave sessionToken and sessionJwt out.' });
  }
  if (input.sessionCustomClaims != null) {
    throw new GatewayError('BAD_USER_INPUT', {
      errorType: 'session_argument_not_allowed',
      message: "sessionCustomClaims is set by the project's backend (createSession or authenticateSession), not by a session caller.",
      details: { field: 'sessionCustomClaims' },
    });
  }
  // Its own session goes to the service as the caller (GuessOptions.caller), already resolved; a
  // duration there may only shorten it (SessionPlan.shortenOnly).
  return input;
}

/**
 * For what would void the user's second factor (new recovery codes): a session caller must have
 * proven one in this session, or a password alone (createSession) could mint recovery codes and then
 * pass the second factor with them (NIST SP 800-63B §6.1.2.3: replacing an authenticator needs the
 * authenticators the subscriber already has).
 */
export function ownUserWithSecondFactor<T>(ctx: GatewayContext, userId: T): T {
  ownUserId(ctx, userId);
  if (ctx.session && !ctx.session.factors.some((type) => SECOND_FACTORS.has(type))) throw new GatewayError('SECOND_FACTOR_REQUIRED');
  return userId;
}

/** revokeSession by a session caller: only its own session, named or not. */
export function ownRevokeInput<T extends { sessionId?: string | null; sessionToken?: string | null; sessionJwt?: string | null }>(ctx: GatewayContext, input: T): T {
  const caller = ctx.session;
  if (!caller) return input;
  const names = [input.sessionId, input.sessionToken, input.sessionJwt].filter((v) => v != null);
  const own = [caller.sessionId, ...Object.values(caller.credential)];
  if (names.some((name) => !own.includes(name))) throw new GatewayError('SESSION_NOT_FOUND');
  return { ...input, sessionId: caller.sessionId, sessionToken: null, sessionJwt: null };
}
