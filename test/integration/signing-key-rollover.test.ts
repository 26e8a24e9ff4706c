// Signing-key rollover across quiet spells and two processes on one database: a key signs only after it has been in the JWKS for the publication lead, one key signs at a time, and both processes agree.
import { join } from 'node:path';
import fc from 'fast-check';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { CreateSessionDocument, GatewayClient } from '../../client';
import { PUBLISH_LEAD_MS, SCHEDULE_CACHE_TTL_MS } from '../../src/sessions/signing-key.service';
import { describeEachDialect, startGateway, type TestGateway, type TestProject } from '../support/gateway';
import { seedFastCheck } from '../support/fast-check';

seedFastCheck();

const MINUTE_MS = 60_000;
const ROTATION_MS = 86_400_000;
const ENV = { SESSION_SIGNING_KEY_ROTATION_DAYS: '1', SESSION_JWT_ALGORITHM: 'ES256' };

/** A JWT signed at `at` by one of the gateways, and the key set a verifier fetched at `at`. */
interface Signed {
  readonly at: number;
  readonly jwt: string;
  readonly kid: string;
}
interface Fetched {
  readonly at: number;
  readonly keys: JWK[];
}

describeEachDialect('signing-key rollover on %s', (dialect) => {
  let nowMs = Date.now();
  const clock = { now: () => nowMs };
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    a = await startGateway({ dialect, clock, env: ENV });
    const database = a.config.database;
    // A second process on the same database (its own DataSource, caches and HTTP server), same clock.
    b = await startGateway({
      dialect,
      clock,
      databaseUrl: database.kind === 'postgres' ? database.url : `sqlite:${join(a.dataDir, 'gateway.sqlite')}`,
      env: { ...ENV, GATEWAY_ENCRYPTION_KEY: a.config.encryption.key.toString('base64') },
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** The project's clients on both gateways and a user to open sessions for. */
  async function setUp(): Promise<{ project: TestProject; clients: GatewayClient[]; userId: string }> {
    const project = await a.newProject();
    const clients = [a, b].map((gw) => new GatewayClient({ url: gw.url }).with({ projectId: project.projectId, secret: project.secret }));
    return { project, clients, userId: await a.createUser({}, project.client) };
  }

  async function sign(client: GatewayClient, userId: string): Promise<Signed> {
    const { createSession } = await client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
    return { at: nowMs, jwt: createSession.sessionJwt, kid: decodeProtectedHeader(createSession.sessionJwt).kid! };
  }

  /** The JWKS as a verifier sees it from either gateway (each serves it with `max-age=60`). */
  async function fetchJwks(projectId: string): Promise<Fetched> {
    const sets = await Promise.all([a, b].map(async (gw) => (await (await fetch(`${gw.url}/v1/sessions/jwks/${projectId}`)).json()) as JSONWebKeySet));
    const keys = new Map(sets.flatMap((set) => set.keys).map((key) => [key.kid, key]));
    return { at: nowMs, keys: [...keys.values()] };
  }

  /** Signature and expiry only, judged at signing time: the key set is what a verifier trusts. */
  const verifies = (signed: Signed, set: JWK[]) =>
    jwtVerify(signed.jwt, createLocalJWKSet({ keys: set }), { currentDate: new Date(signed.at) }).then(() => true, () => false);

  it('keeps signing with the published key across a quiet spell until its successor has had the lead', async () => {
    const { project, clients, userId } = await setUp();
    const [viaA, viaB] = clients;
    const start = nowMs;
    const at = (offsetMs: number) => (nowMs = start + offsetMs);

    const k1 = (await sign(viaA, userId)).kid;
    at(ROTATION_MS - 11 * MINUTE_MS);
    expect((await sign(viaA, userId)).kid).toBe(k1);
    // The first request after the period's end stores the successor; the old key keeps signing.
    at(ROTATION_MS + 5 * MINUTE_MS);
    expect((await sign(viaA, userId)).kid).toBe(k1);
    const published = (await fetchJwks(project.projectId)).keys.map((k) => k.kid);
    expect(published).toHaveLength(2);
    const k2 = published.find((kid) => kid !== k1)!;

    at(ROTATION_MS + 11 * MINUTE_MS);
    const cachedByVerifier = await fetchJwks(project.projectId);
    at(ROTATION_MS + 12 * MINUTE_MS);
    const fromA = await sign(viaA, userId);
    const fromB = await sign(viaB, userId);
    expect([fromA.kid, fromB.kid]).toEqual([k1, k1]);
    expect(await verifies(fromA, cachedByVerifier.keys)).toBe(true);
    expect(await verifies(fromB, cachedByVerifier.keys)).toBe(true);

    // K2 signs once published for the lead (stored at R+5 min), on both processes, and only K2 after.
    at(ROTATION_MS + 5 * MINUTE_MS + PUBLISH_LEAD_MS);
    const later = [await sign(viaB, userId), await sign(viaA, userId)];
    at(ROTATION_MS + 5 * MINUTE_MS + PUBLISH_LEAD_MS + SCHEDULE_CACHE_TTL_MS + 1);
    later.push(await sign(viaA, userId), await sign(viaB, userId));
    expect(later.map((s) => s.kid)).toEqual([k2, k2, k2, k2]);
    for (const signed of later) expect(await verifies(signed, cachedByVerifier.keys)).toBe(true);
    expect((await fetchJwks(project.projectId)).keys.map((k) => k.kid).sort()).toEqual([k1, k2].sort());
  });

  it('keeps a key that signs in the JWKS however long ago it was created, and a restarted process agrees', async () => {
    const { project, clients, userId } = await setUp();
    const k1 = (await sign(clients[0], userId)).kid;
    // Idle for three periods: the old key still signs (its successor is only now published).
    nowMs += 3 * ROTATION_MS;
    const signed = await sign(clients[1], userId);
    expect(signed.kid).toBe(k1);
    expect(await verifies(signed, (await fetchJwks(project.projectId)).keys)).toBe(true);
    // A process started now (no cache at all) signs with the same key until the successor's lead is over.
    const database = a.config.database;
    const restarted = await startGateway({
      dialect,
      clock,
      databaseUrl: database.kind === 'postgres' ? database.url : `sqlite:${join(a.dataDir, 'gateway.sqlite')}`,
      env: { ...ENV, GATEWAY_ENCRYPTION_KEY: a.config.encryption.key.toString('base64') },
    });
    try {
      const viaRestarted = new GatewayClient({ url: restarted.url }).with({ projectId: project.projectId, secret: project.secret });
      nowMs += PUBLISH_LEAD_MS - 1;
      expect((await sign(viaRestarted, userId)).kid).toBe(k1);
      nowMs += 1;
      const successor = await sign(viaRestarted, userId);
      expect(successor.kid).not.toBe(k1);
      expect((await sign(clients[0], userId)).kid).toBe(successor.kid);
    } finally {
      await restarted.close();
    }
  });

  /** Gaps between requests: bursts, around the caches and the lead, around a period, quiet spells. */
  const gap = fc.oneof(
    fc.integer({ min: 0, max: 2 * SCHEDULE_CACHE_TTL_MS }),
    fc.integer({ min: PUBLISH_LEAD_MS - 2 * SCHEDULE_CACHE_TTL_MS, max: PUBLISH_LEAD_MS + 2 * SCHEDULE_CACHE_TTL_MS }),
    fc.integer({ min: ROTATION_MS - 2 * PUBLISH_LEAD_MS, max: ROTATION_MS + 2 * PUBLISH_LEAD_MS }),
    fc.integer({ min: ROTATION_MS, max: 3 * ROTATION_MS }),
  );
  const steps = fc.array(fc.record({ gap, bFirst: fc.boolean(), race: fc.boolean() }), { minLength: 2, maxLength: 10 });

  it('under any traffic pattern, signs only with keys published for the lead, one at a time, the same on both processes', async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (pattern) => {
        const { project, clients, userId } = await setUp();
        const signed: Signed[] = [];
        const fetched: Fetched[] = [];
        for (const { gap: gapMs, bFirst, race } of pattern) {
          nowMs += gapMs;
          // Both processes sign at the same instant, racing or in either order; then a verifier fetches the JWKS.
          const order = bFirst ? [clients[1], clients[0]] : clients;
          const pair = race
            ? await Promise.all(order.map((client) => sign(client, userId)))
            : [await sign(order[0], userId), await sign(order[1], userId)];
          expect(pair[1].kid).toBe(pair[0].kid);
          signed.push(...pair);
          fetched.push(await fetchJwks(project.projectId));
        }
        const firstKid = signed[0].kid;
        const order: string[] = [];
        for (const jwt of signed) {
          if (!order.includes(jwt.kid)) order.push(jwt.kid);
          // Never back to an earlier key: the signer moves forward through the chain.
          expect(order.indexOf(jwt.kid)).toBe(order.length - 1);
          // Only the project's first key signs without a lead: nothing could have cached a JWKS before it.
          if (jwt.kid === firstKid) continue;
          const early = fetched.filter((f) => f.at <= jwt.at - PUBLISH_LEAD_MS && f.keys.some((k) => k.kid === jwt.kid));
          expect(early.length).toBeGreaterThan(0);
          expect(await verifies(jwt, early[0].keys)).toBe(true);
        }
        // Every JWT verifies against the JWKS fetched right after it.
        for (const [i, jwt] of signed.entries()) expect(await verifies(jwt, fetched[Math.floor(i / 2)].keys)).toBe(true);
      }),
      { numRuns: 12 },
    );
  });
});
