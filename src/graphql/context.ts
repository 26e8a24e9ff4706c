import type { FastifyBaseLogger } from 'fastify';
import type { ContainerType } from 'type-graphql';
import type { ProjectRef } from '../projects/project.service';
import type { SessionCaller } from './caller.types';
import type { OperationOutcome } from '../http/request-log';
import { UnauthorizedCredentialsError as Unauthorized } from '../errors/error.catalogue';
import {
  enforce,
  ownUser,
  userWithSecondFactor,
  revokeTargetFor,
  sessionArgumentsFor,
  type RevokeArguments,
  type SessionArguments,
} from './caller.policy';

export interface GatewayContext {
  /** The calling project, or null when the credentials are missing or wrong. */
  readonly project: ProjectRef | null;
  /** Set for a session caller (public token + session); null for a project secret or no credentials. */
  readonly session: SessionCaller | null;
  /** Set when credentials were sent and are wrong: the message the caller gets (it then runs no operation). */
  readonly refusal?: string;
  readonly requestId: string;
  /** When the HTTP request arrived (src/common/arrival.ts): the moment a TOTP code is verified at. */
  readonly receivedAtMs?: number;
  /** The request's User-Agent header, when it sent one (a remembered device records it). */
  readonly userAgent?: string;
  /** The client's address: the peer's, or behind TRUSTED_PROXIES the one X-Forwarded-For names. */
  readonly clientIp?: string;
  /** The TCP peer's address (the rate limits' fallback when `clientIp` is not an IP address). */
  readonly peerIp?: string;
  readonly log: FastifyBaseLogger;
  /** This request's operations, for its log line (src/http/request-log.ts); each operation appends its name and error codes. */
  readonly operations?: OperationOutcome[];
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

/** A session caller acts only for its own user (caller.policy.ts `ownUser`), for an input carrying `userId`. */
export function ownInput<T extends { userId: string }>(ctx: GatewayContext, input: T): T {
  enforce(ownUser(ctx.session, input.userId));
  return input;
}

/** Session arguments of an authenticating mutation (caller.policy.ts `sessionArgumentsFor`). */
export function ownSessionInput<T extends SessionArguments>(ctx: GatewayContext, input: T): T {
  return enforce(sessionArgumentsFor(ctx.session, input));
}

/** A user whose second factor a session caller proved in this session (caller.policy.ts `userWithSecondFactor`). */
export function ownUserWithSecondFactor<T>(ctx: GatewayContext, userId: T): T {
  return enforce(userWithSecondFactor(ctx.session, userId));
}

/** revokeSession's target: a session caller's own session only (caller.policy.ts `revokeTargetFor`). */
export function ownRevokeInput<T extends RevokeArguments>(ctx: GatewayContext, input: T): T {
  return enforce(revokeTargetFor(ctx.session, input));
}
