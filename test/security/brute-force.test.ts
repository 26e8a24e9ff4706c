// Threat: brute force and resource exhaustion through the GraphQL surface — oversized operations (aliases, depth, tokens, directives, cost, root fields), persisted-query replays, other tenants' credentials and request floods.
import { createHash, randomInt } from 'node:crypto';
import { CreateUserDocument, type GatewayClient } from '../../client';
import type { Clock } from '../../src/common/clock';
import { User } from '../../src/users/user.entity';
import { RateLimit } from '../../src/ratelimit/rate-limit.entity';
import { describeEachDialect, codes, startGateway, totpCode, type TestGateway } from '../support/gateway';

const UNABLE = 'UNABLE_TO_AUTHENTICATE_TOTP';
const LOCKED = 'USER_LOCK_LIMIT_REACHED';
const MINUTE_MS = 60_000;

type ErrorLike = { message?: string; extensions?: { code?: string; errorType?: string; [key: string]: unknown } };
type Result = { data?: Record<string, unknown> | null; errors?: ErrorLike[] };
interface Reply<T = Result> {
  status: number;
  headers: Headers;
  body: T;
}

/** A 6-digit code none of the steps -2..+2 around now produce, so it is always judged wrong. */
function wrongCode(secret: string, nowMs = Date.now()): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totpCode(secret, steps, nowMs)));
  for (;;) {
    const guess = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

/** POSTs a raw JSON body (one operation or a batch) with a client's credentials. */
async function post<T = Result>(gw: TestGateway, body: unknown, client: GatewayClient = gw.client): Promise<Reply<T>> {
  const response = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: client.authorization! },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** 'OK' when the operation ran and succeeded, otherwise its error codes. */
function verdict(result: Result, field = 'authenticateTotp'): string {
  const errorCodes = codes(result);
  if (errorCodes.length === 0 && result.data?.[field]) return 'OK';
  return errorCodes.join(',') || 'NO_DATA_NO_ERROR';
}

/** The user's stored consecutive-failure count: what every judged attempt spends. */
async function attempts(gw: TestGateway, userId: string): Promise<number> {
  const user = await gw.gateway.db.dataSource.getRepository(User).findOneByOrFail({ userId });
  return user.failedAttempts;
}

const GUESS = 'mutation Guess($input: AuthenticateTotpInput!) { authenticateTotp(input: $input) { userId } }';
const guess = (userId: string, code: string, query = GUESS) => ({ query, variables: { input: { userId, totpCode: code } } });

/** `authenticateTotp(input: $input) { <selection> }` as one mutation taking $input. */
const mutation = (selection: string, extra = '') =>
  `mutation Guess($input: AuthenticateTotpInput!) { ${extra} authenticateTotp(input: $input) { ${selection} } }`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A raw createUser operation selecting `selection` from its payload. */
const createUser = (email: string, selection = 'userId') => ({
  query: `mutation ($input: CreateUserInput!) { createUser(input: $input) { ${selection} } }`,
  variables: { input: { email } },
});

/** How many users hold `email` (stored lower-cased): 0 proves a refused createUser never ran. */
async function usersWithEmail(gw: TestGateway, email: string): Promise<number> {
  return gw.gateway.db.dataSource.getRepository(User).countBy({ email: email.toLowerCase() });
}

describeEachDialect('brute force and operation limits on %s', (dialect) => {
  /** Default configuration: lockout after 10, limits at their defaults, no rate limit. */
  let gw: TestGateway;
  /** At most 3 root fields per operation (the client's own operations have one). */
  let narrow: TestGateway;
  /** Depth 3 and cost 20: too tight for the client's enrollment documents, so its tests create users raw. */
  let tight: TestGateway;

  beforeAll(async () => {
    [gw, narrow, tight] = await Promise.all([
      startGateway({ dialect }),
      startGateway({ dialect, env: { GRAPHQL_MAX_ROOT_FIELDS: '3' } }),
      startGateway({ dialect, env: { GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_COST: '20' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), narrow?.close(), tight?.close()]);
  });

  /** The operation was refused whole: HTTP 400, only `code` (with its limit), no data. */
  function expectRefused(reply: Reply, code: string, limit: number): void {
    expect(reply.status).toBe(400);
    expect(codes(reply.body)).toEqual([code]);
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors![0].extensions).toEqual(expect.objectContaining({ code, errorType: code.toLowerCase(), limit }));
  }

  describe('per-operation limits', () => {
    it('refuses more than 50 aliases (TOO_MANY_ALIASES) and runs nothing', async () => {
      const e = await gw.enroll({ verify: true });
      const aliases = Array.from({ length: 51 }, (_, i) => `a${i}: userId`).join(' ');
      const reply = await post(gw, { query: mutation(aliases), variables: guess(e.userId, wrongCode(e.secret)).variables });
      expectRefused(reply, 'TOO_MANY_ALIASES', 50);
      expect(await attempts(gw, e.userId)).toBe(0);
    });

    it('refuses 51 aliased guesses in one operation whole: too many aliases and root fields, no attempt spent', async () => {
      const e = await gw.enroll({ verify: true });
      const fields = Array.from({ length: 51 }, (_, i) => `g${i}: authenticateTotp(input: { userId: "${e.userId}", totpCode: "${wrongCode(e.secret)}" }) { userId }`);
      const reply = await post(gw, { query: `mutation { ${fields.join(' ')} }` });
      expect(reply.status).toBe(400);
      expect(codes(reply.body).sort()).toEqual(['TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS']);
      expect(reply.body.data).toBeUndefined();
      expect(await attempts(gw, e.userId)).toBe(0);
    });

    it('refuses more root fields than GRAPHQL_MAX_ROOT_FIELDS (TOO_MANY_ROOT_FIELDS), counting through fragments', async () => {
      const e = await narrow.enroll({ verify: true });
      const field = (alias: string) => `${alias}: authenticateTotp(input: $input) { userId }`;
      const { variables } = guess(e.userId, wrongCode(e.secret));

      // Two direct, one inline and one through a named fragment: four root fields > 3.
      const query = `mutation Guess($input: AuthenticateTotpInput!) { ${field('a')} ${field('b')} ... on Mutation { ${field('c')} } ...More }
        fragment More on Mutation { ${field('d')} }`;
      expectRefused(await post(narrow, { query, variables }), 'TOO_MANY_ROOT_FIELDS', 3);
      expect(await attempts(narrow, e.userId)).toBe(0);

      // Three distinct root fields (a field repeated under one response key runs once) are allowed.
      const three = `mutation Guess($input: AuthenticateTotpInput!) { ${field('a')} ${field('b')} ${field('a')} ...More }
        fragment More on Mutation { ${field('c')} }`;
      const reply = await post(narrow, { query: three, variables });
      expect(reply.status).toBe(200);
      expect(codes(reply.body)).toEqual([UNABLE]); // root mutation fields run in order; the first failure nulls the rest
      expect(await attempts(narrow, e.userId)).toBe(1);
    });

    it('refuses an operation nested deeper than GRAPHQL_MAX_DEPTH (QUERY_TOO_DEEP) and runs nothing', async () => {
      const email = `deep-${randomInt(1e9)}@example.com`;
      const reply = await post(tight, createUser(email, 'userId user { totps { totpId } }')); // depth 4 > 3
      expectRefused(reply, 'QUERY_TOO_DEEP', 3);
      expect(await usersWithEmail(tight, email)).toBe(0);
      // The same mutation within the limits runs.
      expect(verdict((await post(tight, createUser(email, 'userId user { userId }'))).body, 'createUser')).toBe('OK');
    });

    it('refuses an operation costlier than GRAPHQL_MAX_COST (QUERY_TOO_COMPLEX) and runs nothing', async () => {
      const email = `costly-${randomInt(1e9)}@example.com`;
      // Depth 3, one root field, but 2 + 1.5 * (1 + (2 + 1.5 * 7)) = 22.25 points > 20.
      const selection = 'userId user { userId status isLocked createdAt externalId lockExpiresAt trustedMetadata }';
      expectRefused(await post(tight, createUser(email, selection)), 'QUERY_TOO_COMPLEX', 20);
      expect(await usersWithEmail(tight, email)).toBe(0);
    });

    it('refuses more than 2000 tokens (TOO_MANY_TOKENS) while parsing', async () => {
      const e = await gw.enroll({ verify: true });
      const { variables } = guess(e.userId, wrongCode(e.secret));
      const reply = await post(gw, { query: mutation(Array(2001).fill('userId').join(' ')), variables });
      expectRefused(reply, 'TOO_MANY_TOKENS', 2000);
      expect(await attempts(gw, e.userId)).toBe(0);
    });

    it('refuses more than 50 directives (TOO_MANY_DIRECTIVES)', async () => {
      const e = await gw.enroll({ verify: true });
      const { variables } = guess(e.userId, wrongCode(e.secret));
      const reply = await post(gw, { query: mutation(Array(51).fill('userId @include(if: true)').join(' ')), variables });
      expect(reply.status).toBe(400);
      expect(reply.body.data).toBeUndefined();
      const [first, ...rest] = codes(reply.body);
      expect(first).toBe('TOO_MANY_DIRECTIVES');
      // Whatever else validation finds (the schema may not declare @include) is a validation failure too.
      expect(rest.filter((code) => code !== 'GRAPHQL_VALIDATION_FAILED')).toEqual([]);
      expect(reply.body.errors![0].extensions).toEqual(expect.objectContaining({ errorType: 'too_many_directives', limit: 50 }));
      expect(await attempts(gw, e.userId)).toBe(0);
    });

    it('refuses each over-limit operation of a batch on its own; the others run', async () => {
      const e = await gw.enroll({ verify: true });
      const { variables } = guess(e.userId, wrongCode(e.secret));
      const reply = await post<Result[]>(gw, [
        { query: mutation(Array(2001).fill('userId').join(' ')), variables },
        guess(e.userId, wrongCode(e.secret)),
      ]);
      expect(reply.body.map((r) => verdict(r))).toEqual(['TOO_MANY_TOKENS', UNABLE]);
      expect(await attempts(gw, e.userId)).toBe(1);
    });
  });

  describe('automatic persisted queries', () => {
    it('counts every execution of a persisted query, hash-only repeats and batched ones included', async () => {
      const e = await gw.enroll({ verify: true });
      // A query text no other test registers, so the first hash-only request finds nothing.
      const query = `mutation PersistedGuess($input: AuthenticateTotpInput!) { authenticateTotp(input: $input) { userId } } # ${e.userId}`;
      const persistedQuery = { version: 1, sha256Hash: sha256(query) };
      const byHash = (code: string) => ({ variables: guess(e.userId, code).variables, extensions: { persistedQuery } });

      const unknown = await post(gw, byHash(wrongCode(e.secret)));
      expect(codes(unknown.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(await attempts(gw, e.userId)).toBe(0);

      const registered = await post(gw, { query, ...byHash(wrongCode(e.secret)) });
      expect(verdict(registered.body)).toBe(UNABLE);
      expect(await attempts(gw, e.userId)).toBe(1);

      const verdicts: string[] = [];
      for (let i = 0; i < 4; i++) verdicts.push(verdict((await post(gw, byHash(wrongCode(e.secret)))).body));
      const batch = await post<Result[]>(gw, Array.from({ length: 5 }, () => byHash(wrongCode(e.secret))));
      verdicts.push(...batch.body.map((r) => verdict(r)));
      expect(verdicts).toEqual(Array(9).fill(UNABLE));
      expect(await attempts(gw, e.userId)).toBe(10);

      // Ten judged: the hash buys no more, even with the correct code.
      expect(verdict((await post(gw, byHash(totpCode(e.secret, 0)))).body)).toBe(LOCKED);
    });
  });

  describe('other projects', () => {
    it("cannot spend a user's attempts: another project's credentials get USER_NOT_FOUND and the counter is unchanged", async () => {
      const e = await gw.enroll({ verify: true });
      const others = await Promise.all([gw.newProject(), gw.newProject(), gw.newProject()]);
      for (const other of others) {
        // Wrong codes, single and batched, and the correct code: all answer as for a missing user.
        const single = await post(gw, guess(e.userId, wrongCode(e.secret)), other.client);
        expect(codes(single.body)).toEqual(['USER_NOT_FOUND']);
        const batch = await post<Result[]>(gw, Array.from({ length: 10 }, () => guess(e.userId, wrongCode(e.secret))), other.client);
        expect(batch.body.map((r) => verdict(r))).toEqual(Array(10).fill('USER_NOT_FOUND'));
        const correct = await post(gw, guess(e.userId, totpCode(e.secret, 0)), other.client);
        expect(codes(correct.body)).toEqual(['USER_NOT_FOUND']);
      }
      expect(await attempts(gw, e.userId)).toBe(0);

      // The owner's full budget is intact: nine wrong guesses are judged and the correct code still works.
      const verdicts: string[] = [];
      for (let i = 0; i < 9; i++) verdicts.push(verdict((await post(gw, guess(e.userId, wrongCode(e.secret)))).body));
      expect(verdicts).toEqual(Array(9).fill(UNABLE));
      expect(verdict((await post(gw, guess(e.userId, totpCode(e.secret, 0)))).body)).toBe('OK');
    });
  });

  describe('per-project rate limit', () => {
    /** Fixed 15 s into a window, so no window ends mid-test; tests move it by whole minutes. */
    const clock = { t: Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 15_000, now() { return this.t; } } satisfies Clock & { t: number };
    let limited: TestGateway;

    beforeAll(async () => {
      limited = await startGateway({ dialect, clock, env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '5' } });
    });
    afterAll(() => limited?.close());

    const ping = { query: '{ __typename }' };

    function expectLimited(reply: Reply): void {
      expect(reply.status).toBe(429);
      expect(codes(reply.body)).toEqual(['TOO_MANY_REQUESTS']);
      expect(reply.body.data).toBeUndefined();
      const { retryAfterSeconds, errorType } = reply.body.errors![0].extensions!;
      expect(errorType).toBe('too_many_requests');
      expect(retryAfterSeconds).toBeGreaterThan(0);
      expect(retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(reply.headers.get('retry-after')).toBe(String(retryAfterSeconds));
    }

    it('refuses the 6th operation in a minute with TOO_MANY_REQUESTS (429, Retry-After) and runs nothing', async () => {
      const p = await limited.newProject();
      for (let i = 0; i < 5; i++) {
        const reply = await post(limited, createUser(`ok${i}-${p.projectId}@example.com`), p.client);
        expect([reply.status, verdict(reply.body, 'createUser')]).toEqual([200, 'OK']);
      }
      const email = `refused-${p.projectId}@example.com`;
      expectLimited(await post(limited, createUser(email), p.client));

      // The next window has a fresh budget, and the refused createUser never ran (no DUPLICATE_EMAIL).
      clock.t += MINUTE_MS;
      const retried = await p.client.request(CreateUserDocument, { input: { email } });
      expect(codes(retried)).toEqual([]);
      // Only the current window's counter is kept.
      const windows = await limited.gateway.db.dataSource.getRepository(RateLimit).findBy({ projectId: p.projectId });
      expect(windows).toEqual([expect.objectContaining({ count: 1 })]);
    });

    it('counts each operation of a batch', async () => {
      const p = await limited.newProject();
      const first = await post<Result[]>(limited, [ping, ping, ping], p.client);
      expect(first.status).toBe(200);
      expect(first.body.map((r) => verdict(r, '__typename'))).toEqual(['OK', 'OK', 'OK']);

      const second = await post<Result[]>(limited, [ping, ping, ping], p.client);
      expect(second.status).toBe(429);
      const verdicts = second.body.map((r) => verdict(r, '__typename'));
      expect(verdicts.filter((v) => v === 'OK')).toHaveLength(2);
      expect(verdicts.filter((v) => v === 'TOO_MANY_REQUESTS')).toHaveLength(1);
      expect(second.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);

      expectLimited(await post(limited, ping, p.client));
    });

    it('leaves other projects unaffected', async () => {
      const [noisy, quiet] = await Promise.all([limited.newProject(), limited.newProject()]);
      for (let i = 0; i < 5; i++) expect((await post(limited, ping, noisy.client)).status).toBe(200);
      expectLimited(await post(limited, ping, noisy.client));
      for (let i = 0; i < 5; i++) expect(verdict((await post(limited, ping, quiet.client)).body, '__typename')).toBe('OK');
    });

    it('is shared by every process on the database', async () => {
      const other = await startGateway({
        dialect,
        clock,
        databaseUrl: limited.config.database.kind === 'sqlite' ? `sqlite:${limited.config.database.path}` : limited.config.database.url,
        env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '5', GATEWAY_ENCRYPTION_KEY: limited.config.encryption.key.toString('base64') },
      });
      try {
        const p = await limited.newProject();
        const there = other.project.client.with({ projectId: p.projectId, secret: p.secret });
        for (let i = 0; i < 3; i++) expect((await post(limited, ping, p.client)).status).toBe(200);
        for (let i = 0; i < 2; i++) expect((await post(other, ping, there)).status).toBe(200);
        expectLimited(await post(other, ping, there));
        expectLimited(await post(limited, ping, p.client));
      } finally {
        await other.close();
      }
    });

    it('is off by default: 50 operations in a minute pass and nothing is counted', async () => {
      expect(gw.config.rateLimit.requestsPerMinute).toBe(0);
      const replies = await Promise.all(Array.from({ length: 50 }, () => post(gw, ping)));
      expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(replies.map((r) => verdict(r.body, '__typename'))).toEqual(Array(50).fill('OK'));
      expect(await gw.gateway.db.dataSource.getRepository(RateLimit).count()).toBe(0);
    });
  });
});
