// Several gateway processes over one PostgreSQL database: replay guard, lockout, sessions and signing
// keys hold across processes, and a process killed with SIGKILL loses no acknowledged write.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createGateway } from '../../src/server';
import {
  AuthenticateSessionDocument,
  AuthenticateTotpDocument,
  CreateTotpDocument,
  CreateUserDocument,
  GetUserDocument,
  type GatewayClient,
} from '../../client';
import { describePostgres, totpCode } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';

const ROUNDS = 5;
const CONCURRENT = 30;

/** A code for the same secret that none of the steps -1..+1 produce, so it is always wrong. */
function wrongCode(secret: string): string {
  const valid = new Set([-1, 0, 1].map((s) => totpCode(secret, s)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}


describePostgres('two gateway processes on one PostgreSQL database', () => {
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let clientA: GatewayClient;
  let clientB: GatewayClient;

  beforeAll(async () => {
    ensureBuilt();
    const pg = await createDatabase();
    drop = pg.drop;
    env = { DATABASE_URL: pg.url, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PUBLIC_URL: 'http://gateway.test' };
    // Started together: migrations and the Default project must each happen once.
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
    expect(`${a.output()}${b.output()}`.match(/Created project "Default"/g)).toHaveLength(1);
    // An operator's project, made the way the CLI makes it.
    const admin = await createGateway(loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { migrate: false });
    const { projectId, secret } = await admin.services.projects.create('Multi');
    await admin.close();
    clientA = a.client(projectId, secret);
    clientB = b.client(projectId, secret);
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await drop?.();
  });

  async function enrollVerified(client: GatewayClient) {
    const { createUser } = await client.data(CreateUserDocument, { input: { email: `mp-${randomBytes(4).toString('hex')}@example.com` } });
    const { createTotp } = await client.data(CreateTotpDocument, { input: { userId: createUser.userId } });
    await client.data(AuthenticateTotpDocument, { input: { userId: createUser.userId, totpCode: totpCode(createTotp.secret, -1) } });
    return { userId: createUser.userId, secret: createTotp.secret, totpId: createTotp.totpId };
  }

  it(`accepts exactly one of ${CONCURRENT} concurrent submissions of a code split over both, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { userId, secret } = await enrollVerified(round % 2 ? clientB : clientA);
      const code = totpCode(secret);
      const responses = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) => (i % 2 ? clientB : clientA).request(AuthenticateTotpDocument, { input: { userId, totpCode: code } })),
      );
      const accepted = responses.filter((r) => r.data?.authenticateTotp);
      const refused = responses.flatMap((r) => r.errors ?? []).map((e) => e.extensions.code);
      expect(accepted).toHaveLength(1);
      // Replays are failed attempts too, so past the lockout threshold the rest are refused as locked.
      expect(refused).toHaveLength(CONCURRENT - 1);
      for (const code of refused) expect(['TOTP_CODE_ALREADY_AUTHENTICATED', 'USER_LOCK_LIMIT_REACHED']).toContain(code);
      expect(refused).toContain('TOTP_CODE_ALREADY_AUTHENTICATED');
    }
  });

  it('locks a user after 10 concurrent failures split over both processes', async () => {
    const { userId, secret } = await enrollVerified(clientA);
    const wrong = wrongCode(secret);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? clientB : clientA).request(AuthenticateTotpDocument, { input: { userId, totpCode: wrong } })),
    );
    expect(responses.map((r) => r.errors?.[0].extensions.code)).toEqual(Array(10).fill('UNABLE_TO_AUTHENTICATE_TOTP'));
    for (const client of [clientA, clientB]) {
      const locked = await client.request(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret) } });
      expect(locked.errors?.[0].extensions.code).toBe('USER_LOCK_LIMIT_REACHED');
      expect((await client.data(GetUserDocument, { userId })).user.isLocked).toBe(true);
    }
  });

  it('accepts a session token and JWT made by one process in the other', async () => {
    const { userId, secret } = await enrollVerified(clientA);
    const { authenticateTotp } = await clientA.data(AuthenticateTotpDocument, { input: { userId, totpCode: totpCode(secret), sessionDurationMinutes: 30 } });
    const byToken = await clientB.data(AuthenticateSessionDocument, { input: { sessionToken: authenticateTotp.sessionToken } });
    expect(byToken.authenticateSession.session.sessionId).toBe(authenticateTotp.session!.sessionId);
    const byJwt = await clientB.data(AuthenticateSessionDocument, { input: { sessionJwt: authenticateTotp.sessionJwt } });
    expect(byJwt.authenticateSession.session.sessionId).toBe(authenticateTotp.session!.sessionId);
    // Both processes publish the same JWKS.
    const projectId = JSON.parse(Buffer.from(authenticateTotp.sessionJwt!.split('.')[1], 'base64url').toString()).aud[0];
    const [jwksA, jwksB] = await Promise.all([a, b].map(async (p) => (await (await fetch(`${p.url}/v1/sessions/jwks/${projectId}`)).json()) as { keys: unknown[] }));
    expect(jwksB).toEqual(jwksA);
    expect(jwksA.keys.length).toBeGreaterThan(0);
  });

  it('keeps every acknowledged enrollment when a process is killed with SIGKILL under load', async () => {
    const acknowledged: Array<{ userId: string; totpId: string }> = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const { createUser } = await clientA.data(CreateUserDocument, { input: { email: `kill-${randomBytes(6).toString('hex')}@example.com` } });
          const { createTotp } = await clientA.data(CreateTotpDocument, { input: { userId: createUser.userId } });
          acknowledged.push({ userId: createUser.userId, totpId: createTotp.totpId });
        } catch {
          return; // the process is gone: anything unacknowledged may or may not have landed
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 20));
    await a.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    for (const { userId, totpId } of acknowledged) {
      const { user } = await clientB.data(GetUserDocument, { userId });
      expect(user.totps.map((t) => t.totpId)).toContain(totpId);
    }
  });
});
