// Session JWTs signed with each SESSION_JWT_ALGORITHM (RS256, ES256, EdDSA) are compact JWS that a standard verifier (jose) accepts against the project's public JWKS, with the header, audience, subject and session claim a Stytch verifier expects.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { AuthenticateTotpDocument } from '../../client';
import { describeEachDialect, startGateway, totpCode } from '../support/gateway';

describeEachDialect('session JWT algorithms on %s', (dialect) => {
  it.each(['RS256', 'ES256', 'EdDSA'])('%s: a login\'s session JWT verifies against the JWKS', async (algorithm) => {
    const gw = await startGateway({ dialect, env: { SESSION_JWT_ALGORITHM: algorithm } });
    try {
      const e = await gw.enroll({ verify: true });
      const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret), sessionDurationMinutes: 60 } });
      const jwt = authenticateTotp.sessionJwt!;
      expect(decodeProtectedHeader(jwt)).toEqual({ alg: algorithm, kid: expect.any(String), typ: 'JWT' });
      const jwks = createRemoteJWKSet(new URL(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`));
      const { payload } = await jwtVerify(jwt, jwks, { audience: gw.project.projectId, algorithms: [algorithm] });
      expect(payload.sub).toBe(e.userId);
      expect(payload['https://stytch.com/session']).toMatchObject({ id: authenticateTotp.session!.sessionId });
      expect(payload.exp! - payload.iat!).toBe(gw.config.sessions.jwtLifetimeSeconds);
    } finally {
      await gw.close();
    }
  });
});
