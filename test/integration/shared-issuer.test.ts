// Several processes with no PUBLIC_URL (behind a load balancer): a session JWT from one is accepted by
// every other on the same database, by authenticateSession and as a Bearer session caller, and the
// official Stytch SDK's local JWT check passes without PUBLIC_URL being set by hand.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import * as stytch from 'stytch';
import { decodeJwt } from 'jose';
import { loadConfig } from '../../src/config';
import { createGateway } from '../../src/server';
import { AuthenticateSessionDocument, CreateSessionDocument, CreateUserDocument, MeDocument, GatewayClient } from '../../client';
import { describePostgres, describeEachDialect, sessionClient, startGateway, type TestGateway } from '../support/gateway';
import { createDatabase } from '../support/postgres';
import { ensureBuilt, startProcess, type GatewayProcess } from '../support/process';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** A user with a 60-minute session started on `client`'s gateway. */
async function sessionOn(client: GatewayClient) {
  const { createUser } = await client.data(CreateUserDocument, { input: { email: `lb-${randomBytes(4).toString('hex')}@example.com` } });
  const { createSession } = await client.data(CreateSessionDocument, { input: { userId: createUser.userId, sessionDurationMinutes: 60 } });
  return { userId: createUser.userId, sessionId: createSession.session.sessionId, sessionJwt: createSession.sessionJwt };
}

describeEachDialect('two gateways on one %s database, different ports, no PUBLIC_URL', (dialect) => {
  let a: TestGateway;
  let b: TestGateway;
  let drop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    let databaseUrl: string | undefined;
    if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createDatabase());
    a = await startGateway({ dialect, databaseUrl, env: { PORT: String(await freePort()) } });
    databaseUrl ??= `sqlite:${a.config.database.kind === 'sqlite' ? a.config.database.path : ''}`;
    // Same key, same database; only the (fixed, distinct) port differs, as behind a load balancer.
    b = await startGateway({ dialect, databaseUrl, env: { PORT: String(await freePort()), GATEWAY_ENCRYPTION_KEY: a.config.encryption.key.toString('base64') } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await drop();
  });

  it('issues the same stytch.com/<projectId> issuer on both, and each accepts the other’s JWT', async () => {
    expect(a.url).not.toBe(b.url);
    const onB = b.client.with({ projectId: a.project.projectId, secret: a.project.secret });
    const session = await sessionOn(a.client);
    expect(decodeJwt(session.sessionJwt).iss).toBe(`stytch.com/${a.project.projectId}`);
    const { authenticateSession } = await onB.data(AuthenticateSessionDocument, { input: { sessionJwt: session.sessionJwt } });
    expect(authenticateSession.session.sessionId).toBe(session.sessionId);
    // And back: B's fresh JWT on A.
    expect(decodeJwt(authenticateSession.sessionJwt).iss).toBe(`stytch.com/${a.project.projectId}`);
    const back = await a.client.data(AuthenticateSessionDocument, { input: { sessionJwt: authenticateSession.sessionJwt } });
    expect(back.authenticateSession.session.sessionId).toBe(session.sessionId);
  });

  it('accepts a JWT from one as a Bearer session caller on the other', async () => {
    const session = await sessionOn(a.client);
    const browserOnB = sessionClient(b.client, a.project.publicToken, session.sessionJwt);
    const { me } = await browserOnB.data(MeDocument, {});
    expect(me).toMatchObject({ userId: session.userId, session: { sessionId: session.sessionId } });
  });

  it("lets the Stytch SDK verify a JWT locally on the other gateway's /v1/, with no PUBLIC_URL", async () => {
    const session = await sessionOn(a.client);
    const sdk = new stytch.Client({ project_id: a.project.projectId, secret: a.project.secret, env: `${b.url}/v1/` });
    const local = await sdk.sessions.authenticateJwtLocal({ session_jwt: session.sessionJwt });
    expect(local).toMatchObject({ session_id: session.sessionId, user_id: session.userId });
  });

  it("refuses another project's JWT (its issuer and audience name that project)", async () => {
    const other = await a.newProject();
    const session = await sessionOn(other.client);
    // Presented to the other project: the audience and issuer name `other`, never a.project.
    const result = await b.client.with({ projectId: a.project.projectId, secret: a.project.secret }).request(AuthenticateSessionDocument, {
      input: { sessionJwt: session.sessionJwt },
    });
    expect(result.errors?.[0]?.extensions.code).toBe('SESSION_NOT_FOUND');
  });
});

describe('with PUBLIC_URL set', () => {
  it('issues PUBLIC_URL, which the Stytch SDK given that base URL accepts', async () => {
    const port = await freePort();
    const gw = await startGateway({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}/v1` } });
    try {
      const session = await sessionOn(gw.client);
      expect(decodeJwt(session.sessionJwt).iss).toBe(`http://127.0.0.1:${port}/v1`);
      const sdk = new stytch.Client({ project_id: gw.project.projectId, secret: gw.project.secret, env: `${gw.url}/v1/` });
      expect(await sdk.sessions.authenticateJwtLocal({ session_jwt: session.sessionJwt })).toMatchObject({ session_id: session.sessionId });
    } finally {
      await gw.close();
    }
  });
});


describePostgres('two gateway processes on one PostgreSQL database with no PUBLIC_URL', () => {
  let drop: () => Promise<void>;
  let processes: GatewayProcess[] = [];

  beforeAll(async () => {
    ensureBuilt();
    const pg = await createDatabase();
    drop = pg.drop;
    const env = { DATABASE_URL: pg.url, GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const [portA, portB] = [await freePort(), await freePort()];
    processes = await Promise.all([startProcess({ ...env, PORT: String(portA) }), startProcess({ ...env, PORT: String(portB) })]);
    const admin = await createGateway(loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { migrate: false });
    try {
      const { projectId, secret, publicToken } = await admin.services.projects.create('Behind a load balancer');
      Object.assign(credentials, { projectId, secret, publicToken });
    } finally {
      await admin.close();
    }
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await drop?.();
  });
  const credentials = { projectId: '', secret: '', publicToken: '' };

  it("accepts one process's JWT on the other (authenticateSession and Bearer), and each warns once that PUBLIC_URL is unset", async () => {
    const [a, b] = processes;
    expect(a.url).not.toBe(b.url);
    const session = await sessionOn(a.client(credentials.projectId, credentials.secret));
    const { authenticateSession } = await b.client(credentials.projectId, credentials.secret).data(AuthenticateSessionDocument, { input: { sessionJwt: session.sessionJwt } });
    expect(authenticateSession.session.sessionId).toBe(session.sessionId);
    const { me } = await sessionClient(b.client(credentials.projectId, credentials.secret), credentials.publicToken, session.sessionJwt).data(MeDocument, {});
    expect(me.session.sessionId).toBe(session.sessionId);
    for (const p of processes) expect(p.output().match(/PUBLIC_URL is not set/g)).toHaveLength(1);
  });
});
