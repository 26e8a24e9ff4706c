import type { FastifyBaseLogger } from 'fastify';
import type { ContainerType } from 'type-graphql';
import type { ProjectRef } from '../auth/project.service';
import type { SessionCaller } from '../sessions/session.service';
import { isId } from '../common/ids';
import { GatewayError, UnauthorizedCredentialsError as Unauthorized } from '../errors/error.catalogue';

/** Who may call a field (`@auth(requires: [...])`): a project's backend, or a browser with a session. */
export type AuthRole = 'SECRET' | 'SESSION';

export interface GatewayContext {
  /** The calling project, or null when the credentials are missing or wrong. */
  readonly project: ProjectRef | null;
  /** Set for a session caller (public token + session); null for a project secret or no credentials. */
  readonly session: SessionCaller | null;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  /** This server's resolver instances (per server, never module-global). */
  readonly container: ContainerType;
}

export function roleOf(ctx: Pick<GatewayContext, 'project' | 'session'>): AuthRole | null {
  if (!ctx.project) return null;
  return ctx.session ? 'SESSION' : 'SECRET';
}

/** The project of an authenticated request; @auth has already refused anonymous ones. */
export function projectOf(ctx: GatewayContext): ProjectRef {
  if (!ctx.project) throw unauthorized();
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
export function ownUserId<T>(ctx: GatewayContext, userId: T): T {
  if (ctx.session && isId('user', userId) && userId !== ctx.session.userId) throw new GatewayError('USER_NOT_FOUND');
  return userId;
}

/** `ownUserId` for an input object carrying `userId`. */
export function ownInput<T extends { userId: string }>(ctx: GatewayContext, input: T): T {
  ownUserId(ctx, input.userId);
  return input;
}

/**
 * Session arguments of an authenticating mutation: a session caller's factor always lands on its own
 * session (the one in `Authorization`), so naming another one as well is refused.
 */
export function ownSessionInput<T extends { userId: string; sessionToken?: string | null; sessionJwt?: string | null }>(ctx: GatewayContext, input: T): T {
  ownInput(ctx, input);
  if (!ctx.session) return input;
  if (input.sessionToken != null || input.sessionJwt != null) {
    throw new GatewayError('TOO_MANY_SESSION_ARGUMENTS', { message: 'A session caller adds factors to its own session: leave sessionToken and sessionJwt out.' });
  }
  return { ...input, ...ctx.session.credential };
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
