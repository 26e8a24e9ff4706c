// Threat: prototype pollution through JSON input: `__proto__`, `constructor` and `prototype` keys at any depth of metadata or custom claims are refused (BAD_USER_INPUT, forbidden_json_key) on GraphQL literals, GraphQL variables, GET variables and REST bodies; nothing is written and no attempt is spent.
import { User } from '../../src/users/user.entity';
import { describeEachDialect, startGateway, totpCode, type Dialect, type Enrollment, type TestGateway } from '../support/gateway';

interface Answer {
  status: number;
  requestId: string | null;
  body: Record<string, unknown> & { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions: Record<string, unknown> }> };
}

/** The prototype keys, each as a GraphQL object literal and as JSON, nested in different ways. */
const LITERALS = ['{ __proto__: { admin: true } }', '{ a: { constructor: { prototype: { admin: true } } } }', '{ list: [1, { prototype: 1 }] }', '{ deep: { deeper: { __proto__: 1 } } }'];
const JSON_TEXTS = ['{"__proto__":{"admin":true}}', '{"a":{"constructor":{"prototype":{"admin":true}}}}', '{"list":[1,{"prototype":1}]}', '{"deep":{"deeper":{"\\u005f_proto__":1}}}'];
const APOLLO_PATH = { accept: 'application/graphql-response+json' };

describeEachDialect('prototype keys on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let enrolled: Enrollment;
  beforeAll(async () => {
    gw = await startGateway({ dialect });
    enrolled = await gw.enroll({ verify: true });
  });
  afterAll(() => gw?.close());

  async function send(path: string, body: string | undefined, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
    const response = await fetch(`${gw.url}${path}`, { method, headers: { 'content-type': 'application/json', authorization: gw.client.authorization!, ...headers }, body });
    return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
  }

  const graphql = (query: string, headers: Record<string, string> = {}) => send('/graphql', JSON.stringify({ query }), headers);

  /** Rows a refused request must leave alone: users and sessions, and the victim's failure count. */
  async function state() {
    const count = async (table: string) => Number(((await gw.gateway.db.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`)) as Array<{ n: number | string }>)[0].n);
    const victim = await gw.gateway.db.dataSource.getRepository(User).findOneByOrFail({ userId: enrolled.userId });
    return { users: await count('users'), sessions: await count('sessions'), failedAttempts: victim.failedAttempts };
  }

  function expectGraphqlRefusal(answer: Answer): void {
    expect(answer.body.errors?.map((e) => [e.extensions.code, e.extensions.errorType])).toEqual([['BAD_USER_INPUT', 'forbidden_json_key']]);
    expect(answer.body.errors?.[0].extensions.requestId).toBe(answer.requestId);
    expect(answer.body.data ?? null).toBeNull();
  }

  describe.each([
    ['the fast path', {}],
    ["Apollo's path", APOLLO_PATH],
  ])('GraphQL literals through %s', (_path, headers: Record<string, string>) => {
    it.each(LITERALS)('createUser refuses metadata %s and writes nothing', async (literal) => {
      const before = await state();
      for (const field of ['trustedMetadata', 'untrustedMetadata']) {
        expectGraphqlRefusal(await graphql(`mutation { createUser(input: { email: "p${Date.now()}@example.com", ${field}: ${literal} }) { userId } }`, headers));
      }
      expect(await state()).toEqual(before);
    });

    it.each(LITERALS)('authenticateTotp refuses sessionCustomClaims %s: no session, no attempt spent', async (literal) => {
      const before = await state();
      const wrong = totpCode(enrolled.secret, 10);
      const answer = await graphql(
        `mutation { authenticateTotp(input: { userId: "${enrolled.userId}", totpCode: "${wrong}", sessionDurationMinutes: 60, sessionCustomClaims: ${literal} }) { sessionJwt } }`,
        headers,
      );
      expectGraphqlRefusal(answer);
      expect(await state()).toEqual(before);
    });

    it.each(LITERALS)('createSession refuses sessionCustomClaims %s', async (literal) => {
      const before = await state();
      expectGraphqlRefusal(await graphql(`mutation { createSession(input: { userId: "${enrolled.userId}", sessionDurationMinutes: 60, sessionCustomClaims: ${literal} }) { sessionJwt } }`, headers));
      expect(await state()).toEqual(before);
    });
  });

  it.each(JSON_TEXTS)('GraphQL variables %s are refused before anything runs', async (json) => {
    const before = await state();
    const query = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { userId } }';
    for (const headers of [{}, APOLLO_PATH]) {
      const body = `{"query":${JSON.stringify(query)},"variables":{"input":{"email":"v${Date.now()}@example.com","trustedMetadata":${json}}}}`;
      const answer = await send('/graphql', body, headers);
      expect(answer.status).toBe(400);
      expectGraphqlRefusal(answer);
    }
    expect(await state()).toEqual(before);
  });

  it('GET variables are held to the same rule', async () => {
    const variables = encodeURIComponent('{"id":"x","extra":{"__proto__":{"admin":true}}}');
    const query = encodeURIComponent('query ($id: ID!) { user(userId: $id) { userId } }');
    const answer = await send(`/graphql?query=${query}&variables=${variables}`, undefined, { 'apollo-require-preflight': 'true' }, 'GET');
    expect(answer.status).toBe(400);
    expectGraphqlRefusal(answer);
  });

  describe('REST bodies', () => {
    const cases: Array<[string, (json: string) => string]> = [
      ['/v1/users trusted_metadata', (json) => `{"email":"r${Date.now()}@example.com","trusted_metadata":${json}}`],
      ['/v1/users untrusted_metadata', (json) => `{"email":"r${Date.now()}@example.com","untrusted_metadata":${json}}`],
      ['/v1/totps/authenticate session_custom_claims', (json) => `{"user_id":"${enrolled.userId}","totp_code":"000000","session_duration_minutes":60,"session_custom_claims":${json}}`],
      ['/v1/sessions/authenticate session_custom_claims', (json) => `{"session_token":"x","session_custom_claims":${json}}`],
      ['/v1/users an unknown top-level field', (json) => `{"email":"r${Date.now()}@example.com","extra":${json}}`],
    ];
    it.each(cases)('%s: refused with 400 forbidden_json_key, nothing written, no attempt spent', async (route, build) => {
      const path = route.split(' ')[0];
      for (const json of JSON_TEXTS) {
        const before = await state();
        const answer = await send(path, build(json));
        expect({ status: answer.status, type: answer.body.error_type, id: answer.body.request_id }).toEqual({ status: 400, type: 'forbidden_json_key', id: answer.requestId });
        expect(await state()).toEqual(before);
      }
    });
  });

  it('ordinary keys that merely resemble them are stored as given', async () => {
    const metadata = { proto: 1, Constructor: 2, __proto: 3, prototypes: 4, note: '__proto__' };
    const answer = await send('/v1/users', JSON.stringify({ email: `ok${Date.now()}@example.com`, trusted_metadata: metadata }));
    expect(answer.status).toBe(200);
    expect((answer.body.user as { trusted_metadata: unknown }).trusted_metadata).toEqual(metadata);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
