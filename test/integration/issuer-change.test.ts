// Changing PUBLIC_URL (set, unset, A to B) or running processes that disagree on it never orphans a live session JWT: each process accepts every other's (authenticateSession, Bearer caller, REST), and another project's JWT is still refused.
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { AuthenticateSessionDocument, CreateSessionDocument, CreateUserDocument, MeDocument, type GatewayClient } from '../../client';
import { describeEachDialect, sessionClient, startGateway, type TestGateway, type TestProject } from '../support/gateway';

/** The PUBLIC_URL settings a deployment may pass through: unset, one URL, another URL. */
const SETTINGS: Array<string | null> = [null, 'https://2fa.example.com/v1', 'http://gateway-b.internal:8080'];
const label = (url: string | null) => url ?? 'unset';

/** A user with a 60-minute session started on `client`'s gateway. */
async function sessionOn(client: GatewayClient) {
  const { createUser } = await client.data(CreateUserDocument, { input: { email: `iss-${randomBytes(4).toString('hex')}@example.com` } });
  const { createSession } = await client.data(CreateSessionDocument, { input: { userId: createUser.userId, sessionDurationMinutes: 60 } });
  return { userId: createUser.userId, sessionId: createSession.session.sessionId, sessionJwt: createSession.sessionJwt };
}

describeEachDialect('PUBLIC_URL changes on %s', (dialect) => {
  /** One process per setting, all on the first one's database and encryption key. */
  const gateways: TestGateway[] = [];
  let project: TestProject;

  function onDatabase(publicUrl: string | null): Promise<TestGateway> {
    const [first] = gateways;
    const database = first.config.database;
    return startGateway({
      dialect,
      databaseUrl: database.kind === 'postgres' ? database.url : `sqlite:${join(first.dataDir, 'gateway.sqlite')}`,
      env: { ...(publicUrl && { PUBLIC_URL: publicUrl }), GATEWAY_ENCRYPTION_KEY: first.config.encryption.key.toString('base64') },
    });
  }

  beforeAll(async () => {
    gateways.push(await startGateway({ dialect }));
    for (const url of SETTINGS.slice(1)) gateways.push(await onDatabase(url));
    project = gateways[0].project;
  });
  afterAll(async () => {
    for (const gw of gateways.slice(1).reverse()) await gw.close();
    await gateways[0]?.close();
  });

  const backend = (gw: TestGateway) => gw.client.with({ projectId: project.projectId, secret: project.secret });

  const pairs = SETTINGS.flatMap((from, i) => SETTINGS.map((to, j) => [label(from), label(to), i, j] as const)).filter(([, , i, j]) => i !== j);

  it.each(pairs)('a JWT issued with PUBLIC_URL %s is accepted with PUBLIC_URL %s', async (_from, _to, i, j) => {
    const [issuer, verifier] = [gateways[i], gateways[j]];
    const session = await sessionOn(backend(issuer));
    expect(decodeJwt(session.sessionJwt).iss).toBe(SETTINGS[i] ?? `stytch.com/${project.projectId}`);
    const { authenticateSession } = await backend(verifier).data(AuthenticateSessionDocument, { input: { sessionJwt: session.sessionJwt } });
    expect(authenticateSession.session.sessionId).toBe(session.sessionId);
    const { me } = await sessionClient(backend(verifier), project.publicToken, session.sessionJwt).data(MeDocument, {});
    expect(me.session.sessionId).toBe(session.sessionId);
    const rest = await fetch(`${verifier.url}/v1/sessions/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: backend(verifier).authorization! },
      body: JSON.stringify({ session_jwt: session.sessionJwt }),
    });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { session: { session_id: string } }).session.session_id).toBe(session.sessionId);
  });

  it('keeps a JWT issued before a restart that sets, changes or unsets PUBLIC_URL', async () => {
    let previous = await sessionOn(backend(gateways[0]));
    for (const url of [SETTINGS[1], SETTINGS[2], null]) {
      const restarted = await onDatabase(url);
      try {
        const { authenticateSession } = await backend(restarted).data(AuthenticateSessionDocument, { input: { sessionJwt: previous.sessionJwt } });
        expect(authenticateSession.session.sessionId).toBe(previous.sessionId);
        previous = { ...previous, sessionJwt: authenticateSession.sessionJwt };
      } finally {
        await restarted.close();
      }
    }
  });

  it("refuses another project's JWT whatever the issuer it carries", async () => {
    const other = await gateways[0].newProject();
    for (const gw of gateways) {
      const session = await sessionOn(gw.client.with({ projectId: other.projectId, secret: other.secret }));
      for (const verifier of gateways) {
        const result = await backend(verifier).request(AuthenticateSessionDocument, { input: { sessionJwt: session.sessionJwt } });
        expect(result.errors?.[0]?.extensions.code).toBe('SESSION_NOT_FOUND');
      }
    }
  });
});
