// Behaviour: Stytch's rule for session custom claims on GraphQL and REST: a top-level null deletes that key from the session and its JWT (on a new session the key is simply absent); nested nulls are kept as given.
import { decodeJwt } from 'jose';
import { AuthenticateSessionDocument, AuthenticateTotpDocument, CreateSessionDocument } from '../../client';
import { describeEachDialect, startGateway, totpCode, type Dialect, type TestGateway } from '../support/gateway';

describeEachDialect('null custom claims on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  /** A verified user's new session, started by authenticateTotp with `claims`. */
  async function start(claims: Record<string, unknown>) {
    const { userId, secret } = await gw.enroll({ verify: true });
    const { authenticateTotp } = await gw.client.data(AuthenticateTotpDocument, {
      input: { userId, totpCode: totpCode(secret), sessionDurationMinutes: 60, sessionCustomClaims: claims },
    });
    return { userId, session: authenticateTotp.session!, sessionToken: authenticateTotp.sessionToken!, jwt: decodeJwt(authenticateTotp.sessionJwt!) };
  }

  it('a new session leaves out keys given null and keeps nested nulls', async () => {
    const { session, jwt } = await start({ role: 'admin', gone: null, nested: { a: null, b: 1 } });
    expect(session.customClaims).toEqual({ role: 'admin', nested: { a: null, b: 1 } });
    expect(Object.keys(jwt)).not.toContain('gone');
    expect(jwt).toEqual(expect.objectContaining({ role: 'admin', nested: { a: null, b: 1 } }));
  });

  it('authenticateSession: null deletes an existing key, other keys are set or kept', async () => {
    const { sessionToken } = await start({ role: 'admin', team: 'red', keep: true });
    const { authenticateSession } = await gw.client.data(AuthenticateSessionDocument, {
      input: { sessionToken, sessionCustomClaims: { role: null, team: 'blue', absent: null } },
    });
    expect(authenticateSession.session.customClaims).toEqual({ team: 'blue', keep: true });
    const jwt = decodeJwt(authenticateSession.sessionJwt);
    expect(Object.keys(jwt)).not.toContain('role');
    expect(Object.keys(jwt)).not.toContain('absent');
    expect(jwt).toEqual(expect.objectContaining({ team: 'blue', keep: true }));
  });

  it('authenticateTotp on an existing session deletes the key too', async () => {
    const { userId, secret } = await gw.enroll({ verify: true });
    const first = await gw.client.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret), sessionDurationMinutes: 60, sessionCustomClaims: { role: 'admin', team: 'red' } } });
    const second = await gw.client.data(AuthenticateTotpDocument, {
      input: { userId, totpCode: totpCode(secret, 1), sessionToken: first.authenticateTotp.sessionToken, sessionCustomClaims: { role: null } },
    });
    expect(second.authenticateTotp.session!.customClaims).toEqual({ team: 'red' });
    expect(Object.keys(decodeJwt(second.authenticateTotp.sessionJwt!))).not.toContain('role');
  });

  it('createSession leaves out keys given null', async () => {
    const userId = await gw.createUser();
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60, sessionCustomClaims: { role: null, plan: 'pro' } } });
    expect(createSession.session.customClaims).toEqual({ plan: 'pro' });
    expect(Object.keys(decodeJwt(createSession.sessionJwt))).not.toContain('role');
  });

  it('REST /v1/sessions/authenticate follows the same rule', async () => {
    const { sessionToken } = await start({ role: 'admin', team: 'red' });
    const response = await fetch(`${gw.url}/v1/sessions/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
      body: JSON.stringify({ session_token: sessionToken, session_custom_claims: { team: null } }),
    });
    const body = (await response.json()) as { session: { custom_claims: Record<string, unknown> }; session_jwt: string };
    expect(response.status).toBe(200);
    expect(body.session.custom_claims).toEqual({ role: 'admin' });
    expect(Object.keys(decodeJwt(body.session_jwt))).not.toContain('team');
  });
});
