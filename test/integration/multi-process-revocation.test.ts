// Two gateway processes over one PostgreSQL database: a recovery code is spent once across both, and a session or project secret revoked through one is refused by the other at once.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createGateway, type Gateway } from '../../src/server';
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateTotpDocument,
  CreateUserDocument,
  GetUserDocument,
  RecoverTotpDocument,
  RevokeSessionDocument,
  type GatewayClient,
} from '../../client';
import { codes, describePostgres, totpCode } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';

const CONCURRENT = 20;

describePostgres('revocation and single use across two gateway processes on one PostgreSQL database', () => {
  let drop: () => Promise<void>;
  let a: GatewayProcess;
  let b: GatewayProcess;
  /** An in-test gateway on the same database, as an operator's CLI would act on it (not serving). */
  let admin: Gateway;
  let projectId: string;
  let clientA: GatewayClient;
  let clientB: GatewayClient;

  beforeAll(async () => {
    ensureBuilt();
    const pg = await createDatabase();
    drop = pg.drop;
    const env = { DATABASE_URL: pg.url, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PUBLIC_URL: 'http://gateway.test' };
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
    admin = await createGateway(loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { migrate: false });
    const created = await admin.services.projects.create('Revocation');
    projectId = created.projectId;
    clientA = a.client(projectId, created.secret);
    clientB = b.client(projectId, created.secret);
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill(), admin?.close()]);
    await drop?.();
  });

  async function enrollVerified(client: GatewayClient) {
    const { createUser } = await client.data(CreateUserDocument, { input: { email: `mpr-${randomBytes(4).toString('hex')}@example.com` } });
    const { createTotp } = await client.data(CreateTotpDocument, { input: { userId: createUser.userId } });
    await client.data(AuthenticateTotpDocument, { input: { userId: createUser.userId, totpCode: totpCode(createTotp.secret, -1) } });
    return { userId: createUser.userId, secret: createTotp.secret, recoveryCodes: createTotp.recoveryCodes };
  }

  it(`spends a recovery code once: of ${CONCURRENT} concurrent submissions split over both, exactly one is accepted, and neither accepts it again`, async () => {
    const { userId, recoveryCodes } = await enrollVerified(clientA);
    const [code, untouched] = recoveryCodes;
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => (i % 2 ? clientB : clientA).request(RecoverTotpDocument, { input: { userId, recoveryCode: code } })),
    );
    expect(responses.filter((r) => r.data?.recoverTotp)).toHaveLength(1);
    const refused = responses.flatMap(codes);
    expect(refused).toHaveLength(CONCURRENT - 1);
    // The losers are failed attempts, so past the lockout threshold they are refused as locked.
    for (const c of refused) expect(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE', 'USER_LOCK_LIMIT_REACHED']).toContain(c);
    expect(refused).toContain('UNABLE_TO_AUTHENTICATE_RECOVERY_CODE');
    // Unlocked by an operator, the spent code is still refused on both; an unspent one still works.
    await admin.services.users.unlock(projectId, userId);
    for (const client of [clientA, clientB]) {
      expect(codes(await client.request(RecoverTotpDocument, { input: { userId, recoveryCode: code } }))).toEqual(['UNABLE_TO_AUTHENTICATE_RECOVERY_CODE']);
    }
    expect((await clientB.data(RecoverTotpDocument, { input: { userId, recoveryCode: untouched } })).recoverTotp.userId).toBe(userId);
  });

  it('refuses in one process a session revoked through the other, by token and by JWT', async () => {
    const { userId, secret } = await enrollVerified(clientA);
    const { authenticateTotp } = await clientA.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret), sessionDurationMinutes: 30 } });
    const { sessionToken, sessionJwt } = authenticateTotp;
    // Both processes know the session first (anything they keep of it is warm).
    for (const client of [clientA, clientB]) {
      expect((await client.data(AuthenticateSessionDocument, { input: { sessionToken } })).authenticateSession.session.sessionId).toBe(authenticateTotp.session!.sessionId);
      expect((await client.data(AuthenticateSessionDocument, { input: { sessionJwt } })).authenticateSession.session.sessionId).toBe(authenticateTotp.session!.sessionId);
    }
    await clientB.data(RevokeSessionDocument, { input: { sessionToken } });
    for (const client of [clientA, clientB]) {
      expect(codes(await client.request(AuthenticateSessionDocument, { input: { sessionToken } }))).toEqual(['SESSION_NOT_FOUND']);
      expect(codes(await client.request(AuthenticateSessionDocument, { input: { sessionJwt } }))).toEqual(['SESSION_NOT_FOUND']);
    }
  });

  it('refuses in both processes, at once, a project secret revoked by an operator', async () => {
    const extra = await admin.services.projects.createSecret(projectId);
    const withExtra = [a.client(projectId, extra.secret), b.client(projectId, extra.secret)];
    const userId = (await withExtra[0].data(CreateUserDocument, { input: { email: `mpr-${randomBytes(4).toString('hex')}@example.com` } })).createUser.userId;
    // Both processes have authenticated the secret (anything they keep of it is warm).
    for (const client of withExtra) expect((await client.data(GetUserDocument, { userId })).user.userId).toBe(userId);
    await admin.services.projects.revokeSecret(projectId, extra.secretId);
    for (const client of withExtra) expect(codes(await client.request(GetUserDocument, { userId }))).toEqual(['UNAUTHORIZED_CREDENTIALS']);
    // The project's other secret is untouched.
    for (const client of [clientA, clientB]) expect((await client.data(GetUserDocument, { userId })).user.userId).toBe(userId);
  });
});
