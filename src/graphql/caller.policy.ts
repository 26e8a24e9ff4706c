// Who may call what: every rule for a GraphQL caller as a pure function returning a decision, so one
// module states them and unit tests read them (test/unit/caller.policy.test.ts). Two roles:
// - SECRET, the project's backend (HTTP Basic with the project id and a secret): every field;
// - SESSION, a browser (X-Public-Token plus a Bearer session of that project): only the fields that
//   name SESSION (`@Authorized`), only for its own user and its own session (OWASP ASVS 4.1.3, 4.2.1).
// The schema transform (src/auth/auth.directive.ts) applies the field rules, the resolvers the
// argument rules, SessionService.plan the session rule. This module sits below the features (it is
// imported by their resolvers and services), so it holds no I/O and throws nothing but in `enforce`.
import { GatewayError } from '../errors/error.catalogue';
import { isId } from '../common/ids';
import type { SessionCaller } from './caller.types';

/** Who may call a field: a project's backend (SECRET), or a browser with a session (SESSION). */
export type AuthRole = 'SECRET' | 'SESSION';

/** The roles of a field that names none: project credentials only. */
export const DEFAULT_ROLES: readonly AuthRole[] = ['SECRET'];

/** What the rules read of a caller (src/auth/caller.ts resolves it from the request headers). */
export interface CallerView {
  /** The calling project, or null for a caller without valid credentials. */
  readonly project: unknown;
  /** Set for a session caller; null for a project secret or no credentials. */
  readonly session: SessionCaller | null;
  /** Set when credentials were sent and are wrong: what the caller is told. */
  readonly refusal?: string;
}

/** A rule's answer: allowed (with the value to go on with) or refused (with the error to answer). */
export type Decision<T> = { readonly allowed: true; readonly value: T } | { readonly allowed: false; readonly error: GatewayError };

const allow = <T>(value: T): Decision<T> => ({ allowed: true, value });
const refuse = <T>(error: GatewayError): Decision<T> => ({ allowed: false, error });

/** The decision's value, or its error thrown (for resolvers and services applying a rule). */
export function enforce<T>(decision: Decision<T>): T {
  if (!decision.allowed) throw decision.error;
  return decision.value;
}

/** The role of a caller, or null for an anonymous one (no or wrong credentials). */
export function roleOf(caller: Pick<CallerView, 'project' | 'session'>): AuthRole | null {
  if (!caller.project) return null;
  return caller.session ? 'SESSION' : 'SECRET';
}

/**
 * Whether a request runs no operation at all, `__typename` and introspection included: when it sent
 * credentials and they are wrong (RFC 7235 §3.1: the request is refused, not served as anonymous).
 * A request without credentials is anonymous, and each root field refuses it on its own.
 */
export function refusesEveryOperation(caller: Pick<CallerView, 'refusal'>): boolean {
  return caller.refusal !== undefined;
}

/** Whether a caller of `role` (null: anonymous) may call a field open to `allowed`. */
export function mayCall(role: AuthRole | null, allowed: ReadonlySet<AuthRole>): role is AuthRole {
  return role !== null && allowed.has(role);
}

/**
 * Whether a caller of `role` may run an operation selecting `rootFields`: only when every root field
 * admits it (meta fields such as `__typename` excepted), so a refused operation changes nothing and
 * no allowed field runs beside a refused one. `rolesOf` gives a root field's roles (none: refused).
 */
export function operationAdmits(role: AuthRole, rootFields: readonly string[], rolesOf: (field: string) => ReadonlySet<AuthRole> | undefined): boolean {
  return rootFields.every((name) => name.startsWith('__') || Boolean(rolesOf(name)?.has(role)));
}

/**
 * A session caller acts only for its own user. Another well-formed user id answers exactly as a
 * missing user does (as across projects: no oracle for which ids exist); a malformed one is left for
 * the service to refuse as INVALID_USER_ID. (An external id has already become its user's id, or
 * USER_NOT_FOUND, before this runs: src/users/user-ref.transform.ts.) A project secret may name any
 * user of its project.
 */
export function ownUser<T>(session: SessionCaller | null, userId: T): Decision<T> {
  if (session && isId('user', userId) && userId !== session.userId) return refuse(new GatewayError('USER_NOT_FOUND'));
  return allow(userId);
}

/** The session arguments an authenticating mutation may carry (AuthenticateTotpInput, RecoverTotpInput, AuthenticateRememberedDeviceInput). */
export interface SessionArguments {
  readonly userId: string;
  readonly sessionToken?: string | null;
  readonly sessionJwt?: string | null;
  readonly sessionDurationMinutes?: number | null;
  readonly sessionCustomClaims?: object | null;
}

/**
 * Session arguments of an authenticating mutation: a session caller's factor always lands on its own
 * session (the one in `Authorization`), so naming another one is refused. Custom claims are the
 * backend's alone (it trusts them; Stytch's frontend SDKs cannot set them either). A lifetime is
 * accepted, as Stytch's frontend SDKs send `session_duration_minutes` with every authenticate, but it
 * may only shorten the session (`ownSession`).
 */
export function sessionArgumentsFor<T extends SessionArguments>(session: SessionCaller | null, input: T): Decision<T> {
  const user = ownUser(session, input.userId);
  if (!user.allowed) return refuse(user.error);
  if (!session) return allow(input);
  if (input.sessionToken != null || input.sessionJwt != null) {
    return refuse(new GatewayError('TOO_MANY_SESSION_ARGUMENTS', { message: 'A session caller adds factors to its own session: leave sessionToken and sessionJwt out.' }));
  }
  if (input.sessionCustomClaims != null) {
    return refuse(
      new GatewayError('BAD_USER_INPUT', {
        errorType: 'session_argument_not_allowed',
        message: "sessionCustomClaims is set by the project's backend (createSession or authenticateSession), not by a session caller.",
        details: { field: 'sessionCustomClaims' },
      }),
    );
  }
  return allow(input);
}

/** The session a session caller's factor lands on: its own, whose lifetime it may shorten, never extend. */
export interface OwnSession {
  readonly sessionId: string;
  /** The session token to answer with, when the caller proved itself with it (not with a JWT). */
  readonly sessionToken: string | null;
  readonly shortenOnly: true;
}

/**
 * For SessionService.plan: a session caller names no session (its own is the one it called with)
 * and acts for its own user (another user's id answers SESSION_NOT_FOUND, as a session of another
 * user does for a project secret).
 */
export function ownSession(session: SessionCaller, userId: string, args: Pick<SessionArguments, 'sessionToken' | 'sessionJwt'>): Decision<OwnSession> {
  if (args.sessionToken != null || args.sessionJwt != null) return refuse(new GatewayError('TOO_MANY_SESSION_ARGUMENTS'));
  if (session.userId !== userId) return refuse(new GatewayError('SESSION_NOT_FOUND'));
  const sessionToken = 'sessionToken' in session.credential ? session.credential.sessionToken : null;
  return allow({ sessionId: session.sessionId, sessionToken, shortenOnly: true });
}

/**
 * The root fields a session below AAL2 may call in a project whose mfaPolicy is REQUIRED: those that
 * take it to AAL2 (enroll: createTotp; verify: authenticateTotp; recover: recoverTotp; a remembered
 * device: authenticateRememberedDevice) and signing out (revokeSession). Everything else waits for
 * the second factor (NIST SP 800-63B §4.2.1: AAL2 is reached with two factors before the service is used).
 */
const FIELDS_BELOW_AAL2: ReadonlySet<string> = new Set(['createTotp', 'authenticateTotp', 'recoverTotp', 'authenticateRememberedDevice', 'revokeSession']);

/**
 * The project's MFA policy for a session caller, over a whole operation (as the roles are: a refused
 * operation runs no field at all): under REQUIRED a session below AAL2 may only select
 * FIELDS_BELOW_AAL2, else SECOND_FACTOR_REQUIRED. `rootFields` is only asked for when the rule applies.
 * A project secret is never held to it (its backend decides, with authenticateSession's requireAssurance).
 */
export function withinMfaPolicy(session: SessionCaller | null, rootFields: () => readonly string[]): Decision<null> {
  if (!session || session.mfaPolicy !== 'REQUIRED' || session.assuranceLevel === 'AAL2') return allow(null);
  if (rootFields().every((name) => name.startsWith('__') || FIELDS_BELOW_AAL2.has(name))) return allow(null);
  return refuse(
    new GatewayError('SECOND_FACTOR_REQUIRED', {
      message: `This project requires a second factor: until this session has one, it may only call ${[...FIELDS_BELOW_AAL2].join(', ')}.`,
      details: { assuranceLevel: session.assuranceLevel },
    }),
  );
}

/** Factors that prove the user, not just the customer's backend (createSession's `external`). */
const SECOND_FACTORS = new Set(['totp', 'recovery_codes']);

/**
 * For what would void the user's second factor (new recovery codes): a session caller must have
 * proven one in this session, or a password alone (createSession) could mint recovery codes and then
 * pass the second factor with them (NIST SP 800-63B §6.1.2.3: replacing an authenticator needs the
 * authenticators the subscriber already has).
 */
export function userWithSecondFactor<T>(session: SessionCaller | null, userId: T): Decision<T> {
  const user = ownUser(session, userId);
  if (user.allowed && session && !session.factors.some((type) => SECOND_FACTORS.has(type))) return refuse(new GatewayError('SECOND_FACTOR_REQUIRED'));
  return user;
}

/**
 * Whether a DUPLICATE_EMAIL / DUPLICATE_PHONE_NUMBER / DUPLICATE_EXTERNAL_ID answer may name the user
 * that already holds the value (`existingUserId`): only to the project's backend, which could list its
 * users anyway (`users`). A session caller must not learn who else uses an email (OWASP ASVS V2.2:
 * no account enumeration); the fields that raise these are project-secret only, and this keeps it so
 * should one ever admit sessions.
 */
export function mayNameExistingUser(session: SessionCaller | null): boolean {
  return session === null;
}

/** What revokeSession names (at most one of them, checked by the service). */
export interface RevokeArguments {
  readonly sessionId?: string | null;
  readonly sessionToken?: string | null;
  readonly sessionJwt?: string | null;
}

/**
 * revokeSession by a session caller: only its own session, named or not (another answers
 * SESSION_NOT_FOUND, as a missing one does); the input becomes its own session id.
 */
export function revokeTargetFor<T extends RevokeArguments>(session: SessionCaller | null, input: T): Decision<T> {
  if (!session) return allow(input);
  const names = [input.sessionId, input.sessionToken, input.sessionJwt].filter((v) => v != null);
  const own = [session.sessionId, ...Object.values(session.credential)];
  if (names.some((name) => !own.includes(name))) return refuse(new GatewayError('SESSION_NOT_FOUND'));
  return allow({ ...input, sessionId: session.sessionId, sessionToken: null, sessionJwt: null });
}
