// Sessions carry their assurance: assuranceLevel and the JWT's acr/amr (checked with jose against the JWKS), and step-up refuses a session below the level asked for or whose factor is too old (GraphQL and REST).
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AssuredAuthenticateTotpDocument, AssuredCreateSessionDocument, StepUpSessionDocument } from '../../client';
import { ACR_VALUES } from '../../src/sessions/assurance.rules';
import { codes, describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';

const MINUTE_MS = 60_000;

describeEachDialect('assurance on %s', (dialect) => {
  let gw: TestGateway;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };

  beforeAll(async () => {
    gw = await startGateway({ dialect, clock });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** The claims of a session JWT once its signature, issuer audience and time are checked against the project's public JWKS. */
  async function verifiedClaims(jwt: string) {
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`));
    const { payload } = await jwtVerify(jwt, jwks, { audience: gw.project.projectId, currentDate: new Date(clock.now()) });
    return payload;
  }

  /** A verified user with an AAL1 session from createSession, then (optionally) its second factor added. */
  async function session(withTotp: boolean) {
    const e = await gw.enroll({ verify: true });
    const { createSession } = await gw.client.data(AssuredCreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 600 } });
    if (!withTotp) return { ...e, ...createSession };
    const { authenticateTotp } = await gw.client.data(AssuredAuthenticateTotpDocument, {
      input: { userId: e.userId, totpCode: totpCode(e.secret, 0, clock.now()), sessionToken: createSession.sessionToken },
    });
    return { ...e, ...createSession, session: authenticateTotp.session!, sessionJwt: authenticateTotp.sessionJwt! };
  }

  it('a backend session is AAL1 until a TOTP makes it AAL2, in the session and in the JWT (acr, RFC 8176 amr, the Stytch claim kept)', async () => {
    const aal1 = await session(false);
    expect(aal1.session.assuranceLevel).toBe('AAL1');
    const claims1 = await verifiedClaims(aal1.sessionJwt);
    expect([claims1.acr, claims1.amr]).toEqual([ACR_VALUES.AAL1, []]);

    const aal2 = await session(true);
    expect(aal2.session.assuranceLevel).toBe('AAL2');
    const claims2 = await verifiedClaims(aal2.sessionJwt);
    expect([claims2.acr, claims2.amr]).toEqual([ACR_VALUES.AAL2, ['otp', 'mfa']]);
    expect(claims2['https://stytch.com/session']).toMatchObject({ id: aal2.session.sessionId });
  });

  it('authenticateSession with requireAssurance AAL2 refuses an AAL1 session and changes nothing', async () => {
    const s = await session(false);
    const refused = await gw.client.request(StepUpSessionDocument, { input: { sessionToken: s.sessionToken, requireAssurance: 'AAL2', sessionDurationMinutes: 5 } });
    expect(codes(refused)).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(refused.errors?.[0].extensions).toMatchObject({ assuranceLevel: 'AAL1' });
    // The refused request did not shorten the session.
    const again = await gw.client.data(StepUpSessionDocument, { input: { sessionToken: s.sessionToken } });
    expect(again.authenticateSession.session.expiresAt).toBe(s.session.expiresAt);
  });

  it('step-up: an old second factor is refused with its age (FACTOR_TOO_OLD), a fresh one accepted', async () => {
    const s = await session(true);
    offsetMs += 10 * MINUTE_MS;
    const old = await gw.client.request(StepUpSessionDocument, { input: { sessionJwt: s.sessionJwt, requireAssurance: 'AAL2', maxFactorAgeSeconds: 300 } });
    expect(codes(old)).toEqual(['FACTOR_TOO_OLD']);
    const { factorAgeSeconds, maxFactorAgeSeconds } = old.errors![0].extensions as unknown as { factorAgeSeconds: number; maxFactorAgeSeconds: number };
    expect(maxFactorAgeSeconds).toBe(300);
    expect(factorAgeSeconds).toBeGreaterThanOrEqual(600);
    expect(factorAgeSeconds).toBeLessThan(700);

    await gw.client.data(AssuredAuthenticateTotpDocument, { input: { userId: s.userId, totpCode: totpCode(s.secret, 0, clock.now()), sessionToken: s.sessionToken } });
    const fresh = await gw.client.data(StepUpSessionDocument, { input: { sessionToken: s.sessionToken, requireAssurance: 'AAL2', maxFactorAgeSeconds: 300 } });
    expect(fresh.authenticateSession.session.assuranceLevel).toBe('AAL2');
    expect((await verifiedClaims(fresh.authenticateSession.sessionJwt)).acr).toBe(ACR_VALUES.AAL2);
  });

  it('maxFactorAgeSeconds out of bounds is refused with its own code', async () => {
    const s = await session(true);
    const refused = await gw.client.request(StepUpSessionDocument, { input: { sessionToken: s.sessionToken, maxFactorAgeSeconds: -1 } });
    expect(codes(refused)).toEqual(['INVALID_MAX_FACTOR_AGE_SECONDS']);
  });

  it('REST /v1/sessions/authenticate takes require_assurance and max_factor_age_seconds and answers 403 with error_details', async () => {
    const s = await session(true);
    const call = (body: Record<string, unknown>) =>
      fetch(`${gw.url}/v1/sessions/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}` },
        body: JSON.stringify(body),
      });
    const ok = await call({ session_token: s.sessionToken, require_assurance: 'AAL2', max_factor_age_seconds: 300 });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { session: { assurance_level: string } }).session.assurance_level).toBe('AAL2');
    offsetMs += 10 * MINUTE_MS;
    const old = await call({ session_token: s.sessionToken, require_assurance: 'AAL2', max_factor_age_seconds: 300 });
    expect(old.status).toBe(403);
    const body = (await old.json()) as { error_type: string; error_details: { factor_age_seconds: number; max_factor_age_seconds: number } };
    expect(body.error_type).toBe('factor_too_old');
    expect(body.error_details.max_factor_age_seconds).toBe(300);
    expect(body.error_details.factor_age_seconds).toBeGreaterThanOrEqual(600);
    const bad = await call({ session_token: s.sessionToken, require_assurance: 'AAL3' });
    expect(bad.status).toBe(400);
  });
});
