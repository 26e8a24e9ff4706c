// Who may call what (src/graphql/caller.policy.ts): roles per field and per operation, wrong credentials refusing everything, and a session caller held to its own user and its own session (OWASP ASVS 4.1.3, 4.2.1).
import { randomUUID } from 'node:crypto';
import {
  enforce,
  mayCall,
  mayNameExistingUser,
  operationAdmits,
  ownSession,
  ownUser,
  refusesEveryOperation,
  revokeTargetFor,
  roleOf,
  sessionArgumentsFor,
  userWithSecondFactor,
  withinMfaPolicy,
  type AuthRole,
  type Decision,
} from '../../src/graphql/caller.policy';
import type { SessionCaller } from '../../src/graphql/caller.types';

const userId = `user-${randomUUID()}`;
const otherUserId = `user-${randomUUID()}`;
const sessionToken = 'a'.repeat(44);
const caller = (over: Partial<SessionCaller> = {}): SessionCaller => ({
  sessionId: `session-${randomUUID()}`,
  userId,
  credential: { sessionToken },
  factors: ['external'],
  assuranceLevel: 'AAL1',
  mfaPolicy: 'OPTIONAL',
  expiresAtMs: Date.UTC(2030, 0, 1),
  ...over,
});
const refusal = <T>(decision: Decision<T>) => (decision.allowed ? null : { code: decision.error.code, errorType: decision.error.errorType });
const roles = (...r: AuthRole[]) => new Set(r);

describe('roles', () => {
  it('a caller is SECRET with a project, SESSION with a project and a session, anonymous without a project', () => {
    expect(roleOf({ project: { projectId: 'p' }, session: null })).toBe('SECRET');
    expect(roleOf({ project: { projectId: 'p' }, session: caller() })).toBe('SESSION');
    expect(roleOf({ project: null, session: null })).toBeNull();
  });

  it('a field admits only the roles it names; an anonymous caller none', () => {
    expect(mayCall('SECRET', roles('SECRET'))).toBe(true);
    expect(mayCall('SESSION', roles('SECRET'))).toBe(false);
    expect(mayCall('SESSION', roles('SECRET', 'SESSION'))).toBe(true);
    expect(mayCall('SECRET', roles('SESSION'))).toBe(false);
    expect(mayCall(null, roles('SECRET', 'SESSION'))).toBe(false);
  });

  it('an operation runs only when every root field admits the role (meta fields aside; an unknown field refuses)', () => {
    const rolesOf = (field: string) => new Map([['me', roles('SESSION')], ['user', roles('SECRET')], ['createTotp', roles('SECRET', 'SESSION')]]).get(field);
    expect(operationAdmits('SESSION', ['me', 'createTotp', '__typename'], rolesOf)).toBe(true);
    expect(operationAdmits('SESSION', ['me', 'user'], rolesOf)).toBe(false);
    expect(operationAdmits('SECRET', ['user', 'me'], rolesOf)).toBe(false);
    expect(operationAdmits('SECRET', ['unknown'], rolesOf)).toBe(false);
    expect(operationAdmits('SECRET', ['__typename'], rolesOf)).toBe(true);
  });

  it('wrong credentials refuse every operation; no credentials leave it to the fields', () => {
    expect(refusesEveryOperation({ refusal: 'Send valid project credentials.' })).toBe(true);
    expect(refusesEveryOperation({})).toBe(false);
  });
});

describe('a session caller', () => {
  it('acts for its own user only; another id answers as a missing user, a malformed one is left to the service', () => {
    expect(enforce(ownUser(caller(), userId))).toBe(userId);
    expect(refusal(ownUser(caller(), otherUserId))).toEqual({ code: 'USER_NOT_FOUND', errorType: 'user_not_found' });
    expect(ownUser(caller(), 'not-an-id').allowed).toBe(true);
    expect(ownUser(null, otherUserId).allowed).toBe(true);
  });

  it('names no session and sets no custom claims; it may send a duration', () => {
    expect(refusal(sessionArgumentsFor(caller(), { userId, sessionToken }))).toMatchObject({ code: 'TOO_MANY_SESSION_ARGUMENTS' });
    expect(refusal(sessionArgumentsFor(caller(), { userId, sessionJwt: 'a.b.c' }))).toMatchObject({ code: 'TOO_MANY_SESSION_ARGUMENTS' });
    expect(refusal(sessionArgumentsFor(caller(), { userId, sessionCustomClaims: { role: 'admin' } }))).toEqual({ code: 'BAD_USER_INPUT', errorType: 'session_argument_not_allowed' });
    expect(refusal(sessionArgumentsFor(caller(), { userId: otherUserId }))).toMatchObject({ code: 'USER_NOT_FOUND' });
    const input = { userId, sessionDurationMinutes: 5 };
    expect(enforce(sessionArgumentsFor(caller(), input))).toBe(input);
    const backend = { userId: otherUserId, sessionToken, sessionCustomClaims: { role: 'admin' } };
    expect(enforce(sessionArgumentsFor(null, backend))).toBe(backend);
  });

  it("lands its factor on its own session, which it may only shorten; the token is answered only when it called with one", () => {
    const self = caller();
    expect(enforce(ownSession(self, userId, {}))).toEqual({ sessionId: self.sessionId, sessionToken, shortenOnly: true });
    const byJwt = caller({ credential: { sessionJwt: 'a.b.c' } });
    expect(enforce(ownSession(byJwt, userId, {}))).toEqual({ sessionId: byJwt.sessionId, sessionToken: null, shortenOnly: true });
    expect(refusal(ownSession(self, otherUserId, {}))).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(refusal(ownSession(self, userId, { sessionToken }))).toMatchObject({ code: 'TOO_MANY_SESSION_ARGUMENTS' });
  });

  it('gets new recovery codes only after proving a second factor in this session (NIST SP 800-63B §6.1.2.3)', () => {
    expect(refusal(userWithSecondFactor(caller(), userId))).toMatchObject({ code: 'SECOND_FACTOR_REQUIRED' });
    expect(enforce(userWithSecondFactor(caller({ factors: ['external', 'totp'] }), userId))).toBe(userId);
    expect(enforce(userWithSecondFactor(caller({ factors: ['external', 'recovery_codes'] }), userId))).toBe(userId);
    expect(refusal(userWithSecondFactor(caller({ factors: ['totp'] }), otherUserId))).toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(enforce(userWithSecondFactor(null, otherUserId))).toBe(otherUserId);
  });

  it('revokes only its own session, named by id, token or not at all', () => {
    const self = caller();
    const own = { sessionId: self.sessionId, sessionToken: null, sessionJwt: null };
    expect(enforce(revokeTargetFor(self, {}))).toEqual(own);
    expect(enforce(revokeTargetFor(self, { sessionToken }))).toEqual(own);
    expect(enforce(revokeTargetFor(self, { sessionId: self.sessionId }))).toEqual(own);
    expect(refusal(revokeTargetFor(self, { sessionId: `session-${randomUUID()}` }))).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    const backend = { sessionId: `session-${randomUUID()}` };
    expect(enforce(revokeTargetFor(null, backend))).toBe(backend);
  });
});

describe('duplicates', () => {
  it("only the project's backend learns which user already holds an email or external id", () => {
    expect(mayNameExistingUser(null)).toBe(true);
    expect(mayNameExistingUser(caller())).toBe(false);
  });
});

describe('MFA policy', () => {
  const required = (assuranceLevel: 'AAL1' | 'AAL2') => caller({ mfaPolicy: 'REQUIRED', assuranceLevel });
  const fields = (...names: string[]) => () => names;

  it('under REQUIRED, a session below AAL2 may only run operations that reach AAL2 or sign out', () => {
    for (const name of ['createTotp', 'authenticateTotp', 'recoverTotp', 'authenticateRememberedDevice', 'revokeSession']) {
      expect({ name, allowed: withinMfaPolicy(required('AAL1'), fields(name, '__typename')).allowed }).toEqual({ name, allowed: true });
    }
    expect(refusal(withinMfaPolicy(required('AAL1'), fields('me')))).toEqual({ code: 'SECOND_FACTOR_REQUIRED', errorType: 'second_factor_required' });
    // One refused field refuses the whole operation.
    expect(withinMfaPolicy(required('AAL1'), fields('authenticateTotp', 'regenerateTotpRecoveryCodes')).allowed).toBe(false);
  });

  it('does not apply at AAL2, under OPTIONAL, or to a project secret (and then never reads the operation)', () => {
    const never = () => {
      throw new Error('read the root fields');
    };
    expect(withinMfaPolicy(required('AAL2'), never).allowed).toBe(true);
    expect(withinMfaPolicy(caller({ mfaPolicy: 'OPTIONAL', assuranceLevel: 'AAL1' }), never).allowed).toBe(true);
    expect(withinMfaPolicy(null, never).allowed).toBe(true);
  });
});
