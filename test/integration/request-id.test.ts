// Behaviour: every error body on every path (/graphql through Apollo, the fast path and Fastify; every /v1 route; unknown routes) carries the request id of its x-request-id header, in development and production.
import { createHash } from 'node:crypto';
import { startGateway, type TestGateway } from '../support/gateway';

interface Probe {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Leave out the default project's Basic credentials. */
  readonly anonymous?: boolean;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const PREFLIGHT = { 'apollo-require-preflight': 'true' };
const q = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Malformed, refused and failing GraphQL requests of every kind the HTTP layer, Apollo or the fast path answers. */
const GRAPHQL_PROBES: Probe[] = [
  { name: 'CSRF-blocked GET', method: 'GET', path: '/graphql?query=%7B__typename%7D' },
  { name: 'CSRF-blocked text/plain POST', path: '/graphql', headers: { 'content-type': 'text/plain' }, body: q('{ __typename }') },
  { name: 'GET without a query', method: 'GET', path: '/graphql?foo=1', headers: PREFLIGHT },
  { name: 'GET with a mutation', method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { deleteUser(userId: "x") { userId } }')}`, headers: PREFLIGHT },
  { name: 'GET with variables that are not JSON', method: 'GET', path: '/graphql?query=%7B__typename%7D&variables=%7Bx', headers: PREFLIGHT },
  { name: 'POST {}', path: '/graphql', headers: JSON_TYPE, body: '{}' },
  { name: 'POST []', path: '/graphql', headers: JSON_TYPE, body: '[]' },
  { name: 'POST [{}]', path: '/graphql', headers: JSON_TYPE, body: '[{}]' },
  { name: 'a batch with one bad operation', path: '/graphql', headers: JSON_TYPE, body: `[${q('{ __typename }')}, {"query": 1}]` },
  { name: 'a batch over the limit', path: '/graphql', headers: JSON_TYPE, body: `[${Array.from({ length: 50 }, () => q('{ __typename }')).join(',')}]` },
  { name: 'a batch of failing operations', path: '/graphql', headers: JSON_TYPE, body: `[${q('{ nope }')}, ${q('{ user(userId: "x") { userId } }')}]` },
  { name: 'variables: [1]', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }', { variables: [1] }) },
  { name: 'variables: "x"', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }', { variables: 'x' }) },
  { name: 'query: 1', path: '/graphql', headers: JSON_TYPE, body: '{"query": 1}' },
  { name: 'operationName: 1', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }', { operationName: 1 }) },
  { name: 'extensions: "x"', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }', { extensions: 'x' }) },
  { name: 'an unknown persisted query', path: '/graphql', headers: JSON_TYPE, body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('x') } } }) },
  { name: 'a persisted query whose hash does not match', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }', { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('y') } } }) },
  { name: 'a parse error', path: '/graphql', headers: JSON_TYPE, body: q('{') },
  { name: 'a validation error', path: '/graphql', headers: JSON_TYPE, body: q('{ nope }') },
  { name: 'an unknown operationName', path: '/graphql', headers: JSON_TYPE, body: q('query A { __typename }', { operationName: 'B' }) },
  { name: 'two operations without operationName', path: '/graphql', headers: JSON_TYPE, body: q('query A { __typename } query B { __typename }') },
  { name: 'a subscription', path: '/graphql', headers: JSON_TYPE, body: q('subscription { x }') },
  { name: 'introspection (refused in production, a bad field in development)', path: '/graphql', headers: JSON_TYPE, body: q('{ __schema { nope } }') },
  { name: 'variables that do not coerce', path: '/graphql', headers: JSON_TYPE, body: q('query ($id: ID!) { user(userId: $id) { userId } }', { variables: { id: [1] } }) },
  { name: 'a domain error (fast path)', path: '/graphql', headers: JSON_TYPE, body: q('{ user(userId: "user-00000000-0000-4000-8000-000000000000") { userId } }') },
  { name: 'a domain error (Apollo path)', path: '/graphql', headers: { ...JSON_TYPE, accept: 'application/graphql-response+json' }, body: q('{ user(userId: "x") { userId } }') },
  { name: 'no credentials', path: '/graphql', headers: JSON_TYPE, body: q('{ user(userId: "x") { userId } }'), anonymous: true },
  { name: 'malformed JSON', path: '/graphql', headers: JSON_TYPE, body: '{"query":' },
  { name: 'an empty JSON body', path: '/graphql', headers: JSON_TYPE, body: '' },
  { name: 'invalid UTF-8', path: '/graphql', headers: JSON_TYPE, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: 'a Latin-1 charset', path: '/graphql', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, body: q('{ __typename }') },
  { name: 'an unsupported media type', path: '/graphql', headers: { 'content-type': 'application/xml' }, body: '<query/>' },
  { name: 'a body over the limit', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }', { variables: { pad: 'x'.repeat(1024 * 1024) } }) },
  { name: 'a prototype key', path: '/graphql', headers: JSON_TYPE, body: '{"query":"{ __typename }","variables":{"__proto__":{}}}' },
  { name: 'a URL that is not UTF-8', path: '/graphql?query=%FF', method: 'GET', headers: PREFLIGHT },
  { name: 'PUT /graphql', method: 'PUT', path: '/graphql', headers: JSON_TYPE, body: q('{ __typename }') },
  { name: 'DELETE /graphql', method: 'DELETE', path: '/graphql' },
  { name: 'an unknown path', method: 'GET', path: '/nope' },
  { name: '/metrics without its credentials', method: 'GET', path: '/metrics' },
  { name: 'an unknown path with a body', path: '/graphql/extra', headers: JSON_TYPE, body: q('{ __typename }') },
];

const REST_PROBES: Probe[] = [
  ...['/v1/users', '/v1/totps', '/v1/totps/authenticate', '/v1/totps/recovery_codes', '/v1/totps/recover', '/v1/sessions/authenticate', '/v1/sessions/revoke'].flatMap((path): Probe[] => [
    { name: `${path} without credentials`, path, headers: JSON_TYPE, body: '{}', anonymous: true },
    { name: `${path} with a wrong type`, path, headers: JSON_TYPE, body: '{"user_id": 1, "email": 1, "session_token": 1, "session_id": 1}' },
    { name: `${path} with malformed JSON`, path, headers: JSON_TYPE, body: '{' },
    { name: `${path} with a domain error`, path, headers: JSON_TYPE, body: '{"user_id": "x", "session_token": "x"}' },
    { name: `${path} as XML`, path, headers: { 'content-type': 'application/xml' }, body: '<a/>' },
    { name: `${path} in Latin-1`, path, headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' },
    { name: `${path} over the body limit`, path, headers: JSON_TYPE, body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) },
  ]),
  { name: 'GET /v1/users/:id, unknown', method: 'GET', path: '/v1/users/user-00000000-0000-4000-8000-000000000000' },
  { name: 'DELETE /v1/users/:id, malformed', method: 'DELETE', path: '/v1/users/x' },
  { name: 'DELETE /v1/users/totps/:id, malformed', method: 'DELETE', path: '/v1/users/totps/x' },
  { name: 'GET /v1/sessions, repeated user_id', method: 'GET', path: '/v1/sessions?user_id=a&user_id=b' },
  { name: 'GET /v1/sessions, not UTF-8', method: 'GET', path: '/v1/sessions?user_id=%FF' },
  { name: 'an unknown /v1 route', method: 'GET', path: '/v1/nope' },
  { name: 'PUT /v1/users', method: 'PUT', path: '/v1/users', headers: JSON_TYPE, body: '{}' },
];

describe.each(['development', 'production'])('request ids on error bodies, NODE_ENV=%s', (mode) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { NODE_ENV: mode, METRICS_AUTH: 'prometheus:metrics-password' } });
  });
  afterAll(() => gw?.close());

  async function probe({ method = 'POST', path, headers = {}, body, anonymous }: Probe) {
    const response = await fetch(`${gw.url}${path}`, { method, headers: { ...(!anonymous && { authorization: gw.client.authorization! }), ...headers }, body });
    const text = await response.text();
    return { status: response.status, requestId: response.headers.get('x-request-id'), text };
  }

  it.each(GRAPHQL_PROBES)('GraphQL: $name', async (p) => {
    const answer = await probe(p);
    expect(answer.requestId).toBeTruthy();
    const parsed = JSON.parse(answer.text) as { errors?: Array<{ extensions?: Record<string, unknown> }> } | Array<{ errors?: Array<{ extensions?: Record<string, unknown> }> }>;
    const errors = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((r) => r.errors ?? []);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.extensions).toEqual(expect.objectContaining({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), errorType: expect.stringMatching(/^[a-z][a-z0-9_]*$/), requestId: answer.requestId }));
    }
  });

  it.each(REST_PROBES)('REST: $name', async (p) => {
    const answer = await probe(p);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toEqual(expect.objectContaining({ status_code: answer.status, request_id: answer.requestId, error_type: expect.stringMatching(/^[a-z][a-z0-9_]*$/) }));
  });

  it('another method on /graphql is 405 with Allow; an unknown path is 404', async () => {
    const put = await probe({ name: 'PUT', method: 'PUT', path: '/graphql', headers: JSON_TYPE, body: '{}' });
    expect({ status: put.status, code: (JSON.parse(put.text) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code }).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    const nope = await probe({ name: 'nope', method: 'GET', path: '/nope' });
    expect({ status: nope.status, code: (JSON.parse(nope.text) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code }).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });

  it("a caller's own X-Request-Id is the one every error body quotes", async () => {
    const mine = `mine-${Date.now()}`;
    for (const p of [GRAPHQL_PROBES[0], GRAPHQL_PROBES[5], REST_PROBES[0]]) {
      const answer = await probe({ ...p, headers: { ...p.headers, 'x-request-id': mine } });
      expect(answer.requestId).toBe(mine);
      expect(answer.text).toContain(`"${mine}"`);
    }
  });
});

describe('request ids on rate-limited answers', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { RATE_LIMIT_REQUESTS_PER_MINUTE: '1' } });
  });
  afterAll(() => gw?.close());

  it('a 429 on GraphQL and on REST quotes its request id', async () => {
    const headers = { authorization: gw.client.authorization!, ...JSON_TYPE };
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const graphql = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body: q('{ user(userId: "x") { userId } }') });
      const rest = await fetch(`${gw.url}/v1/users/user-00000000-0000-4000-8000-000000000000`, { headers });
      answers.push({ status: graphql.status, id: graphql.headers.get('x-request-id'), body: (await graphql.json()) as { errors?: Array<{ extensions: Record<string, unknown> }> } });
      answers.push({ status: rest.status, id: rest.headers.get('x-request-id'), body: (await rest.json()) as Record<string, unknown> });
    }
    expect(answers.map((a) => a.status)).toContain(429);
    for (const answer of answers) {
      const ids = 'errors' in answer.body ? (answer.body.errors as Array<{ extensions: Record<string, unknown> }>).map((e) => e.extensions.requestId) : [(answer.body as Record<string, unknown>).request_id];
      expect(ids).toEqual(ids.map(() => answer.id));
    }
  });
});
