// Rate limits per caller: each session and each client IP has its own budget apart from the backend's, one unit per executed root field (aliases included), and X-Forwarded-For counts only behind a trusted proxy, one budget per address however it is spelled (an IPv6 client per /64), junk charged to the proxy.
import { User } from '../../src/users/user.entity';
import { CreateSessionDocument } from '../../client';
import { describeEachDialect, codes, startGateway, type TestGateway, type TestProject } from '../support/gateway';

const MINUTE_MS = 60_000;
const BACKEND_LIMIT = 5;
const SESSION_LIMIT = 3;
const IP_LIMIT = 8;
const ENV = {
  RATE_LIMIT_REQUESTS_PER_MINUTE: String(BACKEND_LIMIT),
  RATE_LIMIT_SESSION_REQUESTS_PER_MINUTE: String(SESSION_LIMIT),
  RATE_LIMIT_IP_REQUESTS_PER_MINUTE: String(IP_LIMIT),
};

interface Result {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; retryAfterSeconds?: number } }>;
}
interface Reply {
  status: number;
  body: Result | Result[];
}

const ME = { query: '{ me { userId } }' };
const PING = { query: '{ __typename }' };

/** One operation creating `n` users through `n` aliases of createUser. */
function aliasedCreateUsers(tag: string, n: number) {
  const fields = Array.from({ length: n }, (_, i) => `u${i}: createUser(input: { email: "${tag}-${i}@example.com" }) { userId }`);
  return { query: `mutation { ${fields.join(' ')} }` };
}

/** 'OK' when the operation ran without errors, otherwise its error codes. */
const verdict = (result: Result) => (result.errors?.length ? codes(result).join(',') : 'OK');
/** Verdicts of a reply's operations, sorted: Apollo runs a batch's operations concurrently. */
const verdicts = (reply: Reply) => (Array.isArray(reply.body) ? reply.body : [reply.body]).map(verdict).sort();

describeEachDialect('rate limits per caller on %s', (dialect) => {
  /** Fixed 15 s into a window, so no window ends mid-test; tests move it by whole minutes. */
  const clock = { t: Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 15_000, now() { return this.t; } };
  let gw: TestGateway;
  /** The same limits behind a trusted proxy on 127.0.0.1 (where the tests' requests come from). */
  let proxied: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ dialect, clock, env: ENV });
    proxied = await startGateway({ dialect, clock, env: { ...ENV, TRUSTED_PROXIES: '127.0.0.1,::1' } });
  });
  afterAll(async () => {
    await proxied?.close();
    await gw?.close();
  });
  // Every test starts in a fresh window with a fresh project.
  beforeEach(() => (clock.t += MINUTE_MS));

  async function post(target: TestGateway, body: unknown, headers: Record<string, string>): Promise<Reply> {
    const response = await fetch(`${target.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Result | Result[] };
  }
  const backend = (p: TestProject) => ({ authorization: p.client.authorization! });
  const asSession = (p: TestProject, token: string, forwardedFor?: string) => ({
    'x-public-token': p.publicToken,
    authorization: `Bearer ${token}`,
    ...(forwardedFor && { 'x-forwarded-for': forwardedFor }),
  });

  /** A project with `sessions` signed-in users; costs the backend 2 units per session, then a new window. */
  async function projectWithSessions(target: TestGateway, sessions: number): Promise<{ project: TestProject; tokens: string[] }> {
    const project = await target.newProject();
    const tokens: string[] = [];
    for (let i = 0; i < sessions; i++) {
      if (i && i % 2 === 0) clock.t += MINUTE_MS;
      const userId = await target.createUser({}, project.client);
      const { createSession } = await project.client.data(CreateSessionDocument, { input: { userId, sessionDurationMinutes: 60 } });
      tokens.push(createSession.sessionToken);
    }
    clock.t += MINUTE_MS;
    return { project, tokens };
  }

  it('a session spending its whole budget leaves the backend its own', async () => {
    const { project, tokens } = await projectWithSessions(gw, 1);
    const spent = await post(gw, [ME, ME, ME, ME, ME], asSession(project, tokens[0]));
    expect(spent.status).toBe(429);
    expect(verdicts(spent)).toEqual(['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']);
    const refused = (spent.body as Result[]).find((r) => r.errors)!.errors![0].extensions!;
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);

    // The backend still has all of its budget, and only its own.
    const fromBackend = await post(gw, Array(BACKEND_LIMIT + 1).fill(PING), backend(project));
    expect(verdicts(fromBackend)).toEqual([...Array(BACKEND_LIMIT).fill('OK'), 'TOO_MANY_REQUESTS']);
    // A spent backend does not refuse the session either, once its own window turns.
    clock.t += MINUTE_MS;
    expect(verdicts(await post(gw, ME, asSession(project, tokens[0])))).toEqual(['OK']);
  });

  it('two sessions have separate budgets', async () => {
    const { project, tokens } = await projectWithSessions(gw, 2);
    expect(verdicts(await post(gw, [ME, ME, ME, ME], asSession(project, tokens[0])))).toEqual(['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS']);
    expect(verdicts(await post(gw, [ME, ME, ME, ME], asSession(project, tokens[1])))).toEqual(['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS']);
  });

  it('counts every alias: 5 operations of 50 aliased createUser under a limit of 5 create at most 5 users', async () => {
    const project = await gw.newProject();
    clock.t += MINUTE_MS;
    const tag = `alias-${project.projectId}`;
    const reply = await post(gw, Array.from({ length: 5 }, (_, i) => aliasedCreateUsers(`${tag}-${i}`, 50)), backend(project));
    expect(reply.status).toBe(429);
    expect(verdicts(reply)).toEqual(Array(5).fill('TOO_MANY_REQUESTS'));
    const users = gw.gateway.db.dataSource.getRepository(User);
    expect(await users.countBy({ projectId: project.projectId })).toBe(0);

    // An operation that does not fit what is left is refused whole and spends nothing: 2 + 2 run,
    // the third 2 does not (1 left), and a single one still fits.
    const mixed: string[] = [];
    for (const [part, n] of [['a', 2], ['b', 2], ['c', 2], ['d', 1]] as const) mixed.push(...verdicts(await post(gw, aliasedCreateUsers(`${tag}-${part}`, n), backend(project))));
    expect(mixed).toEqual(['OK', 'OK', 'TOO_MANY_REQUESTS', 'OK']);
    expect(await users.countBy({ projectId: project.projectId })).toBe(BACKEND_LIMIT);
    expect(verdicts(await post(gw, PING, backend(project)))).toEqual(['TOO_MANY_REQUESTS']);
  });

  it('counts the root fields that execute: through fragments, not those @skip removes', async () => {
    const project = await gw.newProject();
    clock.t += MINUTE_MS;
    const fragment = { query: 'query { ...F __typename } fragment F on Query { a: __typename b: __typename c: __typename }' };
    // 4 response keys cost 4 of 5; `a` skipped twice over costs nothing beyond the one that runs.
    expect(verdicts(await post(gw, fragment, backend(project)))).toEqual(['OK']);
    const skipped = { query: 'query($s: Boolean!) { a: __typename @skip(if: $s) b: __typename @include(if: false) c: __typename }', variables: { s: true } };
    expect(verdicts(await post(gw, skipped, backend(project)))).toEqual(['OK']);
    expect(verdicts(await post(gw, PING, backend(project)))).toEqual(['TOO_MANY_REQUESTS']);
  });

  it('REST calls draw from the backend budget, one unit each', async () => {
    const { project, tokens } = await projectWithSessions(gw, 1);
    const rest = () => fetch(`${gw.url}/v1/users/user-00000000-0000-4000-8000-000000000000`, { headers: backend(project) });
    const statuses = [];
    for (let i = 0; i <= BACKEND_LIMIT; i++) statuses.push((await rest()).status);
    expect(statuses).toEqual([...Array(BACKEND_LIMIT).fill(404), 429]);
    expect(verdicts(await post(gw, ME, asSession(project, tokens[0])))).toEqual(['OK']);
  });

  it('without a trusted proxy, X-Forwarded-For is ignored: sessions from one address share its budget', async () => {
    const { project, tokens } = await projectWithSessions(gw, 3);
    const spoofed = (i: number) => `203.0.113.${i}`;
    const results: string[] = [];
    for (const [s, token] of tokens.entries()) {
      results.push(...verdicts(await post(gw, [ME, ME, ME], asSession(project, token, spoofed(s)))));
    }
    // 3 + 3 + 2 = the address's 8; each session had 3 of its own, a fresh forged address bought nothing.
    expect(results.sort()).toEqual([...Array(IP_LIMIT).fill('OK'), 'TOO_MANY_REQUESTS']);
    // The backend is not limited by its callers' address.
    expect(verdicts(await post(gw, PING, backend(project)))).toEqual(['OK']);
  });

  it('behind a trusted proxy, each client address has its own budget, and forged entries before it change nothing', async () => {
    const { project, tokens } = await projectWithSessions(proxied, 4);
    const client = '203.0.113.7';
    const results: string[] = [];
    for (const token of tokens.slice(0, 3)) results.push(...verdicts(await post(proxied, [ME, ME, ME], asSession(project, token, client))));
    expect(results.sort()).toEqual([...Array(IP_LIMIT).fill('OK'), 'TOO_MANY_REQUESTS']);
    // The client itself prepending an address: the proxy appends the real one, which is what counts.
    expect(verdicts(await post(proxied, ME, asSession(project, tokens[3], `198.51.100.1, ${client}`)))).toEqual(['TOO_MANY_REQUESTS']);
    // Another client behind the same proxy is not refused.
    expect(verdicts(await post(proxied, ME, asSession(project, tokens[3], '198.51.100.2')))).toEqual(['OK']);
  });

  it.each([
    ['spellings of one IPv6 address and its /64', ['2001:db8::1', '2001:db8:0:0::1', '2001:db8::ffff:2']],
    ['an IPv4 address and its IPv4-mapped IPv6 form', ['198.51.100.9', '::ffff:198.51.100.9', '0:0:0:0:0:ffff:c633:6409']],
    ['forwarded values that are not IP addresses (charged to the proxy)', ['garbage', 'unknown', '127.0.0.1']],
  ])('behind a trusted proxy, %s share one budget', async (_label, spellings) => {
    const { project, tokens } = await projectWithSessions(proxied, 3);
    const results: string[] = [];
    for (const [s, token] of tokens.entries()) results.push(...verdicts(await post(proxied, [ME, ME, ME], asSession(project, token, spellings[s]))));
    // 3 sessions of 3 requests from one client: its 8, not 3 fresh budgets.
    expect(results.sort()).toEqual([...Array(IP_LIMIT).fill('OK'), 'TOO_MANY_REQUESTS']);
  });
});
