// Threat: a caller with wrong credentials getting any answer but 401: a real project id with a wrong secret (or any sent credentials that prove nothing) runs no operation, `__typename` and introspection included, on Apollo and on the fast path; a request without credentials stays anonymous.
import { randomBytes, randomUUID } from 'node:crypto';
import { GraphqlFastPath } from '../../src/api/fast-path';
import { describeEachDialect, startGateway, type Dialect, type TestGateway } from '../support/gateway';

/** Apollo negotiates this Accept header to JSON as well; the fast path leaves such requests to Apollo. */
const FORCE_APOLLO = { accept: 'application/json;q=1' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer {
  readonly status: number;
  readonly data: unknown;
  readonly codes: string[];
}

describeEachDialect('wrong credentials on %s', (dialect: Dialect) => {
  let gw: TestGateway;
  let answered: jest.SpyInstance<Promise<string | false>>;
  beforeAll(async () => {
    // Spied per dialect (each block restores its own spy).
    answered = jest.spyOn(GraphqlFastPath.prototype as unknown as { answer: () => Promise<string | false> }, 'answer');
    gw = await startGateway({ dialect });
  });
  afterAll(async () => {
    answered.mockRestore();
    await gw?.close();
  });
  beforeEach(() => answered.mockClear());

  async function post(query: string, headers: Record<string, string>): Promise<Answer> {
    const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    const body = (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    return { status: response.status, data: body.data ?? null, codes: (body.errors ?? []).map((e) => String(e.extensions?.code)) };
  }

  /** Whether the fast path answered a request since the last clear. */
  async function tookFastPath(): Promise<boolean> {
    const results = await Promise.all(answered.mock.results.map((r) => r.value));
    answered.mockClear();
    return results.some((r) => r !== false);
  }

  const wrong = (): Array<[string, Record<string, string>]> => [
    ['a real project id with a wrong secret', { authorization: basic(gw.project.projectId, randomBytes(32).toString('base64url')) }],
    ['a real project id with an empty secret', { authorization: basic(gw.project.projectId, '') }],
    ['an unknown project id', { authorization: basic(`project-${randomUUID()}`, gw.project.secret) }],
    ['a malformed Basic header', { authorization: 'Basic !!!' }],
    ['a Bearer token without a public token', { authorization: 'Bearer x' }],
    ['a public token without a session', { 'x-public-token': gw.project.publicToken }],
    ['a public token with a session that does not exist', { 'x-public-token': gw.project.publicToken, authorization: `Bearer ${randomBytes(32).toString('base64url')}` }],
  ];
  const META = [
    ['{ __typename }', '{ __typename }'],
    ['a mutation selecting only __typename', 'mutation { __typename }'],
    ['introspection', '{ __schema { queryType { name } } }'],
  ] as const;

  it.each(META)('%s answers 401 UNAUTHORIZED_CREDENTIALS and no data to every kind of wrong credentials, on both paths', async (_label, query) => {
    for (const [label, headers] of wrong()) {
      const fast = await post(query, headers);
      const viaFastPath = await tookFastPath();
      const apollo = await post(query, { ...headers, ...FORCE_APOLLO });
      expect(await tookFastPath()).toBe(false);
      expect({ label, fast, apollo }).toEqual({
        label,
        fast: { status: 401, data: null, codes: ['UNAUTHORIZED_CREDENTIALS'] },
        apollo: { status: 401, data: null, codes: ['UNAUTHORIZED_CREDENTIALS'] },
      });
      // The fast path takes Basic-auth POSTs: the wrong secret's refusal comes from it, not from Apollo.
      if (headers.authorization?.startsWith('Basic ') && label.startsWith('a real project')) expect({ label, viaFastPath }).toEqual({ label, viaFastPath: true });
    }
  });

  it('a request without credentials stays anonymous: __typename answers (Apollo Sandbox in development), a field refuses', async () => {
    expect(await post('{ __typename }', {})).toEqual({ status: 200, data: { __typename: 'Query' }, codes: [] });
    expect(await post('{ __schema { queryType { name } } }', {})).toEqual({ status: 200, data: { __schema: { queryType: { name: 'Query' } } }, codes: [] });
    expect(await post(`{ user(userId: "user-${randomUUID()}") { userId } }`, {})).toEqual({ status: 401, data: null, codes: ['UNAUTHORIZED_CREDENTIALS'] });
  });

  it('the right secret answers __typename on both paths', async () => {
    const headers = { authorization: basic(gw.project.projectId, gw.project.secret) };
    expect(await post('{ __typename }', headers)).toEqual({ status: 200, data: { __typename: 'Query' }, codes: [] });
    expect(await tookFastPath()).toBe(true);
    expect(await post('{ __typename }', { ...headers, ...FORCE_APOLLO })).toEqual({ status: 200, data: { __typename: 'Query' }, codes: [] });
    expect(await tookFastPath()).toBe(false);
  });
});
