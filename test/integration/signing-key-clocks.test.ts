// Signing keys under skewed or stepping clocks and algorithm switches, two processes on one database: no request fails or floods the key set, one key signs at a time, and a switched algorithm's key signs only after it has been in the JWKS for the lead.
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { CreateSessionDocument, GatewayClient } from '../../client';
import { CLOCK_SKEW_TOLERANCE_MS, PUBLISH_LEAD_MS } from '../../src/sessions/signing-key.service';
import { describeEachDialect, startGateway, type TestGateway } from '../support/gateway';

const MINUTE_MS = 60_000;
const ROTATION_MS = 86_400_000;
const ENV = { SESSION_SIGNING_KEY_ROTATION_DAYS: '1', SESSION_JWT_ALGORITHM: 'ES256' };

describeEachDialect('signing keys and clocks on %s', (dialect) => {
  let nowMs = Date.now();
  let skewMs = 0;
  let a: TestGateway;
  let b: TestGateway;
  const opened: TestGateway[] = [];

  /** Another process on a's database, with its own clock and settings. */
  function sibling(clock: { now(): number }, env: Record<string, string>): Promise<TestGateway> {
    const database = a.config.database;
    return startGateway({
      dialect,
      clock,
      databaseUrl: database.kind === 'postgres' ? database.url : `sqlite:${join(a.dataDir, 'gateway.sqlite')}`,
      env: { ...env, GATEWAY_ENCRYPTION_KEY: a.config.encryption.key.toString('base64') },
    }).then((gw) => (opened.push(gw), gw));
  }

  beforeAll(async () => {
    a = await startGateway({ dialect, clock: { now: () => nowMs }, env: ENV });
    // b's clock is a's plus `skewMs`, which each case sets.
    b = await sibling({ now: () => nowMs + skewMs }, ENV);
  });
  afterAll(async () => {
    for (const gw of opened.reverse()) await gw.close();
    await a?.close();
  });

  const clientOf = (gw: TestGateway, project: { projectId: string; secret: string }) =>
    new GatewayClient({ url: gw.url }).with({ projectId: project.projectId, secret: project.secret });

  /** createSession on `client`: the JWT must come back (no error), with its kid and the instant. */
  async function sign(client: GatewayClient, userId: string) {
    const { createSession } = await client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    const header = decodeProtectedHeader(createSession.sessionJwt);
    return { at: nowMs, jwt: createSession.sessionJwt, kid: header.kid!, alg: header.alg! };
  }

  /** The JWKS as served by every given gateway, merged by kid. */
  async function jwks(projectId: string, gateways: TestGateway[] = [a, b]): Promise<JWK[]> {
    const sets = await Promise.all(gateways.map(async (gw) => (await (await fetch(`${gw.url}/v1/sessions/jwks/${projectId}`)).json()) as JSONWebKeySet));
    return [...new Map(sets.flatMap((set) => set.keys).map((k) => [k.kid, k])).values()];
  }

  const verifies = (signed: { at: number; jwt: string }, keys: JWK[]) =>
    jwtVerify(signed.jwt, createLocalJWKSet({ keys }), { currentDate: new Date(signed.at) }).then(() => true, () => false);

  it.each([
    ['5 s ahead', 5_000],
    ['5 s behind', -5_000],
    ['beyond the tolerance ahead', CLOCK_SKEW_TOLERANCE_MS + 5 * MINUTE_MS],
    ['beyond the tolerance behind', -(CLOCK_SKEW_TOLERANCE_MS + 5 * MINUTE_MS)],
  ])("a new project's first key made by a process %s of the other signs on both, with no error and no other key", async (_label, skew) => {
    skewMs = skew;
    const project = await a.newProject();
    const [viaA, viaB] = [clientOf(a, project), clientOf(b, project)];
    const userId = await a.createUser({}, project.client);
    const first = await sign(viaB, userId);
    const kids = new Set<string>([first.kid]);
    for (let i = 0; i < 10; i++) {
      kids.add((await sign(viaA, userId)).kid);
      kids.add((await sign(viaB, userId)).kid);
      nowMs += 1_000;
    }
    expect([...kids]).toEqual([first.kid]);
    expect((await jwks(project.projectId)).map((k) => k.kid)).toEqual([first.kid]);
  });

  it('keeps signing with the one key when a process clock steps backwards, a little or a lot', async () => {
    skewMs = 0;
    const project = await a.newProject();
    const viaA = clientOf(a, project);
    const userId = await a.createUser({}, project.client);
    const first = await sign(viaA, userId);
    for (const stepMs of [2_000, 10 * MINUTE_MS, 2 * ROTATION_MS]) {
      nowMs -= stepMs;
      expect((await sign(viaA, userId)).kid).toBe(first.kid);
      expect((await sign(clientOf(b, project), userId)).kid).toBe(first.kid);
    }
    expect((await jwks(project.projectId)).map((k) => k.kid)).toEqual([first.kid]);
  });

  it('switches SESSION_JWT_ALGORITHM on a restart only after the new key has been in the JWKS for the lead, and unpublishes the old key a period later', async () => {
    skewMs = 0;
    const rsa = await sibling({ now: () => nowMs }, { ...ENV, SESSION_JWT_ALGORITHM: 'RS256' });
    const project = await a.newProject();
    const userId = await a.createUser({}, project.client);
    const start = nowMs;
    const at = (offsetMs: number) => (nowMs = start + offsetMs);

    const old = await sign(clientOf(rsa, project), userId);
    expect(old.alg).toBe('RS256');
    at(20 * MINUTE_MS);
    const fetchedEarly = await jwks(project.projectId, [rsa]);
    // "Restarted" with ES256 at +31 min (a's and b's setting): the RS256 key keeps signing for the lead.
    at(31 * MINUTE_MS);
    const afterRestart = [await sign(clientOf(a, project), userId), await sign(clientOf(b, project), userId)];
    expect(afterRestart.map((s) => s.kid)).toEqual([old.kid, old.kid]);
    for (const signed of afterRestart) expect(await verifies(signed, fetchedEarly)).toBe(true);
    const fetchedAtSwitch = await jwks(project.projectId);
    expect(fetchedAtSwitch).toHaveLength(2);
    const es = fetchedAtSwitch.find((k) => k.kid !== old.kid)!;
    expect(es.alg).toBe('ES256');

    at(31 * MINUTE_MS + PUBLISH_LEAD_MS - 1);
    expect((await sign(clientOf(b, project), userId)).kid).toBe(old.kid);
    at(31 * MINUTE_MS + PUBLISH_LEAD_MS);
    const switched = [await sign(clientOf(a, project), userId), await sign(clientOf(b, project), userId)];
    expect(switched.map((s) => s.kid)).toEqual([es.kid, es.kid]);
    for (const signed of switched) expect(await verifies(signed, fetchedAtSwitch)).toBe(true);

    // The old algorithm's key stays published one rotation period after it stopped signing, not for ever.
    at(31 * MINUTE_MS + PUBLISH_LEAD_MS + ROTATION_MS - MINUTE_MS);
    expect((await jwks(project.projectId, [a])).map((k) => k.kid)).toContain(old.kid);
    at(31 * MINUTE_MS + PUBLISH_LEAD_MS + ROTATION_MS + 2 * MINUTE_MS);
    const late = (await jwks(project.projectId, [a])).map((k) => k.kid);
    expect(late).not.toContain(old.kid);
    expect(late.length).toBeGreaterThan(0);
  });

  it('switches back to an algorithm used before without error, again after the lead', async () => {
    skewMs = 0;
    const rsa = await sibling({ now: () => nowMs }, { ...ENV, SESSION_JWT_ALGORITHM: 'RS256' });
    const project = await a.newProject();
    const userId = await a.createUser({}, project.client);
    const viaRsa = clientOf(rsa, project);
    const first = await sign(viaRsa, userId);
    nowMs += MINUTE_MS;
    const viaEs = clientOf(a, project);
    expect((await sign(viaEs, userId)).kid).toBe(first.kid);
    nowMs += PUBLISH_LEAD_MS;
    const es = await sign(viaEs, userId);
    expect(es.alg).toBe('ES256');
    nowMs += MINUTE_MS;
    expect((await sign(viaRsa, userId)).kid).toBe(es.kid);
    const published = await jwks(project.projectId, [rsa]);
    nowMs += PUBLISH_LEAD_MS;
    const back = await sign(viaRsa, userId);
    expect(back.alg).toBe('RS256');
    expect(back.kid).not.toBe(first.kid);
    expect(published.map((k) => k.kid)).toContain(back.kid);
    expect(await verifies(back, published)).toBe(true);
  });
});
