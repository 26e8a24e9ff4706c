// The /graphql fast path (src/api/fast-path.ts) answers Basic-auth POSTs byte for byte as Apollo does, and leaves everything else to Apollo.
import { GetUserDocument } from '../../client';
import { GraphqlFastPath } from '../../src/api/fast-path';
import { startGateway, totpCode, type TestGateway } from '../support/gateway';

interface Answer {
  status: number;
  /** Every response header but the ones that differ between any two responses (date, keep-alive). */
  headers: Record<string, string>;
  body: string;
}

const PER_RESPONSE_HEADERS = new Set(['date', 'keep-alive', 'connection']);

/** Apollo negotiates this Accept header to application/json as well; the fast path leaves it to Apollo. */
const FORCE_APOLLO = { accept: 'application/json;q=1' };
const UNKNOWN_USER = 'user-00000000-0000-4000-8000-000000000000';

describe('GraphQL fast path', () => {
  let gw: TestGateway;
  let basic: string;
  let userId: string;
  let sequence = 0;
  const answered = jest.spyOn(GraphqlFastPath.prototype as unknown as { answer: () => Promise<string | false> }, 'answer');

  beforeAll(async () => {
    gw = await startGateway();
    basic = `Basic ${Buffer.from(`${gw.project.projectId}:${gw.project.secret}`).toString('base64')}`;
    userId = await gw.createUser({ email: 'fast-path@example.com', name: { firstName: 'Ada' } });
  });
  afterAll(async () => {
    answered.mockRestore();
    await gw.close();
  });
  beforeEach(() => answered.mockClear());

  /** Sends one request with a fixed X-Request-Id, so both paths can be compared byte for byte. */
  async function send(body: unknown, headers: Record<string, string> = {}, requestId = `req-${++sequence}`): Promise<Answer> {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic, 'x-request-id': requestId, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const kept = [...response.headers].filter(([name]) => !PER_RESPONSE_HEADERS.has(name));
    return { status: response.status, headers: Object.fromEntries(kept), body: await response.text() };
  }

  /** Whether the fast path answered the requests since the last clear (true), or left them all to Apollo (false). */
  async function tookFastPath(): Promise<boolean> {
    const results = await Promise.all(answered.mock.results.map((r) => r.value as Promise<string | false>));
    return results.some((r) => r !== false);
  }

  /** The same request through the fast path (when eligible) and through Apollo, with the same request id. */
  async function both(body: unknown, headers: Record<string, string> = {}): Promise<{ fast: Answer; apollo: Answer; viaFastPath: boolean }> {
    const id = `req-${++sequence}`;
    const fast = await send(body, headers, id);
    const viaFastPath = await tookFastPath();
    answered.mockClear();
    const apollo = await send(body, { ...headers, ...FORCE_APOLLO }, id);
    expect(await tookFastPath()).toBe(false);
    return { fast, apollo, viaFastPath };
  }

  const USER = 'query User($id: ID!) { user(userId: $id) { userId status emails { email verified } name { firstName lastName } totps { totpId } isLocked } }';

  it.each([
    ['a successful query', { query: USER, variables: { id: 'SELF' } }],
    ['a catalogue error (USER_NOT_FOUND)', { query: USER, variables: { id: UNKNOWN_USER } }],
    ['a malformed id (INVALID_USER_ID)', { query: USER, variables: { id: '' } }],
    ['an unknown external id (USER_NOT_FOUND)', { query: USER, variables: { id: 'nope' } }],
    ['partial data from two aliased root fields', { query: 'query($a: ID!, $b: ID!) { a: sessions(userId: $a) { sessionId } b: sessions(userId: $b) { sessionId } }', variables: { a: 'SELF', b: UNKNOWN_USER } }],
    ['an operation picked by operationName', { query: `${USER} query Other { user(userId: "${UNKNOWN_USER}") { userId } }`, operationName: 'Other' }],
    ['a refused TOTP code (INVALID_TOTP_CODE)', { query: 'mutation($i: AuthenticateTotpInput!) { authenticateTotp(input: $i) { userId } }', variables: { i: { userId: UNKNOWN_USER, totpCode: '12ab' } } }],
    ['class-validator input errors (BAD_USER_INPUT)', { query: 'mutation($i: CreateUserInput!) { createUser(input: $i) { userId } }', variables: { i: { email: 'not-an-email' } } }],
    ['inline arguments and no variables', { query: `{ user(userId: "${UNKNOWN_USER}") { userId } }` }],
  ])('answers %s exactly as Apollo does', async (_name, request) => {
    const body = JSON.parse(JSON.stringify(request).replaceAll('"SELF"', JSON.stringify(userId)));
    const { fast, apollo, viaFastPath } = await both(body);
    expect(viaFastPath).toBe(true);
    expect(fast).toEqual(apollo);
    expect(fast.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(fast.headers['cache-control']).toBe('no-store');
    const parsed = JSON.parse(fast.body) as { errors?: Array<{ extensions: Record<string, unknown> }> };
    for (const error of parsed.errors ?? []) expect(error.extensions).toEqual(expect.objectContaining({ code: expect.any(String), errorType: expect.any(String), requestId: fast.headers['x-request-id'] }));
  });

  it('answers wrong credentials with the same 401 and UNAUTHORIZED_CREDENTIALS', async () => {
    const wrong = `Basic ${Buffer.from(`${gw.project.projectId}:not-the-secret`).toString('base64')}`;
    const { fast, apollo, viaFastPath } = await both({ query: USER, variables: { id: userId } }, { authorization: wrong });
    expect(viaFastPath).toBe(true);
    expect(fast).toEqual(apollo);
    expect(fast.status).toBe(401);
    expect(JSON.parse(fast.body).errors[0].extensions.code).toBe('UNAUTHORIZED_CREDENTIALS');
  });

  it.each([
    ['a syntax error', { query: '{ user(userId: ' }],
    ['a validation error (unknown field)', { query: `{ user(userId: "${UNKNOWN_USER}") { password } }` }],
    ['an operation limit (too many aliases)', { query: `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: user(userId: "${UNKNOWN_USER}") { userId }`).join(' ')} }` }],
    ['variables that do not coerce', { query: USER, variables: { id: { not: 'an id' } } }],
    ['a missing required variable', { query: USER }],
    ['an unknown operationName', { query: USER, operationName: 'Nope', variables: { id: UNKNOWN_USER } }],
    ['a persisted-query extension', { query: USER, variables: { id: UNKNOWN_USER }, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }],
    ['variables sent as a string', { query: USER, variables: JSON.stringify({ id: UNKNOWN_USER }) }],
  ])('leaves %s to Apollo, which answers as before', async (_name, body) => {
    const { fast, apollo, viaFastPath } = await both(body);
    expect(viaFastPath).toBe(false);
    expect(fast).toEqual(apollo);
    expect(fast.status).toBe(400);
  });

  it('caches only documents an authenticated caller sent: a made-up Basic header cannot fill the cache', async () => {
    const remember = jest.spyOn(GraphqlFastPath.prototype as unknown as { remember: (query: string) => void }, 'remember');
    try {
      const stranger = `Basic ${Buffer.from(`${gw.project.projectId}:not-the-secret`).toString('base64')}`;
      for (let i = 0; i < 5; i++) {
        const response = await send({ query: `query Probe${i} { user(userId: "${UNKNOWN_USER}") { userId } }` }, { authorization: stranger });
        expect(response.status).toBe(401);
      }
      expect(remember).not.toHaveBeenCalled();
      await send({ query: 'query Known { user(userId: "' + UNKNOWN_USER + '") { userId } }' });
      expect(remember).toHaveBeenCalledTimes(1);
    } finally {
      remember.mockRestore();
    }
  });

  it('leaves batches, GET, other Accept headers and session callers to Apollo', async () => {
    const op = { query: USER, variables: { id: userId } };
    await send([op, op]);
    await fetch(`${gw.url}/graphql?query=${encodeURIComponent(`{ user(userId: "${userId}") { userId } }`)}`, { headers: { authorization: basic } });
    await send(op, { accept: 'application/graphql-response+json' });
    await send(op, { 'x-public-token': 'public-token-of-nobody' });
    expect(await tookFastPath()).toBe(false);
  });

  it('counts fast-path operations in the metrics like Apollo-path ones', async () => {
    const metric = async () => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      return Number(/totp_gateway_graphql_operations_total\{operation="User",result="success"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await metric();
    await send({ query: USER, variables: { id: userId } });
    expect(await tookFastPath()).toBe(true);
    await send({ query: USER, variables: { id: userId } }, FORCE_APOLLO);
    expect(await metric()).toBe(before + 2);
  });

  it('authenticates a TOTP through the fast path with the same payload shape as Apollo', async () => {
    const [a, b] = [await gw.enroll({ verify: true }), await gw.enroll({ verify: true })];
    const query = 'mutation($i: AuthenticateTotpInput!) { authenticateTotp(input: $i) { userId totpId session { sessionId } sessionToken sessionJwt } }';
    const shape = (answer: Answer, e: { userId: string; totpId: string }) => {
      const parsed = JSON.parse(answer.body);
      expect(parsed.data.authenticateTotp).toEqual(expect.objectContaining({ userId: e.userId, totpId: e.totpId }));
      return { status: answer.status, keys: Object.keys(parsed.data.authenticateTotp), session: Object.keys(parsed.data.authenticateTotp.session) };
    };
    const fast = await send({ query, variables: { i: { userId: a.userId, totpCode: totpCode(a.secret), sessionDurationMinutes: 60 } } });
    expect(await tookFastPath()).toBe(true);
    const apollo = await send({ query, variables: { i: { userId: b.userId, totpCode: totpCode(b.secret), sessionDurationMinutes: 60 } } }, FORCE_APOLLO);
    expect(shape(fast, a)).toEqual(shape(apollo, b));
  });
});

describe('GraphQL fast path with a request rate limit', () => {
  it('runs the rate limit as Apollo does: the refusal is 429 with Retry-After and nothing executes', async () => {
    // Time stands still, so both refusals are computed at the same instant and may be compared byte for byte.
    const frozenMs = Date.now();
    const gw = await startGateway({ env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '2' }, clock: { now: () => frozenMs } });
    const answered = jest.spyOn(GraphqlFastPath.prototype as unknown as { answer: () => Promise<string | false> }, 'answer');
    try {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await gw.client.request(GetUserDocument, { userId: UNKNOWN_USER }));
      expect(results.map((r) => r.errors?.[0]?.extensions.code)).toEqual(['USER_NOT_FOUND', 'USER_NOT_FOUND', 'TOO_MANY_REQUESTS']);
      const answers = await Promise.all(answered.mock.results.map((r) => r.value as Promise<string | false>));
      expect(answers).toHaveLength(3);
      expect(answers.every((a) => a !== false)).toBe(true);

      // The same refusal from both paths, with the same request id: byte for byte the same body.
      const refuse = (headers: Record<string, string>) =>
        fetch(`${gw.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: gw.client.authorization!, 'x-request-id': 'req-limited', ...headers },
          body: JSON.stringify({ query: `query { user(userId: "${UNKNOWN_USER}") { userId } }` }),
        });
      const [fast, apollo] = [await refuse({}), await refuse(FORCE_APOLLO)];
      const fastBody = await fast.text();
      expect(fastBody).toBe(await apollo.text());
      expect([fast.status, apollo.status]).toEqual([429, 429]);
      expect(fast.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      const body = JSON.parse(fastBody) as { data?: unknown; errors: Array<{ extensions: Record<string, unknown> }> };
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', requestId: 'req-limited' });
    } finally {
      answered.mockRestore();
      await gw.close();
    }
  });
});

describe('GraphQL fast path with introspection off', () => {
  it('refuses __schema and __type as Apollo does (Apollo answers)', async () => {
    const gw = await startGateway({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    const answered = jest.spyOn(GraphqlFastPath.prototype as unknown as { answer: () => Promise<string | false> }, 'answer');
    try {
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "User") { name } }']) {
        const response = await fetch(`${gw.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: gw.client.authorization! },
          body: JSON.stringify({ query }),
        });
        const body = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions: { code: string } }> };
        expect(response.status).toBe(400);
        expect(body.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(body.errors?.[0].message).toMatch(/introspection/i);
      }
      const results = await Promise.all(answered.mock.results.map((r) => r.value as Promise<string | false>));
      expect(results.every((r) => r === false)).toBe(true);
    } finally {
      answered.mockRestore();
      await gw.close();
    }
  });
});
