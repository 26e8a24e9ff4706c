// Threat: unbounded online guessing across lockouts (NIST SP 800-63B §5.2.2) — the count survives a lock's end, further locks escalate to a cap and a hard limit, only the project's unlockUser (GraphQL or REST) lifts it, and guesses refused while locked cannot grow the audit trail without bound.
import { randomInt } from 'node:crypto';
import {
  AuthEventsDocument,
  AuthenticateTotpDocument,
  CreateSessionDocument,
  RecoverTotpDocument,
  UnlockUserDocument,
  UserLockDocument,
  type AuthEventsQuery,
  type GatewayClient,
} from '../../client';
import type { Clock } from '../../src/common/clock';
import { describeEachDialect, codes, sessionClient, startGateway, totpCode, type Enrollment, type TestGateway } from '../support/gateway';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const YEAR_MS = 365 * 24 * 60 * MINUTE_MS;
const UNABLE = 'UNABLE_TO_AUTHENTICATE_TOTP';
const LOCKED = 'USER_LOCK_LIMIT_REACHED';
/** N=3 and D=300 s (the example), a 900 s cap (the third lock would be 1200 s) and the lowest hard limit. */
const ENV = { LOCKOUT_MAX_ATTEMPTS: '3', LOCKOUT_DURATION_SECONDS: '300', LOCKOUT_MAX_DURATION_SECONDS: '900', LOCKOUT_HARD_LIMIT: '10' };
const N = 3;
const FIRST_LOCK_MS = 300 * SECOND_MS;
const CAP_MS = 900 * SECOND_MS;

type Event = AuthEventsQuery['authEvents']['edges'][number]['node'];

/** A 6-digit code the server cannot accept around `nowMs` (none of steps -2..+2). */
function wrongCode(secret: string, nowMs: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps, nowMs)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

describeEachDialect('lockout escalation on %s', (dialect) => {
  /** The gateway's clock; tests only move it forward. Starts 15 s into a minute. */
  const clock = { t: Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 15 * SECOND_MS, now() { return this.t; } } satisfies Clock & { t: number };
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ dialect, clock, env: ENV });
  });
  afterAll(() => gw?.close());

  const authenticate = (e: Enrollment, code: string, client: GatewayClient = gw.client) =>
    client.request(AuthenticateTotpDocument, { input: { userId: e.userId, totpCode: code } });
  /** The verdict of one guess: 'OK' or its error code(s). */
  const verdictOf = async (reply: Promise<{ data: unknown; errors?: Array<{ extensions?: { code?: string } }> }>) => codes(await reply).join(',') || 'OK';
  const wrong = (e: Enrollment) => verdictOf(authenticate(e, wrongCode(e.secret, clock.t)));
  const right = (e: Enrollment) => verdictOf(authenticate(e, totpCode(e.secret, 0, clock.t)));
  async function wrongs(e: Enrollment, count: number): Promise<string[]> {
    const verdicts: string[] = [];
    for (let i = 0; i < count; i++) verdicts.push(await wrong(e));
    return verdicts;
  }
  const lockOf = async (e: Enrollment) => (await gw.client.data(UserLockDocument, { userId: e.userId })).user;
  /** Where the current lock ends, as the user query shows it (ms). */
  const lockEnd = async (e: Enrollment) => Date.parse((await lockOf(e)).lockedUntil!);
  /** Moves the clock just past the current lock and checks it has ended. */
  async function outlast(e: Enrollment): Promise<void> {
    clock.t = (await lockEnd(e)) + SECOND_MS;
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: false, lockedUntil: null }));
  }
  async function events(e: Enrollment): Promise<Event[]> {
    const { authEvents } = await gw.client.data(AuthEventsDocument, { userId: e.userId, first: 100 });
    expect(authEvents.pageInfo.hasNextPage).toBe(false);
    return authEvents.edges.map((edge) => edge.node);
  }

  it('keeps counting consecutive failures after a lock ends: the next N (or fewer) lock again, at least twice as long', async () => {
    const e = await gw.enroll({ verify: true });
    const firstAt = clock.t;
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    expect(await lockOf(e)).toEqual({ userId: e.userId, isLocked: true, lockedUntil: new Date(firstAt + FIRST_LOCK_MS).toISOString(), lockExpiresAt: new Date(firstAt + FIRST_LOCK_MS).toISOString(), consecutiveFailures: N });
    expect(await right(e)).toBe(LOCKED); // even the correct code

    clock.t = firstAt + FIRST_LOCK_MS - SECOND_MS;
    expect(await right(e)).toBe(LOCKED);
    await outlast(e);
    // The lock ended, the count did not.
    expect((await lockOf(e)).consecutiveFailures).toBe(N);

    const secondAt = clock.t;
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    const refused = await authenticate(e, totpCode(e.secret, 0, clock.t));
    expect(codes(refused)).toEqual([LOCKED]);
    const secondEnd = Date.parse(refused.errors![0].extensions!.lockExpiresAt as string);
    expect(secondEnd - secondAt).toBeGreaterThanOrEqual(2 * FIRST_LOCK_MS);
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: true, lockedUntil: new Date(secondEnd).toISOString(), consecutiveFailures: 2 * N }));
  });

  it('caps a lock at LOCKOUT_MAX_DURATION_SECONDS', async () => {
    const e = await gw.enroll({ verify: true });
    const lengths: number[] = [];
    for (let lock = 1; lock <= 3; lock++) {
      const at = clock.t;
      expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
      lengths.push((await lockEnd(e)) - at);
      await outlast(e);
    }
    // 300 s, 600 s, then 900 s (the cap), not 1200 s.
    expect(lengths).toEqual([FIRST_LOCK_MS, 2 * FIRST_LOCK_MS, CAP_MS]);
  });

  it('locks until an unlock at LOCKOUT_HARD_LIMIT consecutive failures, past any duration', async () => {
    const e = await gw.enroll({ verify: true });
    for (let lock = 1; lock <= 3; lock++) {
      expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
      await outlast(e);
    }
    // The 10th consecutive failure is the hard limit.
    expect(await wrongs(e, 1)).toEqual([UNABLE]);
    expect(await lockOf(e)).toEqual({ userId: e.userId, isLocked: true, lockedUntil: null, lockExpiresAt: null, consecutiveFailures: 10 });
    const refused = await authenticate(e, totpCode(e.secret, 0, clock.t));
    expect(codes(refused)).toEqual([LOCKED]);
    expect(refused.errors![0].extensions).toEqual(expect.objectContaining({ lockExpiresAt: null, unlockRequired: true }));

    clock.t += 10 * YEAR_MS;
    expect(await right(e)).toBe(LOCKED);
    expect(await verdictOf(gw.client.request(RecoverTotpDocument, { input: { userId: e.userId, recoveryCode: e.recoveryCodes[0] } }))).toBe(LOCKED);
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: true, lockedUntil: null, consecutiveFailures: 10 }));

    const { unlockUser } = await gw.client.data(UnlockUserDocument, { userId: e.userId });
    expect(unlockUser.user).toEqual(expect.objectContaining({ userId: e.userId, isLocked: false, lockedUntil: null, lockExpiresAt: null, consecutiveFailures: 0 }));
    expect(await right(e)).toBe('OK');
  });

  it('holds under parallel guesses from two gateways on one database: after a lock ends a burst gets at most N judged, one short of the hard limit only one', async () => {
    const other = await startGateway({
      dialect,
      clock,
      databaseUrl: gw.config.database.kind === 'sqlite' ? `sqlite:${gw.config.database.path}` : gw.config.database.url,
      env: { ...ENV, GATEWAY_ENCRYPTION_KEY: gw.config.encryption.key.toString('base64') },
    });
    try {
      const there = other.project.client.with({ projectId: gw.project.projectId, secret: gw.project.secret });
      await parallelBursts((e, i) => (i % 2 === 0 ? wrong(e) : verdictOf(authenticate(e, wrongCode(e.secret, clock.t), there))));
    } finally {
      await other.close();
    }
  });

  /** Bursts of 20 parallel wrong guesses (the i-th sent by `guess`) at the start of the second run and at one short of the hard limit. */
  async function parallelBursts(guess: (e: Enrollment, i: number) => Promise<string>): Promise<void> {
    const e = await gw.enroll({ verify: true });
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    await outlast(e);
    const at = clock.t;
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => guess(e, i)));
    expect(burst.filter((v) => v === UNABLE)).toHaveLength(N);
    expect(burst.filter((v) => v === LOCKED)).toHaveLength(20 - N);
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: true, lockedUntil: new Date(at + 2 * FIRST_LOCK_MS).toISOString(), consecutiveFailures: 2 * N }));

    await outlast(e);
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE)); // 9: the capped third lock
    await outlast(e);
    const last = await Promise.all(Array.from({ length: 20 }, (_, i) => guess(e, i)));
    expect(last.filter((v) => v === UNABLE)).toHaveLength(1); // the 10th failure: the hard limit
    expect(last.filter((v) => v === LOCKED)).toHaveLength(19);
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: true, lockedUntil: null, consecutiveFailures: 10 }));
  }

  it('unlockUser clears the lock and the count, and is audited as "unlocked" with its request id', async () => {
    const e = await gw.enroll({ verify: true });
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    await outlast(e);
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE)); // the second, longer lock

    const requestId = `unlock-${randomInt(1e9)}`;
    const reply = await gw.client.with({ headers: { 'x-request-id': requestId } }).request(UnlockUserDocument, { userId: e.userId });
    expect(codes(reply)).toEqual([]);
    expect(reply.data!.unlockUser).toEqual({ userId: e.userId, user: expect.objectContaining({ isLocked: false, lockedUntil: null, consecutiveFailures: 0 }) });
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: false, lockedUntil: null, consecutiveFailures: 0 }));
    const [latest] = await events(e);
    expect(latest).toEqual(expect.objectContaining({ type: 'user', outcome: 'unlocked', requestId, totpId: null, count: 1, occurredAt: new Date(clock.t).toISOString() }));

    // A fresh run: N-1 failures are judged, the N-th locks for the first lock's length again.
    const at = clock.t;
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    expect(await lockEnd(e)).toBe(at + FIRST_LOCK_MS);
  });

  it('a success clears the count: the next lock is a first lock again', async () => {
    const e = await gw.enroll({ verify: true });
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    await outlast(e);
    expect(await wrongs(e, N - 1)).toEqual(Array(N - 1).fill(UNABLE));
    expect((await lockOf(e)).consecutiveFailures).toBe(2 * N - 1);
    expect(await right(e)).toBe('OK');
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: false, consecutiveFailures: 0 }));

    clock.t += 30 * SECOND_MS; // a new time step, so the next correct code is not a replay
    const at = clock.t;
    expect(await wrongs(e, N - 1)).toEqual(Array(N - 1).fill(UNABLE));
    expect((await lockOf(e)).isLocked).toBe(false);
    expect(await wrongs(e, 1)).toEqual([UNABLE]);
    expect(await lockEnd(e)).toBe(at + FIRST_LOCK_MS);
  });

  it('unlockUser needs the project secret: a session caller, a public token alone or another project cannot lift a lock', async () => {
    const e = await gw.enroll({ verify: true });
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    const { createSession } = await gw.client.data(CreateSessionDocument, { input: { userId: e.userId, sessionDurationMinutes: 60 } });
    const ownSession = sessionClient(gw.client, gw.project.publicToken, createSession.sessionToken);
    const ownJwt = sessionClient(gw.client, gw.project.publicToken, createSession.sessionJwt);
    const tokenOnly = gw.client.with({ projectId: undefined, secret: undefined, headers: { 'x-public-token': gw.project.publicToken } });
    for (const client of [ownSession, ownJwt, tokenOnly]) {
      const reply = await client.request(UnlockUserDocument, { userId: e.userId });
      expect([reply.status, codes(reply)]).toEqual([401, ['UNAUTHORIZED_CREDENTIALS']]);
    }
    const other = await gw.newProject();
    expect(codes(await other.client.request(UnlockUserDocument, { userId: e.userId }))).toEqual(['USER_NOT_FOUND']);
    // Nothing changed: still locked, count intact, no "unlocked" event.
    expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: true, consecutiveFailures: N }));
    expect((await events(e)).filter((event) => event.outcome === 'unlocked')).toEqual([]);
    expect(await right(e)).toBe(LOCKED);
  });

  describe('REST facade', () => {
    const rest = (method: string, path: string, authorization = gw.client.authorization!) =>
      fetch(`${gw.url}/v1${path}`, { method, headers: { authorization, 'content-type': 'application/json' }, ...(method === 'POST' && { body: '{}' }) });

    it('shows locked_until and consecutive_failures, and POST /v1/users/:user_id/unlock lifts even a hard lock', async () => {
      const e = await gw.enroll({ verify: true });
      const at = clock.t;
      expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
      const timed = (await (await rest('GET', `/users/${e.userId}`)).json()) as { user?: Record<string, unknown> } & Record<string, unknown>;
      expect(timed).toEqual(expect.objectContaining({ is_locked: true, locked_until: new Date(at + FIRST_LOCK_MS).toISOString(), lock_expires_at: new Date(at + FIRST_LOCK_MS).toISOString(), consecutive_failures: N }));

      for (let lock = 1; lock <= 3; lock++) {
        await outlast(e);
        expect(await wrongs(e, lock < 3 ? N : 1)).toEqual(Array(lock < 3 ? N : 1).fill(UNABLE));
      }
      const hard = await (await rest('GET', `/users/${e.userId}`)).json();
      expect(hard).toEqual(expect.objectContaining({ is_locked: true, locked_until: null, lock_expires_at: null, consecutive_failures: 10 }));

      const unlocked = await rest('POST', `/users/${e.userId}/unlock`);
      expect(unlocked.status).toBe(200);
      expect(await unlocked.json()).toEqual(
        expect.objectContaining({ status_code: 200, user_id: e.userId, user: expect.objectContaining({ is_locked: false, locked_until: null, consecutive_failures: 0 }) }),
      );
      expect((await events(e))[0]).toEqual(expect.objectContaining({ type: 'user', outcome: 'unlocked' }));
      expect(await right(e)).toBe('OK');
    });

    it('refuses an unlock without credentials (401) and answers an unknown or foreign user as user_not_found (404)', async () => {
      const e = await gw.enroll({ verify: true });
      expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
      const anonymous = await fetch(`${gw.url}/v1/users/${e.userId}/unlock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      const other = await gw.newProject();
      const foreign = await rest('POST', `/users/${e.userId}/unlock`, other.client.authorization!);
      expect([foreign.status, ((await foreign.json()) as { error_type: string }).error_type]).toEqual([404, 'user_not_found']);
      const malformed = await rest('POST', '/users/totp-00000000-0000-4000-8000-000000000000/unlock');
      expect([malformed.status, ((await malformed.json()) as { error_type: string }).error_type]).toEqual([400, 'invalid_user_id']);
      expect(await lockOf(e)).toEqual(expect.objectContaining({ isLocked: true, consecutiveFailures: N }));
    });
  });

  it('counts guesses refused while locked into one audit row per user, factor and minute, also when they race', async () => {
    const e = await gw.enroll({ verify: true });
    clock.t = Math.ceil(clock.t / MINUTE_MS) * MINUTE_MS + 5 * SECOND_MS; // early in a minute, so no window ends mid-burst
    expect(await wrongs(e, N)).toEqual(Array(N).fill(UNABLE));
    const before = await events(e);

    const burst = await Promise.all(Array.from({ length: 25 }, () => wrong(e)));
    expect(burst).toEqual(Array(25).fill(LOCKED));
    for (let i = 0; i < 4; i++) {
      expect(await verdictOf(gw.client.request(RecoverTotpDocument, { input: { userId: e.userId, recoveryCode: e.recoveryCodes[i] } }))).toBe(LOCKED);
    }
    clock.t += MINUTE_MS; // still inside the 300 s lock, in the next minute
    expect(await Promise.all(Array.from({ length: 10 }, () => wrong(e)))).toEqual(Array(10).fill(LOCKED));

    const after = await events(e);
    const added = after.slice(0, after.length - before.length);
    expect(after.slice(added.length)).toEqual(before);
    expect(added.map(({ type, outcome, count }) => ({ type, outcome, count }))).toEqual([
      { type: 'totp', outcome: 'locked', count: 10 },
      { type: 'recovery_code', outcome: 'locked', count: 4 },
      { type: 'totp', outcome: 'locked', count: 25 },
    ]);
    // The rows the database holds for the user are exactly these: 39 refusals, 3 rows.
    const placeholder = dialect === 'postgres' ? '$1' : '?';
    const rows: Array<{ n: number | string }> = await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM auth_events WHERE user_id = ${placeholder} AND outcome = 'locked'`, [e.userId]);
    expect(Number(rows[0].n)).toBe(3);
    // Refused unjudged: no attempt was spent, the count is what the judged failures made it.
    expect((await lockOf(e)).consecutiveFailures).toBe(N);
  });
});
