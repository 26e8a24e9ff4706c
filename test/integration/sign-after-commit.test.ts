// A committed login is never turned into an error afterwards: the session JWT is signed with the key loaded before the write, so nothing after the commit touches the database (even when the key cache expires meanwhile).
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AuthenticateSessionDocument, AuthenticateTotpDocument, CreateSessionDocument, RecoverTotpDocument } from '../../client';
import { SCHEDULE_CACHE_TTL_MS } from '../../src/sessions/signing-key.service';
import { codes, describeEachDialect, startGateway, totpCode, type TestGateway } from '../support/gateway';

describeEachDialect('signing after the commit on %s', (dialect) => {
  let gw: TestGateway;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  /** While armed: the first committed write moves time past the key cache, and every later database call is recorded. */
  let armed = false;
  let committed = false;
  const touchedAfterCommit: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ dialect, clock });
    const db = gw.gateway.db;
    for (const method of ['read', 'write', 'exclusive'] as const) {
      const original = db[method].bind(db) as (...args: unknown[]) => Promise<unknown>;
      jest.spyOn(db, method).mockImplementation((async (...args: unknown[]) => {
        // Observed, not replaced: every call runs on the real database; the test only records calls
        // made after the request's write committed.
        if (armed && committed) touchedAfterCommit.push(method);
        const value = await original(...args);
        if (armed && method !== 'read') {
          committed = true;
          offsetMs += SCHEDULE_CACHE_TTL_MS + 1;
        }
        return value;
      }) as never);
    }
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await gw?.close();
  });

  /** Runs `request` with the trap armed; answers its result and whether anything touched the database after the commit. */
  async function armedRun<T>(request: () => Promise<T>): Promise<{ result: T; touched: string[] }> {
    armed = true;
    committed = false;
    touchedAfterCommit.length = 0;
    try {
      return { result: await request(), touched: [...touchedAfterCommit] };
    } finally {
      armed = false;
    }
  }

  const jwks = () => createRemoteJWKSet(new URL(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`));
  const verifies = async (jwt: string | null | undefined) => Boolean(jwt && (await jwtVerify(jwt, jwks(), { audience: gw.project.projectId, currentDate: new Date(clock.now()) })));

  it('authenticateTotp starting a session, recoverTotp, createSession and authenticateSession all answer their committed success', async () => {
    const e = await gw.enroll({ verify: true });
    // The project's first signing key is stored by its first session (a write of its own): before arming.
    await gw.client.data(CreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 60 } });
    const totp = await armedRun(() => gw.client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: totpCode(e.secret, 0, clock.now()), sessionDurationMinutes: 60 } }));
    expect([codes(totp.result), totp.touched]).toEqual([[], []]);
    expect(await verifies(totp.result.data?.authenticateTotp.sessionJwt)).toBe(true);

    const recover = await armedRun(() => gw.client.request(RecoverTotpDocument, { input: { userId: e.userId, recoveryCode: e.recoveryCodes[0], sessionDurationMinutes: 60 } }));
    expect([codes(recover.result), recover.touched]).toEqual([[], []]);

    const created = await armedRun(() => gw.client.request(CreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 60 } }));
    expect([codes(created.result), created.touched]).toEqual([[], []]);
    const sessionToken = created.result.data!.createSession.sessionToken;
    expect(await verifies(created.result.data?.createSession.sessionJwt)).toBe(true);

    const authenticated = await armedRun(() => gw.client.request(AuthenticateSessionDocument, { input: { sessionToken } }));
    expect([codes(authenticated.result), authenticated.touched]).toEqual([[], []]);
    expect(await verifies(authenticated.result.data?.authenticateSession.sessionJwt)).toBe(true);
  });
});
