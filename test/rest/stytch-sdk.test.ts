// Teams switching from Stytch: the official `stytch` Node SDK, pointed at the gateway's /v1 facade,
// works unchanged for users, TOTPs, recovery, sessions, local JWT verification and errors.
import * as stytch from 'stytch';
import { describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';

/** The StytchError a call rejects with (the SDK's own error class). */
async function stytchError(call: Promise<unknown>): Promise<stytch.StytchError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(stytch.StytchError);
  return error as stytch.StytchError;
}

describeEachDialect('the stytch SDK against the gateway on %s', (dialect) => {
  let gw: TestGateway;
  let client: stytch.Client;

  beforeAll(async () => {
    // No PUBLIC_URL: the SDK's local JWT check accepts the default issuer, stytch.com/<project id>.
    gw = await startGateway({ dialect });
    client = new stytch.Client({ project_id: gw.project.projectId, secret: gw.project.secret, env: `${gw.url}/v1/` });
  });
  afterAll(() => gw?.close());

  async function enrolled() {
    const { user_id } = await client.users.create({ email: `sdk-${Math.random().toString(36).slice(2)}@example.com` });
    const totp = await client.totps.create({ user_id });
    return { user_id, totp };
  }

  it('users.create, get and delete', async () => {
    const created = await client.users.create({ email: 'Grace@Example.com', name: { first_name: 'Grace', last_name: 'Hopper' }, trusted_metadata: { plan: 'pro' } });
    expect(created.status_code).toBe(200);
    expect(created.request_id).toEqual(expect.any(String));
    expect(created.user.emails[0].email).toBe('grace@example.com');
    const fetched = await client.users.get({ user_id: created.user_id });
    expect(fetched).toMatchObject({ user_id: created.user_id, name: { first_name: 'Grace', last_name: 'Hopper' }, trusted_metadata: { plan: 'pro' }, totps: [] });
    expect((await client.users.delete({ user_id: created.user_id })).user_id).toBe(created.user_id);
    const gone = await stytchError(client.users.get({ user_id: created.user_id }));
    expect({ status: gone.status_code, type: gone.error_type }).toEqual({ status: 404, type: 'user_not_found' });
  });

  it('totps.create and authenticate with a session the SDK verifies locally', async () => {
    const { user_id, totp } = await enrolled();
    expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totp.qr_code).toMatch(/^data:image\/png;base64,/);
    expect(totp.recovery_codes).toHaveLength(10);

    const plain = await client.totps.authenticate({ user_id, totp_code: totpCode(totp.secret, -1) });
    expect(plain).toMatchObject({ status_code: 200, user_id, totp_id: totp.totp_id, session: null, session_token: '', session_jwt: '' });

    const auth = await client.totps.authenticate({ user_id, totp_code: totpCode(totp.secret), session_duration_minutes: 60 });
    expect(auth.session?.authentication_factors[0]).toMatchObject({ type: 'totp', delivery_method: 'authenticator_app' });
    const local = await client.sessions.authenticateJwtLocal({ session_jwt: auth.session_jwt });
    expect(local).toMatchObject({ session_id: auth.session!.session_id, user_id });

    const byToken = await client.sessions.authenticate({ session_token: auth.session_token });
    expect(byToken.session.session_id).toBe(auth.session!.session_id);
    expect((await client.sessions.get({ user_id })).sessions.map((s) => s.session_id)).toContain(auth.session!.session_id);
    const jwks = await client.sessions.getJWKS({ project_id: gw.project.projectId });
    expect(jwks.keys.length).toBeGreaterThan(0);

    await client.sessions.revoke({ session_id: auth.session!.session_id });
    const revoked = await stytchError(client.sessions.authenticate({ session_token: auth.session_token }));
    expect({ status: revoked.status_code, type: revoked.error_type }).toEqual({ status: 404, type: 'session_not_found' });
  });

  it('totps.recoveryCodes, recover and users.deleteTOTP', async () => {
    const { user_id, totp } = await enrolled();
    await client.totps.authenticate({ user_id, totp_code: totpCode(totp.secret) });
    const codes = await client.totps.recoveryCodes({ user_id });
    expect(codes.totps).toEqual([expect.objectContaining({ totp_id: totp.totp_id, verified: true })]);
    const recovered = await client.totps.recover({ user_id, recovery_code: totp.recovery_codes[0], session_duration_minutes: 30 });
    expect(recovered.session?.authentication_factors[0]).toMatchObject({ type: 'recovery_codes', delivery_method: 'recovery_code' });
    const reused = await stytchError(client.totps.recover({ user_id, recovery_code: totp.recovery_codes[0] }));
    expect(reused.status_code).toBe(401);

    const deleted = await client.users.deleteTOTP({ totp_id: totp.totp_id });
    expect(deleted.user.totps).toEqual([]);
  });

  it('reports replay, wrong code, unknown user and wrong credentials as StytchErrors', async () => {
    const { user_id, totp } = await enrolled();
    const code = totpCode(totp.secret);
    await client.totps.authenticate({ user_id, totp_code: code });
    const replay = await stytchError(client.totps.authenticate({ user_id, totp_code: code }));
    expect({ status: replay.status_code, type: replay.error_type }).toEqual({ status: 401, type: 'totp_code_already_authenticated' });
    expect(replay.request_id).toEqual(expect.any(String));
    expect(replay.error_url).toContain('totp_code_already_authenticated');

    const wrongDigits = ['000000', '111111'].find((c) => ![-1, 0, 1].some((s) => totpCode(totp.secret, s) === c))!;
    const wrong = await stytchError(client.totps.authenticate({ user_id, totp_code: wrongDigits }));
    expect({ status: wrong.status_code, type: wrong.error_type }).toEqual({ status: 401, type: 'unable_to_authenticate_totp' });

    const unknown = await stytchError(client.users.get({ user_id: 'user-00000000-0000-4000-8000-000000000000' }));
    expect({ status: unknown.status_code, type: unknown.error_type }).toEqual({ status: 404, type: 'user_not_found' });

    const intruder = new stytch.Client({ project_id: gw.project.projectId, secret: 'wrong-secret', env: `${gw.url}/v1/` });
    const denied = await stytchError(intruder.users.get({ user_id }));
    expect({ status: denied.status_code, type: denied.error_type }).toEqual({ status: 401, type: 'unauthorized_credentials' });
  });
});

// The three requests of Stytch's TOTP guide (create user, create TOTP, authenticate), with the ids
// and the code this run produced in place of the guide's examples.
describe('the seed curl requests, verbatim but for the host', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.close());

  const post = async (path: string, body: string) => {
    const response = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', authorization: gw.client.authorization! },
      body,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('create user, create TOTP, authenticate TOTP', async () => {
    const user = await post('/v1/users', '{"email": "sandbox@stytch.com"}');
    expect(user.status).toBe(200);
    const userId = user.json.user_id as string;
    const totp = await post('/v1/totps', `{"user_id": "${userId}", "expiration_minutes": 60}`);
    expect(totp.status).toBe(200);
    const auth = await post('/v1/totps/authenticate', `{"user_id": "${userId}", "totp_code": "${totpCode(totp.json.secret as string)}"}`);
    expect(auth).toMatchObject({ status: 200, json: { status_code: 200, user_id: userId, session: null, session_token: '', session_jwt: '' } });
  });

  it('answers every failure, even an unknown route, with a Stytch JSON error', async () => {
    const unknown = await post('/v1/nothing', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ status_code: 404, request_id: expect.any(String), error_type: expect.any(String), error_message: expect.any(String), error_url: expect.any(String) });
    const malformed = await post('/v1/users', '{"email": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ status_code: 400, error_type: expect.any(String) });
    const invalid = await post('/v1/users', '{"email": "not-an-email"}');
    expect(invalid.json).toMatchObject({ status_code: 400, error_type: 'invalid_email' });
  });
});
