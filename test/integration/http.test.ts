// The HTTP surface: health, request ids, body limits, malformed requests, Sandbox, CSRF prevention, error shape, and masking of unexpected failures.
import { randomUUID } from 'node:crypto';
import { GetUserDocument, SessionsDocument } from '../../client';
import { describeEachDialect, codes, startGateway, type Dialect, type TestGateway } from '../support/gateway';

interface ErrorBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions: { code?: string; errorType?: string; requestId?: string; [key: string]: unknown } }>;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = ErrorBody>(): T;
}

async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** POST /graphql with the default project's credentials; `body` is sent as is when it is a string. */
function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: gw.client.authorization!, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Every error of a reply has an UPPER_SNAKE code, a lower-snake errorType and the reply's request id. */
function expectErrorShape(reply: Reply, code: string): void {
  const body = reply.json();
  expect(codes(body)).toEqual([code]);
  const requestId = reply.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  for (const error of body.errors!) {
    expect(error.extensions).toEqual(expect.objectContaining({ code, errorType: expect.stringMatching(/^[a-z][a-z0-9_]*$/), requestId }));
    expect(error.extensions).not.toHaveProperty('stacktrace');
  }
}

describeEachDialect('HTTP surface on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
  });
  afterAll(() => gw?.close());

  describe('health and request ids', () => {
    it('GET /healthz answers 200 {status: "ok"} without credentials', async () => {
      const reply = await send(`${gw.url}/healthz`);
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ status: 'ok' });
    });

    it('every response carries an x-request-id; a safe one given by the caller is echoed, an unsafe one replaced', async () => {
      const responses = [
        await send(`${gw.url}/healthz`),
        await send(`${gw.url}/v1/sessions/jwks/${gw.project.projectId}`),
        await post(gw, { query: '{ __typename }' }),
        await post(gw, '{'),
        await send(`${gw.url}/no-such-route`),
      ];
      for (const reply of responses) expect(reply.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      const ids = responses.map((r) => r.headers.get('x-request-id'));
      expect(new Set(ids).size).toBe(ids.length);

      const safe = `req-${randomUUID()}.trace:1_A`;
      expect((await send(`${gw.url}/healthz`, { headers: { 'x-request-id': safe } })).headers.get('x-request-id')).toBe(safe);
      const echoedError = await post(gw, { query: '{ nope }' }, { 'x-request-id': safe });
      expect(echoedError.headers.get('x-request-id')).toBe(safe);
      expect(echoedError.json().errors?.[0].extensions.requestId).toBe(safe);

      for (const unsafe of ['has spaces in it', 'x'.repeat(129), '<script>alert(1)</script>', 'a"b']) {
        const reply = await send(`${gw.url}/healthz`, { headers: { 'x-request-id': unsafe } });
        expect(reply.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        expect(reply.headers.get('x-request-id')).not.toBe(unsafe);
      }
    });
  });

  describe('malformed and oversized requests', () => {
    it('refuses a body over 1 MiB with 413 and a JSON error', async () => {
      const padding = 'x'.repeat(1024 * 1024);
      const reply = await post(gw, { query: '{ __typename }', variables: { padding } });
      expect(reply.status).toBe(413);
      expect(reply.headers.get('content-type')).toMatch(/application\/json/);
      const [error] = reply.json().errors!;
      expect(error.extensions.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(error.extensions).toEqual(expect.objectContaining({ errorType: expect.any(String), requestId: reply.headers.get('x-request-id') }));
    });

    it('accepts a body just under the limit', async () => {
      const reply = await post(gw, { query: '{ __typename }', variables: { padding: 'x'.repeat(1024 * 1024 - 200) } });
      expect(reply.status).toBe(200);
      expect(reply.json<{ data: unknown }>().data).toEqual({ __typename: 'Query' });
    });

    it('refuses malformed JSON with 400 and a JSON error', async () => {
      const reply = await post(gw, '{"query": "{ __typename }",');
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/application\/json/);
      const [error] = reply.json().errors!;
      expect(error.extensions.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(error.extensions.requestId).toBe(reply.headers.get('x-request-id'));
    });
  });

  describe('request logs', () => {
    it('log the path but never the query string, where a GET can carry codes and tokens', async () => {
      const marker = `tokenmarker${Date.now()}`;
      const query = encodeURIComponent(`mutation { authenticateTotp(input: {userId: "x", totpCode: "123456", sessionToken: "${marker}"}) { userId } }`);
      const response = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true', authorization: gw.client.authorization! } });
      expect(response.status).toBeGreaterThanOrEqual(400);
      const lines = gw.logs().split('\n').filter((l) => l.includes('"url":"/graphql"'));
      expect(lines.length).toBeGreaterThan(0);
      expect(gw.logs()).not.toContain(marker);
    });
  });

  describe('Sandbox and CSRF prevention', () => {
    it('serves the Apollo Sandbox landing page to a browser in NODE_ENV=test', async () => {
      expect(gw.config.env).toBe('test');
      const reply = await send(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
      expect(reply.text).toMatch(/<html/i);
      expect(reply.text).toMatch(/sandbox/i);
    });

    it('serves it in NODE_ENV=development too', async () => {
      const dev = await startGateway({ dialect, env: { NODE_ENV: 'development' } });
      try {
        expect(dev.config.env).toBe('development');
        const reply = await send(`${dev.url}/graphql`, { headers: { accept: 'text/html' } });
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
        expect(reply.text).toMatch(/sandbox/i);
      } finally {
        await dev.close();
      }
    });

    it('refuses a GET operation without content-type or preflight header (CSRF), accepts it with the header', async () => {
      const url = `${gw.url}/graphql?query=${encodeURIComponent('{__typename}')}`;
      const refused = await send(url, { headers: { authorization: gw.client.authorization! } });
      expect(refused.status).toBe(400);
      expect(refused.text).not.toContain('"__typename"');
      const preflighted = await send(url, { headers: { authorization: gw.client.authorization!, 'apollo-require-preflight': 'true' } });
      expect(preflighted.status).toBe(200);
      expect(preflighted.json<{ data: unknown }>().data).toEqual({ __typename: 'Query' });
    });

    it('refuses a simple (text/plain) POST, accepts application/json', async () => {
      const query = JSON.stringify({ query: '{ __typename }' });
      const simple = await send(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: gw.client.authorization! }, body: query });
      expect(simple.status).toBeGreaterThanOrEqual(400);
      expect(simple.status).toBeLessThan(500);
      expect(simple.text).not.toContain('"__typename"');
      const json = await post(gw, { query: '{ __typename }' });
      expect(json.status).toBe(200);
      expect(json.json<{ data: unknown }>().data).toEqual({ __typename: 'Query' });
    });

    it('never runs a mutation sent over GET', async () => {
      const email = `get-${randomUUID()}@example.com`;
      const mutation = `mutation { createUser(input: { email: "${email}" }) { userId } }`;
      const reply = await send(`${gw.url}/graphql?query=${encodeURIComponent(mutation)}`, {
        headers: { authorization: gw.client.authorization!, 'apollo-require-preflight': 'true' },
      });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      const [row] = (await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM users WHERE email = ${dialect === 'postgres' ? '$1' : '?'}`, [email])) as Array<{ n: number | string }>;
      expect(Number(row.n)).toBe(0);
    });
  });

  describe('error shape', () => {
    it('a parse error carries GRAPHQL_PARSE_FAILED, errorType and requestId', async () => {
      const reply = await post(gw, { query: '{ user(userId: ' });
      expect(reply.status).toBe(400);
      expectErrorShape(reply, 'GRAPHQL_PARSE_FAILED');
    });

    it('a validation error carries GRAPHQL_VALIDATION_FAILED, errorType and requestId', async () => {
      const reply = await post(gw, { query: '{ noSuchField }' });
      expect(reply.status).toBe(400);
      expectErrorShape(reply, 'GRAPHQL_VALIDATION_FAILED');
    });

    it('variables of the wrong type carry BAD_USER_INPUT, errorType and requestId', async () => {
      const query = 'query ($u: ID!) { user(userId: $u) { userId } }';
      expectErrorShape(await post(gw, { query, variables: { u: { not: 'an id' } } }), 'BAD_USER_INPUT');
      expectErrorShape(await post(gw, { query, variables: {} }), 'BAD_USER_INPUT');
      const create = 'mutation ($input: CreateTotpInput!) { createTotp(input: $input) { totpId } }';
      expectErrorShape(await post(gw, { query: create, variables: { input: { userId: `user-${randomUUID()}`, expirationMinutes: 'ten' } } }), 'BAD_USER_INPUT');
    });

    it('domain and credential errors carry errorType and requestId too', async () => {
      expectErrorShape(await post(gw, { query: `{ user(userId: "user-${randomUUID()}") { userId } }` }), 'USER_NOT_FOUND');
      const anonymous = await post(gw, { query: `{ user(userId: "user-${randomUUID()}") { userId } }` }, { authorization: '' });
      expect(anonymous.status).toBe(401);
      expectErrorShape(anonymous, 'UNAUTHORIZED_CREDENTIALS');
    });
  });
});

describeEachDialect('unexpected failures on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let userId: string;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
    userId = await gw.createUser();
  });
  afterAll(() => gw?.close());

  const DRIVER_TEXT = /sqlite|postgres|relation|no such|does not exist|driver|connection|typeorm|pool|SELECT|FROM /i;

  /** The log lines for one request id that report an unexpected error. */
  function unexpectedLogLines(requestId: string): Array<Record<string, unknown>> {
    return gw
      .logs()
      .split('\n')
      .filter((line) => line.includes('unexpected error') && line.includes(requestId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('a failing query inside a resolver is masked as INTERNAL_SERVER_ERROR and logged with the request id', async () => {
    // A real driver failure, no mocks: the table the resolver reads is gone.
    await gw.gateway.db.dataSource.query('DROP TABLE sessions');
    const requestId = `masked-${randomUUID()}`;
    const response = await gw.client.with({ headers: { 'x-request-id': requestId } }).request(SessionsDocument, { userId });
    expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    const [error] = response.errors!;
    expect(error.extensions).toEqual(expect.objectContaining({ errorType: 'internal_server_error', requestId }));
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(error.extensions).not.toHaveProperty('exception');
    expect(error.message).not.toMatch(DRIVER_TEXT);

    const logged = unexpectedLogLines(requestId);
    expect(logged.length).toBeGreaterThan(0);
    // Whatever the driver said went to the log, not to the client.
    const driverMessage = String((logged[0].err as { message?: string } | undefined)?.message ?? '');
    expect(driverMessage).not.toBe('');
    expect(JSON.stringify(response)).not.toContain(driverMessage);
  });

  it('a closed database is masked as INTERNAL_SERVER_ERROR and logged with the request id', async () => {
    await gw.gateway.db.dataSource.destroy();
    const requestId = `closed-${randomUUID()}`;
    const response = await gw.client.with({ headers: { 'x-request-id': requestId } }).request(GetUserDocument, { userId });
    expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(response.data).toBeNull();
    const [error] = response.errors!;
    expect(error.extensions.errorType).toBe('internal_server_error');
    expect(error.message).not.toMatch(DRIVER_TEXT);
    expect(error.extensions).not.toHaveProperty('stacktrace');
    // The process keeps serving what needs no database.
    expect((await send(`${gw.url}/healthz`)).status).toBe(200);
    // Like every other error: the request id in the response, and a log line an operator can find by it.
    expect({ requestId: error.extensions.requestId, logged: unexpectedLogLines(requestId).length > 0 }).toEqual({ requestId, logged: true });
  });
});
