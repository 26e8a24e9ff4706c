// Sessions: issue, verify (RS256 JWT against the public JWKS), extend, add factors, expire and revoke; bad session arguments spend no code.
import { randomBytes, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  RecoverTotpDocument,
  RevokeSessionDocument,
  SessionsDocument,
  type AuthenticateFieldsFragment,
  type GatewayClient,
} from '../../client';
import { describeEachDialect, codes, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';
import { sessionIssuer } from '../../src/sessions/jwt-issuer';

const MINUTE = 60_000;
const STYTCH_SESSION = 'https://stytch.com/session';
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

interface User extends Enrollment {
  /** A code of a time step this TOTP has not used yet (current step, then the next one). */
  code(): string;
  /** The next unused recovery code. */
  recoveryCode(): string;
}

/** A verified enrollment with helpers that never replay a code. */
async function verifiedUser(gw: TestGateway, now: () => number = Date.now): Promise<User> {
  const e = await gw.enroll({ verify: true });
  let lastStep = -Infinity;
  let recovery = 0;
  return {
    ...e,
    code() {
      const step = Math.max(Math.floor(now() / 30_000), lastStep + 1);
      lastStep = step;
      return totpCode(e.secret, 0, step * 30_000);
    },
    recoveryCode: () => e.recoveryCodes[recovery++],
  };
}

/** Starts a session with a recovery code (no time-step budget needed). */
async function recoverySession(client: GatewayClient, user: User, minutes = 60): Promise<AuthenticateFieldsFragment> {
  const { recoverTotp } = await client.data(RecoverTotpDocument, {
    input: { userId: user.userId, recoveryCode: user.recoveryCode(), sessionDurationMinutes: minutes },
  });
  return recoverTotp;
}

const ms = (iso: string) => Date.parse(iso);

describeEachDialect('sessions on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const verify = (jwt: string) =>
    jwtVerify(jwt, jwks, { issuer: sessionIssuer(gw.config.publicUrl, gw.project.projectId), audience: gw.project.projectId, algorithms: ['RS256'] });

  beforeAll(async () => {
    gw = await startGateway({ dialect });
    jwks = createRemoteJWKSet(new URL(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`));
  });
  afterAll(() => gw?.close());

  describe('authenticateTotp with sessionDurationMinutes', () => {
    it('starts a session of the documented shape with an opaque token and a verifiable RS256 JWT', async () => {
      const user = await verifiedUser(gw);
      const { authenticateTotp: r } = await gw.client.data(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: user.code(), sessionDurationMinutes: 60 },
      });
      expect(r.session).toEqual({
        sessionId: expect.stringMatching(/^session-[0-9a-f-]{36}$/),
        userId: user.userId,
        startedAt: ISO,
        lastAccessedAt: ISO,
        expiresAt: ISO,
        authenticationFactors: [{ type: 'totp', deliveryMethod: 'authenticator_app', totpId: user.totpId, recoveryCodeId: null, lastAuthenticatedAt: ISO }],
        customClaims: {},
      });
      const session = r.session!;
      expect(ms(session.lastAccessedAt)).toBe(ms(session.startedAt));
      expect(ms(session.expiresAt) - ms(session.startedAt)).toBe(60 * MINUTE);
      expect(r.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // The JWKS is public: no Authorization header.
      const response = await fetch(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`);
      expect(response.status).toBe(200);
      const published = (await response.json()) as { keys: Array<{ kid: string }> };
      const header = decodeProtectedHeader(r.sessionJwt!);
      expect(header.alg).toBe('RS256');
      expect(header.kid).toEqual(expect.any(String));
      expect(published.keys.map((k) => k.kid)).toContain(header.kid);

      const { payload } = await verify(r.sessionJwt!);
      expect(payload.iss).toBe(`stytch.com/${gw.project.projectId}`);
      expect([payload.aud].flat()).toContain(gw.project.projectId);
      expect(payload.sub).toBe(user.userId);
      expect(payload.exp! - payload.iat!).toBe(300);
      const claim = payload[STYTCH_SESSION] as Record<string, unknown>;
      expect(claim).toEqual(
        expect.objectContaining({
          id: session.sessionId,
          started_at: ISO,
          last_accessed_at: ISO,
          expires_at: ISO,
          authentication_factors: [expect.objectContaining({ type: 'totp', delivery_method: 'authenticator_app' })],
        }),
      );
      expect(ms(claim.started_at as string)).toBe(ms(session.startedAt));
      expect(ms(claim.expires_at as string)).toBe(ms(session.expiresAt));
    });

    it('names the spent recovery code in a recovery_codes factor, on the session and in the JWT', async () => {
      const user = await verifiedUser(gw);
      const r = await recoverySession(gw.client, user);
      const [factor] = r.session!.authenticationFactors;
      expect(factor).toEqual(expect.objectContaining({ type: 'recovery_codes', deliveryMethod: 'recovery_code', totpId: user.totpId }));
      expect(factor.recoveryCodeId).toMatch(/^recovery-[0-9a-f-]{36}$/);
      const { payload } = await verify(r.sessionJwt!);
      const [claimed] = (payload[STYTCH_SESSION] as { authentication_factors: Array<Record<string, unknown>> }).authentication_factors;
      expect(claimed.recovery_code_factor).toEqual({ totp_recovery_code_id: factor.recoveryCodeId });
      // A second recovery adds nothing new but names the newer code.
      const again = await gw.client.data(RecoverTotpDocument, { input: { userId: user.userId, recoveryCode: user.recoveryCode(), sessionToken: r.sessionToken } });
      const latest = again.recoverTotp.session!.authenticationFactors.find((f) => f.type === 'recovery_codes')!;
      expect(latest.recoveryCodeId).toMatch(/^recovery-/);
      expect(latest.recoveryCodeId).not.toBe(factor.recoveryCodeId);
    });

    it('returns custom claims on the session and puts them at the top level of the JWT', async () => {
      const user = await verifiedUser(gw);
      const claims = { role: 'admin', tenant: { id: 7, plan: 'pro' } };
      const { authenticateTotp: r } = await gw.client.data(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: user.code(), sessionDurationMinutes: 30, sessionCustomClaims: claims },
      });
      expect(r.session?.customClaims).toEqual(claims);
      const { payload } = await verify(r.sessionJwt!);
      expect(payload).toEqual(expect.objectContaining(claims));
    });

    it('refuses an out-of-range sessionDurationMinutes without spending the code', async () => {
      const user = await verifiedUser(gw);
      const code = user.code();
      for (const minutes of [4, 527041]) {
        const refused = await gw.client.request(AuthenticateTotpDocument, {
          input: { userId: user.userId, totpCode: code, sessionDurationMinutes: minutes },
        });
        expect(codes(refused)).toEqual(['INVALID_SESSION_DURATION_MINUTES']);
        expect(refused.data).toBeNull();
      }
      const accepted = await gw.client.request(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: code, sessionDurationMinutes: 5 },
      });
      expect(codes(accepted)).toEqual([]);
      expect(ms(accepted.data!.authenticateTotp.session!.expiresAt) - ms(accepted.data!.authenticateTotp.session!.startedAt)).toBe(5 * MINUTE);
      // The upper bound itself is accepted.
      const longest = await gw.client.data(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: user.code(), sessionDurationMinutes: 527040 },
      });
      expect(ms(longest.authenticateTotp.session!.expiresAt) - ms(longest.authenticateTotp.session!.startedAt)).toBe(527040 * MINUTE);
    });

    it('refuses both a sessionToken and a sessionJwt with TOO_MANY_SESSION_ARGUMENTS', async () => {
      const user = await verifiedUser(gw);
      const s = await recoverySession(gw.client, user);
      const both = { sessionToken: s.sessionToken, sessionJwt: s.sessionJwt };
      const viaTotp = await gw.client.request(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: user.code(), ...both } });
      expect(codes(viaTotp)).toEqual(['TOO_MANY_SESSION_ARGUMENTS']);
      const viaRecovery = await gw.client.request(RecoverTotpDocument, { input: { userId: user.userId, recoveryCode: user.recoveryCode(), ...both } });
      expect(codes(viaRecovery)).toEqual(['TOO_MANY_SESSION_ARGUMENTS']);
      const viaSession = await gw.client.request(AuthenticateSessionDocument, { input: both });
      expect(codes(viaSession)).toEqual(['TOO_MANY_SESSION_ARGUMENTS']);
    });

    it('refuses reserved and oversized custom claims, spending nothing', async () => {
      const user = await verifiedUser(gw);
      const code = user.code();
      const attempt = (sessionCustomClaims: Record<string, unknown>) =>
        gw.client.request(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: code, sessionDurationMinutes: 60, sessionCustomClaims } });
      for (const reserved of [{ sub: 'x' }, { 'https://stytch.com/foo': 1 }, { iss: 'evil' }, { exp: 1 }, { aud: 'x' }]) {
        expect(codes(await attempt(reserved))).toEqual(['RESERVED_CLAIMS_IN_CUSTOM_CLAIMS']);
      }
      expect(codes(await attempt({ blob: 'x'.repeat(4 * 1024 + 1) }))).toEqual(['CUSTOM_CLAIMS_TOO_LARGE']);
      const ok = await attempt({ role: 'reader' });
      expect(codes(ok)).toEqual([]);
      expect(ok.data?.authenticateTotp.session?.customClaims).toEqual({ role: 'reader' });
    });

    it('answers SESSION_NOT_FOUND for a session token that does not exist', async () => {
      const user = await verifiedUser(gw);
      const code = user.code();
      const unknown = await gw.client.request(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: code, sessionToken: randomBytes(32).toString('base64url') },
      });
      expect(codes(unknown)).toEqual(['SESSION_NOT_FOUND']);
      // The code was not spent by the refused request.
      expect(codes(await gw.client.request(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: code } }))).toEqual([]);
    });
  });

  describe('adding a factor to an existing session', () => {
    it.each(['sessionToken', 'sessionJwt'] as const)('authenticateTotp with {%s} adds the totp factor to the recovery session', async (by) => {
      const user = await verifiedUser(gw);
      const started = await recoverySession(gw.client, user);
      expect(started.session?.authenticationFactors).toEqual([
        { type: 'recovery_codes', deliveryMethod: 'recovery_code', totpId: user.totpId, recoveryCodeId: expect.stringMatching(/^recovery-/), lastAuthenticatedAt: ISO },
      ]);
      const { authenticateTotp: r } = await gw.client.data(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: user.code(), [by]: started[by] },
      });
      expect(r.session?.sessionId).toBe(started.session?.sessionId);
      expect(r.session?.authenticationFactors).toHaveLength(2);
      expect(r.session?.authenticationFactors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'recovery_codes', deliveryMethod: 'recovery_code' }),
          expect.objectContaining({ type: 'totp', deliveryMethod: 'authenticator_app', totpId: user.totpId }),
        ]),
      );
      const { payload } = await verify(r.sessionJwt!);
      expect((payload[STYTCH_SESSION] as { id: string; authentication_factors: unknown[] }).id).toBe(started.session?.sessionId);
      expect((payload[STYTCH_SESSION] as { authentication_factors: unknown[] }).authentication_factors).toHaveLength(2);
      const listed = await gw.client.data(SessionsDocument, { userId: user.userId });
      expect(listed.sessions.map((s) => s.sessionId)).toEqual([started.session?.sessionId]);
    });

    it("refuses another user's session with SESSION_NOT_FOUND and leaves both untouched", async () => {
      const owner = await verifiedUser(gw);
      const other = await verifiedUser(gw);
      const s = await recoverySession(gw.client, owner);
      const code = other.code();
      for (const arg of [{ sessionToken: s.sessionToken }, { sessionJwt: s.sessionJwt }]) {
        const viaTotp = await gw.client.request(AuthenticateTotpDocument, { input: { userId: other.userId, totpCode: code, ...arg } });
        expect(codes(viaTotp)).toEqual(['SESSION_NOT_FOUND']);
      }
      const viaRecovery = await gw.client.request(RecoverTotpDocument, {
        input: { userId: other.userId, recoveryCode: other.recoveryCodes[9], sessionToken: s.sessionToken },
      });
      expect(codes(viaRecovery)).toEqual(['SESSION_NOT_FOUND']);
      const still = await gw.client.data(AuthenticateSessionDocument, { input: { sessionToken: s.sessionToken } });
      expect(still.authenticateSession.session.userId).toBe(owner.userId);
      expect(still.authenticateSession.session.authenticationFactors).toHaveLength(1);
      expect((await gw.client.data(SessionsDocument, { userId: other.userId })).sessions).toEqual([]);
      // Neither refused request spent the other user's code.
      expect(codes(await gw.client.request(AuthenticateTotpDocument, { input: { userId: other.userId, totpCode: code } }))).toEqual([]);
    });
  });

  describe('authenticateSession', () => {
    // Sessions here start with recovery codes, so one user serves every test.
    let user: User;
    beforeAll(async () => {
      user = await verifiedUser(gw);
    });

    it('authenticates by token: the session, the same token, a fresh JWT and the user', async () => {
      const s = await recoverySession(gw.client, user);
      const { authenticateSession: r } = await gw.client.data(AuthenticateSessionDocument, { input: { sessionToken: s.sessionToken } });
      expect(r.session.sessionId).toBe(s.session?.sessionId);
      expect(r.session.expiresAt).toBe(s.session?.expiresAt);
      expect(ms(r.session.lastAccessedAt)).toBeGreaterThanOrEqual(ms(s.session!.lastAccessedAt));
      expect(r.sessionToken).toBe(s.sessionToken);
      expect(r.user.userId).toBe(user.userId);
      const { payload } = await verify(r.sessionJwt);
      expect(payload.sub).toBe(user.userId);
      const claim = payload[STYTCH_SESSION] as { id: string; last_accessed_at: string };
      expect(claim.id).toBe(s.session?.sessionId);
      expect(ms(claim.last_accessed_at)).toBe(ms(r.session.lastAccessedAt));
    });

    it('authenticates by JWT and returns no token', async () => {
      const s = await recoverySession(gw.client, user);
      const { authenticateSession: r } = await gw.client.data(AuthenticateSessionDocument, { input: { sessionJwt: s.sessionJwt } });
      expect(r.session.sessionId).toBe(s.session?.sessionId);
      expect(r.sessionToken).toBeNull();
      expect(r.user.userId).toBe(user.userId);
      await expect(verify(r.sessionJwt)).resolves.toBeDefined();
    });

    it('extends the session with sessionDurationMinutes and merges custom claims', async () => {
      const s = await recoverySession(gw.client, user, 10);
      const { authenticateSession: r } = await gw.client.data(AuthenticateSessionDocument, {
        input: { sessionToken: s.sessionToken, sessionDurationMinutes: 120, sessionCustomClaims: { scope: 'billing' } },
      });
      expect(ms(r.session.expiresAt) - ms(r.session.lastAccessedAt)).toBe(120 * MINUTE);
      expect(ms(r.session.expiresAt)).toBeGreaterThan(ms(s.session!.expiresAt));
      expect(r.session.customClaims).toEqual({ scope: 'billing' });
      const { payload } = await verify(r.sessionJwt);
      expect(payload.scope).toBe('billing');
      expect(ms((payload[STYTCH_SESSION] as { expires_at: string }).expires_at)).toBe(ms(r.session.expiresAt));
      const bad = await gw.client.request(AuthenticateSessionDocument, { input: { sessionToken: s.sessionToken, sessionDurationMinutes: 4 } });
      expect(codes(bad)).toEqual(['INVALID_SESSION_DURATION_MINUTES']);
    });

    it('refuses a request with neither token nor JWT with BAD_USER_INPUT', async () => {
      const response = await gw.client.request(AuthenticateSessionDocument, { input: {} });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses a JWT signed by any other key, even with a real kid and session id', async () => {
      const s = await recoverySession(gw.client, user);
      const real = decodeProtectedHeader(s.sessionJwt!);
      const { payload: claims } = await verify(s.sessionJwt!);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: real.kid, typ: 'JWT' }).sign(privateKey);
      expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionJwt: forged } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionJwt: 'not.a.jwt' } }))).toEqual(['SESSION_NOT_FOUND']);
    });
  });

  describe('revokeSession', () => {
    it('revokes by sessionId, by token and by JWT; revoked sessions no longer authenticate or list', async () => {
      const user = await verifiedUser(gw);
      const [byId, byToken, byJwt, kept] = [
        await recoverySession(gw.client, user),
        await recoverySession(gw.client, user),
        await recoverySession(gw.client, user),
        await recoverySession(gw.client, user),
      ];
      const listed = await gw.client.data(SessionsDocument, { userId: user.userId });
      expect(listed.sessions.map((s) => s.sessionId).sort()).toEqual([byId, byToken, byJwt, kept].map((s) => s.session!.sessionId).sort());

      const revoked = [
        await gw.client.data(RevokeSessionDocument, { input: { sessionId: byId.session!.sessionId } }),
        await gw.client.data(RevokeSessionDocument, { input: { sessionToken: byToken.sessionToken } }),
        await gw.client.data(RevokeSessionDocument, { input: { sessionJwt: byJwt.sessionJwt } }),
      ];
      expect(revoked.map((r) => r.revokeSession.sessionId)).toEqual([byId, byToken, byJwt].map((s) => s.session!.sessionId));

      for (const s of [byId, byToken, byJwt]) {
        expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionToken: s.sessionToken } }))).toEqual(['SESSION_NOT_FOUND']);
        expect(codes(await gw.client.request(AuthenticateSessionDocument, { input: { sessionJwt: s.sessionJwt } }))).toEqual(['SESSION_NOT_FOUND']);
        // A revoked session cannot collect a factor either.
        const addTo = await gw.client.request(RecoverTotpDocument, { input: { userId: user.userId, recoveryCode: user.recoveryCodes[9], sessionToken: s.sessionToken } });
        expect(codes(addTo)).toEqual(['SESSION_NOT_FOUND']);
      }

      // Revoking twice, by any handle, answers SESSION_NOT_FOUND.
      expect(codes(await gw.client.request(RevokeSessionDocument, { input: { sessionId: byId.session!.sessionId } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await gw.client.request(RevokeSessionDocument, { input: { sessionToken: byToken.sessionToken } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await gw.client.request(RevokeSessionDocument, { input: { sessionJwt: byJwt.sessionJwt } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await gw.client.request(RevokeSessionDocument, { input: { sessionId: `session-${randomUUID()}` } }))).toEqual(['SESSION_NOT_FOUND']);

      const after = await gw.client.data(SessionsDocument, { userId: user.userId });
      expect(after.sessions.map((s) => s.sessionId)).toEqual([kept.session!.sessionId]);
      expect((await gw.client.data(AuthenticateSessionDocument, { input: { sessionToken: kept.sessionToken } })).authenticateSession.session.sessionId).toBe(
        kept.session!.sessionId,
      );
    });
  });

  describe('JWKS', () => {
    it('answers 200 with an empty key set for an unknown project', async () => {
      for (const id of [`project-${randomUUID()}`, 'not-a-project']) {
        const response = await fetch(`${gw.url}/v1/sessions/jwks/${id}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ keys: [] });
      }
    });
  });

  describe('expiry (controllable clock)', () => {
    const clock = { t: Date.now(), now() { return this.t; } };
    let timed: TestGateway;
    beforeAll(async () => {
      timed = await startGateway({ dialect, clock });
      clock.t = Date.now();
    });
    afterAll(() => timed?.close());

    it('an expired session answers SESSION_NOT_FOUND by token and by JWT, and is not listed', async () => {
      const user = await verifiedUser(timed, () => clock.t);
      // Move well past the step the enrollment used, so the clock's codes are all fresh.
      clock.t += 3 * 30_000;
      const { authenticateTotp: short } = await timed.client.data(AuthenticateTotpDocument, {
        input: { userId: user.userId, totpCode: user.code(), sessionDurationMinutes: 5 },
      });
      const long = await recoverySession(timed.client, user, 60);
      const live = await timed.client.data(SessionsDocument, { userId: user.userId });
      expect(live.sessions.map((s) => s.sessionId).sort()).toEqual([short.session!.sessionId, long.session!.sessionId].sort());

      clock.t += 5 * MINUTE + 1_000;
      expect(codes(await timed.client.request(AuthenticateSessionDocument, { input: { sessionToken: short.sessionToken } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await timed.client.request(AuthenticateSessionDocument, { input: { sessionJwt: short.sessionJwt } }))).toEqual(['SESSION_NOT_FOUND']);
      const extend = await timed.client.request(AuthenticateSessionDocument, { input: { sessionToken: short.sessionToken, sessionDurationMinutes: 60 } });
      expect(codes(extend)).toEqual(['SESSION_NOT_FOUND']);
      const addTo = await timed.client.request(AuthenticateTotpDocument, { input: { userId: user.userId, totpCode: user.code(), sessionToken: short.sessionToken } });
      expect(codes(addTo)).toEqual(['SESSION_NOT_FOUND']);

      const after = await timed.client.data(SessionsDocument, { userId: user.userId });
      expect(after.sessions.map((s) => s.sessionId)).toEqual([long.session!.sessionId]);
      const stillLive = await timed.client.data(AuthenticateSessionDocument, { input: { sessionToken: long.sessionToken } });
      expect(stillLive.authenticateSession.session.sessionId).toBe(long.session!.sessionId);
    });
  });
});
